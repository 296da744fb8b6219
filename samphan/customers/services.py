"""Writes for customers: create-or-match by identity, the profile, contacts, tags, addresses,
the PDPA consent ledger, notes, interactions and follow-ups; each writes its timeline event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Branch, Membership, User
from samphan.core.roles import Perm
from samphan.core.thai.address import address_validate, format_address
from samphan.core.thai.names import clean_text, split_title
from samphan.core.thai.phone import format_phone_display
from samphan.customers.contacts import contact_normalize
from samphan.customers.duplicates import duplicates_customer_changed
from samphan.customers.models import (
    AcquisitionSource,
    Address,
    BehaviourType,
    ConsentEvent,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Customer,
    CustomFieldDefinition,
    FollowUp,
    FollowUpStatus,
    Gender,
    Interaction,
    InteractionKind,
    LifecycleStage,
    Tag,
)
from samphan.timeline.events import (
    consent_changed_event,
    contact_added_event,
    customer_created_event,
    customer_updated_event,
    followup_created_event,
    followup_done_event,
    interaction_logged_event,
    note_added_event,
)
from samphan.timeline.models import TimelineEvent


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
            duplicates_customer_changed(workspace_id=actor.workspace.pk, customer_id=customer.pk)
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
        customer_created_event(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            source="api" if actor.user is None else "manual",
        )
        duplicates_customer_changed(workspace_id=actor.workspace.pk, customer_id=customer.pk)
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
    "behaviour_type", "lifecycle_stage", "home_branch_id", "notes", "custom_fields", "tags",
)  # fmt: skip
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
        if "lifecycle_stage" in data:
            values["lifecycle_stage"] = _choice(
                data["lifecycle_stage"],
                ["", *LifecycleStage.values],
                "invalid_lifecycle_stage",
                "lifecycle_stage",
            )
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
            customer_updated_event(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                changes=changes,
            )
            duplicates_customer_changed(
                workspace_id=actor.workspace.pk, customer_id=customer.pk, changes=changes
            )
    return customer


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
            customer_updated_event(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                changes={"tags": change},
                section="tags",
            )
    return list(customer.tags.order_by("name"))


# --- contact points --------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactResult:
    contact: ContactPoint
    created: bool


def contact_add(
    *, actor: Actor, customer_id: int, kind: str, value: str, make_primary: bool = False
) -> ContactResult:
    """Add a phone, email, LINE ID or handle. Adding one the customer already has is a no-op;
    one that belongs to another customer is an error that names them and suggests a merge."""
    require(actor, Perm.CUSTOMER_EDIT)
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        normalised = contact_normalize(kind, value, field="value")
        existing = (
            ContactPoint.objects.select_related("customer")
            .filter(workspace=actor.workspace, kind=kind, value=normalised)
            .first()
        )
        if existing is not None:
            if existing.customer_id == customer.pk:
                return ContactResult(contact=existing, created=False)
            raise _contact_taken(existing)
        # The first contact of a kind is the main one, unless another is asked to be.
        has_kind = ContactPoint.objects.filter(customer=customer, kind=kind).exists()
        if make_primary and has_kind:
            ContactPoint.objects.filter(customer=customer, kind=kind).update(is_primary=False)
        try:
            with transaction.atomic():
                contact = ContactPoint.objects.create(
                    workspace=actor.workspace,
                    customer=customer,
                    kind=kind,
                    value=normalised,
                    is_primary=make_primary or not has_kind,
                )
        except IntegrityError as exc:
            # Another request added it first.
            other = (
                ContactPoint.objects.select_related("customer")
                .filter(workspace=actor.workspace, kind=kind, value=normalised)
                .first()
            )
            if other is not None and other.customer_id == customer.pk:
                return ContactResult(contact=other, created=False)
            if other is not None:
                raise _contact_taken(other) from exc
            raise
        contact_added_event(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            contact_id=contact.pk,
            kind=kind,
            value=normalised,
        )
        duplicates_customer_changed(workspace_id=actor.workspace.pk, customer_id=customer.pk)
    return ContactResult(contact=contact, created=True)


def _contact_taken(existing: ContactPoint) -> ApplicationError:
    owner = existing.customer
    return ApplicationError(
        "contact_taken",
        _(
            "%(value)s already belongs to %(name)s (#%(id)s). If they are the same person, "
            "merge the two customers instead."
        )
        % {
            "value": (
                format_phone_display(existing.value)
                if existing.kind == ContactKind.PHONE
                else existing.value
            ),
            "name": owner.display_name,
            "id": owner.pk,
        },
        {"field": "value", "customer_id": owner.pk, "merge_suggested": True},
        status=409,
    )


def contact_remove(*, actor: Actor, customer_id: int, contact_id: int) -> None:
    require(actor, Perm.CUSTOMER_EDIT)
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        contact = ContactPoint.objects.filter(
            workspace=actor.workspace, customer=customer, pk=contact_id
        ).first()
        if contact is None:
            raise NotFound("contact_not_found", _("Contact not found."))
        contact.delete()
        if contact.is_primary:
            # Keep one primary contact of that kind when others remain.
            successor = (
                ContactPoint.objects.filter(customer=customer, kind=contact.kind)
                .order_by("created_at", "pk")
                .first()
            )
            if successor is not None:
                ContactPoint.objects.filter(pk=successor.pk).update(is_primary=True)
        customer_updated_event(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            changes={f"contact.{contact.kind}": {"from": contact.value, "to": None}},
            section="contacts",
        )
        duplicates_customer_changed(workspace_id=actor.workspace.pk, customer_id=customer.pk)


# --- notes -------------------------------------------------------------------------------------


def note_add(*, actor: Actor, customer_id: int, text: str, pin: bool = False) -> TimelineEvent:
    """A note on the timeline; a pinned note also becomes the note shown at the top of the
    customer page (``Customer.notes``)."""
    require(actor, Perm.CUSTOMER_EDIT)
    text = (text or "").strip()
    if not text:
        raise _invalid("note_empty", _("Write the note first."), "text")
    if len(text) > NOTE_MAX:
        raise _invalid("too_long", _("The note is too long."), "text")
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        if pin:
            customer.notes = text
            customer.save(update_fields=["notes"])
        return note_added_event(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            text=text,
            pinned=pin,
        )


# --- addresses -------------------------------------------------------------------------------


def _address_values(
    *, label: str, line: str, subdistrict: str, district: str, province: str, postcode: str
) -> dict[str, str]:
    parts = address_validate(
        subdistrict=subdistrict, district=district, province=province, postcode=postcode
    )
    line = clean_text(line)
    if not (line or parts.province or parts.postcode):
        raise _invalid("address_empty", _("Enter at least a province or a postcode."), "province")
    if len(line) > 255:
        raise _invalid("too_long", _("This is too long."), "line")
    return {
        "label": clean_text(label)[:40],
        "line": line,
        "subdistrict": parts.subdistrict,
        "district": parts.district,
        "province": parts.province,
        "postcode": parts.postcode,
    }


def _address_text(address: Address) -> str:
    return format_address(
        line=address.line,
        subdistrict=address.subdistrict,
        district=address.district,
        province=address.province,
        postcode=address.postcode,
    )


def _address_primary(customer: Customer, address: Address) -> None:
    """One primary address per customer; its province is the customer's province."""
    Address.objects.filter(customer=customer).exclude(pk=address.pk).update(is_primary=False)
    if address.province and customer.province != address.province:
        customer.province = address.province
        customer.save(update_fields=["province"])


