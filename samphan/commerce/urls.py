from samphan.commerce.views import imports, orders, sale

app_name = "commerce"
urlpatterns = [*imports.urlpatterns, *orders.urlpatterns, *sale.urlpatterns]
