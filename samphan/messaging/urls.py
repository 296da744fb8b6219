from django.urls import path

from samphan.messaging import views

app_name = "messaging"
urlpatterns = [
    path("hooks/line/<str:token>", views.line_webhook, name="line_webhook"),
    path("settings/line/", views.line_settings, name="line_settings"),
    path("settings/line/quota/", views.line_quota, name="line_quota"),
    path("settings/line/webhook/rotate/", views.line_webhook_rotate, name="line_webhook_rotate"),
    path("settings/line/events/", views.line_events, name="line_events"),
    path(
        "customers/<int:customer_id>/line-code/",
        views.link_code_create,
        name="link_code_create",
    ),
]
