"""Candidate pairs computed now: the customers of the blocked pairs loaded and scored
(``duplicate_candidates``, the reference the stored list is checked against)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection

from samphan.core.access import Actor, require
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text
from samphan.customers.duplicates.keys import MAX_PAIRS, _blocks, _candidate_pairs
from samphan.customers.duplicates.scoring import (
    HANDLE_KINDS,
    THRESHOLD,
    DuplicatePair,
    Reason,
    _keep_rank,
    _Person,
    name_parts,
    score_pair,
)
from samphan.customers.models import Address, ContactKind, ContactPoint, Customer


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _people(ids: Iterable[int]) -> dict[int, _Person]:
    people: dict[int, _Person] = {}
    ids = sorted(set(ids))
    size = min(connection.features.max_query_params or 5000, 5000) - 10
    for chunk in _chunks(ids, size):
        for row in Customer.objects.filter(pk__in=chunk).values(
            "pk", "first_name", "last_name", "nickname", "birthday", "orders_count", "created_at"
        ):
            first, last = name_parts(row["first_name"], row["last_name"])
            people[row["pk"]] = _Person(
                pk=row["pk"],
                first=first,
                last=last,
                nickname=clean_text(row["nickname"]).casefold(),
                birthday=row["birthday"],
                orders_count=row["orders_count"],
                created_at=row["created_at"],
            )
        for cid, kind, value in ContactPoint.objects.filter(customer_id__in=chunk).values_list(
            "customer_id", "kind", "value"
        ):
            person = people[cid]
            if kind == ContactKind.PHONE:
                person.phones.append(_digits(value))
            elif kind == ContactKind.EMAIL:
                local = value.partition("@")[0]
                if len(local) >= 4:
                    person.identifiers.add(local)
            elif kind in HANDLE_KINDS and len(value) >= 4:
                person.identifiers.add(value)
        for cid, line, postcode in Address.objects.filter(customer_id__in=chunk).values_list(
            "customer_id", "line", "postcode"
        ):
            if line.strip():
                people[cid].addresses.add(f"{postcode}|{line.lower().replace(' ', '')}")
    return people


@dataclass(frozen=True)
class _Scored:
    a: int  # a < b
    b: int
    score: int
    reasons: list[Reason]


def _scored(pairs: Iterable[tuple[int, int]], people: dict[int, _Person]) -> list[_Scored]:
    found: list[_Scored] = []
    for a, b in pairs:
        if a not in people or b not in people:
            continue
        score, reasons = score_pair(people[a], people[b])
        if score >= THRESHOLD:
            found.append(_Scored(a=min(a, b), b=max(a, b), score=score, reasons=reasons))
    return found


def duplicate_candidates(*, actor: Actor, limit: int = 50) -> list[DuplicatePair]:
    """Pairs of live customers that are probably the same person, best first, computed now.

    Candidates are found in the database by shared keys (same last 4 phone digits + name, same
    full name in either order, birthday + name, same email name or marketplace username, same
    address), each key shared by at most ``MAX_BLOCK`` customers; only those pairs are scored
    here, comparing Thai names without titles and with a similarity ratio. Seconds at 200,000
    customers: pages read the stored pairs instead (``duplicate_list``); this is what a full
    ``duplicates_scan`` stores."""
    require(actor, Perm.CUSTOMER_VIEW)
    pairs = _candidate_pairs(_blocks(actor.workspace), limit=MAX_PAIRS)
    if not pairs:
        return []
    people = _people({pk for pair in pairs for pk in pair})
    scored: list[tuple[int, int, int, list[Reason]]] = []
    for found in _scored(pairs, people):
        x, y = people[found.a], people[found.b]
        # Suggest keeping the record with more orders, then the older one.
        if _keep_rank(y.orders_count, y.created_at, y.pk) > _keep_rank(
            x.orders_count, x.created_at, x.pk
        ):
            x, y = y, x
        scored.append((found.score, x.pk, y.pk, found.reasons))
    scored.sort(key=lambda s: (-s[0], s[1], s[2]))
    scored = scored[: max(1, min(limit, 500))]
    customers = Customer.objects.filter(pk__in={pk for s in scored for pk in s[1:3]})
    by_id = {c.pk: c for c in customers.prefetch_related("contacts")}
    return [
        DuplicatePair(survivor=by_id[s], merged=by_id[m], score=score, reasons=reasons)
        for score, s, m, reasons in scored
    ]
