"""Writes for a customer's addresses (Thai address parts checked against the province,
district, subdistrict and postcode lists), each with its timeline event."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.roles import Perm
from samphan.core.thai.address import address_validate, format_address
from samphan.core.thai.names import clean_text
from samphan.customers.events import CustomerUpdated
from samphan.customers.models import Address, Customer
from samphan.customers.services.common import _customer_for_update, _invalid
from samphan.timeline.publish import publish


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


__all__ = ["address_add", "address_remove", "address_update"]
