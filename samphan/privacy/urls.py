from django.urls import path, re_path

from samphan.privacy.views import cases, customer, policy

app_name = "privacy"
urlpatterns = [
    path("settings/privacy/", cases.overview, name="overview"),
    path("settings/privacy/requests/", cases.request_list, name="request_list"),
    path("settings/privacy/requests/new/", cases.request_new, name="request_new"),
    path(
        "settings/privacy/requests/<int:request_id>/", cases.request_detail, name="request_detail"
    ),
    path("settings/privacy/breaches/", cases.breach_list, name="breach_list"),
    path("settings/privacy/breaches/new/", cases.breach_new, name="breach_new"),
    path("settings/privacy/breaches/<int:breach_id>/", cases.breach_detail, name="breach_detail"),
    path("settings/privacy/retention/", policy.retention, name="retention"),
    path("settings/privacy/retention/switch/", policy.retention_switch, name="retention_switch"),
    path("settings/privacy/record/", policy.record, name="record"),
    re_path(
        r"^settings/privacy/record\.(?P<fmt>csv|json)$",
        policy.record_download,
        name="record_download",
    ),
    path(
        "customers/<int:customer_id>/personal-data.json",
        customer.customer_export,
        name="customer_export",
    ),
    path("customers/<int:customer_id>/erase/", customer.customer_erase, name="customer_erase"),
]
