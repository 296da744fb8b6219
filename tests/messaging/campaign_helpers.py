"""Customers ready for campaigns: contacts and marketing consent recorded through the customers
app's services, as the shop would."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from samphan.core.access import Actor
from samphan.customers.consent_services import consent_record
from samphan.customers.models import Customer
from samphan.customers.services import customer_create
from samphan.messaging.models import MessagingSettings

_serial = itertools.count(1)


def line_id(n: int) -> str:
    return "U" + f"{n:032x}"


def member(
    actor: Actor,
    *,
    name: str = "",
    line: bool = True,
    phone: str = "",
    email: str = "",
    consent: tuple[str, ...] = ("marketing_line",),
    preferred: str = "",
    language: str = "",
) -> Customer:
    n = next(_serial)
    contacts: list[tuple[str, str]] = []
    if line:
        contacts.append(("line", line_id(n + 10_000)))
    if phone:
        contacts.append(("phone", phone))
    if email:
        contacts.append(("email", email))
    customer = customer_create(
        actor=actor, first_name=name or f"ลูกค้า{n}", contacts=contacts
    ).customer
    for purpose in consent:
        consent_record(
            actor=actor,
            customer_id=customer.pk,
            purpose=purpose,
            granted=True,
            source="counter",
        )
    if preferred or language:
        Customer.objects.filter(pk=customer.pk).update(
            preferred_channel=preferred, preferred_language=language
        )
        customer.refresh_from_db()
    return customer


def no_quiet_hours(actor: Actor, cap: int = 2) -> None:
    """Quiet hours off (start = end), so tests do not depend on the hour they run at."""
    MessagingSettings.objects.update_or_create(
        workspace=actor.workspace,
        defaults={"quiet_start": dt.time(0, 0), "quiet_end": dt.time(0, 0), "weekly_cap": cap},
    )


def bodies(stub: Any, path: str) -> list[Any]:
    return [s.body for s in stub.calls(path)]
