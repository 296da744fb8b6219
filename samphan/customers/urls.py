from samphan.customers.views import (
    addresses,
    consent,
    interactions,
    lists,
    merge,
    profile,
    timeline,
)

app_name = "customers"
urlpatterns = [
    *lists.urlpatterns,
    *profile.urlpatterns,
    *timeline.urlpatterns,
    *consent.urlpatterns,
    *addresses.urlpatterns,
    *interactions.urlpatterns,
    *merge.urlpatterns,
]
