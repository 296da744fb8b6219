"""Saved segments and their membership snapshots.

A segment is dynamic: its rules (``samphan.segments.rules``) are evaluated whenever it is
counted or listed. A snapshot freezes who was in it at one moment: its size for the
size-over-time chart and, as ``SegmentMember`` rows, the list a campaign can target.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def empty_rules() -> dict[str, object]:
    return {"op": "and", "items": []}


class Segment(models.Model):
    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=empty_rules)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="segment_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SnapshotReason(models.TextChoices):
    RECOMPUTE = "recompute", _("Nightly recompute")
    MANUAL = "manual", _("Frozen by hand")


class SegmentSnapshot(models.Model):
    """Who was in a segment at ``computed_at``. ``rules`` is the definition used then (the
    segment may be edited later). The member rows of old nightly snapshots are pruned (the
    size stays, for the chart); snapshots frozen by hand keep their members."""

    workspace = models.ForeignKey("core.Workspace", on_delete=models.CASCADE, related_name="+")
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="snapshots")
    computed_at = models.DateTimeField(_("computed at"))
    size = models.PositiveIntegerField(_("size"), default=0)
    reason = models.CharField(
        _("reason"), max_length=16, choices=SnapshotReason.choices, default=SnapshotReason.MANUAL
    )
    rules = models.JSONField(default=empty_rules)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    members_pruned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-computed_at", "-id"]
        indexes = [
            models.Index(fields=["segment", "-computed_at"], name="snapshot_segment_time"),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id} @ {self.computed_at:%Y-%m-%d %H:%M}: {self.size}"

    @property
    def has_members(self) -> bool:
        return self.members_pruned_at is None


class SegmentMember(models.Model):
    """One customer of a frozen list. Reached through its snapshot (which carries the
    workspace); kept narrow because a snapshot of a large segment writes many of these."""

    id = models.BigAutoField(primary_key=True)
    snapshot = models.ForeignKey(SegmentSnapshot, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "customer"], name="segment_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id}:{self.customer_id}"
