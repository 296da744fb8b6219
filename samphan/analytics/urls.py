from django.urls import path

from samphan.analytics import views

app_name = "analytics"
urlpatterns = [
    path("analytics/", views.index, name="index"),
    path("analytics/recompute/", views.recompute, name="recompute"),
    path("analytics/spend/", views.spend_add, name="spend_add"),
]
urlpatterns += [
    path("analytics/suggestions/", views.suggestions, name="suggestions"),
    path("analytics/personas/", views.personas, name="personas"),
]
