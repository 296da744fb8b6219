"""The loyalty programme and its points ledger.

``LedgerEntry`` is the append-only truth: every change of a member's points is one entry with
its signed change of the available balance (``points``) and of the pending balance
(``pending_points``). ``Account`` caches both sums with a version; only ``loyalty.ledger``
writes it, in the transaction that appends the entries. ``PointLot`` is what the ledger needs
to spend the earliest-expiring points first: one lot per credit, with what is left of it
(derived state, rebuilt from the ledger if ever in doubt). ``OrderPoints`` remembers per order
what was earned and what was reversed, so that a refund never takes back more than was earned,
and a replayed event changes nothing.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Rounding(models.TextChoices):
    FLOOR = "floor", _("Round down")
    ROUND = "round", _("Round to nearest")
    CEIL = "ceil", _("Round up")


class ExpiryRule(models.TextChoices):
    ROLLING = "rolling", _("A number of months after earning")
    CALENDAR_YEAR = "calendar_year", _("At the end of the calendar year")
    NEVER = "never", _("Never")


class TierBasis(models.TextChoices):
    SPEND = "spend", _("Spend (paid orders)")
    POINTS = "points", _("Points earned")


class Programme(models.Model):
    """A workspace's points programme. A workspace without a row runs on the defaults
    (``loyalty.programme.programme_get``), so points work before anyone configures them."""

    workspace = models.OneToOneField(
        "core.Workspace", on_delete=models.CASCADE, related_name="loyalty_programme"
    )
    is_active = models.BooleanField(_("points programme on"), default=True)
    # ``points_per_unit`` points for every ``unit_satang`` spent (1 point per ฿25).
    points_per_unit = models.PositiveIntegerField(_("points per step"), default=1)
    unit_satang = models.PositiveBigIntegerField(_("spend per step (satang)"), default=2500)
    rounding = models.CharField(
        _("rounding"), max_length=8, choices=Rounding.choices, default=Rounding.FLOOR
    )
    pending_days = models.PositiveIntegerField(_("days points stay pending"), default=7)
    redeem_satang_per_point = models.PositiveIntegerField(
        _("value of one point (satang)"), default=25
    )
    expiry_rule = models.CharField(
        _("expiry"), max_length=16, choices=ExpiryRule.choices, default=ExpiryRule.ROLLING
    )
    expiry_months = models.PositiveIntegerField(_("months until points expire"), default=12)
    # [{"kind": "channel"|"branch"|"category"|"product", "id": 3, "percent": 200}]
    multipliers = models.JSONField(default=list, blank=True)
    # [{"name": "11.11", "starts_at": iso, "ends_at": iso, "percent": 200}]
    promotions = models.JSONField(default=list, blank=True)
    excluded_category_ids = models.JSONField(default=list, blank=True)
    excluded_product_ids = models.JSONField(default=list, blank=True)
    welcome_bonus = models.PositiveIntegerField(_("welcome bonus (points)"), default=0)
    birthday_bonus = models.PositiveIntegerField(_("birthday bonus (points)"), default=0)
    # Tiers: qualification by spend or points over a rolling window; a member keeps a tier at
    # least ``tier_hold_months`` (the grace), and a downgrade happens only at that review.
    tier_basis = models.CharField(
        _("tiers by"), max_length=8, choices=TierBasis.choices, default=TierBasis.SPEND
    )
    tier_window_months = models.PositiveIntegerField(_("tier window (months)"), default=12)
    tier_hold_months = models.PositiveIntegerField(_("months a tier is kept"), default=12)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"programme of workspace {self.workspace_id}"


class Tier(models.Model):
    """A membership level (Member, Silver, Gold …): reached at ``threshold`` (satang spent or
    points earned in the window, as the programme says), with an earning multiplier."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField()
    threshold = models.BigIntegerField(_("threshold"), default=0)
    multiplier_percent = models.PositiveIntegerField(_("earning multiplier (%)"), default=100)

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="loyalty_tier_code"),
            models.UniqueConstraint(fields=["workspace", "rank"], name="loyalty_tier_rank"),
        ]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """A member's cached balances. ``balance`` is the available balance and may be negative
    (owed) after a reversal of points already spent, never after a redemption."""

    # Indexed by the composite indexes below, which start with it. (Every index is written
    # again when a balance changes: the nightly expiry changes a million.)
    workspace = models.ForeignKey(
        "core.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="loyalty_account"
    )
    balance = models.BigIntegerField(default=0)
    pending = models.BigIntegerField(default=0)
    version = models.PositiveBigIntegerField(default=0)
    tier = models.ForeignKey(
        Tier,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
        db_index=False,  # loyalty_account_tier: members with a tier only
    )
    tier_since = models.DateTimeField(null=True, blank=True)
    # The earliest moment the tier may go down (reviewed nightly from then on).
    tier_review_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "balance"], name="loyalty_account_ws_bal"),
            models.Index(fields=["workspace", "tier_review_at"], name="loyalty_account_review"),
            models.Index(
                fields=["tier"], condition=models.Q(tier__isnull=False), name="loyalty_account_tier"
            ),
        ]

    def __str__(self) -> str:
        return f"points of customer {self.customer_id}"


class EntryKind(models.TextChoices):
    EARN = "earn", _("Earned")
    BONUS = "bonus", _("Bonus")
    RELEASE = "release", _("Now available")
    REDEEM = "redeem", _("Redeemed")
    RESTORE = "restore", _("Redemption returned")
    EXPIRE = "expire", _("Expired")
    ADJUST = "adjust", _("Adjusted")
    REVERSE = "reverse", _("Reversed")
    MERGE = "merge", _("Moved with a merged record")


