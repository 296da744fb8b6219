from samphan.loyalty.counter import urlpatterns as counter_urls
from samphan.loyalty.enrol import urlpatterns as enrol_urls
from samphan.loyalty.views import app_name, urlpatterns

urlpatterns = [*urlpatterns, *counter_urls, *enrol_urls]

__all__ = ["app_name", "urlpatterns"]
