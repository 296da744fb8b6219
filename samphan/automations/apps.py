from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "samphan.automations"
    label = "automations"
    verbose_name = "Automations (journeys)"
