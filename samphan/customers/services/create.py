"""Creating a customer, or matching an existing one by identity (phone, email, LINE ID,
marketplace username), with its timeline event."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text, split_title
from samphan.customers.contacts import contact_normalize
from samphan.customers.events import CustomerCreated
from samphan.customers.models import AcquisitionSource, ContactPoint, Customer
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