def address_add(
    *,
    actor: Actor,
    customer_id: int,
    line: str = "",
    subdistrict: str = "",
    district: str = "",
    province: str = "",
    postcode: str = "",
    label: str = "",
    is_primary: bool = False,
) -> Address:
    """Add a Thai address, checked against GeoThai (province / district / subdistrict /
    postcode must fit together); the first address is the primary one."""
    require(actor, Perm.CUSTOMER_EDIT)
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        values = _address_values(
            label=label, line=line, subdistrict=subdistrict, district=district,
            province=province, postcode=postcode,
        )  # fmt: skip
        is_primary = is_primary or not Address.objects.filter(customer=customer).exists()
        address = Address.objects.create(
            workspace=actor.workspace, customer=customer, is_primary=is_primary, **values
        )
        if is_primary:
            _address_primary(customer, address)
        customer_updated_event(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            changes={"address": {"from": None, "to": _address_text(address)}},
            section="address",
        )
    return address


def address_update(
    *,
    actor: Actor,
    customer_id: int,
    address_id: int,
    line: str = "",
    subdistrict: str = "",
    district: str = "",
    province: str = "",
    postcode: str = "",
    label: str = "",
    is_primary: bool = False,
) -> Address:
    require(actor, Perm.CUSTOMER_EDIT)
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        address = Address.objects.filter(
            workspace=actor.workspace, customer=customer, pk=address_id
        ).first()
        if address is None:
            raise NotFound("address_not_found", _("Address not found."))
        before = _address_text(address)
        values = _address_values(
            label=label, line=line, subdistrict=subdistrict, district=district,
            province=province, postcode=postcode,
        )  # fmt: skip
        for field, value in values.items():
            setattr(address, field, value)
        address.is_primary = address.is_primary or is_primary
        address.save()
        if address.is_primary:
            _address_primary(customer, address)
        if _address_text(address) != before:
            customer_updated_event(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                changes={"address": {"from": before, "to": _address_text(address)}},
                section="address",
            )
    return address


