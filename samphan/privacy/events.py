"""The privacy app's domain events: a person's data erased, and a retention run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.timeline.registry import (
    DescribeContext,
    Description,
    DomainEvent,
    StrOrPromise,
    Subject,
)


@dataclass(frozen=True, kw_only=True)
class CustomerErased(DomainEvent):
    """The person's identifiers and free text were erased (PDPA s. 33); the record stays as an
    anonymous one, with its order amounts. ``reason`` is the tombstone's reason."""

    type: ClassVar[str] = "customer.erased"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Personal data erased")

    erasure_id: int = field(metadata={"link": "erasure"})
    reason: str
    source: str  # page, api, retention

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        lines = [_("Reason: %(reason)s") % {"reason": payload.get("reason", "")}]
        if payload.get("source") == "retention":
            lines.append(_("By the shop's retention policy"))
        return Description(title=str(cls.label), lines=lines, tone="off", pinned=True)


@dataclass(frozen=True, kw_only=True)
class RetentionRan(DomainEvent):
    """A nightly retention run acted: customers anonymised or deleted, import files deleted."""

    type: ClassVar[str] = "privacy.retention_ran"
    subject: ClassVar[Subject] = Subject.WORKSPACE
    label: ClassVar[StrOrPromise] = gettext_lazy("Retention policy applied")

    run_id: int = field(metadata={"link": "retention_run"})
    customers_anonymised: int
    customers_deleted: int
    import_files_deleted: int

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        line = _(
            "%(anonymised)s customers anonymised, %(deleted)s deleted, %(files)s import files "
            "deleted"
        ) % {
            "anonymised": payload.get("customers_anonymised", 0),
            "deleted": payload.get("customers_deleted", 0),
            "files": payload.get("import_files_deleted", 0),
        }
        return Description(title=str(cls.label), lines=[line])
