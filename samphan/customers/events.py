"""The customers domain's events: declared once, with their labels and how they read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.thai.dates import format_date
from samphan.core.thai.phone import format_phone_display
from samphan.customers.models import (
    AcquisitionSource,
    BehaviourType,
    ConsentPurpose,
    ContactKind,
    Customer,
    FollowUpStatus,
    Gender,
    InteractionKind,
    LifecycleStage,
)
from samphan.timeline.registry import (
    DescribeContext,
    Description,
    DomainEvent,
    StrOrPromise,
    Subject,
)

# --- the events ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CustomerCreated(DomainEvent):
    type: ClassVar[str] = "customer.created"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Customer created")

    source: str  # manual, api, import, seed

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        source = payload.get("source", "")
        line = {
            "manual": _("Added by staff"),
            "api": _("Added through the API"),
            "import": _("Imported from a file"),
            "sale": _("Added at a sale"),
            "seed": _("Demo data"),
        }.get(source, "")
        return Description(title=str(cls.label), lines=[line] if line else [])


@dataclass(frozen=True, kw_only=True)
class CustomerUpdated(DomainEvent):
    """``changes`` is ``{field: {"from": old, "to": new}}``; ``section`` says what was edited:
    profile, tags, contacts (a removal) or address."""

    type: ClassVar[str] = "customer.updated"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Profile updated")

    changes: dict[str, dict[str, Any]]
    section: str = "profile"

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        changes: dict[str, Any] = payload.get("changes", {})
        section = payload.get("section")
        lines: list[str] = []
        title = str(cls.label)
        if section == "contacts":
            title = _("Contact removed")
            for name, change in changes.items():
                value = change.get("from") or ""
                if name == "contact.phone":
                    value = format_phone_display(value)
                lines.append(f"{field_label(name, ctx)}: {value}")
        elif section == "address":
            change = changes.get("address", {})
            if change.get("from") and change.get("to"):
                title = _("Address changed")
            elif change.get("to"):
                title = _("Address added")
            else:
                title = _("Address removed")
            lines.append(str(change.get("to") or change.get("from") or ""))
        else:
            if section == "tags":
                title = _("Tags changed")
            for name, change in changes.items():
                if name == "notes":
                    lines.append(_("Pinned note changed"))
                    continue
                old = value_text(name, change.get("from"), ctx)
                new = value_text(name, change.get("to"), ctx)
                lines.append(f"{field_label(name, ctx)}: {old} → {new}")
        return Description(title=title, lines=[line for line in lines if line])


@dataclass(frozen=True, kw_only=True)
class CustomerMerged(DomainEvent):
    """On the surviving customer, with what moved over (rows per relation,
    ``{"commerce.Order.customer": 3, …}``) and which profile fields came from the merged one."""

    type: ClassVar[str] = "customer.merged"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Merged with a duplicate")

    merged_customer_id: int
    merged_name: str
    merge_log_id: int = field(metadata={"link": "merge_log"})
    moved: dict[str, int]
    fields_from_merged: list[str]

    def links(self) -> dict[str, Any]:
        return {**super().links(), "customer": self.merged_customer_id}

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        line = _("%(name)s (#%(id)s) was merged into this customer.") % {
            "name": payload.get("merged_name", ""),
            "id": payload.get("merged_customer_id", ""),
        }
        return Description(title=str(cls.label), lines=[line])


@dataclass(frozen=True, kw_only=True)
class CustomerUnmerged(DomainEvent):
    """Written on both customers of an undone merge. ``role`` is ``survivor`` or ``restored``;
    ``restored_customer_id``/``restored_name`` name the *other* customer."""

    type: ClassVar[str] = "customer.unmerged"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Merge undone")

    restored_customer_id: int
    restored_name: str
    role: str
    moved_back: dict[str, int]
    merge_log_id: int = field(metadata={"link": "merge_log"})

    def links(self) -> dict[str, Any]:
        return {**super().links(), "customer": self.restored_customer_id}

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        line = _("%(name)s (#%(id)s) is a separate customer again.") % {
            "name": payload.get("restored_name", ""),
            "id": payload.get("restored_customer_id", ""),
        }
        return Description(title=str(cls.label), lines=[line])


@dataclass(frozen=True, kw_only=True)
class ContactAdded(DomainEvent):
    type: ClassVar[str] = "contact.added"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Contact added")

    contact_id: int | None = field(default=None, metadata={"link": "contact"})
    kind: str
    value: str

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        value = payload.get("value", "")
        if payload.get("kind") == ContactKind.PHONE:
            value = format_phone_display(value)
        kind = dict(ContactKind.choices).get(payload.get("kind", ""), "")
        return Description(title=str(cls.label), lines=[f"{kind}: {value}"])


@dataclass(frozen=True, kw_only=True)
class ConsentChanged(DomainEvent):
    type: ClassVar[str] = "consent.changed"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Consent changed")

    consent_id: int | None = field(default=None, metadata={"link": "consent"})
    purpose: str
    granted: bool
    source: str
    notice_version: str

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        from samphan.customers.consent_services import consent_source_label

        purpose = dict(ConsentPurpose.choices).get(
            payload.get("purpose", ""), payload.get("purpose", "")
        )
        granted = bool(payload.get("granted"))
        title = (
            _("Consent given: %(purpose)s") if granted else _("Consent withdrawn: %(purpose)s")
        ) % {"purpose": purpose}
        details = [consent_source_label(payload.get("source", ""))]
        if payload.get("notice_version"):
            details.append(_("notice %(version)s") % {"version": payload["notice_version"]})
        details = [d for d in details if d]
        return Description(
            title=title,
            lines=[" · ".join(details)] if details else [],
            tone="ok" if granted else "warn",
        )


@dataclass(frozen=True, kw_only=True)
class NoteAdded(DomainEvent):
    type: ClassVar[str] = "note.added"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Note")

    text: str
    pinned: bool

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        text = payload.get("text", "")
        return Description(
            title=str(cls.label), lines=[text] if text else [], pinned=bool(payload.get("pinned"))
        )


@dataclass(frozen=True, kw_only=True)
class InteractionLogged(DomainEvent):
    type: ClassVar[str] = "interaction.logged"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Interaction logged")

    interaction_id: int = field(metadata={"link": "interaction"})
    kind: str
    summary: str
    outcome: str
    pain_points: str
    next_step: str

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        title = str(dict(InteractionKind.choices).get(payload.get("kind", ""), cls.label))
        lines = [payload["summary"]] if payload.get("summary") else []
        for key, label in (
            ("outcome", _("Outcome")),
            ("pain_points", _("Pain points")),
            ("next_step", _("Next step")),
        ):
            if payload.get(key):
                lines.append(f"{label}: {payload[key]}")
        return Description(title=title, lines=lines)


@dataclass(frozen=True, kw_only=True)
class FollowupCreated(DomainEvent):
    type: ClassVar[str] = "followup.created"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Follow-up scheduled")

    followup_id: int = field(metadata={"link": "followup"})
    title: str
    due_at: dt.datetime
    assignee: str

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        title = _("Follow-up: %(title)s") % {"title": payload.get("title", "")}
        try:
            due = format_date(
                dt.datetime.fromisoformat(payload.get("due_at", "")),
                language=ctx.language,
                buddhist_era=ctx.buddhist_era,
                with_time=True,
            )
        except ValueError:
            due = ""
        line = _("Due %(due)s") % {"due": due} if due else ""
        if payload.get("assignee"):
            line = f"{line} · {payload['assignee']}" if line else str(payload["assignee"])
        return Description(title=title, lines=[line] if line else [])


@dataclass(frozen=True, kw_only=True)
class FollowupDone(DomainEvent):
    """The follow-up is closed: ``status`` is ``done`` or ``cancelled``."""

    type: ClassVar[str] = "followup.done"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Follow-up done")

    followup_id: int = field(metadata={"link": "followup"})
    title: str
    status: str
    note: str = ""

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        cancelled = payload.get("status") == FollowUpStatus.CANCELLED
        title = (
            _("Follow-up cancelled: %(title)s") if cancelled else _("Follow-up done: %(title)s")
        ) % {"title": payload.get("title", "")}
        note = payload.get("note", "")
        return Description(
            title=title, lines=[note] if note else [], tone="off" if cancelled else "ok"
        )


@dataclass(frozen=True, kw_only=True)
class LifecycleChanged(DomainEvent):
    """The customer's lifecycle stage moved: derived from purchases by commerce (``by_hand``
    false), or set by a person with a reason (``by_hand``), or a stage set by hand was cleared
    (``cleared``: commerce then derives it again)."""

    type: ClassVar[str] = "lifecycle.changed"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Lifecycle stage changed")

    old_stage: str = field(metadata={"key": "from"})
    new_stage: str = field(metadata={"key": "to"})
    by_hand: bool = False
    # A stage set by hand was cleared: the derived stage applies again.
    cleared: bool = field(default=False, metadata={"omit_empty": True})
    reason: str = field(default="", metadata={"omit_empty": True})

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        labels = dict(LifecycleStage.choices)
        old, new = payload.get("from", ""), payload.get("to", "")
        lines = [f"{labels.get(old, old) or '–'} → {labels.get(new, new)}"]
        if payload.get("by_hand"):
            lines.append(
                _("Set by hand: %(reason)s") % {"reason": payload.get("reason", "")}
                if payload.get("reason")
                else _("Set by hand")
            )
        elif payload.get("cleared"):
            lines.append(_("Derived from purchases again"))
        return Description(title=str(cls.label), lines=lines)


# --- wording shared by the descriptions ---------------------------------------------------------


def _choice_labels() -> dict[str, dict[str, Any]]:
    from samphan.customers.services import PREFERRED_CHANNELS, PREFERRED_LANGUAGES

    return {
        "gender": dict(Gender.choices),
        "behaviour_type": dict(BehaviourType.choices),
        "lifecycle_stage": dict(LifecycleStage.choices),
        "acquisition_source": dict(AcquisitionSource.choices),
        "preferred_channel": dict(PREFERRED_CHANNELS),
        "preferred_language": dict(PREFERRED_LANGUAGES),
    }


def field_label(name: str, ctx: DescribeContext) -> str:
    """A profile field's label as the profile form shows it (never the field's code name)."""
    if name.startswith("custom_fields."):
        key = name.split(".", 1)[1]
        return ctx.custom_field_labels.get(key, key)
    if name.startswith("contact."):
        return str(dict(ContactKind.choices).get(name.split(".", 1)[1], _("Contact")))
    special = {
        "referred_by_id": _("Referred by"),
        "home_branch_id": _("Home branch"),
        "tags": _("Tags"),
        "address": _("Address"),
    }
    if name in special:
        return special[name]
    try:
        model_field = Customer._meta.get_field(name)
    except FieldDoesNotExist:  # an old event may name a field that is gone
        return _("Other details")
    return str(getattr(model_field, "verbose_name", name)).capitalize()


def value_text(name: str, value: Any, ctx: DescribeContext) -> str:
    if value in (None, "", []):
        return "–"
    labels = _choice_labels()
    if name in labels:
        return str(labels[name].get(value, value))
    if name == "birthday":
        try:
            return format_date(
                dt.date.fromisoformat(str(value)),
                language=ctx.language,
                buddhist_era=ctx.buddhist_era,
            )
        except ValueError:
            return str(value)
    if name in ("referred_by_id",):
        return f"#{value}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
