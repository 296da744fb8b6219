from django.urls import path

from samphan.messaging import campaign_views, views

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
    path("campaigns/", campaign_views.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaign_views.campaign_new, name="campaign_new"),
    path("campaigns/preview/", campaign_views.campaign_preview, name="campaign_preview"),
    path("campaigns/estimate/", campaign_views.campaign_estimate, name="campaign_estimate"),
    path("campaigns/rules/", campaign_views.campaign_rules, name="campaign_rules"),
    path("campaigns/<int:campaign_id>/", campaign_views.campaign_detail, name="campaign_detail"),
    path(
        "campaigns/<int:campaign_id>/progress/",
        campaign_views.campaign_progress,
        name="campaign_progress",
    ),
    path("campaigns/<int:campaign_id>/send/", campaign_views.campaign_send, name="campaign_send"),
    path(
        "campaigns/<int:campaign_id>/cancel/",
        campaign_views.campaign_cancel,
        name="campaign_cancel",
    ),
    path("u/<str:token>/", campaign_views.unsubscribe, name="unsubscribe"),
    path("m/o/<str:token>.gif", campaign_views.track_open, name="track_open"),
    path("m/c/<str:token>/", campaign_views.track_click, name="track_click"),
    path("l/<str:token>", campaign_views.track_click, name="track_short"),
    path("hooks/sms/<str:token>/", campaign_views.sms_callback, name="sms_callback"),
]
