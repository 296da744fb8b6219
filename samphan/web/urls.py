from django.urls import path

from samphan.web.views import dashboard, settings, shell

app_name = "web"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("language/", shell.set_language, name="set_language"),
    path("years/", shell.set_years, name="set_years"),
    path("workspace/switch/", shell.workspace_switch, name="workspace_switch"),
    path("settings/", settings.settings_index, name="settings"),
    path("settings/profile/", settings.settings_profile, name="settings_profile"),
    path("settings/branches/", settings.branch_list, name="branch_list"),
    path("settings/branches/new/", settings.branch_create, name="branch_create"),
    path("settings/branches/<int:branch_id>/", settings.branch_edit, name="branch_edit"),
    path("settings/channels/", settings.channel_list, name="channel_list"),
    path("settings/channels/defaults/", settings.channel_add_defaults, name="channel_add_defaults"),
    path(
        "settings/channels/<int:channel_id>/active/",
        settings.channel_set_active,
        name="channel_set_active",
    ),
    path("settings/members/", settings.member_list, name="member_list"),
    path("settings/members/two-step/", settings.member_mfa_policy, name="member_mfa_policy"),
    path("settings/members/<int:membership_id>/", settings.member_edit, name="member_edit"),
    path(
        "settings/members/<int:membership_id>/remove/",
        settings.member_remove,
        name="member_remove",
    ),
    path("settings/api-keys/", settings.apikey_list, name="apikey_list"),
    path("settings/api-keys/new/", settings.apikey_create, name="apikey_create"),
    path("settings/api-keys/<int:key_id>/revoke/", settings.apikey_revoke, name="apikey_revoke"),
    path("settings/audit/", settings.audit_log, name="audit_log"),
]
