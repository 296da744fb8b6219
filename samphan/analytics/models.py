"""Analytics results: one metrics row per customer (rewritten at each recompute), the model
runs that produced them, and marketing spend for CAC."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RfmSegment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL_LOYALIST = "potential_loyalist", _("Potential loyalist")
    NEW = "new", _("New customers")
    PROMISING = "promising", _("Promising")
    NEED_ATTENTION = "need_attention", _("Need attention")
    ABOUT_TO_SLEEP = "about_to_sleep", _("About to sleep")
    AT_RISK = "at_risk", _("At risk")
    CANT_LOSE = "cant_lose", _("Can't lose them")
    HIBERNATING = "hibernating", _("Hibernating")
    LOST = "lost", _("Lost")


class CustomerMetrics(models.Model):
    """The latest analytics snapshot of one customer (recomputed nightly and on demand).

    The rows are derived, and a recompute replaces all of a workspace's rows at once, so the
    two foreign keys are not constraints in the database (``db_constraint=False``): checking
    them took a third of the write at a million rows (each check also row-locks the customer).
    Deleting a customer or a workspace still deletes the rows (Django's ``on_delete``); a
    customer deleted while a recompute runs can leave a row behind until the next one, which
    readers never see: they reach the rows through live customers. The workspace's own index
    is left out: every other index starts with the workspace."""

    workspace = models.ForeignKey(
        "core.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="metrics", db_constraint=False
    )
    computed_at = models.DateTimeField()
    recency_days = models.IntegerField(null=True, blank=True)  # days since last purchase
    frequency = models.IntegerField(default=0)  # repeat purchases (purchase days − 1)
    orders = models.IntegerField(default=0)
    monetary_satang = models.BigIntegerField(default=0)  # average order value
    total_satang = models.BigIntegerField(default=0)
    r_score = models.PositiveSmallIntegerField(default=0)  # 1–5 quintile per workspace, 0 = none
    f_score = models.PositiveSmallIntegerField(default=0)
    m_score = models.PositiveSmallIntegerField(default=0)
    rfm_segment = models.CharField(max_length=24, choices=RfmSegment.choices, blank=True)
    historical_clv_satang = models.BigIntegerField(default=0)
    predicted_purchases_90d = models.FloatField(null=True, blank=True)
    p_alive = models.FloatField(null=True, blank=True)
    expected_order_value_satang = models.BigIntegerField(null=True, blank=True)
    clv_12m_satang = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "rfm_segment"], name="metrics_ws_rfm"),
            models.Index(fields=["workspace", "-clv_12m_satang"], name="metrics_ws_clv"),
            models.Index(fields=["workspace", "p_alive"], name="metrics_ws_palive"),
        ]

    def __str__(self) -> str:
        return f"metrics of {self.customer_id}"


class ModelRun(models.Model):
    """One recompute: the fitted parameters and the model card shown to the owner."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    customers = models.IntegerField(default=0)
    params = models.JSONField(default=dict, blank=True)
    model_card = models.JSONField(default=dict, blank=True)
    calibration = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"run {self.pk} {self.status}"


class MarketingSpend(models.Model):
    """Money spent to acquire customers, per channel (and campaign) and month, for CAC."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(
        "commerce.SalesChannel", on_delete=models.CASCADE, related_name="spend"
    )
    campaign = models.CharField(_("campaign"), max_length=120, blank=True)
    month = models.DateField(_("month"))  # first day of the month
    amount_satang = models.BigIntegerField(_("amount"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "channel_id"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.amount_satang}"
