from django.urls import path

from samphan.automations import views

app_name = "automations"

urlpatterns = [
    path("campaigns/automations/", views.journey_list, name="list"),
    path("campaigns/automations/recipe/", views.journey_from_recipe, name="recipe"),
    path("campaigns/automations/<int:journey_id>/", views.journey_detail, name="journey"),
]
