from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "samphan.service.sla"
    label = "sla"
    verbose_name = "Business calendars and SLA policies"
