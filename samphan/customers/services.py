"""Writes for customers: create-or-match by identity, the profile and tags; each writes its
timeline event. Contacts and addresses are in ``contact_services``, the PDPA consent ledger in
``consent_services``, notes, interactions and follow-ups in ``interaction_services``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Branch
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text, split_title
from samphan.customers.contacts import contact_normalize
from samphan.customers.events import CustomerCreated, CustomerUpdated, LifecycleChanged
from samphan.customers.models import (
    AcquisitionSource,
    BehaviourType,
    ContactPoint,
    Customer,
    CustomFieldDefinition,
    Gender,
    LifecycleStage,
    Tag,
)
from samphan.timeline.publish import publish


@dataclass(frozen=True)
class CustomerResult:
    customer: Customer
    created: bool
    matched_by: str = ""  # e.g. "phone:+66813596920" when an existing customer was found


def customer_create(
    *,
    actor: Actor,
    first_name: str = "",
    last_name: str = "",
    nickname: str = "",
    title: str = "",
    contacts: list[tuple[str, str]] | None = None,
    acquisition_source: str = "",
    province: str = "",
) -> CustomerResult:
    """Create a customer, or return the existing one that owns any of the given contacts.

    New contacts are attached to the matched customer, so a second visit adds a phone or LINE ID
    instead of creating a duplicate.
    """
    require(actor, Perm.CUSTOMER_EDIT)
    if acquisition_source not in AcquisitionSource.values:
        raise ApplicationError(
            "invalid_source",
            _("Unknown acquisition source."),
            {"field": "acquisition_source"},
            status=422,
        )
    normalised = [
        (kind, contact_normalize(kind, value, field=f"contacts[{i}].value"))
        for i, (kind, value) in enumerate(contacts or [])
    ]
    parsed_title, first_name = split_title(first_name)
    title = clean_text(title) or parsed_title
    first_name, last_name, nickname = (
        clean_text(first_name),
        clean_text(last_name),
        clean_text(nickname),
    )
    if not (first_name or last_name or nickname or normalised):
        raise ApplicationError(
            "customer_empty",
            _("Give at least a name, a nickname or one contact."),
            {"field": "first_name"},
            status=422,
        )
    with transaction.atomic():
        existing = _match(actor, normalised)
        if existing is not None:
            customer, matched_by = existing
            _attach(actor, customer, normalised)
            return CustomerResult(customer=customer, created=False, matched_by=matched_by)
        customer = Customer.objects.create(
            workspace=actor.workspace,
            title=title,
            first_name=first_name,
            last_name=last_name,
            nickname=nickname,
            acquisition_source=acquisition_source,
            province=province,
            created_at=timezone.now(),
        )
        _attach(actor, customer, normalised)
        publish(
            CustomerCreated(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                source="api" if actor.user is None else "manual",
            )
        )
    return CustomerResult(customer=customer, created=True)


def _match(actor: Actor, contacts: list[tuple[str, str]]) -> tuple[Customer, str] | None:
    for kind, value in contacts:
        point = (
            ContactPoint.objects.select_for_update()
            .select_related("customer")
            .filter(workspace=actor.workspace, kind=kind, value=value)
            .first()
        )
        if point is not None:
            return point.customer, f"{kind}:{value}"
    return None


def _attach(actor: Actor, customer: Customer, contacts: list[tuple[str, str]]) -> None:
    has_primary = {
        kind
        for kind in ContactPoint.objects.filter(customer=customer, is_primary=True).values_list(
            "kind", flat=True
        )
    }
    for kind, value in contacts:
        _, created = ContactPoint.objects.get_or_create(
            workspace=actor.workspace,
            kind=kind,
            value=value,
            defaults={"customer": customer, "is_primary": kind not in has_primary},
        )
        if created:
            has_primary.add(kind)


# --- the customer's profile ------------------------------------------------------------------

# Languages a Thai shop's customers prefer to be served in (shown in their own script).
PREFERRED_LANGUAGES: list[tuple[str, str]] = [
    ("th", "ไทย"),
    ("en", "English"),
    ("zh", "中文"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("my", "မြန်မာ"),
    ("lo", "ລາວ"),
    ("km", "ខ្មែរ"),
]
PREFERRED_CHANNELS: list[tuple[str, Any]] = [
    ("line", gettext_lazy("LINE")),
    ("phone", gettext_lazy("Phone call")),
    ("sms", gettext_lazy("SMS")),
    ("email", gettext_lazy("Email")),
    ("store", gettext_lazy("In the store")),
    ("social", gettext_lazy("Facebook / Instagram")),
]
CUSTOMER_FIELDS = (
    "title", "first_name", "last_name", "nickname", "gender", "birthday", "province",
    "preferred_language", "preferred_channel", "acquisition_source", "referred_by_id",
    "behaviour_type", "lifecycle_stage", "lifecycle_stage_reason", "home_branch_id", "notes",
    "custom_fields", "tags",
)  # fmt: skip
LIFECYCLE_REASON_MAX = 500
_TEXT_LIMITS = {"title": 32, "first_name": 150, "last_name": 150, "nickname": 80, "province": 100}
NOTE_MAX = 5000


def _invalid(code: str, message: str, field: str) -> ApplicationError:
    return ApplicationError(code, message, {"field": field}, status=422)


def _customer_for_update(actor: Actor, customer_id: int) -> Customer:
    customer = (
        Customer.objects.select_for_update()
        .filter(workspace=actor.workspace, pk=customer_id, merged_into__isnull=True)
        .first()
    )
    if customer is None:
        raise NotFound("customer_not_found", _("Customer not found."))
    return customer


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _choice(value: Any, allowed: list[str], code: str, field: str) -> str:
    value = "" if value is None else str(value).strip()
    if value not in allowed:
        raise _invalid(code, _("“%(value)s” is not one of the choices.") % {"value": value}, field)
    return value


def _parse_date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise _invalid(
            "invalid_date", _("Enter a date as YYYY-MM-DD, e.g. 1990-04-13."), field
        ) from exc


def _custom_value(definition: CustomFieldDefinition, value: Any) -> Any:
    """The stored (JSON) form of a custom field value, checked against its definition."""
    field = f"custom_fields.{definition.key}"
    kind = definition.type
    if kind == CustomFieldDefinition.FieldType.NUMBER:
        try:
            number = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation as exc:
            raise _invalid(
                "invalid_number",
                _("%(label)s must be a number.") % {"label": definition.label},
                field,
            ) from exc
        if not number.is_finite():
            raise _invalid(
                "invalid_number",
                _("%(label)s must be a number.") % {"label": definition.label},
                field,
            )
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CustomFieldDefinition.FieldType.DATE:
        parsed = _parse_date(value, field)
        return parsed.isoformat() if parsed else None
    text = clean_text(str(value))
    if kind == CustomFieldDefinition.FieldType.CHOICE:
        allowed = [
            str(c.get("value", "")) if isinstance(c, dict) else str(c)
            for c in definition.choices or []
        ]
        if text not in allowed:
            raise _invalid(
                "invalid_choice",
                _("%(label)s must be one of: %(choices)s")
                % {"label": definition.label, "choices": ", ".join(allowed)},
                field,
            )
        return text
    if len(text) > 500:
        raise _invalid(
            "too_long",
            _("%(label)s is too long (500 characters at most).") % {"label": definition.label},
            field,
        )
    return text


def _custom_fields(actor: Actor, current: dict[str, Any], given: Any) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise _invalid(
            "invalid_custom_fields", _("Custom fields must be an object."), "custom_fields"
        )
    definitions = {
        d.key: d for d in CustomFieldDefinition.objects.filter(workspace=actor.workspace)
    }
    result = dict(current or {})
    for key, value in given.items():
        definition = definitions.get(key)
        if definition is None:
            raise _invalid(
                "unknown_custom_field",
                _("This shop has no custom field “%(key)s”.") % {"key": key},
                f"custom_fields.{key}",
            )
        if value is None or (isinstance(value, str) and not value.strip()):
            result.pop(key, None)  # an empty value clears the field
        else:
            result[key] = _custom_value(definition, value)
    return result


def _tag_names(names: list[str] | str) -> list[str]:
    if isinstance(names, str):
        names = names.split(",")
    cleaned: dict[str, str] = {}
    for raw in names:
        name = clean_text(str(raw)).lstrip("#")
        if not name:
            continue
        if len(name) > 60:
            raise _invalid(
                "tag_too_long",
                _("A tag has at most 60 characters: “%(name)s”.") % {"name": name},
                "tags",
            )
        cleaned.setdefault(name.casefold(), name)
    return sorted(cleaned.values(), key=str.casefold)


def _tags_apply(actor: Actor, customer: Customer, names: list[str] | str) -> dict[str, Any] | None:
    """Set the customer's tags, creating new ones for the workspace; the change or None."""
    wanted = _tag_names(names)
    before = sorted(customer.tags.values_list("name", flat=True), key=str.casefold)
    existing = {t.name.casefold(): t for t in Tag.objects.filter(workspace=actor.workspace)}
    tags: list[Tag] = []
    for name in wanted:
        tag = existing.get(name.casefold())
        if tag is None:
            tag, _created = Tag.objects.get_or_create(workspace=actor.workspace, name=name)
        tags.append(tag)
    after = sorted((t.name for t in tags), key=str.casefold)
    if after == before:
        return None
    customer.tags.set(tags)
    return {"from": before, "to": after}


