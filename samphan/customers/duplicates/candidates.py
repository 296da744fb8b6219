"""Candidate pairs computed now: the customers of the blocked pairs loaded and scored
(``duplicate_candidates``, the reference the stored list is checked against)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from django.db import connection
from django.db.models import Count

from samphan.core.access import Actor, require
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text
from samphan.customers.duplicates.keys import MAX_PAIRS, _blocks, _candidate_pairs
from samphan.customers.duplicates.scoring import (
    HANDLE_KINDS,
    THRESHOLD,
    DuplicatePair,
    NameCounts,
    Reason,
    _keep_rank,
    _Person,
    identifier,
    name_parts,
    score_pair,
)
from samphan.customers.models import Address, ContactKind, ContactPoint, Customer

T = TypeVar("T")


def _chunks(items: list[T], size: int = 500) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
                person.phones.append(value)
            elif kind == ContactKind.EMAIL:
                person.emails.append(value)
                local = identifier(value.rpartition("@")[0])
                if len(local) >= 4:
                    person.identifiers.add(local)
            elif kind in HANDLE_KINDS:
                handle = identifier(value)
                if len(handle) >= 4:
                    person.identifiers.add(handle)
        for cid, line, postcode in Address.objects.filter(customer_id__in=chunk).values_list(
            "customer_id", "line", "postcode"
        ):
            if line.strip():
                people[cid].addresses.add(f"{postcode}|{line.lower().replace(' ', '')}")
    return people


# Above this many people, the names are counted over the whole workspace in one grouped query
# each; below, only the rows that can share one of their names are read (indexed lookups).
COUNT_ALL_ABOVE = 2000


def _raw(value: str) -> str:
    return clean_text(value).casefold()


def _spellings(values: Iterable[str]) -> list[str]:
    """Stored spellings a case-folded name may have (Thai has no case; English names are
    usually capitalised)."""
    found: set[str] = set()
    for value in values:
        if value:
            found.update((value, value.capitalize(), value.upper(), value.title()))
    return sorted(found)


def name_counts(workspace: Workspace, people: Iterable[_Person]) -> NameCounts:
    """How many live customers share each name of ``people`` (``NameCounts``): one grouped
    query over the workspace for many people, lookups by name for a few. A name is counted as
    stored (case-folded), so both ways count the same customers."""
    people = list(people)
    live = Customer.objects.filter(workspace=workspace, merged_into__isnull=True)
    counts = NameCounts()
    if len(people) > COUNT_ALL_ABOVE:
        full_rows = live.values("first_name", "last_name").annotate(n=Count("pk"))
        nick_rows = live.exclude(nickname="").values("nickname").annotate(n=Count("pk"))
        full: Iterable[tuple[str, str, int]] = full_rows.values_list("first_name", "last_name", "n")
        nick: Iterable[tuple[str, int]] = nick_rows.values_list("nickname", "n")
    else:
        parts = _spellings({t for p in people for t in (p.first, p.last)})
        tokens = _spellings({t for p in people for t in (p.first, p.last, p.nickname)})
        full_list: list[tuple[str, str, int]] = []
        nick_list: list[tuple[str, int]] = []
        seen: set[tuple[str, str]] = set()
        for part in _chunks(parts, 400):
            for field in ("last_name", "first_name"):
                rows = (
                    live.filter(**{f"{field}__in": part})
                    .values("first_name", "last_name")
                    .annotate(n=Count("pk"))
                    .values_list("first_name", "last_name", "n")
                )
                for first, last, n in rows:
                    if (first, last) not in seen:
                        seen.add((first, last))
                        full_list.append((first, last, n))
        for part in _chunks(tokens, 400):
            rows = (
                live.filter(first_name__in=part)
                .values("first_name", "last_name")
                .annotate(n=Count("pk"))
                .values_list("first_name", "last_name", "n")
            )
            for first, last, n in rows:
                if (first, last) not in seen:
                    seen.add((first, last))
                    full_list.append((first, last, n))
            nick_list.extend(
                live.filter(nickname__in=part)
                .values("nickname")
                .annotate(n=Count("pk"))
                .values_list("nickname", "n")
            )
        full, nick = full_list, nick_list
    for first, last, n in full:
        key = (_raw(first), _raw(last))
        counts.full[key] = counts.full.get(key, 0) + n
        counts.first[key[0]] = counts.first.get(key[0], 0) + n
    for nickname, n in nick:
        key_n = _raw(nickname)
        counts.nickname[key_n] = counts.nickname.get(key_n, 0) + n
    return counts


@dataclass(frozen=True)
class _Scored:
    a: int  # a < b
    b: int
    score: int
    reasons: list[Reason]


def _scored(
    pairs: Iterable[tuple[int, int]], people: dict[int, _Person], counts: NameCounts
) -> list[_Scored]:
    found: list[_Scored] = []
    for a, b in pairs:
        if a not in people or b not in people:
            continue
        score, reasons = score_pair(people[a], people[b], counts)
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
    counts = name_counts(actor.workspace, people.values())
    scored: list[tuple[int, int, int, list[Reason]]] = []
    for found in _scored(pairs, people, counts):
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


@dataclass(frozen=True)
class Explanation:
    score: int  # 0–100, as a scan would store it (0: not proposed)
    reasons: list[Reason]


def duplicate_explain(*, actor: Actor, customer_id: int, other_id: int) -> Explanation:
    """Why two customers look like one person (the merge page), computed now as a scan would:
    the score and each reason with the points it gave, also below the threshold."""
    require(actor, Perm.CUSTOMER_VIEW)
    found = Customer.objects.filter(workspace=actor.workspace, pk__in=[customer_id, other_id])
    if found.count() != 2 or customer_id == other_id:
        return Explanation(score=0, reasons=[])
    people = _people([customer_id, other_id])
    counts = name_counts(actor.workspace, people.values())
    score, reasons = score_pair(people[customer_id], people[other_id], counts)
    return Explanation(score=score, reasons=reasons)
