from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "samphan.web"
    label = "web"