def customer_update(*, actor: Actor, customer_id: int, data: dict[str, Any]) -> Customer:
    """Change profile fields. ``data`` holds only the fields to change (a PATCH):
    names (a title typed in front of the first name is split off), nickname, gender, birthday,
    province, preferred language and channel, acquisition source and who referred them, behaviour
    type, lifecycle stage, home branch, the pinned note, custom fields (merged key by key; an
    empty value clears one) and tags (the full list). Writes one ``customer.updated`` event."""
    require(actor, Perm.CUSTOMER_EDIT)
    unknown = sorted(set(data) - set(CUSTOMER_FIELDS))
    if unknown:
        raise _invalid(
            "unknown_field",
            _("Unknown field: %(fields)s") % {"fields": ", ".join(unknown)},
            unknown[0],
        )
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        values: dict[str, Any] = {}
        for field in ("title", "first_name", "last_name", "nickname", "province"):
            if field in data:
                text = clean_text(str(data[field] or ""))
                if len(text) > _TEXT_LIMITS[field]:
                    raise _invalid("too_long", _("This is too long."), field)
                values[field] = text
        if "first_name" in data and not values.get("title") and not data.get("title"):
            title, first = split_title(values["first_name"])
            if title:
                values["title"], values["first_name"] = title, first
        if "gender" in data:
            values["gender"] = _choice(data["gender"], Gender.values, "invalid_gender", "gender")
        if "birthday" in data:
            birthday = _parse_date(data["birthday"], "birthday")
            if birthday is not None and (birthday > timezone.localdate() or birthday.year < 1900):
                raise _invalid("invalid_birthday", _("Enter a real birthday."), "birthday")
            values["birthday"] = birthday
        if "preferred_language" in data:
            values["preferred_language"] = _choice(
                data["preferred_language"],
                ["", *(c for c, _label in PREFERRED_LANGUAGES)],
                "invalid_language",
                "preferred_language",
            )
        if "preferred_channel" in data:
            values["preferred_channel"] = _choice(
                data["preferred_channel"],
                ["", *(c for c, _label in PREFERRED_CHANNELS)],
                "invalid_channel",
                "preferred_channel",
            )
        if "behaviour_type" in data:
            values["behaviour_type"] = _choice(
                data["behaviour_type"],
                ["", *BehaviourType.values],
                "invalid_behaviour_type",
                "behaviour_type",
            )
        stage = _stage_by_hand(customer, data)
        _referral(actor, customer, data, values)
        if "home_branch_id" in data:
            branch_id = data["home_branch_id"] or None
            if (
                branch_id is not None
                and not Branch.objects.filter(workspace=actor.workspace, pk=branch_id).exists()
            ):
                raise _invalid("branch_not_found", _("Branch not found."), "home_branch_id")
            values["home_branch_id"] = branch_id
        if "notes" in data:
            notes = str(data["notes"] or "").strip()
            if len(notes) > NOTE_MAX:
                raise _invalid("too_long", _("The note is too long."), "notes")
            values["notes"] = notes
        if "custom_fields" in data:
            values["custom_fields"] = _custom_fields(
                actor, customer.custom_fields, data["custom_fields"]
            )

        changes: dict[str, dict[str, Any]] = {}
        for field, new in values.items():
            old = getattr(customer, field)
            if field == "custom_fields":
                for key in sorted(set(old or {}) | set(new)):
                    if (old or {}).get(key) != new.get(key):
                        changes[f"custom_fields.{key}"] = {
                            "from": (old or {}).get(key),
                            "to": new.get(key),
                        }
            elif old != new:
                changes[field] = {"from": _jsonable(old), "to": _jsonable(new)}
            setattr(customer, field, new)
        if values:
            customer.save(update_fields=[*values])
        if "tags" in data:
            tag_change = _tags_apply(actor, customer, data["tags"] or [])
            if tag_change:
                changes["tags"] = tag_change
        if changes:
            publish(
                CustomerUpdated(
                    workspace_id=actor.workspace.pk,
                    customer_id=customer.pk,
                    actor=actor,
                    changes=changes,
                )
            )
        if stage is not None:
            _stage_set_by_hand(actor, customer, *stage)
    return customer


