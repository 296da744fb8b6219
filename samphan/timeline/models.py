"""One append-only log of everything that happens to a customer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    CUSTOMER_CREATED = "customer.created", _("Customer created")
    CUSTOMER_UPDATED = "customer.updated", _("Profile updated")
    CUSTOMER_MERGED = "customer.merged", _("Merged with a duplicate")
    CUSTOMER_UNMERGED = "customer.unmerged", _("Merge undone")
    CONTACT_ADDED = "contact.added", _("Contact added")
    CONSENT_CHANGED = "consent.changed", _("Consent changed")
    NOTE_ADDED = "note.added", _("Note")
    ORDER_PLACED = "order.placed", _("Order placed")
    ORDER_STATUS_CHANGED = "order.status_changed", _("Order status changed")
    INTERACTION_LOGGED = "interaction.logged", _("Interaction logged")
    FOLLOWUP_CREATED = "followup.created", _("Follow-up scheduled")
    FOLLOWUP_DONE = "followup.done", _("Follow-up done")


class TimelineEvent(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="timeline"
    )
    type = models.CharField(max_length=48, choices=EventType.choices)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    # Links to the object the event is about, e.g. {"order": 42}.
    links = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="timeline_customer_time"),
            models.Index(
                fields=["customer", "type", "-occurred_at"], name="timeline_customer_type_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} @ {self.occurred_at:%Y-%m-%d}"
