"""Presenting a customer's timeline: one readable item per event, filtered and paged."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _

from samphan.core.access import Actor
from samphan.core.money import format_baht
from samphan.core.roles import Perm
from samphan.core.thai.dates import format_date
from samphan.core.thai.phone import format_phone_display
from samphan.core.web import current_actor, member_required
from samphan.customers import selectors, services
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
from samphan.customers.views.consent import _CONSENT_SOURCES
from samphan.timeline.models import EventType, TimelineEvent

TIMELINE_PAGE = 20


# --- presenting the timeline ------------------------------------------------------------------


@dataclass
class TimelineItem:
    event: TimelineEvent
    title: str
    lines: list[str] = field(default_factory=list)
    tone: str = ""  # ok, warn, off: the dot's colour
    pinned: bool = False


_CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "gender": dict(Gender.choices),
    "behaviour_type": dict(BehaviourType.choices),
    "lifecycle_stage": dict(LifecycleStage.choices),
    "acquisition_source": dict(AcquisitionSource.choices),
    "preferred_channel": dict(services.PREFERRED_CHANNELS),
    "preferred_language": dict(services.PREFERRED_LANGUAGES),
}


def _field_label(name: str, definitions: dict[str, str]) -> str:
    if name.startswith("custom_fields."):
        key = name.split(".", 1)[1]
        return definitions.get(key, key)
    if name.startswith("contact."):
        return str(dict(ContactKind.choices).get(name.split(".", 1)[1], name))
    if name == "referred_by_id":
        return _("Referred by")
    if name == "home_branch_id":
        return _("Home branch")
    if name == "tags":
        return _("Tags")
    if name == "address":
        return _("Address")
    try:
        model_field = Customer._meta.get_field(name)
    except FieldDoesNotExist:  # an old event may name a field that is gone
        return name
    return str(getattr(model_field, "verbose_name", name)).capitalize()


def _value_text(name: str, value: Any, language: str, be: bool) -> str:
    if value in (None, "", []):
        return "–"
    if name in _CHOICE_LABELS:
        return str(_CHOICE_LABELS[name].get(value, value))
    if name == "birthday":
        try:
            return format_date(
                dt.date.fromisoformat(str(value)), language=language, buddhist_era=be
            )
        except ValueError:
            return str(value)
    if name in ("referred_by_id",):
        return f"#{value}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _order_status_labels() -> dict[str, str]:
    """Order status → its label, read from ``Customer.orders``' model (customers never
    imports commerce)."""
    order_model: Any = Customer._meta.get_field("orders").related_model
    return {value: str(label) for value, label in order_model._meta.get_field("status").choices}


def _describe(
    event: TimelineEvent, *, language: str, be: bool, definitions: dict[str, str]
) -> TimelineItem:
    p = event.payload or {}
    item = TimelineItem(event=event, title=event.get_type_display())
    kind_labels = dict(InteractionKind.choices)
    if event.type == EventType.CUSTOMER_CREATED:
        source = p.get("source", "")
        item.lines.append(
            {
                "manual": _("Added by staff"),
                "api": _("Added through the API"),
                "import": _("Imported from a file"),
            }.get(source, source)
        )
    elif event.type == EventType.CUSTOMER_UPDATED:
        changes: dict[str, Any] = p.get("changes", {})
        if p.get("section") == "contacts":
            item.title = _("Contact removed")
            for name, change in changes.items():
                value = change.get("from") or ""
                if name == "contact.phone":
                    value = format_phone_display(value)
                item.lines.append(f"{_field_label(name, definitions)}: {value}")
        elif p.get("section") == "address":
            change = changes.get("address", {})
            if change.get("from") and change.get("to"):
                item.title = _("Address changed")
            elif change.get("to"):
                item.title = _("Address added")
            else:
                item.title = _("Address removed")
            item.lines.append(str(change.get("to") or change.get("from") or ""))
        else:
            if p.get("section") == "tags":
                item.title = _("Tags changed")
            for name, change in changes.items():
                if name == "notes":
                    item.lines.append(_("Pinned note changed"))
                    continue
                old = _value_text(name, change.get("from"), language, be)
                new = _value_text(name, change.get("to"), language, be)
                item.lines.append(f"{_field_label(name, definitions)}: {old} → {new}")
    elif event.type == EventType.CUSTOMER_MERGED:
        item.lines.append(
            _("%(name)s (#%(id)s) was merged into this customer.")
            % {"name": p.get("merged_name", ""), "id": p.get("merged_customer_id", "")}
        )
    elif event.type == EventType.CUSTOMER_UNMERGED:
        item.lines.append(
            _("%(name)s (#%(id)s) is a separate customer again.")
            % {"name": p.get("restored_name", ""), "id": p.get("restored_customer_id", "")}
        )
    elif event.type == EventType.CONTACT_ADDED:
        value = p.get("value", "")
        if p.get("kind") == ContactKind.PHONE:
            value = format_phone_display(value)
        item.lines.append(f"{dict(ContactKind.choices).get(p.get('kind', ''), '')}: {value}")
    elif event.type == EventType.CONSENT_CHANGED:
        purpose = dict(ConsentPurpose.choices).get(p.get("purpose", ""), p.get("purpose", ""))
        granted = bool(p.get("granted"))
        item.title = (
            _("Consent given: %(purpose)s") if granted else _("Consent withdrawn: %(purpose)s")
        ) % {"purpose": purpose}
        item.tone = "ok" if granted else "warn"
        details = [str(_CONSENT_SOURCES.get(p.get("source", ""), p.get("source", "")))]
        if p.get("notice_version"):
            details.append(_("notice %(version)s") % {"version": p["notice_version"]})
        details = [d for d in details if d]
        if details:
            item.lines.append(" · ".join(details))
    elif event.type == EventType.NOTE_ADDED:
        item.lines.append(p.get("text", ""))
        item.pinned = bool(p.get("pinned"))
    elif event.type == EventType.ORDER_PLACED:
        item.title = _("Order %(number)s") % {"number": p.get("number", "")}
        item.lines.append(
            " · ".join(
                x for x in (format_baht(p.get("total_satang")), str(p.get("channel", ""))) if x
            )
        )
        item.tone = "ok"
    elif event.type == EventType.ORDER_STATUS_CHANGED:
        item.title = _("Order %(number)s") % {"number": p.get("number", "")}
        statuses = _order_status_labels()
        old, new = p.get("from", ""), p.get("to", "")
        item.lines.append(f"{statuses.get(old, old)} → {statuses.get(new, new)}")
        if p.get("reason"):
            item.lines.append(_("Reason: %(reason)s") % {"reason": p["reason"]})
        item.tone = "warn"
    elif event.type == EventType.INTERACTION_LOGGED:
        item.title = str(kind_labels.get(p.get("kind", ""), item.title))
        if p.get("summary"):
            item.lines.append(p["summary"])
        for key, label in (
            ("outcome", _("Outcome")),
            ("pain_points", _("Pain points")),
            ("next_step", _("Next step")),
        ):
            if p.get(key):
                item.lines.append(f"{label}: {p[key]}")
    elif event.type == EventType.FOLLOWUP_CREATED:
        item.title = _("Follow-up: %(title)s") % {"title": p.get("title", "")}
        try:
            due = format_date(
                dt.datetime.fromisoformat(p.get("due_at", "")),
                language=language,
                buddhist_era=be,
                with_time=True,
            )
        except ValueError:
            due = ""
        line = _("Due %(due)s") % {"due": due} if due else ""
        if p.get("assignee"):
            line = f"{line} · {p['assignee']}" if line else str(p["assignee"])
        if line:
            item.lines.append(line)
    elif event.type == EventType.FOLLOWUP_DONE:
        cancelled = p.get("status") == FollowUpStatus.CANCELLED
        item.title = (
            _("Follow-up cancelled: %(title)s") if cancelled else _("Follow-up done: %(title)s")
        ) % {"title": p.get("title", "")}
        item.tone = "off" if cancelled else "ok"
        if p.get("note"):
            item.lines.append(p["note"])
    item.lines = [line for line in item.lines if line]
    return item


def _timeline_items(actor: Actor, events: list[TimelineEvent]) -> list[TimelineItem]:
    language = translation.get_language() or "th"
    definitions = {d.key: d.label for d in selectors.custom_field_definitions(actor=actor)}
    be = bool(actor.workspace.buddhist_era)
    return [_describe(e, language=language, be=be, definitions=definitions) for e in events]


def _event_type_choices() -> list[tuple[str, Any]]:
    return [("", _("Everything")), *EventType.choices]


def _timeline_context(
    actor: Actor, customer: Customer, types: list[str], before: str = ""
) -> dict[str, Any]:
    page = selectors.timeline_page(
        actor=actor, customer_id=customer.pk, types=types, before=before, limit=TIMELINE_PAGE
    )
    return {
        "customer": customer,
        "items": _timeline_items(actor, page.events),
        "next_cursor": page.next_cursor,
        "types": types,
        "type_choices": _event_type_choices(),
        "selected_type": types[0] if len(types) == 1 else "",
    }


@member_required(Perm.CUSTOMER_VIEW)
def customer_timeline(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The timeline, filtered by type, a page at a time: a fragment for htmx, else a page."""
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    types = [t for t in request.GET.getlist("type") if t]
    context = _timeline_context(actor, customer, types, request.GET.get("before", ""))
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "customers/_timeline_items.html", context)
    return render(request, "customers/timeline.html", context)


urlpatterns: list[URLPattern] = [
    path("customers/<int:customer_id>/timeline/", customer_timeline, name="timeline"),
]
