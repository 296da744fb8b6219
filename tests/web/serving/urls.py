import time

from django.http import HttpRequest, HttpResponse
from django.urls import path

from samphan.urls import urlpatterns as samphan_urls


def slow(request: HttpRequest) -> HttpResponse:
    """Holds its thread like a heavy report would."""
    time.sleep(0.4)
    return HttpResponse("done")


urlpatterns = [path("slow/", slow), *samphan_urls]
