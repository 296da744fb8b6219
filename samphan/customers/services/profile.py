"""Changing a customer's profile: the fields, custom fields, referrer, tags and a lifecycle
stage set by hand, validated, with one timeline event listing the changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.access import Actor, require
from samphan.core.models import Branch
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text, split_title
from samphan.customers.events import CustomerUpdated, LifecycleChanged
from samphan.customers.models import (
    AcquisitionSource,
    BehaviourType,
    Customer,
    CustomFieldDefinition,
    Gender,
    LifecycleStage,
)
from samphan.customers.services.common import NOTE_MAX, _customer_for_update, _invalid
from samphan.customers.services.tags import _tags_apply
from samphan.timeline.publish import publish

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
