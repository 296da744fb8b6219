"""Writes for a customer's contact points (phone, email, LINE ID, handles) and addresses; each
writes its timeline event."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm
from samphan.core.thai.address import address_validate, format_address
from samphan.core.thai.names import clean_text
from samphan.core.thai.phone import format_phone_display
from samphan.customers.contacts import contact_normalize
from samphan.customers.events import ContactAdded, CustomerUpdated
from samphan.customers.models import Address, ContactKind, ContactPoint, Customer
from samphan.customers.services.common import _customer_for_update, _invalid
from samphan.timeline.publish import publish

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
        publish(
            ContactAdded(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                contact_id=contact.pk,
                kind=kind,
                value=normalised,
            )
        )
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
        publish(
            CustomerUpdated(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                changes={f"contact.{contact.kind}": {"from": contact.value, "to": None}},
                section="contacts",
            )
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
        publish(
            CustomerUpdated(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                changes={"address": {"from": None, "to": _address_text(address)}},
                section="address",
            )
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
            publish(
                CustomerUpdated(
                    workspace_id=actor.workspace.pk,
                    customer_id=customer.pk,
                    actor=actor,
                    changes={"address": {"from": before, "to": _address_text(address)}},
                    section="address",
                )
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
        publish(
            CustomerUpdated(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                changes={"address": {"from": _address_text(address), "to": None}},
                section="address",
            )
        )


__all__ = [
    "ContactKind",
    "ContactResult",
    "address_add",
    "address_remove",
    "address_update",
    "contact_add",
    "contact_remove",
]
