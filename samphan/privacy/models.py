"""PDPA records: the workspace's privacy settings, erasure tombstones, data-subject requests
(with their trail), the breach register and retention runs."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# PDPA s. 30: a request is answered within 30 days of receipt.
REQUEST_DAYS = 30
# PDPA s. 37(4): the Office is told of a breach within 72 hours of becoming aware of it.
REGULATOR_HOURS = 72


class RetentionAction(models.TextChoices):
    OFF = "off", _("Keep (no automatic action)")
    ANONYMISE = "anonymise", _("Anonymise (keep order amounts)")
    DELETE = "delete", _("Delete the customer record")


class PrivacySettings(models.Model):
    """One workspace's retention policy, legal hold and record-of-processing details."""

    workspace = models.OneToOneField(
        "core.Workspace", on_delete=models.CASCADE, related_name="privacy_settings"
    )
    # Revenue Code s. 87/3 and the Accounting Act s. 14: tax invoices and accounting documents
    # are kept for 5 years (the Revenue Department may ask for up to 7).
    tax_record_years = models.PositiveSmallIntegerField(_("tax record period (years)"), default=5)
    inactive_action = models.CharField(
        _("customers with no activity"),
        max_length=12,
        choices=RetentionAction.choices,
        default=RetentionAction.OFF,
    )
    inactive_years = models.PositiveSmallIntegerField(_("after (years)"), default=5)
    # None: import files are kept.
    import_files_days = models.PositiveIntegerField(
        _("delete uploaded import files after (days)"), null=True, blank=True, default=90
    )
    # The nightly run acts only once someone has seen its dry run and turned it on; changing
    # the policy turns it off again until the new dry run is seen.
    retention_enabled_at = models.DateTimeField(null=True, blank=True)
    retention_enabled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Record of processing (s. 39).
    controller_contact = models.TextField(_("controller's address and contact"), blank=True)
    dpo_contact = models.CharField(
        _("data protection officer (if any)"), max_length=200, blank=True
    )
    recipients = models.TextField(
        _("other recipients (one per line)"),
        blank=True,
        help_text=_("Couriers, payment providers, accountants, messaging services …"),
    )
    transfers_abroad = models.TextField(_("transfers outside Thailand"), blank=True)
    security_measures = models.TextField(_("security measures"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"privacy settings of {self.workspace_id}"

    @property
    def retention_enabled(self) -> bool:
        return self.retention_enabled_at is not None


class ErasureMode(models.TextChoices):
    ANONYMISED = "anonymised", _("Anonymised")
    DELETED = "deleted", _("Deleted")


class ErasureRecord(models.Model):
    """The tombstone an erasure leaves: which record, when, why, by whom, what each part
    removed. It outlives the customer row (``customer_ref``, not a foreign key)."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer_ref = models.BigIntegerField()
    mode = models.CharField(max_length=12, choices=ErasureMode.choices)
    reason = models.TextField(_("reason"))
    erased_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    request = models.ForeignKey(
        "privacy.DataSubjectRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="erasures",
    )
    parts = models.JSONField(default=dict, blank=True)  # {"customers.contacts": 2, …}

    class Meta:
        ordering = ["-erased_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "customer_ref"], name="erasure_once"),
        ]

    def __str__(self) -> str:
        return f"#{self.customer_ref} {self.mode} {self.erased_at:%Y-%m-%d}"


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access / copy of data")
    CORRECTION = "correction", _("Correction")
    ERASURE = "erasure", _("Erasure")
    OBJECTION = "objection", _("Objection to processing")
    WITHDRAWAL = "withdrawal", _("Withdrawal of consent")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused (with reason)")


OPEN_STATUSES = (RequestStatus.OPEN, RequestStatus.IN_PROGRESS)


class DataSubjectRequest(models.Model):
    """A person's request under the PDPA, handled as a case: due 30 days after receipt."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="privacy_requests",
    )
    kind = models.CharField(_("request"), max_length=12, choices=RequestKind.choices)
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    requester_name = models.CharField(_("requester's name"), max_length=200, blank=True)
    requester_contact = models.CharField(_("requester's contact"), max_length=200, blank=True)
    details = models.TextField(_("what was asked"), blank=True)
    outcome = models.TextField(_("answer / outcome"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["workspace", "status", "due_on"], name="dsr_ws_due")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_on < today


class RequestEntry(models.Model):
    """The request's trail: received, status changes, notes, the export sent, the erasure."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=24)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"


class BreachCategory(models.TextChoices):
    IDENTITY = "identity", _("Names and identity")
    CONTACT = "contact", _("Phones, emails, LINE IDs")
    ADDRESS = "address", _("Addresses")
    PURCHASES = "purchases", _("Purchase history")
    NOTES = "notes", _("Notes and interactions")
    FINANCIAL = "financial", _("Payment or bank details")
    SENSITIVE = "sensitive", _("Sensitive data (s. 26: health, religion …)")
    ACCOUNTS = "accounts", _("Staff accounts and passwords")


class BreachRisk(models.TextChoices):
    UNASSESSED = "unassessed", _("Not assessed yet")
    NONE = "none", _("Unlikely to result in a risk (no notification needed)")
    RISK = "risk", _("A risk: notify the regulator")
    HIGH = "high", _("A high risk: notify the regulator and the people")


class Breach(models.Model):
    """One personal-data breach (s. 37(4)): what happened, the assessment, the notifications."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("what happened"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    found_at = models.DateTimeField(_("found at"))
    occurred_at = models.DateTimeField(_("happened at (if known)"), null=True, blank=True)
    categories = models.JSONField(_("categories of data"), default=list, blank=True)
    people_affected = models.PositiveIntegerField(_("people affected"), null=True, blank=True)
    risk = models.CharField(
        _("risk"), max_length=12, choices=BreachRisk.choices, default=BreachRisk.UNASSESSED
    )
    risk_assessment = models.TextField(_("risk assessment"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    regulator_due_at = models.DateTimeField()
    regulator_notified_at = models.DateTimeField(_("regulator notified at"), null=True, blank=True)
    regulator_reference = models.CharField(_("regulator's reference"), max_length=100, blank=True)
    people_notified_at = models.DateTimeField(_("people notified at"), null=True, blank=True)
    people_notification = models.TextField(_("how the people were told"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-found_at"], name="breach_ws_found")]

    def __str__(self) -> str:
        return self.title

    @property
    def regulator_notice_needed(self) -> bool:
        """Until assessed as no risk, assume the regulator must be told (s. 37(4))."""
        return self.risk != BreachRisk.NONE

    @property
    def people_notice_needed(self) -> bool:
        return self.risk == BreachRisk.HIGH


class RetentionRun(models.Model):
    """What one nightly retention run did in one workspace."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    customers_anonymised = models.PositiveIntegerField(default=0)
    customers_deleted = models.PositiveIntegerField(default=0)
    customers_held = models.PositiveIntegerField(default=0)
    import_files_deleted = models.PositiveIntegerField(default=0)
    import_bytes_freed = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"retention {self.workspace_id} @ {self.started_at:%Y-%m-%d}"
