from samphan.commerce.views import orders, sale

app_name = "commerce"
urlpatterns = [*orders.urlpatterns, *sale.urlpatterns]
