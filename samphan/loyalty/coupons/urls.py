from django.urls import URLPattern, path

from samphan.loyalty.coupons import views

app_name = "coupons"
urlpatterns: list[URLPattern] = [
    path("loyalty/coupons/", views.campaign_list, name="list"),
    path("loyalty/coupons/new/", views.campaign_new, name="new"),
    path("loyalty/coupons/<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("loyalty/coupons/<int:campaign_id>/codes/", views.codes_new, name="codes_new"),
    path("loyalty/coupons/<int:campaign_id>/codes.csv", views.codes_export, name="codes_export"),
    path("loyalty/coupons/<int:campaign_id>/active/", views.campaign_active, name="active"),
]
