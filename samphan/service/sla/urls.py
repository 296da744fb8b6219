from django.urls import path

from samphan.service.sla import views

app_name = "sla"
urlpatterns = [
    path("settings/sla/", views.sla_settings, name="settings"),
    path("settings/sla/calendars/new/", views.calendar_new, name="calendar_new"),
    path("settings/sla/calendars/<int:calendar_id>/", views.calendar_edit, name="calendar_edit"),
    path(
        "settings/sla/calendars/<int:calendar_id>/delete/",
        views.calendar_delete,
        name="calendar_delete",
    ),
    path(
        "settings/sla/calendars/<int:calendar_id>/closed-days/",
        views.closed_day_add,
        name="closed_day_add",
    ),
    path(
        "settings/sla/calendars/<int:calendar_id>/closed-days/remove/",
        views.closed_day_remove,
        name="closed_day_remove",
    ),
    path("settings/sla/policies/new/", views.policy_new, name="policy_new"),
    path("settings/sla/policies/<int:policy_id>/", views.policy_edit, name="policy_edit"),
    path(
        "settings/sla/policies/<int:policy_id>/delete/",
        views.policy_delete,
        name="policy_delete",
    ),
]
