from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "samphan.api"
    label = "samphan_api"
