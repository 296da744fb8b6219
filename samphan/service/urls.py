from samphan.service.public import urlpatterns as public_urls
from samphan.service.views import app_name, urlpatterns

urlpatterns = [*urlpatterns, *public_urls]

__all__ = ["app_name", "urlpatterns"]
