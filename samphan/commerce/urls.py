from samphan.commerce.views import imports, sale

app_name = "commerce"
urlpatterns = [*imports.urlpatterns, *sale.urlpatterns]
