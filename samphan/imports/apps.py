from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "samphan.imports"
    label = "imports"
