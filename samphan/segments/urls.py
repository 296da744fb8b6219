from django.urls import URLPattern

app_name = "segments"
urlpatterns: list[URLPattern] = []
