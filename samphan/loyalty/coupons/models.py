"""Coupon campaigns, their codes and their redemptions.

Limits are counters on rows that a redemption raises with a conditional ``UPDATE … SET n = n + 1
WHERE n < limit`` (``services.coupon_redeem``): the campaign's total, each code's uses and each
customer's uses. PostgreSQL re-checks the condition on the row a concurrent transaction has just
committed, and SQLite's ``BEGIN IMMEDIATE`` (settings) runs writers one at a time, so no number
of concurrent redemptions can pass a limit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CouponKind(models.TextChoices):
    VALUE = "value", _("Amount off")
    PERCENT = "percent", _("Percent off")


class CodeMode(models.TextChoices):
    SHARED = "shared", _("One shared code")
    UNIQUE = "unique", _("Unique codes")


class Targeting(models.TextChoices):
    NONE = "none", _("Everyone")
    SEGMENT = "segment", _("A segment")
    TIER = "tier", _("A loyalty tier")


# Percentages are kept in basis points: 1250 = 12.5 %.
PERCENT_BP_MAX = 10_000


class CouponCampaign(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("discount"), max_length=8, choices=CouponKind.choices)
    value_satang = models.BigIntegerField(_("amount off"), default=0)
    percent_bp = models.PositiveIntegerField(_("percent off (basis points)"), default=0)
    min_spend_satang = models.BigIntegerField(_("minimum spend"), default=0)
    max_discount_satang = models.BigIntegerField(_("largest discount"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    total_limit = models.PositiveIntegerField(_("uses in total"), null=True, blank=True)
    per_customer_limit = models.PositiveIntegerField(_("uses per customer"), null=True, blank=True)
    code_mode = models.CharField(_("codes"), max_length=8, choices=CodeMode.choices)
    targeting = models.CharField(
        _("for"), max_length=8, choices=Targeting.choices, default=Targeting.NONE
    )
    # A deleted segment leaves the campaign for nobody (fails closed), not for everyone.
    segment = models.ForeignKey(
        "segments.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tier_code = models.CharField(_("tier"), max_length=32, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The counter the total limit is enforced on (raised only with a conditional UPDATE).
    redeemed_count = models.PositiveIntegerField(default=0)
    discount_total_satang = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"], name="coupon_campaign_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_limit__isnull=True)
                | Q(redeemed_count__lte=models.F("total_limit")),
                name="coupon_campaign_within_total",
            ),
            models.CheckConstraint(
                condition=Q(percent_bp__lte=PERCENT_BP_MAX), name="coupon_campaign_percent_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def percent_text(self) -> str:
        """The percentage as people write it: 10, 12.5, 33.33."""
        whole, rest = divmod(self.percent_bp, 100)
        return f"{whole}" if not rest else f"{whole}.{rest:02d}".rstrip("0")


class CouponCode(models.Model):
    """A code customers type or show: the campaign's one shared code, or one of its unique codes
    (single use, optionally bound to one customer). Stored normalised (upper case, no spaces)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(CouponCampaign, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(_("code"), max_length=32)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The counter a unique code's single use is enforced on.
    redeemed_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="coupon_code_unique"),
        ]
        indexes = [models.Index(fields=["campaign", "id"], name="coupon_code_campaign")]

    def __str__(self) -> str:
        return self.code


class CouponCustomerUsage(models.Model):
    """How many times a customer used a campaign: the counter its per-customer limit is enforced
    on (one row per campaign and customer, raised with a conditional UPDATE)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(CouponCampaign, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="coupon_usage_unique_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.customer_id}: {self.used}"


class CouponRedemption(models.Model):
    """A code used on an order: the attribution of the order's discount to its campaign. One
    coupon per order; an ``Idempotency-Key`` answers a replay with the same redemption."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    # RESTRICT: a campaign, code or order with redemptions can't be deleted by itself, only
    # with its workspace (a cascade that takes the redemptions too).
    campaign = models.ForeignKey(
        CouponCampaign, on_delete=models.RESTRICT, related_name="redemptions"
    )
    code = models.ForeignKey(CouponCode, on_delete=models.RESTRICT, related_name="redemptions")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.OneToOneField(
        "commerce.Order", on_delete=models.RESTRICT, related_name="coupon_redemption"
    )
    basket_satang = models.BigIntegerField()
    discount_satang = models.BigIntegerField()
    # NULL when the request sent no Idempotency-Key (NULLs never collide in the constraint).
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"], name="coupon_redemption_idempotency"
            ),
            models.CheckConstraint(
                condition=Q(discount_satang__gte=0)
                & Q(discount_satang__lte=models.F("basket_satang")),
                name="coupon_redemption_within_basket",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "-created_at"], name="coupon_redemption_campaign"),
            models.Index(fields=["customer", "-created_at"], name="coupon_redemption_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.code_id} on order {self.order_id}"