def _stage_by_hand(customer: Customer, data: dict[str, Any]) -> tuple[str, str] | None:
    """The lifecycle stage a person chose, with the reason: ``(stage, reason)``, an empty stage
    meaning "derive it from purchases again"; None when nothing changes."""
    if "lifecycle_stage" not in data:
        return None
    stage = _choice(
        data["lifecycle_stage"],
        ["", *LifecycleStage.values],
        "invalid_lifecycle_stage",
        "lifecycle_stage",
    )
    reason = clean_text(str(data.get("lifecycle_stage_reason") or ""))
    if len(reason) > LIFECYCLE_REASON_MAX:
        raise _invalid("too_long", _("This is too long."), "lifecycle_stage_reason")
    if not stage:
        return ("", "") if customer.lifecycle_stage_by_hand else None
    if stage == customer.lifecycle_stage and (customer.lifecycle_stage_by_hand or not reason):
        return None  # the stage it has already (e.g. the form sent back what it showed)
    return stage, reason


def _stage_set_by_hand(actor: Actor, customer: Customer, stage: str, reason: str) -> None:
    """Keep a stage a person set, with who, when and why, until someone clears it (the derived
    refresh leaves it alone); clearing it lets commerce derive it again."""
    old = customer.lifecycle_stage
    customer.lifecycle_stage_by_hand = bool(stage)
    customer.lifecycle_stage_reason = reason
    customer.lifecycle_stage_set_by = actor.user if stage else None
    customer.lifecycle_stage_set_at = timezone.now() if stage else None
    if stage:
        customer.lifecycle_stage = stage
    customer.save(
        update_fields=[
            "lifecycle_stage",
            "lifecycle_stage_by_hand",
            "lifecycle_stage_reason",
            "lifecycle_stage_set_by",
            "lifecycle_stage_set_at",
        ]
    )
    publish(
        LifecycleChanged(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            old_stage=old,
            new_stage=stage or old,
            by_hand=bool(stage),
            cleared=not stage,
            reason=reason,
        )
    )


