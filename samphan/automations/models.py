"""Journeys that run themselves: a trigger (an event about a customer, or a sweep that finds
birthdays, lapsed customers and slipping ones), a wait, an optional condition, then actions (a
coupon, a LINE message, a tag, a follow-up task for staff). Each customer's pass through a journey is
a run, logged step by step; a customer is never in the same journey twice at once."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext


class Trigger(models.TextChoices):
    CUSTOMER_CREATED = "customer_created", _("A new customer")
    FIRST_PURCHASE = "first_purchase", _("A first purchase")
    TICKET_RESOLVED = "ticket_resolved", _("A service ticket resolved")
    LOW_SCORE = "low_score", _("A survey answered with a low score")
    CATEGORY_PURCHASE = "category_purchase", _("A purchase in a category")
    NO_PURCHASE = "no_purchase", _("No purchase for a number of days")
    P_ALIVE_BELOW = "p_alive_below", _("The chance a customer is still active falls below")
    BIRTHDAY = "birthday", _("A birthday")
    TIER_CHANGED = "tier_changed", _("A loyalty tier changed")
    POINTS_EXPIRING = "points_expiring", _("Points about to expire")
    LINE_FOLLOW = "line_follow", _("Added the shop on LINE")
    LINE_POSTBACK = "line_postback", _("Tapped a LINE button (postback)")
    AFTER_JOURNEY = "after_journey", _("The next step after another journey")


# Triggers that are found by a sweep (hourly) rather than by an event; each enters a customer
# once per occasion (a birthday once a year, a lapse once per last purchase).
SWEPT = frozenset({Trigger.NO_PURCHASE, Trigger.P_ALIVE_BELOW, Trigger.BIRTHDAY})


class Journey(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    recipe = models.CharField(max_length=32, blank=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    # What the trigger waits for, where it takes a setting: the category bought, the days
    # without a purchase (or before a birthday), the P(alive) threshold, the new tier or the
    # postback data (empty = any).
    category = models.ForeignKey(
        "commerce.ProductCategory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("category"),
    )
    days = models.PositiveIntegerField(_("days"), null=True, blank=True)
    threshold = models.FloatField(_("threshold"), null=True, blank=True)
    match = models.CharField(_("only when it is"), max_length=100, blank=True)
    # A series: this journey starts for each customer whose run of ``after`` is done (not
    # stopped by its condition), so steps chain (welcome today, a tip in 3 days, a coupon in 7).
    after = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_steps",
        verbose_name=_("after the journey"),
    )
    wait_minutes = models.PositiveIntegerField(_("wait (minutes)"), default=0)
    # A condition checked when the wait is over: a purchase since the run started ends it.
    stop_if_purchased = models.BooleanField(_("stop if they buy during the wait"), default=False)
    coupon_campaign = models.ForeignKey(
        "coupons.CouponCampaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("coupon to issue"),
    )
    # Actions, in order; empty = not done.
    message = models.TextField(_("LINE message"), blank=True)
    tag = models.CharField(_("add the tag"), max_length=50, blank=True)
    untag = models.CharField(_("remove the tag"), max_length=50, blank=True)
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

    @property
    def setting_label(self) -> str:
        """The trigger's setting in a few words, for the list ("60 days", "< 0.30")."""
        if self.trigger == Trigger.CATEGORY_PURCHASE and self.category is not None:
            return self.category.name
        if self.trigger == Trigger.NO_PURCHASE and self.days:
            return ngettext("%(n)s day", "%(n)s days", self.days) % {"n": self.days}
        if self.trigger == Trigger.BIRTHDAY and self.days:
            return ngettext("%(n)s day ahead", "%(n)s days ahead", self.days) % {"n": self.days}
        if self.trigger == Trigger.P_ALIVE_BELOW and self.threshold is not None:
            return f"< {self.threshold:.2f}"
        if self.trigger == Trigger.AFTER_JOURNEY and self.after is not None:
            return self.after.name
        return self.match


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
    # The occasion, for triggers that enter a customer once per occasion ("birthday-2026",
    # "lapse-2026-03-01"); empty for the others.
    key = models.CharField(max_length=40, blank=True, default="")
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
            ),
            models.UniqueConstraint(
                fields=["journey", "customer", "key"],
                condition=~Q(key=""),
                name="journey_run_once_per_occasion",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="journey_run_due")]

    def __str__(self) -> str:
        return f"run {self.pk} of journey {self.journey_id}"


class JourneyLog(models.Model):
    """One step of a run: the action and how it went."""

    run = models.ForeignKey(JourneyRun, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    action = models.CharField(max_length=16)  # coupon, message, tag, follow_up, run
    outcome = models.CharField(max_length=16)  # done, skipped, failed
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}: {self.outcome}"
