"""Journeys that run themselves: a trigger (an event about a customer), a wait, then actions
(a LINE message, a tag, a follow-up task for staff). Each customer's pass through a journey is
a run, logged step by step; a customer is never in the same journey twice at once."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    CUSTOMER_CREATED = "customer_created", _("A new customer")
    FIRST_PURCHASE = "first_purchase", _("A first purchase")
    TICKET_RESOLVED = "ticket_resolved", _("A service ticket resolved")
    LOW_SCORE = "low_score", _("A survey answered with a low score")


class Journey(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    recipe = models.CharField(max_length=32, blank=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    wait_minutes = models.PositiveIntegerField(_("wait (minutes)"), default=0)
    # Actions, in order; empty = not done.
    message = models.TextField(_("LINE message"), blank=True)
    tag = models.CharField(_("add the tag"), max_length=50, blank=True)
    follow_up = models.CharField(_("follow-up task for staff"), max_length=200, blank=True)
    is_active = models.BooleanField(_("on"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "trigger", "is_active"], name="journey_ws_trigger")
        ]

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class JourneyRun(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    journey = models.ForeignKey(Journey, on_delete=models.CASCADE, related_name="runs")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="journey_runs"
    )
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.WAITING)
    # What started it ("order 12", "ticket 3"), for the log.
    reason = models.CharField(max_length=60, blank=True)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            # Never in the same journey twice at once.
            models.UniqueConstraint(
                fields=["journey", "customer"],
                condition=Q(status__in=["waiting", "running"]),
                name="journey_run_once_at_a_time",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="journey_run_due")]

    def __str__(self) -> str:
        return f"run {self.pk} of journey {self.journey_id}"


class JourneyLog(models.Model):
    """One step of a run: the action and how it went."""

    run = models.ForeignKey(JourneyRun, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    action = models.CharField(max_length=16)  # message, tag, follow_up
    outcome = models.CharField(max_length=16)  # done, skipped, failed
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.outcome}"
