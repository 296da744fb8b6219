"""Messaging: the shop's LINE Official Account channel, the webhook events LINE sent it, and the
one-time codes that link a LINE account to a customer record."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LineChannel(models.Model):
    """One LINE Official Account per workspace (Messaging API channel).

    The channel secret signs every webhook; the access token sends. Both are kept to be used,
    never shown back whole (pages and the API show the last four characters).
    ``webhook_token`` is the unguessable part of this shop's webhook address
    (``/hooks/line/<token>``), so a webhook names its workspace without a login.
    """

    workspace = models.OneToOneField(
        "core.Workspace", on_delete=models.CASCADE, related_name="line_channel"
    )
    channel_id = models.CharField(_("channel ID"), max_length=32, blank=True)
    channel_secret = models.CharField(_("channel secret"), max_length=64, blank=True)
    channel_access_token = models.CharField(_("channel access token"), max_length=512, blank=True)
    webhook_token = models.CharField(max_length=64, unique=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"LINE {self.channel_id or '-'}"

    @property
    def can_receive(self) -> bool:
        return bool(self.channel_secret)

    @property
    def can_send(self) -> bool:
        return bool(self.channel_access_token)


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class LineWebhookEvent(models.Model):
    """One event LINE delivered to the webhook, kept once per ``webhookEventId`` (a redelivery
    of the same event finds the row and is not processed again)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    webhook_event_id = models.CharField(max_length=64)
    event_type = models.CharField(_("event"), max_length=32)
    line_user_id = models.CharField(_("LINE user ID"), max_length=64, blank=True)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="line_webhook_events",
    )
    payload = models.JSONField(default=dict)  # the event as LINE sent it (message text too)
    occurred_at = models.DateTimeField(_("sent by LINE"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    redelivered = models.PositiveIntegerField(default=0)  # later deliveries of the same event
    status = models.CharField(
        max_length=12, choices=WebhookEventStatus.choices, default=WebhookEventStatus.RECEIVED
    )
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # The event's reply token was spent on a reply (a token answers once).
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "webhook_event_id"], name="line_event_once_per_workspace"
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "-received_at"], name="line_event_ws_received"),
            models.Index(fields=["workspace", "line_user_id"], name="line_event_ws_user"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_event_id}"


class LineLinkCode(models.Model):
    """A one-time code staff give a customer (ลิงก์บัญชี LINE): the customer sends it to the
    shop's LINE account, and that LINE account is linked to this customer record."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="line_link_codes"
    )
    code = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "code"], name="line_link_code_unique")
        ]

    def __str__(self) -> str:
        return self.code
