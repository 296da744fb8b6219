"""Presenting a customer's timeline: one readable item per event, filtered and paged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _

from samphan.core.access import Actor
from samphan.core.display import uses_buddhist_era
from samphan.core.roles import Perm
from samphan.core.web import current_actor, member_required
from samphan.customers import selectors
from samphan.customers.models import (
    Customer,
    CustomFieldDefinition,
)
from samphan.customers.views.merged import follow_merges
from samphan.timeline.models import TimelineEvent
from samphan.timeline.registry import EVENT_TYPES, DescribeContext, event_type_choices

TIMELINE_PAGE = 20


# --- presenting the timeline ------------------------------------------------------------------


@dataclass
class TimelineItem:
    event: TimelineEvent
    title: str
    lines: list[str] = field(default_factory=list)
    tone: str = ""  # ok, warn, off: the dot's colour
    pinned: bool = False


def _describe(event: TimelineEvent, ctx: DescribeContext) -> TimelineItem:
    """Each event type says how it reads (declared with the event, in its own app); a type no
    installed app declares reads as its plain label."""
    cls = EVENT_TYPES.get(event.type)
    if cls is None:
        return TimelineItem(event=event, title=event.label)
    d = cls.describe(event.payload or {}, ctx)
    return TimelineItem(
        event=event,
        title=d.title,
        lines=[line for line in d.lines if line],
        tone=d.tone,
        pinned=d.pinned,
    )


def _timeline_items(
    actor: Actor,
    events: list[TimelineEvent],
    definitions: Sequence[CustomFieldDefinition] | None = None,
) -> list[TimelineItem]:
    if definitions is None:
        definitions = list(selectors.custom_field_definitions(actor=actor))
    ctx = DescribeContext(
        language=translation.get_language() or "th",
        buddhist_era=uses_buddhist_era(),
        custom_field_labels={d.key: d.label for d in definitions},
    )
    return [_describe(e, ctx) for e in events]


def _event_type_choices() -> list[tuple[str, Any]]:
    return [("", _("Everything")), *event_type_choices()]


def timeline_context(
    actor: Actor,
    customer: Customer,
    types: list[str],
    before: str = "",
    definitions: Sequence[CustomFieldDefinition] | None = None,
) -> dict[str, Any]:
    page = selectors.timeline_page(
        actor=actor,
        customer_id=customer.pk,
        types=types,
        before=before,
        limit=TIMELINE_PAGE,
        customer=customer,
    )
    return {
        "customer": customer,
        "items": _timeline_items(actor, page.events, definitions),
        "next_cursor": page.next_cursor,
        "types": types,
        "type_choices": _event_type_choices(),
        "selected_type": types[0] if len(types) == 1 else "",
    }


@member_required(Perm.CUSTOMER_VIEW)
@follow_merges
def customer_timeline(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The timeline, filtered by type, a page at a time: a fragment for htmx, else a page."""
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    types = [t for t in request.GET.getlist("type") if t]
    context = timeline_context(actor, customer, types, request.GET.get("before", ""))
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "customers/_timeline_items.html", context)
    return render(request, "customers/timeline.html", context)


urlpatterns: list[URLPattern] = [
    path("customers/<int:customer_id>/timeline/", customer_timeline, name="timeline"),
]
