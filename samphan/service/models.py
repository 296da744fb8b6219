"""The service desk: tickets (เรื่องร้องเรียน / คำถาม / คำขอ) with their conversation, status
history, SLA pauses, attachments, canned replies and service-recovery coupons.

Every change of status is a ``TicketStatusChange`` row (who, why, when); every time the SLA
clocks stop (waiting on the customer) and start again is an ``SlaPause`` row, never edited
except to close it. The due times on the ticket are derived from the policy, the business
calendar (``samphan.service.sla``) and those pauses, and recomputed when a pause ends.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX = 200
BODY_MAX = 10_000
REASON_MAX = 500
CANNED_BODY_MAX = 5_000


class TicketType(models.TextChoices):
    QUESTION = "question", _("Question")
    PROBLEM = "problem", _("Problem")
    COMPLAINT = "complaint", _("Complaint")
    RETURN_REFUND = "return_refund", _("Return or refund")
    REQUEST = "request", _("Request")
    COMPLIMENT = "compliment", _("Compliment")


class TicketChannel(models.TextChoices):
    LINE = "line", _("LINE")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    STORE = "store", _("In the shop")
    WEB_FORM = "web_form", _("Web form")


class TicketPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# The statuses a ticket may move to from each status; resolved/closed → open is a reopen.
TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.NEW: frozenset(
        {TicketStatus.OPEN, TicketStatus.WAITING, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.OPEN: frozenset(
        {TicketStatus.WAITING, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.WAITING: frozenset(
        {TicketStatus.OPEN, TicketStatus.RESOLVED, TicketStatus.CLOSED}
    ),
    TicketStatus.RESOLVED: frozenset({TicketStatus.CLOSED, TicketStatus.OPEN}),
    TicketStatus.CLOSED: frozenset({TicketStatus.OPEN}),
}
ACTIVE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)
DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class TicketCategory(models.Model):
    """A category the shop defines (ขนาดไม่ตรง, สินค้าชำรุด …): feeds product-quality reports."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="service_category_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A group tickets can be given to (หน้าร้าน, ออนไลน์, ช่าง)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="service_team_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField(_("number"))
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    type = models.CharField(
        _("type"), max_length=16, choices=TicketType.choices, default=TicketType.QUESTION
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=TicketChannel.choices, default=TicketChannel.PHONE
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=TicketPriority.choices, default=TicketPriority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=8, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    category = models.ForeignKey(
        TicketCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    # The business calendar of this branch applies (the workspace's when empty).
    branch = models.ForeignKey(
        "core.Branch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    orders = models.ManyToManyField("commerce.Order", blank=True, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL)
    # When the customer first asked: a ticket brought from another system keeps its own.
    opened_at = models.DateTimeField(_("opened at"))
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Due times from the SLA policy on the business calendar, moved later by pauses; empty
    # when no policy applies.
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    first_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    # When a manager was told about the breach (within business hours only).
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "number"], name="service_ticket_number"),
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "-opened_at"], name="ticket_ws_status"),
            models.Index(fields=["workspace", "assignee", "status"], name="ticket_ws_assignee"),
            models.Index(fields=["workspace", "customer"], name="ticket_ws_customer"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def breached(self) -> bool:
        return self.first_response_breached or self.resolution_breached

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class MessageKind(models.TextChoices):
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")


class AuthorKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    CUSTOMER = "customer", _("Customer")


class TicketMessage(models.Model):
    """A reply (to or from the customer) or an internal note the customer never sees."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=8, choices=MessageKind.choices, default=MessageKind.REPLY)
    author_kind = models.CharField(
        max_length=8, choices=AuthorKind.choices, default=AuthorKind.STAFF
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_label = models.CharField(max_length=254, blank=True)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on ticket {self.ticket_id}"


class TicketAttachment(models.Model):
    """A file on a ticket: JPEG, PNG, PDF or plain text (checked by content), ≤ 5 MB."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TicketMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(upload_to="tickets/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class TicketStatusChange(models.Model):
    """The audit of a ticket's status: from, to, who, why, when (append-only)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=8, choices=TicketStatus.choices, blank=True)
    to_status = models.CharField(max_length=8, choices=TicketStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class SlaPause(models.Model):
    """The SLA clocks stopped (waiting on the customer) from ``paused_at`` until
    ``resumed_at`` (empty while still paused), with who stopped and started them, and why."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="pauses")
    paused_at = models.DateTimeField()
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paused_by_label = models.CharField(max_length=254, blank=True)
    pause_reason = models.CharField(max_length=REASON_MAX, blank=True)
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resumed_by_label = models.CharField(max_length=254, blank=True)
    resume_reason = models.CharField(max_length=REASON_MAX, blank=True)

    class Meta:
        ordering = ["paused_at", "id"]

    def __str__(self) -> str:
        return f"pause of ticket {self.ticket_id} from {self.paused_at:%Y-%m-%d %H:%M}"


class CannedReply(models.Model):
    """A saved answer with personal fields ({{ name }}, {{ ticket_number }} …)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "title"], name="service_canned_title"),
        ]

    def __str__(self) -> str:
        return self.title


class TicketRecovery(models.Model):
    """Service recovery: a goodwill coupon given on a breached or complaint ticket."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="recoveries")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(
        "coupons.CouponCampaign", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "campaign"], name="service_recovery_once_per_campaign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} for ticket {self.ticket_id}"
