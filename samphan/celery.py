"""The Celery application. With no broker configured every task runs eagerly, in-process."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")

app = Celery("samphan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
