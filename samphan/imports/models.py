"""Import jobs: one uploaded file, its mapping and what importing it did."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers (CSV/XLSX)")
    ORDERS = "orders", _("Orders (CSV/XLSX)")
    SHOPEE = "shopee", _("Shopee Seller Centre export")
    LAZADA = "lazada", _("Lazada Seller Center export")
    TIKTOK = "tiktok", _("TikTok Shop export")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PREVIEWED = "previewed", _("Previewed")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportJob(models.Model):
    """One uploaded file and what importing it did (the report lists every bad row).

    The table keeps the name it had when imports lived in the commerce app."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "commerce_importjob"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"


class ImportMapping(models.Model):
    """A mapping a person confirmed for one shape of file: what it holds (``kind``) and its
    headings (``shape``: a hash of the normalised heading row). The next file of that shape in
    the workspace starts from it."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    shape = models.CharField(max_length=64)
    headers = models.JSONField(default=list, blank=True)  # as the file wrote them, for people
    columns = models.JSONField(default=dict, blank=True)  # {"column index": "field"}
    date_orders = models.JSONField(default=dict, blank=True)  # {"column index": "dmy" | "mdy"}
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "kind", "shape"], name="import_mapping_unique_shape"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.shape[:8]}"
