"""One append-only log of everything that happens to a customer, an order, or the workspace.

Rows are written only by ``samphan.timeline.publish.publish`` from typed events that each
domain declares (``samphan/<app>/events.py``); ``type`` names one of them (see
``samphan.timeline.registry.EVENT_TYPES`` for the labels).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from samphan.timeline.registry import event_label


class TimelineEvent(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    # The subjects: a customer, an order, both (an order of a customer), or neither (an event
    # about the workspace, e.g. an analytics recompute).
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="timeline",
    )
    order = models.ForeignKey(
        "commerce.Order",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="history",
    )
    type = models.CharField(max_length=48)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # Links to other objects the event names, e.g. {"consent": 42}.
    links = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="timeline_customer_time"),
            models.Index(
                fields=["customer", "type", "-occurred_at"], name="timeline_customer_type_time"
            ),
            models.Index(fields=["order", "-occurred_at"], name="timeline_order_time"),
        ]

    def __str__(self) -> str:
        return f"{self.type} @ {self.occurred_at:%Y-%m-%d}"

    @property
    def label(self) -> str:
        return event_label(self.type)


class SubscriberFailure(models.Model):
    """An after-commit subscriber that still failed after its retries: kept, with the events
    it was given, so nothing is lost silently; ``samphan events retry`` delivers them again."""

    subscriber = models.CharField(max_length=200)
    workspace = models.ForeignKey(
        "core.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event_types = models.JSONField(default=list)
    messages = models.JSONField(default=list)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    failed_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"{self.subscriber} ({self.failed_at:%Y-%m-%d %H:%M})"
