"""Writes for a customer's contact points (phone, email, LINE ID, handles), each with its timeline
event. Addresses are in ``address_services``."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm
from samphan.core.thai.phone import format_phone_display
from samphan.customers.contacts import contact_normalize
from samphan.customers.events import ContactAdded, CustomerUpdated
from samphan.customers.models import ContactKind, ContactPoint
from samphan.customers.services.common import _customer_for_update
from samphan.timeline.publish import publish


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


__all__ = [
    "ContactKind",
    "ContactResult",
    "contact_add",
    "contact_remove",
]
