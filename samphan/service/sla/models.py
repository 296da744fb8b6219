"""Business calendars (when a shop counts service time) and SLA policies (how much of it a
ticket may take).

Times of day are stored as minutes after midnight (``start_minute`` 0–1439, ``end_minute``
1–1440), not as ``TimeField``: a slot may end at 24:00 (1440), which a time of day cannot say,
and a 00:00 end would be ambiguous. The API and pages show them as "HH:MM" ("24:00" allowed as
an end). All times are Asia/Bangkok wall-clock times (Thailand has no daylight saving).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TicketType(models.TextChoices):
    QUESTION = "question", _("Question")
    PROBLEM = "problem", _("Problem")
    COMPLAINT = "complaint", _("Complaint")
    RETURN_REFUND = "return_refund", _("Return or refund")
    REQUEST = "request", _("Request")
    COMPLIMENT = "compliment", _("Compliment")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


# A policy for every type (or priority) stores this instead of a type (or priority).
ANY = "any"


class BusinessCalendar(models.Model):
    """When the shop counts service time. The workspace's default calendar (``is_default``)
    applies everywhere a branch has none of its own; a branch calendar (``branch`` set) overrides
    it for that branch's tickets."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    branch = models.ForeignKey(
        "core.Branch", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("workspace default"), default=False)
    always_open = models.BooleanField(_("open 24 hours, every day"), default=False)
    use_thai_holidays = models.BooleanField(_("closed on Thai public holidays"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_default", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace"], condition=Q(is_default=True), name="sla_one_default_calendar"
            ),
            models.UniqueConstraint(
                fields=["branch"], condition=Q(branch__isnull=False), name="sla_one_branch_calendar"
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(branch__isnull=True),
                name="sla_default_calendar_has_no_branch",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CalendarSlot(models.Model):
    """One open period of a weekday (0 = Monday … 6 = Sunday). Several per weekday make a lunch
    break or split shifts; they never overlap (the services check)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    start_minute = models.PositiveSmallIntegerField(_("opens (minutes after midnight)"))
    end_minute = models.PositiveSmallIntegerField(_("closes (minutes after midnight)"))

    class Meta:
        ordering = ["weekday", "start_minute"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="sla_slot_weekday"),
            models.CheckConstraint(
                condition=Q(start_minute__lt=models.F("end_minute")) & Q(end_minute__lte=1440),
                name="sla_slot_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start_minute}-{self.end_minute}"


class ClosedDay(models.Model):
    """A day the shop itself is closed (staff outing, stock-take), besides public holidays."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closed_days"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_closed_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Targets for tickets of a type and priority ("any" matches every one), in business
    minutes of ``calendar`` (None: the ticket's branch calendar or the workspace default)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100, blank=True)
    ticket_type = models.CharField(
        _("ticket type"),
        max_length=16,
        choices=[(ANY, _("Any type")), *TicketType.choices],
        default=ANY,
    )
    priority = models.CharField(
        _("priority"),
        max_length=8,
        choices=[(ANY, _("Any priority")), *Priority.choices],
        default=ANY,
    )
    first_response_minutes = models.PositiveIntegerField(_("first response within (minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolved within (minutes)"))
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalate = models.BooleanField(_("escalate to a manager on breach"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "ticket_type", "priority"], name="sla_policy_unique_match"
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.ticket_type}/{self.priority}"