def address_remove(*, actor: Actor, customer_id: int, address_id: int) -> None:
    require(actor, Perm.CUSTOMER_EDIT)
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        address = Address.objects.filter(
            workspace=actor.workspace, customer=customer, pk=address_id
        ).first()
        if address is None:
            raise NotFound("address_not_found", _("Address not found."))
        address.delete()
        if address.is_primary:
            successor = Address.objects.filter(customer=customer).order_by("pk").first()
            if successor is not None:
                successor.is_primary = True
                successor.save(update_fields=["is_primary"])
                _address_primary(customer, successor)
        customer_updated_event(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            changes={"address": {"from": _address_text(address), "to": None}},
            section="address",
        )


# --- PDPA consent ledger -----------------------------------------------------------------------


def consent_record(
    *,
    actor: Actor,
    customer_id: int,
    purpose: str,
    granted: bool,
    notice_version: str = "",
    source: str = "",
    evidence: str = "",
    recorded_at: dt.datetime | None = None,
) -> ConsentEvent:
    """Append one consent decision (given or withdrawn) to the ledger. Rows are never updated
    or deleted: the current state per purpose is the latest row (``selectors.consent_state``).
    Withdrawing takes exactly the same call as granting."""
    require(actor, Perm.CUSTOMER_EDIT)
    if purpose not in ConsentPurpose.values:
        raise _invalid("invalid_purpose", _("Unknown consent purpose."), "purpose")
    now = timezone.now()
    recorded_at = recorded_at or now
    if timezone.is_naive(recorded_at):
        recorded_at = timezone.make_aware(recorded_at)
    if recorded_at > now + dt.timedelta(minutes=5):
        raise _invalid(
            "consent_in_future", _("Consent cannot be recorded in the future."), "recorded_at"
        )
    source = clean_text(source or ("api" if actor.user is None else "staff"))[:32]
    notice_version = clean_text(notice_version)[:32]
    evidence = (evidence or "").strip()
    if len(evidence) > NOTE_MAX:
        raise _invalid("too_long", _("The evidence text is too long."), "evidence")
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        consent = ConsentEvent.objects.create(
            workspace=actor.workspace,
            customer=customer,
            purpose=purpose,
            granted=bool(granted),
            notice_version=notice_version,
            source=source,
            evidence=evidence,
            recorded_at=recorded_at,
            actor=actor.user,
        )
        consent_changed_event(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            consent_id=consent.pk,
            purpose=purpose,
            granted=consent.granted,
            source=source,
            notice_version=notice_version,
            occurred_at=recorded_at,
        )
    return consent


# --- interactions and follow-ups ---------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpInput:
    title: str
    due_at: dt.datetime
    assignee_id: int | None = None


@dataclass(frozen=True)
class InteractionResult:
    interaction: Interaction
    followup: FollowUp | None


def interaction_log(
    *,
    actor: Actor,
    customer_id: int,
    kind: str,
    summary: str = "",
    outcome: str = "",
    pain_points: str = "",
    next_step: str = "",
    occurred_at: dt.datetime | None = None,
    followup: FollowUpInput | None = None,
) -> InteractionResult:
    """Log a call, chat, visit, meeting or email: what it was about, the outcome, the
    customer's pain points and the next step; optionally schedule the follow-up in the same
    transaction."""
    require(actor, Perm.CUSTOMER_EDIT)
    if kind not in InteractionKind.values:
        raise _invalid("invalid_kind", _("Choose call, chat, visit, meeting or email."), "kind")
    summary, pain_points = (summary or "").strip(), (pain_points or "").strip()
    outcome, next_step = clean_text(outcome), clean_text(next_step)
    if not (summary or outcome or pain_points or next_step):
        raise _invalid(
            "interaction_empty", _("Write what was said or what came out of it."), "summary"
        )
    for field, text, limit in (
        ("summary", summary, NOTE_MAX), ("pain_points", pain_points, NOTE_MAX),
        ("outcome", outcome, 200), ("next_step", next_step, 200),
    ):  # fmt: skip
        if len(text) > limit:
            raise _invalid("too_long", _("This is too long."), field)
    now = timezone.now()
    occurred_at = occurred_at or now
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > now + dt.timedelta(minutes=5):
        raise _invalid(
            "interaction_in_future", _("An interaction cannot be in the future."), "occurred_at"
        )
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        interaction = Interaction.objects.create(
            workspace=actor.workspace,
            customer=customer,
            kind=kind,
            occurred_at=occurred_at,
            summary=summary,
            outcome=outcome,
            pain_points=pain_points,
            next_step=next_step,
            staff=actor.user,
        )
        interaction_logged_event(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            interaction_id=interaction.pk,
            kind=kind,
            summary=summary,
            outcome=outcome,
            pain_points=pain_points,
            next_step=next_step,
            occurred_at=occurred_at,
        )
        task = None
        if followup is not None:
            task = _followup_create(actor, customer, followup, interaction=interaction)
    return InteractionResult(interaction=interaction, followup=task)


