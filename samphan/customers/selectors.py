"""Reads for customers, workspace-scoped."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.functions import Reverse
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text
from samphan.core.thai.phone import InvalidPhone, normalize_phone, thai_digits_to_arabic
from samphan.core.thai.words import match_rank
from samphan.customers.models import ContactKind, ContactPoint, Customer


def customer_list(*, actor: Actor) -> QuerySet[Customer]:
    require(actor, Perm.CUSTOMER_VIEW)
    # Customers merged into another are kept only for undo; they are not listed anywhere.
    return Customer.objects.filter(workspace=actor.workspace, merged_into__isnull=True)


def customer_get(*, actor: Actor, customer_id: int) -> Customer:
    customer = (
        customer_list(actor=actor).prefetch_related("contacts").filter(pk=customer_id).first()
    )
    if customer is None:
        raise NotFound("customer_not_found", _("Customer not found."))
    return customer


@dataclass(frozen=True)
class SearchHit:
    customer: Customer
    matched_field: str  # phone, phone_suffix, email, line, name, nickname, order
    matched_value: str


def customer_search(*, actor: Actor, q: str, limit: int = 20) -> list[SearchHit]:
    """One box: a phone in any format or its last 4+ digits, an email, a LINE ID, a name or
    nickname (any part, Thai or English), or an order number. Exact identity matches first."""
    require(actor, Perm.CUSTOMER_VIEW)
    q = clean_text(q)
    if not q:
        return []
    hits: list[SearchHit] = []
    seen: set[int] = set()

    def add(customers: Iterable[Customer], field: str, value: Callable[[Customer], str]) -> None:
        for customer in customers:
            if customer.pk not in seen and len(hits) < limit:
                seen.add(customer.pk)
                hits.append(SearchHit(customer, field, value(customer)))

    base = customer_list(actor=actor)
    digits = re.sub(r"\D", "", thai_digits_to_arabic(q))
    looks_like_phone = len(digits) >= 4 and len(digits) >= len(re.sub(r"[\s\-+().]", "", q)) - 1
    if looks_like_phone:
        try:
            e164 = normalize_phone(q)
        except InvalidPhone:
            e164 = ""
        contacts = ContactPoint.objects.filter(workspace=actor.workspace, kind=ContactKind.PHONE)
        if e164:
            exact = contacts.filter(value=e164).values("customer_id")
            add(base.filter(pk__in=exact), "phone", lambda c: e164)
        # Matched on the reversed value so PostgreSQL can use a prefix index (see migration 0005).
        suffix = (
            contacts.annotate(reversed_value=Reverse("value"))
            .filter(reversed_value__startswith=digits[::-1])
            .values("customer_id")[:limit]
        )
        add(base.filter(pk__in=suffix), "phone_suffix", lambda c: digits)
    if "@" in q:
        emails = ContactPoint.objects.filter(
            workspace=actor.workspace, kind=ContactKind.EMAIL, value=q.lower()
        ).values("customer_id")
        add(base.filter(pk__in=emails), "email", lambda c: q.lower())
    if q.startswith("U") and len(q) == 33:
        lines = ContactPoint.objects.filter(
            workspace=actor.workspace, kind=ContactKind.LINE, value=q
        ).values("customer_id")
        add(base.filter(pk__in=lines), "line", lambda c: q)
    # Through the reverse relation: customers sit below commerce and do not import it.
    add(base.filter(orders__number=q)[:limit], "order", lambda c: q)
    if not looks_like_phone:
        add(base.filter(nickname__iexact=q)[:limit], "nickname", lambda c: c.nickname)
        words = q.split()
        named = base
        for word in words:
            named = named.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(nickname__icontains=word)
            )
        # Rank by Thai word segmentation: a whole word of the name beats a prefix beats a
        # fragment inside a word; then by recent purchase.
        candidates = list(named.order_by("-last_order_at", "-pk")[: limit * 5])
        candidates.sort(
            key=lambda c: -match_rank(q, c.first_name, c.last_name, c.nickname)
        )  # stable: keeps recency order within a rank
        add(candidates, "name", lambda c: c.display_name)
    return hits
