"""The customer page (Customer 360) and what staff do on it: edit the profile, contacts,
addresses, tags and PDPA consents; notes; log interactions; follow-up tasks."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geothai
from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError
from samphan.core.models import Branch
from samphan.core.money import format_baht
from samphan.core.roles import Perm
from samphan.core.selectors import branch_list
from samphan.core.thai.address import (
    GEOTHAI_CREDIT,
    GEOTHAI_URL,
    AddressParts,
    area_search,
    format_address,
    postcode_lookup,
    subdistrict_parts,
)
from samphan.core.thai.dates import format_date
from samphan.core.thai.phone import format_phone_display
from samphan.customers import selectors, services
from samphan.customers.models import (
    AcquisitionSource,
    Address,
    BehaviourType,
    ConsentEvent,
    ConsentPurpose,
    ContactKind,
    Customer,
    CustomFieldDefinition,
    FollowUpStatus,
    Gender,
    InteractionKind,
    LifecycleStage,
)
from samphan.timeline.models import EventType, TimelineEvent
from samphan.web.decorators import current_actor, member_required
from samphan.web.forms import add_application_error

TIMELINE_PAGE = 20

# --- forms (input shapes only; the rules live in the services) ---------------------------------


def _with_blank(choices: list[tuple[str, Any]], label: Any) -> list[tuple[str, Any]]:
    return [("", label), *((k, v) for k, v in choices if k)]


class ProfileForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=32, required=False)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)
    nickname = forms.CharField(label=gettext_lazy("Nickname"), max_length=80, required=False)
    gender = forms.ChoiceField(label=gettext_lazy("Gender"), choices=Gender.choices, required=False)
    birthday = forms.DateField(
        label=gettext_lazy("Birthday"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    preferred_language = forms.ChoiceField(
        label=gettext_lazy("Preferred language"),
        required=False,
        choices=_with_blank(services.PREFERRED_LANGUAGES, gettext_lazy("Not given")),
    )
    preferred_channel = forms.ChoiceField(
        label=gettext_lazy("Preferred channel"),
        required=False,
        choices=_with_blank(services.PREFERRED_CHANNELS, gettext_lazy("Not given")),
    )
    acquisition_source = forms.ChoiceField(
        label=gettext_lazy("How they found us"),
        required=False,
        choices=_with_blank(AcquisitionSource.choices, gettext_lazy("Unknown")),
    )
    referred_by = forms.CharField(
        label=gettext_lazy("Referred by"),
        required=False,
        help_text=gettext_lazy(
            "For a friend referral: the friend's phone number, or their customer number as #123."
        ),
    )
    behaviour_type = forms.ChoiceField(
        label=gettext_lazy("Behaviour type"),
        required=False,
        widget=forms.RadioSelect,
        choices=_with_blank(BehaviourType.choices, gettext_lazy("Not set")),
    )
    lifecycle_stage = forms.ChoiceField(
        label=gettext_lazy("Lifecycle stage"),
        required=False,
        choices=_with_blank(LifecycleStage.choices, gettext_lazy("Not set")),
    )
    home_branch = forms.ChoiceField(label=gettext_lazy("Home branch"), required=False)
    tags = forms.CharField(
        label=gettext_lazy("Tags"),
        required=False,
        help_text=gettext_lazy("Separate tags with commas, e.g. VIP, wholesale."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Pinned note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown at the top of the customer page."),
    )

    def __init__(
        self,
        *args: Any,
        branches: list[Branch] | None = None,
        definitions: list[CustomFieldDefinition] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        home = self.fields["home_branch"]
        assert isinstance(home, forms.ChoiceField)
        home.choices = [("", _("None")), *((str(b.pk), b.name) for b in branches or [])]
        self.definitions = definitions or []
        for d in self.definitions:
            self.fields[f"cf_{d.key}"] = _custom_form_field(d)

    def custom_fields(self) -> list[forms.BoundField]:
        return [self[f"cf_{d.key}"] for d in self.definitions]

    def data_for_service(self) -> dict[str, Any]:
        cd = self.cleaned_data
        data: dict[str, Any] = {
            k: cd[k]
            for k in (
                "title", "first_name", "last_name", "nickname", "gender", "birthday",
                "preferred_language", "preferred_channel", "acquisition_source",
                "behaviour_type", "lifecycle_stage", "notes", "tags",
            )
        }  # fmt: skip
        data["home_branch_id"] = int(cd["home_branch"]) if cd.get("home_branch") else None
        data["custom_fields"] = {
            d.key: _custom_to_service(cd.get(f"cf_{d.key}")) for d in self.definitions
        }
        return data


def _custom_form_field(d: CustomFieldDefinition) -> forms.Field:
    kind = CustomFieldDefinition.FieldType
    if d.type == kind.NUMBER:
        return forms.DecimalField(label=d.label, required=False)
    if d.type == kind.DATE:
        return forms.DateField(
            label=d.label,
            required=False,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
    if d.type == kind.CHOICE:
        values = [
            (str(c.get("value", "")), str(c.get("label", c.get("value", ""))))
            if isinstance(c, dict)
            else (str(c), str(c))
            for c in d.choices or []
        ]
        return forms.ChoiceField(label=d.label, required=False, choices=[("", "–"), *values])
    return forms.CharField(label=d.label, required=False, max_length=500)


def _custom_to_service(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ContactKind.choices)
    value = forms.CharField(label=gettext_lazy("Phone, email, LINE ID or username"), max_length=254)
    make_primary = forms.BooleanField(label=gettext_lazy("Make it the main one"), required=False)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    pin = forms.BooleanField(label=gettext_lazy("Pin to the top of the page"), required=False)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("1", gettext_lazy("Gives consent")), ("0", gettext_lazy("Withdraws consent"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    source = forms.ChoiceField(
        label=gettext_lazy("How it was given"),
        required=False,
        choices=[
            ("counter", gettext_lazy("At the counter, in person")),
            ("phone", gettext_lazy("By phone")),
            ("line", gettext_lazy("On LINE")),
            ("web", gettext_lazy("On the web")),
            ("paper", gettext_lazy("Signed paper form")),
            ("email", gettext_lazy("By email")),
        ],
    )
    notice_version = forms.CharField(
        label=gettext_lazy("Privacy notice version"),
        max_length=32,
        required=False,
        help_text=gettext_lazy("Which privacy notice they saw, e.g. 2026-01."),
    )
    evidence = forms.CharField(
        label=gettext_lazy("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What they said or signed, and where the record is kept."),
    )
    recorded_at = forms.DateTimeField(
        label=gettext_lazy("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=gettext_lazy("Leave empty for now; fill in for a paper form signed earlier."),
    )


DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=InteractionKind.choices,
        widget=forms.RadioSelect,
        initial=InteractionKind.CALL,
    )
    occurred_at = forms.DateTimeField(
        label=gettext_lazy("When"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    summary = forms.CharField(
        label=gettext_lazy("What was it about?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome = forms.CharField(label=gettext_lazy("Outcome"), required=False, max_length=200)
    pain_points = forms.CharField(
        label=gettext_lazy("Pain points"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What bothers the customer, in their words."),
    )
    next_step = forms.CharField(label=gettext_lazy("Next step"), required=False, max_length=200)
    followup_title = forms.CharField(
        label=gettext_lazy("Follow-up task"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Leave empty for no follow-up."),
    )
    followup_due = forms.DateTimeField(
        label=gettext_lazy("Due"),
        required=False,
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    followup_assignee = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False)

    def __init__(self, *args: Any, members: list[tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        assignee = self.fields["followup_assignee"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = members or []

    def clean(self) -> dict[str, Any]:
        cd = super().clean() or {}
        if cd.get("followup_title") and not cd.get("followup_due"):
            self.add_error("followup_due", _("When is the follow-up due?"))
        return cd


class FollowUpForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Task"), max_length=200)
    due_at = forms.DateTimeField(
        label=gettext_lazy("Due"),
        widget=DATETIME_INPUT,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    assignee = forms.ChoiceField(label=gettext_lazy("Assigned to"), required=False)

    def __init__(self, *args: Any, members: list[tuple[str, str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ChoiceField)
        assignee.choices = members or []


class AddressForm(forms.Form):
    label = forms.CharField(
        label=gettext_lazy("Label"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Home, office, …")}),
    )
    line = forms.CharField(
        label=gettext_lazy("House no., building, street"), max_length=255, required=False
    )
    subdistrict = forms.CharField(
        label=gettext_lazy("Subdistrict (tambon / khwaeng)"), max_length=100, required=False
    )
    district = forms.CharField(
        label=gettext_lazy("District (amphoe / khet)"), max_length=100, required=False
    )
    province = forms.CharField(label=gettext_lazy("Province"), max_length=100, required=False)
    postcode = forms.CharField(
        label=gettext_lazy("Postcode"),
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    is_primary = forms.BooleanField(label=gettext_lazy("Main address"), required=False)


def _members(actor: Actor) -> list[tuple[str, str]]:
    return [
        (str(u.pk), u.get_full_name() or u.email) for u in selectors.assignable_members(actor=actor)
    ]


def _default_due() -> dt.datetime:
    """Tomorrow at 10:00, local time: a sensible call-back time."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(10, 0)))