def _referral(
    actor: Actor, customer: Customer, data: dict[str, Any], values: dict[str, Any]
) -> None:
    """Acquisition source and the referring customer (same workspace, not themselves)."""
    if "acquisition_source" in data:
        values["acquisition_source"] = _choice(
            data["acquisition_source"],
            AcquisitionSource.values,
            "invalid_source",
            "acquisition_source",
        )
    source = values.get("acquisition_source", customer.acquisition_source)
    if "referred_by_id" in data:
        referrer_id = data["referred_by_id"] or None
        if referrer_id is not None:
            if int(referrer_id) == customer.pk:
                raise _invalid(
                    "referral_self", _("A customer cannot refer themselves."), "referred_by_id"
                )
            if not Customer.objects.filter(
                workspace=actor.workspace, pk=referrer_id, merged_into__isnull=True
            ).exists():
                raise _invalid(
                    "referrer_not_found",
                    _("The referring customer was not found."),
                    "referred_by_id",
                )
            if not source:
                source = values["acquisition_source"] = AcquisitionSource.REFERRAL
            elif source != AcquisitionSource.REFERRAL:
                raise _invalid(
                    "referral_needs_source",
                    _("Only a friend referral has a referring customer."),
                    "referred_by_id",
                )
        values["referred_by_id"] = referrer_id
    elif source != AcquisitionSource.REFERRAL and customer.referred_by_id is not None:
        values["referred_by_id"] = None


def tag_set(*, actor: Actor, customer_id: int, names: list[str] | str) -> list[Tag]:
    """Replace the customer's tags with ``names`` (a list or comma-separated text); tags are
    created per workspace by name, matched without regard to case."""
    require(actor, Perm.CUSTOMER_EDIT)
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        change = _tags_apply(actor, customer, names)
        if change:
            publish(
                CustomerUpdated(
                    workspace_id=actor.workspace.pk,
                    customer_id=customer.pk,
                    actor=actor,
                    changes={"tags": change},
                    section="tags",
                )
            )
    return list(customer.tags.order_by("name"))


__all__ = [
    "CustomerResult",
    "customer_create",
    "customer_update",
    "tag_set",
]
