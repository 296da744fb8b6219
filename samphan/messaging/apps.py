from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "samphan.messaging"
    label = "messaging"