class Redemption(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="redemptions")
    order = models.ForeignKey(
        "commerce.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="loyalty_redemptions",
    )
    points = models.PositiveBigIntegerField()
    value_satang = models.BigIntegerField()
    restored_points = models.PositiveBigIntegerField(default=0)
    # The lots the points came from, earliest-expiring first: [[lot_id, points], …].
    lots = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"redemption of {self.points} points"


class LedgerEntry(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    # Indexed by ``loyalty_entry_account``, which starts with it: no index of its own to keep
    # up on every write (ten million rows, a million written by one nightly expiry).
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="entries", db_index=False
    )
    kind = models.CharField(max_length=8, choices=EntryKind.choices)
    # Signed change of the available balance (debits negative) and of the pending balance.
    points = models.BigIntegerField(default=0)
    pending_points = models.BigIntegerField(default=0)
    # Most entries have neither (expiry, bonuses, adjustments): indexed where they are set.
    order = models.ForeignKey(
        "commerce.Order",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    redemption = models.ForeignKey(
        Redemption,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entries",
        db_index=False,
    )
    lot = models.ForeignKey(
        "PointLot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="loyalty_entry_account"),
            models.Index(
                fields=["order"],
                condition=models.Q(order__isnull=False),
                name="loyalty_entry_order",
            ),
            models.Index(
                fields=["redemption"],
                condition=models.Q(redemption__isnull=False),
                name="loyalty_entry_redemption",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d}"


class PointLot(models.Model):
    """Points credited together (one order's earning, a bonus, a positive adjustment), with
    what is left of them. Pending until ``available_at``; spent and expired earliest
    ``expires_at`` first."""

    # Both are indexed by the composite indexes below, which start with them: no indexes of
    # their own to keep up on every write (the nightly expiry updates millions of lots).
    workspace = models.ForeignKey(
        "core.Workspace", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="lots", db_index=False
    )
    order = models.ForeignKey(
        "commerce.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    points = models.BigIntegerField()
    remaining = models.BigIntegerField()
    is_pending = models.BooleanField(default=False)
    available_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["workspace", "is_pending", "available_at"], name="loyalty_lot_release"
            ),
            models.Index(fields=["workspace", "expires_at"], name="loyalty_lot_expiry"),
            models.Index(fields=["account", "expires_at"], name="loyalty_lot_account"),
        ]

    def __str__(self) -> str:
        return f"lot {self.remaining}/{self.points}"


class OrderPoints(models.Model):
    """What one order earned and how much of it was reversed; per line too (``lines``:
    {line_id: {"points", "quantity", "refunded_quantity", "reversed"}})."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField(
        "commerce.Order", on_delete=models.CASCADE, related_name="loyalty_points"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    lot = models.ForeignKey(PointLot, null=True, on_delete=models.SET_NULL, related_name="+")
    earned = models.BigIntegerField(default=0)
    reversed = models.BigIntegerField(default=0)
    base_satang = models.BigIntegerField(default=0)
    lines = models.JSONField(default=dict)
    refund_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"order {self.order_id}: {self.earned} earned, {self.reversed} reversed"


class IdempotentRequest(models.Model):
    """The stored answer to a redeem or adjust sent with an ``Idempotency-Key``."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    operation = models.CharField(max_length=32)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "operation", "key"], name="loyalty_idempotency_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"


class Notice(models.Model):
    """Which expiry warnings were sent (a lot, warned once), so the nightly run is idempotent."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    lot = models.OneToOneField(PointLot, on_delete=models.CASCADE, related_name="notice")
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"expiry notice for lot {self.lot_id}"


class MemberCard(models.Model):
    """A member's digital card: a personal link, signed with the site's key and revocable
    (a revoked card's link stops working; issuing again gives a new link)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="cards")
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(revoked_at__isnull=True),
                name="loyalty_one_live_card",
            )
        ]

    def __str__(self) -> str:
        return f"card {self.pk} of account {self.account_id}"


class RewardKind(models.TextChoices):
    FREE_ITEM = "free_item", _("Free item")
    VOUCHER = "voucher", _("Voucher")


class Reward(models.Model):
    """Something in the shop's reward catalogue that members claim with points (a free drink, a
    ฿100 voucher). ``stock`` None is unlimited; ``per_customer_limit`` None is no limit.
    Written by ``loyalty.rewards`` only."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=500, blank=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=RewardKind.choices, default=RewardKind.FREE_ITEM
    )
    points_cost = models.PositiveIntegerField(_("points"))
    # What it is worth (a voucher's amount; the item's price, for reporting).
    value_satang = models.PositiveBigIntegerField(_("value (satang)"), default=0)
    stock = models.PositiveIntegerField(_("stock"), null=True, blank=True)
    per_customer_limit = models.PositiveIntegerField(_("limit per member"), null=True, blank=True)
    is_active = models.BooleanField(_("members can claim it"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["points_cost", "pk"]
        indexes = [models.Index(fields=["workspace", "is_active"], name="loyalty_reward_active")]

    def __str__(self) -> str:
        return self.name


class RewardClaim(models.Model):
    """A member claimed a reward: the points went through ``redemption`` (the ledger's path)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    # RESTRICT: a reward with claims is switched off, not deleted (a workspace still goes).
    reward = models.ForeignKey(Reward, on_delete=models.RESTRICT, related_name="claims")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="reward_claims"
    )
    redemption = models.OneToOneField(
        Redemption, on_delete=models.CASCADE, related_name="reward_claim"
    )
    points = models.PositiveIntegerField()
    claimed_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["reward", "customer"], name="loyalty_claim_reward_cust"),
            models.Index(fields=["customer", "-claimed_at"], name="loyalty_claim_customer"),
        ]

    def __str__(self) -> str:
        return f"claim of reward {self.reward_id} by customer {self.customer_id}"
