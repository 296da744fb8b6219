from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "samphan.commerce"
    label = "commerce"
