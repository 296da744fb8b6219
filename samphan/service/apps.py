from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "samphan.service"
    label = "service"
    verbose_name = "Service desk"
