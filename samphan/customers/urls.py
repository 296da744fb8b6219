from samphan.customers.views import lists, merge, profile

app_name = "customers"
urlpatterns = [*lists.urlpatterns, *profile.urlpatterns, *merge.urlpatterns]
