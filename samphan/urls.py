from django.contrib import admin
from django.urls import include, path

from samphan.api.api import api

urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("samphan.customers.urls")),
    path("", include("samphan.commerce.urls")),
    path("", include("samphan.imports.urls")),
    path("", include("samphan.segments.urls")),
    path("", include("samphan.analytics.urls")),
    path("", include("samphan.privacy.urls")),
    path("", include("samphan.loyalty.coupons.urls")),
    path("", include("samphan.loyalty.urls")),
    path("", include("samphan.messaging.urls")),
    path("", include("samphan.service.sla.urls")),
    path("", include("samphan.service.urls")),
    path("", include("samphan.feedback.urls")),
    path("", include("samphan.text.urls")),
    path("", include("samphan.automations.urls")),
    path("", include("samphan.web.urls")),
]