def _assignee(actor: Actor, assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return actor.user
    membership = (
        Membership.objects.select_related("user")
        .filter(workspace=actor.workspace, user_id=assignee_id)
        .first()
    )
    if membership is None:
        raise _invalid(
            "assignee_not_member", _("The assignee is not a member of this shop."), "assignee_id"
        )
    return membership.user


def _followup_create(
    actor: Actor, customer: Customer, data: FollowUpInput, *, interaction: Interaction | None
) -> FollowUp:
    title = clean_text(data.title)
    if not title:
        raise _invalid("followup_title_required", _("Say what needs to be done."), "title")
    if len(title) > 200:
        raise _invalid("too_long", _("This is too long."), "title")
    due_at = data.due_at
    if timezone.is_naive(due_at):
        due_at = timezone.make_aware(due_at)
    assignee = _assignee(actor, data.assignee_id)
    task = FollowUp.objects.create(
        workspace=actor.workspace,
        customer=customer,
        interaction=interaction,
        title=title,
        due_at=due_at,
        assignee=assignee,
        created_by=actor.user,
    )
    followup_created_event(
        workspace_id=actor.workspace.pk,
        customer_id=customer.pk,
        actor=actor,
        followup_id=task.pk,
        title=title,
        due_at=due_at,
        assignee=str(assignee) if assignee is not None else "",
    )
    return task


def followup_create(
    *,
    actor: Actor,
    customer_id: int,
    title: str,
    due_at: dt.datetime,
    assignee_id: int | None = None,
) -> FollowUp:
    """A follow-up task on a customer, due at a time, for a member (the actor by default)."""
    require(actor, Perm.CUSTOMER_EDIT)
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        return _followup_create(
            actor,
            customer,
            FollowUpInput(title=title, due_at=due_at, assignee_id=assignee_id),
            interaction=None,
        )


def _followup_close(actor: Actor, followup_id: int, status: str, note: str) -> FollowUp:
    require(actor, Perm.CUSTOMER_EDIT)
    note = clean_text(note)[:500]
    with transaction.atomic():
        task = (
            FollowUp.objects.select_for_update()
            .filter(
                workspace=actor.workspace,
                pk=followup_id,
                customer__merged_into__isnull=True,
            )
            .first()
        )
        if task is None:
            raise NotFound("followup_not_found", _("Follow-up not found."))
        if task.status != FollowUpStatus.OPEN:
            raise ApplicationError(
                "followup_closed",
                _("This follow-up is already closed (%(status)s).")
                % {"status": task.get_status_display()},
                {"status": task.status},
                status=409,
            )
        task.status = status
        task.done_at = timezone.now()
        task.save(update_fields=["status", "done_at"])
        followup_done_event(
            workspace_id=actor.workspace.pk,
            customer_id=task.customer_id,
            actor=actor,
            followup_id=task.pk,
            title=task.title,
            status=status,
            note=note,
        )
    return task


def followup_complete(*, actor: Actor, followup_id: int, note: str = "") -> FollowUp:
    return _followup_close(actor, followup_id, FollowUpStatus.DONE, note)


def followup_cancel(*, actor: Actor, followup_id: int, note: str = "") -> FollowUp:
    return _followup_close(actor, followup_id, FollowUpStatus.CANCELLED, note)


__all__ = [
    "ContactKind",
    "ContactResult",
    "CustomerResult",
    "FollowUpInput",
    "InteractionResult",
    "address_add",
    "address_remove",
    "address_update",
    "consent_record",
    "contact_add",
    "contact_remove",
    "customer_create",
    "customer_update",
    "followup_cancel",
    "followup_complete",
    "followup_create",
    "interaction_log",
    "note_add",
    "tag_set",
]