def _error_field(exc: ApplicationError, mapping: dict[str, str]) -> ApplicationError:
    """Point a service error at the form field that holds the value."""
    name = str(exc.details.get("field", ""))
    if name.startswith("custom_fields."):
        exc.details["field"] = "cf_" + name.split(".", 1)[1]
    elif name in mapping:
        exc.details["field"] = mapping[name]
    return exc


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


_CONSENT_SOURCES: dict[str, Any] = {
    **dict(ConsentForm.base_fields["source"].choices),  # type: ignore[attr-defined]
    "staff": gettext_lazy("Recorded by staff"),
    "api": gettext_lazy("Through the API"),
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


# --- the customer page --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsentRow:
    purpose: str
    label: str
    current: ConsentEvent | None


def _consent_rows(customer: Customer) -> list[ConsentRow]:
    labels = dict(ConsentPurpose.choices)
    return [
        ConsentRow(purpose=purpose, label=str(labels[purpose]), current=row)
        for purpose, row in selectors.consent_state(customer=customer).items()
    ]


def _custom_field_rows(actor: Actor, customer: Customer) -> list[tuple[str, str]]:
    rows = []
    language = translation.get_language() or "th"
    for d in selectors.custom_field_definitions(actor=actor):
        value = (customer.custom_fields or {}).get(d.key)
        if value in (None, ""):
            continue
        if d.type == CustomFieldDefinition.FieldType.DATE:
            with contextlib.suppress(ValueError):
                value = format_date(
                    dt.date.fromisoformat(str(value)),
                    language=language,
                    buddhist_era=actor.workspace.buddhist_era,
                )
        rows.append((d.label, str(value)))
    return rows


@member_required(Perm.CUSTOMER_VIEW)
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_profile_get(actor=actor, customer_id=customer_id)
    language = translation.get_language() or "th"
    contacts = sorted(customer.contacts.all(), key=lambda c: (c.kind, not c.is_primary, c.pk))
    addresses = sorted(customer.addresses.all(), key=lambda a: (not a.is_primary, a.pk))
    context = {
        "customer": customer,
        "numbers": selectors.customer_key_numbers(customer=customer),
        "tip": selectors.behaviour_tip(customer.behaviour_type, language=language),
        "tags": sorted(customer.tags.all(), key=lambda t: t.name.casefold()),
        "contacts": contacts,
        "addresses": [(a, format_address(**_address_parts(a))) for a in addresses],
        "consents": _consent_rows(customer),
        "tasks": list(selectors.followup_list(actor=actor, customer_id=customer.pk)[:10]),
        "now": timezone.now(),
        "custom_rows": _custom_field_rows(actor, customer),
        "preferred_language": dict(services.PREFERRED_LANGUAGES).get(
            customer.preferred_language, ""
        ),
        "preferred_channel": dict(services.PREFERRED_CHANNELS).get(customer.preferred_channel, ""),
        "can_edit": actor.can(Perm.CUSTOMER_EDIT),
        "can_sell": actor.can(Perm.ORDER_CREATE),
        "note_form": NoteForm(),
        "contact_form": ContactForm(),
        "geothai_credit": GEOTHAI_CREDIT,
        "geothai_url": GEOTHAI_URL,
        **_timeline_context(actor, customer, []),
    }
    return render(request, "customers/detail.html", context)


def _address_parts(a: Address) -> dict[str, str]:
    return {
        "line": a.line,
        "subdistrict": a.subdistrict,
        "district": a.district,
        "province": a.province,
        "postcode": a.postcode,
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


@member_required(Perm.CUSTOMER_EDIT)
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_profile_get(actor=actor, customer_id=customer_id)
    definitions = list(selectors.custom_field_definitions(actor=actor))
    branches = list(branch_list(actor=actor))
    kwargs = {"branches": branches, "definitions": definitions}
    if request.method == "POST":
        form = ProfileForm(request.POST, **kwargs)  # type: ignore[arg-type]
        if form.is_valid():
            data = form.data_for_service()
            try:
                reference = form.cleaned_data["referred_by"].strip()
                referrer = selectors.customer_by_reference(actor=actor, reference=reference)
                if reference and referrer is None:
                    raise ApplicationError(
                        "referrer_not_found",
                        _("No customer has this phone number or customer number."),
                        {"field": "referred_by"},
                    )
                data["referred_by_id"] = referrer.pk if referrer else None
                if referrer is None and customer.referred_by_id is None:
                    del data["referred_by_id"]
                services.customer_update(actor=actor, customer_id=customer.pk, data=data)
            except ApplicationError as exc:
                add_application_error(
                    form,
                    _error_field(
                        exc, {"referred_by_id": "referred_by", "home_branch_id": "home_branch"}
                    ),
                )
            else:
                messages.success(request, _("Profile saved."))
                return redirect("customers:detail", customer_id=customer.pk)
    else:
        initial: dict[str, Any] = {
            f: getattr(customer, f)
            for f in (
                "title", "first_name", "last_name", "nickname", "gender", "birthday",
                "preferred_language", "preferred_channel", "acquisition_source",
                "behaviour_type", "lifecycle_stage", "notes",
            )
        }  # fmt: skip
        initial["home_branch"] = str(customer.home_branch_id or "")
        initial["tags"] = ", ".join(sorted(t.name for t in customer.tags.all()))
        initial["referred_by"] = f"#{customer.referred_by_id}" if customer.referred_by_id else ""
        for d in definitions:
            initial[f"cf_{d.key}"] = (customer.custom_fields or {}).get(d.key, "")
        form = ProfileForm(initial=initial, **kwargs)  # type: ignore[arg-type]
    language = translation.get_language() or "th"
    tips = {value: selectors.behaviour_tip(value, language=language) for value in BehaviourType}
    return render(
        request,
        "customers/edit.html",
        {
            "customer": customer,
            "form": form,
            "tips": tips,
            "known_tags": selectors.tag_names(actor=actor),
        },
    )


# --- contacts ------------------------------------------------------------------------------


@member_required(Perm.CUSTOMER_EDIT)
def contact_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    form = ContactForm(request.POST or None)
    taken: int | None = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.contact_add(
                actor=actor,
                customer_id=customer.pk,
                kind=form.cleaned_data["kind"],
                value=form.cleaned_data["value"],
                make_primary=form.cleaned_data["make_primary"],
            )
        except ApplicationError as exc:
            taken = exc.details.get("customer_id") if exc.code == "contact_taken" else None
            add_application_error(form, exc)
        else:
            if result.created:
                messages.success(request, _("Contact added."))
            else:
                messages.info(request, _("This customer already has that contact."))
            return redirect("customers:detail", customer_id=customer.pk)
    return render(
        request, "customers/contact_form.html", {"customer": customer, "form": form, "taken": taken}
    )


@member_required(Perm.CUSTOMER_EDIT)
def contact_remove(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    actor = current_actor(request)
    contact = selectors.contact_get(actor=actor, customer_id=customer_id, contact_id=contact_id)
    if request.method == "POST":
        services.contact_remove(actor=actor, customer_id=customer_id, contact_id=contact.pk)
        messages.success(request, _("Contact removed."))
        return redirect("customers:detail", customer_id=customer_id)
    return render(
        request,
        "customers/contact_remove.html",
        {"customer": contact.customer, "contact": contact},
    )


# --- notes -------------------------------------------------------------------------------------


@member_required(Perm.CUSTOMER_EDIT)
def note_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.note_add(
                actor=actor,
                customer_id=customer.pk,
                text=form.cleaned_data["text"],
                pin=form.cleaned_data["pin"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Note saved."))
            return redirect(reverse("customers:detail", args=[customer.pk]) + "#timeline")
    return render(request, "customers/note_form.html", {"customer": customer, "form": form})


# --- consent (PDPA) ---------------------------------------------------------------------------


@member_required(Perm.CUSTOMER_VIEW)
def consents(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The consent ledger and a form to record consent given or withdrawn. The customer page
    posts here too: one tap to grant, one tap to withdraw (htmx swaps the consent card)."""
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    if request.method == "POST":
        require(actor, Perm.CUSTOMER_EDIT)  # viewing is for all; recording needs edit rights
    form = ConsentForm(request.POST or None, initial={"source": "counter"})
    htmx = bool(request.htmx)  # type: ignore[attr-defined]
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(
                actor=actor,
                customer_id=customer.pk,
                purpose=form.cleaned_data["purpose"],
                granted=form.cleaned_data["granted"],
                source=form.cleaned_data["source"] or "counter",
                notice_version=form.cleaned_data["notice_version"],
                evidence=form.cleaned_data["evidence"],
                recorded_at=form.cleaned_data.get("recorded_at"),
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            saved = True
            if not htmx:
                messages.success(request, _("Consent recorded."))
                if request.POST.get("next") == "detail":
                    return redirect(reverse("customers:detail", args=[customer.pk]) + "#consents")
                return redirect("customers:consents", customer_id=customer.pk)
    if htmx and request.method == "POST":
        # The one-tap buttons on the customer page: answer the consent card again.
        return render(
            request,
            "customers/_consents.html",
            {
                "customer": customer,
                "consents": _consent_rows(customer),
                "can_edit": actor.can(Perm.CUSTOMER_EDIT),
                "saved": saved,
                "errors": [] if saved else [e for errs in form.errors.values() for e in errs],
            },
        )
    history = list(selectors.consent_history(actor=actor, customer_id=customer.pk))
    for row in history:
        row.source_label = _CONSENT_SOURCES.get(row.source, row.source)  # type: ignore[attr-defined]
    return render(
        request,
        "customers/consents.html",
        {
            "customer": customer,
            "form": form,
            "consents": _consent_rows(customer),
            "history": history,
            "can_edit": actor.can(Perm.CUSTOMER_EDIT),
        },
    )


# --- addresses ---------------------------------------------------------------------------------


def _address_save(
    request: HttpRequest, customer: Customer, address: Address | None
) -> HttpResponse:
    actor = current_actor(request)
    if request.method == "POST":
        form = AddressForm(request.POST)
        if form.is_valid():
            try:
                if address is None:
                    services.address_add(actor=actor, customer_id=customer.pk, **form.cleaned_data)
                else:
                    services.address_update(
                        actor=actor,
                        customer_id=customer.pk,
                        address_id=address.pk,
                        **form.cleaned_data,
                    )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(request, _("Address saved."))
                return redirect(reverse("customers:detail", args=[customer.pk]) + "#addresses")
    elif address is not None:
        form = AddressForm(
            initial={
                "label": address.label,
                "is_primary": address.is_primary,
                **_address_parts(address),
            }
        )
    else:
        form = AddressForm()
    return render(
        request,
        "customers/address_form.html",
        {
            "customer": customer,
            "address": address,
            "form": form,
            "geothai_credit": GEOTHAI_CREDIT,
            "geothai_url": GEOTHAI_URL,
        },
    )


@member_required(Perm.CUSTOMER_EDIT)
def address_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = selectors.customer_get(actor=current_actor(request), customer_id=customer_id)
    return _address_save(request, customer, None)


@member_required(Perm.CUSTOMER_EDIT)
def address_edit(request: HttpRequest, customer_id: int, address_id: int) -> HttpResponse:
    actor = current_actor(request)
    address = selectors.address_get(actor=actor, customer_id=customer_id, address_id=address_id)
    return _address_save(request, address.customer, address)


@member_required(Perm.CUSTOMER_EDIT)
def address_remove(request: HttpRequest, customer_id: int, address_id: int) -> HttpResponse:
    actor = current_actor(request)
    address = selectors.address_get(actor=actor, customer_id=customer_id, address_id=address_id)
    if request.method == "POST":
        services.address_remove(actor=actor, customer_id=customer_id, address_id=address.pk)
        messages.success(request, _("Address removed."))
        return redirect(reverse("customers:detail", args=[customer_id]) + "#addresses")
    return render(
        request,
        "customers/address_remove.html",
        {
            "customer": address.customer,
            "address": address,
            "text": format_address(**_address_parts(address)),
        },
    )


@member_required(Perm.CUSTOMER_VIEW)
def address_lookup(request: HttpRequest) -> HttpResponse:
    """Autocomplete for the address form (GeoThai data): ``q`` is a postcode or a subdistrict
    name and answers candidate buttons; ``pick`` is a subdistrict code and answers the address
    fields filled in (the house number and label typed so far are kept)."""
    pick = request.GET.get("pick", "").strip()
    if pick:
        parts = subdistrict_parts(pick)
        data = {
            "label": request.GET.get("label", ""),
            "line": request.GET.get("line", ""),
            "is_primary": request.GET.get("is_primary", ""),
        }
        if parts is not None:
            # Keep the postcode typed when this subdistrict uses it (some use two).
            typed = request.GET.get("postcode", "").strip()
            sub = geothai.subdistrict(pick)
            data.update(
                subdistrict=parts.subdistrict,
                district=parts.district,
                province=parts.province,
                postcode=typed if sub and typed in sub.postal_codes else parts.postcode,
            )
        form = AddressForm(initial=data)
        return render(request, "customers/_address_fields.html", {"form": form})
    q = request.GET.get("q", "").strip()
    candidates: list[AddressParts] = []
    if q.isdigit() or (q and q[0] in "๐๑๒๓๔๕๖๗๘๙"):
        candidates = postcode_lookup(q)
    elif len(q) >= 2:
        found = area_search(q, level="subdistrict", limit=12)
        candidates = [p for a in found if (p := subdistrict_parts(a.code)) is not None]
    return render(request, "customers/_address_candidates.html", {"candidates": candidates, "q": q})


# --- interactions and follow-ups -----------------------------------------------------------------


@member_required(Perm.CUSTOMER_EDIT)
def interaction_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    members = _members(actor)
    if request.method == "POST":
        form = InteractionForm(request.POST, members=members)
        if form.is_valid():
            cd = form.cleaned_data
            followup = None
            if cd["followup_title"]:
                followup = services.FollowUpInput(
                    title=cd["followup_title"],
                    due_at=cd["followup_due"],
                    assignee_id=int(cd["followup_assignee"]) if cd["followup_assignee"] else None,
                )
            try:
                services.interaction_log(
                    actor=actor,
                    customer_id=customer.pk,
                    kind=cd["kind"],
                    occurred_at=cd["occurred_at"],
                    summary=cd["summary"],
                    outcome=cd["outcome"],
                    pain_points=cd["pain_points"],
                    next_step=cd["next_step"],
                    followup=followup,
                )
            except ApplicationError as exc:
                add_application_error(
                    form,
                    _error_field(
                        exc, {"assignee_id": "followup_assignee", "title": "followup_title"}
                    ),
                )
            else:
                if followup is not None:
                    messages.success(request, _("Interaction logged and follow-up scheduled."))
                else:
                    messages.success(request, _("Interaction logged."))
                return redirect(reverse("customers:detail", args=[customer.pk]) + "#timeline")
    else:
        form = InteractionForm(
            members=members,
            initial={
                "kind": request.GET.get("kind") or InteractionKind.CALL,
                "occurred_at": timezone.localtime().replace(second=0, microsecond=0),
                "followup_due": timezone.localtime(_default_due()),
                "followup_assignee": str(actor.user.pk) if actor.user else "",
            },
        )
    return render(request, "customers/interaction_form.html", {"customer": customer, "form": form})


@member_required(Perm.CUSTOMER_EDIT)
def followup_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    actor = current_actor(request)
    customer = selectors.customer_get(actor=actor, customer_id=customer_id)
    members = _members(actor)
    if request.method == "POST":
        form = FollowUpForm(request.POST, members=members)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                services.followup_create(
                    actor=actor,
                    customer_id=customer.pk,
                    title=cd["title"],
                    due_at=cd["due_at"],
                    assignee_id=int(cd["assignee"]) if cd["assignee"] else None,
                )
            except ApplicationError as exc:
                add_application_error(form, _error_field(exc, {"assignee_id": "assignee"}))
            else:
                messages.success(request, _("Follow-up scheduled."))
                return redirect(reverse("customers:detail", args=[customer.pk]) + "#tasks")
    else:
        form = FollowUpForm(
            members=members,
            initial={
                "due_at": timezone.localtime(_default_due()),
                "assignee": str(actor.user.pk) if actor.user else "",
            },
        )
    return render(request, "customers/followup_form.html", {"customer": customer, "form": form})


TASK_VIEWS = {
    "mine": gettext_lazy("My tasks"),
    "overdue": gettext_lazy("Overdue"),
    "open": gettext_lazy("All open"),
}


@member_required(Perm.CUSTOMER_VIEW)
def task_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    show = request.GET.get("show", "mine")
    if show not in TASK_VIEWS:
        show = "mine"
    tasks = selectors.followup_list(actor=actor, mine=show == "mine", overdue=show == "overdue")[
        :200
    ]
    overdue_count = selectors.followup_list(actor=actor, overdue=True).count()
    return render(
        request,
        "customers/tasks.html",
        {
            "tasks": list(tasks),
            "show": show,
            "views": TASK_VIEWS.items(),
            "overdue_count": overdue_count,
            "now": timezone.now(),
            "can_edit": actor.can(Perm.CUSTOMER_EDIT),
        },
    )


def _task_close(request: HttpRequest, followup_id: int, *, cancel: bool) -> HttpResponse:
    actor = current_actor(request)
    task = selectors.followup_get(actor=actor, followup_id=followup_id)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("customers:tasks")
    if request.method != "POST":
        return redirect(back)
    try:
        if cancel:
            task = services.followup_cancel(actor=actor, followup_id=task.pk)
        else:
            task = services.followup_complete(
                actor=actor, followup_id=task.pk, note=request.POST.get("note", "")
            )
    except ApplicationError as exc:
        if exc.code != "followup_closed":
            raise
        messages.info(request, exc.message)
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "customers/_task_row.html",
            {
                "task": task,
                "now": timezone.now(),
                "can_edit": True,
                "next": back,
                "show_customer": request.POST.get("show_customer") == "1",
            },
        )
    if task.status == FollowUpStatus.DONE:
        messages.success(request, _("Follow-up done: %(title)s") % {"title": task.title})
    else:
        messages.success(request, _("Follow-up cancelled: %(title)s") % {"title": task.title})
    return redirect(back)


@member_required(Perm.CUSTOMER_EDIT)
def task_done(request: HttpRequest, followup_id: int) -> HttpResponse:
    return _task_close(request, followup_id, cancel=False)


@member_required(Perm.CUSTOMER_EDIT)
def task_cancel(request: HttpRequest, followup_id: int) -> HttpResponse:
    return _task_close(request, followup_id, cancel=True)


urlpatterns: list[URLPattern] = [
    path("customers/<int:customer_id>/", customer_detail, name="detail"),
    path("customers/<int:customer_id>/edit/", customer_edit, name="edit"),
    path("customers/<int:customer_id>/timeline/", customer_timeline, name="timeline"),
    path("customers/<int:customer_id>/notes/", note_add, name="note_add"),
    path("customers/<int:customer_id>/contacts/add/", contact_add, name="contact_add"),
    path(
        "customers/<int:customer_id>/contacts/<int:contact_id>/remove/",
        contact_remove,
        name="contact_remove",
    ),
    path("customers/<int:customer_id>/consents/", consents, name="consents"),
    path("customers/<int:customer_id>/addresses/new/", address_new, name="address_new"),
    path(
        "customers/<int:customer_id>/addresses/<int:address_id>/edit/",
        address_edit,
        name="address_edit",
    ),
    path(
        "customers/<int:customer_id>/addresses/<int:address_id>/remove/",
        address_remove,
        name="address_remove",
    ),
    path("customers/<int:customer_id>/interactions/new/", interaction_new, name="interaction_new"),
    path("customers/<int:customer_id>/tasks/new/", followup_new, name="followup_new"),
    path("tasks/", task_list, name="tasks"),
    path("tasks/<int:followup_id>/done/", task_done, name="task_done"),
    path("tasks/<int:followup_id>/cancel/", task_cancel, name="task_cancel"),
    path("address/lookup/", address_lookup, name="address_lookup"),
]
