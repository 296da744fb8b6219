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


# --- campaigns -------------------------------------------------------------------------------


class MessagingSettings(models.Model):
    """A workspace's sending rules (no row = the defaults): quiet hours in Asia/Bangkok, during
    which campaigns wait for the next allowed time, and a cap on campaign messages per customer
    per seven days."""

    workspace = models.OneToOneField(
        "core.Workspace", on_delete=models.CASCADE, related_name="messaging_settings"
    )
    quiet_start = models.TimeField(_("quiet hours start"), default="21:00")
    quiet_end = models.TimeField(_("quiet hours end"), default="08:00")
    weekly_cap = models.PositiveSmallIntegerField(_("messages per customer per week"), default=2)
    # What one message costs the shop, in satang (an SMS: per part), for a campaign's cost and
    # ROI; 0 = free (LINE within the plan's quota, email).
    cost_line_satang = models.PositiveIntegerField(_("cost of a LINE message (satang)"), default=0)
    cost_sms_satang = models.PositiveIntegerField(_("cost of an SMS part (satang)"), default=0)
    cost_email_satang = models.PositiveIntegerField(_("cost of an email (satang)"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.quiet_start}-{self.quiet_end} cap {self.weekly_cap}"


class CampaignChannel(models.TextChoices):
    LINE = "line", _("LINE")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PREFERRED = "preferred", _("Each customer's preferred channel")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Sent")
    CANCELED = "canceled", _("Canceled")


class Campaign(models.Model):
    """One message to an audience (a saved segment evaluated when sending starts, or a list of
    customers) on one channel or each customer's preferred one. ``text`` is the template
    (``{{ name }}`` …), ``text_en`` the English one for customers who read English."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=12, choices=CampaignChannel.choices)
    segment = models.ForeignKey(
        "segments.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer_ids = models.JSONField(default=list, blank=True)  # the audience when no segment
    # The segment's members fixed when the campaign was made (in ``customer_ids``), instead of
    # the segment evaluated when sending starts.
    audience_frozen = models.BooleanField(default=False)
    text = models.TextField(_("message"))
    text_en = models.TextField(_("message in English"), blank=True, default="")
    # An A/B test: half of those sent (at random) get this text instead (in every language).
    text_b = models.TextField(_("variant B message"), blank=True, default="")
    # Short tracked links per recipient in LINE and SMS too (email's are always tracked).
    track_links = models.BooleanField(_("track link clicks"), default=False)
    subject = models.CharField(_("email subject"), max_length=150, blank=True, default="")
    coupon_campaign = models.ForeignKey(
        "coupons.CouponCampaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    control_percent = models.PositiveSmallIntegerField(_("control group (%)"), default=10)
    attribution_days = models.PositiveSmallIntegerField(_("attribution window (days)"), default=7)
    status = models.CharField(
        max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    schedule_at = models.DateTimeField(_("send at"), null=True, blank=True)
    send_after = models.DateTimeField(null=True, blank=True)  # after quiet hours
    ignore_quiet_hours = models.BooleanField(default=False)
    link_base = models.CharField(max_length=200, blank=True, default="")  # for unsubscribe links
    audience_size = models.PositiveIntegerField(default=0)  # recipients + control, once started
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="campaign_ws_recent"),
            models.Index(fields=["status", "send_after"], name="campaign_due"),
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")
    SKIPPED_CONSENT = "skipped_consent", _("Skipped: no consent")
    SKIPPED_FREQUENCY = "skipped_frequency", _("Skipped: weekly limit")
    SKIPPED_CONTACT = "skipped_contact", _("Skipped: no contact")
    CONTROL = "control", _("Control group (not sent)")


# Statuses that count as a message the customer received (for the weekly cap and results).
REACHED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)


class Delivery(models.Model):
    """One recipient of one campaign (the ledger of what was sent: rows only move forward).
    ``idempotency_key`` is campaign × customer × channel; ``retry_key`` is the X-Line-Retry-Key
    (or the SMS gateway's Idempotency-Key) of the provider call that carried it, kept so a
    retry after a crash repeats the very same call."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="campaign_deliveries"
    )
    channel = models.CharField(max_length=8, blank=True, default="")  # decided when sending
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    address = models.CharField(max_length=254, blank=True, default="")  # LINE ID, phone, email
    retry_key = models.CharField(max_length=64, blank=True, default="")
    claim = models.CharField(max_length=32, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    provider_id = models.CharField(max_length=64, blank=True, default="")
    error = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # The first open (the email's pixel) and the first click on a tracked link (a click is an
    # open too): set once, never moved.
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    # When the checks at sending let it go: it counts against the weekly cap while in flight,
    # so two campaigns sending at once can't both use a customer's last message of the week.
    reserved_at = models.DateTimeField(null=True, blank=True)
    # The A/B variant ("a", "b"; "" without a test, and for the control group) and what the
    # message cost when the provider took it (the workspace's price then; an SMS per part).
    variant = models.CharField(max_length=1, blank=True, default="")
    cost_satang = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="delivery_once_per_campaign"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="delivery_campaign_status"),
            models.Index(fields=["customer", "sent_at"], name="delivery_customer_sent"),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class CapLock(models.Model):
    """One row per customer who was ever sent a campaign: locked (in customer order) while a
    sender checks the weekly cap and reserves messages, so the checks and reservations of two
    campaigns never interleave."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", primary_key=True
    )

    def __str__(self) -> str:
        return f"cap lock {self.customer_id}"
