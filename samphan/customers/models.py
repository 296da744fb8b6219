"""Customers and their contact points (phones, emails, LINE IDs, marketplace usernames)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "", _("Not given")


class AcquisitionSource(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Friend referral")
    AD = "ad", _("Advertising")
    MARKETPLACE = "marketplace", _("Marketplace")
    LINE = "line", _("LINE")
    AFFILIATE = "affiliate", _("Affiliate")
    UNKNOWN = "", _("Unknown")


class Customer(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=32, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    nickname = models.CharField(_("nickname"), max_length=80, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    province = models.CharField(_("province"), max_length=100, blank=True)
    acquisition_source = models.CharField(
        _("acquisition source"), max_length=16, choices=AcquisitionSource.choices, blank=True
    )
    home_branch = models.ForeignKey(
        "core.Branch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), db_index=True)
    # Purchase summary: a cache derived from orders, refreshed by the order services.
    orders_count = models.PositiveIntegerField(default=0)
    total_spent_satang = models.BigIntegerField(default=0)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="customer_ws_created"),
            models.Index(fields=["workspace", "-last_order_at"], name="customer_ws_last_order"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        if self.nickname:
            name = f"{name} ({self.nickname})" if name else self.nickname
        return name or f"#{self.pk}"


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    LINE = "line", _("LINE user ID")
    SHOPEE = "shopee", _("Shopee username")
    LAZADA = "lazada", _("Lazada username")
    TIKTOK = "tiktok", _("TikTok Shop username")
    SOCIAL = "social", _("Social handle")


class ContactPoint(models.Model):
    """One way to reach a customer; ``value`` is normalised (E.164, lower-case email, …)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind.choices)
    value = models.CharField(_("value"), max_length=254)
    is_primary = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "value"], name="contact_unique_per_workspace"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
