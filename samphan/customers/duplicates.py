"""Possible duplicates (Customer 360): find them, store them, and let people say "not the same
person".

* Finding: blocking keys computed and grouped in the database (same last 4 phone digits + name,
  same full name in either order, birthday + name, same email name or marketplace username,
  same address), then each candidate pair scored in Python (Thai names without titles, a
  similarity ratio). ``duplicate_candidates`` does this on the fly; it is the reference the
  stored list is checked against, and what the list page used to do on every request.
* Storing: ``duplicates_scan`` writes the scored pairs as ``DuplicateCandidate`` rows, for the
  whole workspace (the nightly task and "Scan again") or only for some customers (right after
  one is created or its name, phone or birthday changes: blocked on that customer's keys only).
  The page and the API read the stored rows (``duplicate_list``), best first, a page at a time.
* Dismissing: ``duplicate_dismiss`` records that two customers are different people
  (``DuplicateDismissal``); such a pair is never stored or listed again until
  ``duplicate_restore``.

Merging (``samphan.customers.merge``) removes the candidates of the merged-away customer and
rescans the survivor; undoing a merge rescans both.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import combinations
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import (
    Cast,
    Concat,
    Greatest,
    Least,
    Length,
    Lower,
    Replace,
    Right,
    StrIndex,
    Substr,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.core.thai.names import TITLES, clean_text, split_title
from samphan.customers.models import (
    Address,
    ContactKind,
    ContactPoint,
    Customer,
    DuplicateCandidate,
    DuplicateDismissal,
    DuplicateScan,
)

logger = logging.getLogger(__name__)

# --- scoring a pair -------------------------------------------------------------------------------

# A blocking key shared by more customers than this says little (a common name, a shared shop
# address): such blocks are skipped rather than compared pair by pair.
MAX_BLOCK = 20
# Upper bound on the pairs scored per call, so a very large workspace stays fast.
MAX_PAIRS = 20_000
THRESHOLD = 50
HANDLE_KINDS = (ContactKind.SHOPEE, ContactKind.LAZADA, ContactKind.TIKTOK, ContactKind.SOCIAL)


@dataclass(frozen=True)
class Reason:
    code: str  # same_name, swapped_name, similar_name, same_first_name, same_nickname,
    # phone_suffix, phone_digits, same_birthday, same_username, same_address
    detail: str = ""


@dataclass(frozen=True)
class DuplicatePair:
    survivor: Customer  # the suggested survivor: more orders, then the older record
    merged: Customer
    score: int  # 0–100
    reasons: list[Reason]


@dataclass
class _Person:
    pk: int
    first: str
    last: str
    nickname: str
    birthday: dt.date | None
    orders_count: int
    created_at: dt.datetime
    phones: list[str] = field(default_factory=list)  # digits only
    identifiers: set[str] = field(default_factory=set)  # email local parts and usernames
    addresses: set[str] = field(default_factory=set)


def name_parts(first_name: str, last_name: str = "") -> tuple[str, str]:
    """(first, last) for comparing: title removed (นางสาว, Mr., …), invisible characters and
    case folded away; a full name typed into the first-name field is split at its space."""
    _title, rest = split_title(clean_text(f"{first_name} {last_name}"))
    first, _sep, last = rest.casefold().partition(" ")
    return first, last.strip()


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def _name_evidence(a: _Person, b: _Person) -> tuple[int, list[Reason]]:
    reasons: list[Reason] = []
    points = 0
    if a.first and a.last and b.first and b.last:
        if (a.first, a.last) == (b.first, b.last):
            points, code = 50, "same_name"
        elif (a.first, a.last) == (b.last, b.first):
            points, code = 50, "swapped_name"
        else:
            straight = _ratio(f"{a.first} {a.last}", f"{b.first} {b.last}")
            swapped = _ratio(f"{a.first} {a.last}", f"{b.last} {b.first}")
            best = max(straight, swapped)
            points = 40 if best >= 0.85 else 25 if best >= 0.7 else 0
            code = "similar_name"
        if points:
            reasons.append(Reason(code))
        if a.nickname and a.nickname == b.nickname:
            points += 10
            reasons.append(Reason("same_nickname", a.nickname))
        return points, reasons
    # At least one record has only part of a name: compare what there is.
    tokens_a = {t for t in (a.first, a.last) if t}
    tokens_b = {t for t in (b.first, b.last) if t}
    nick_a = {t for t in (a.nickname,) if t}
    nick_b = {t for t in (b.nickname,) if t}
    if tokens_a & tokens_b:
        return 30, [Reason("same_first_name", sorted(tokens_a & tokens_b)[0])]
    shared_nick = (nick_a & (nick_b | tokens_b)) | (nick_b & tokens_a)
    if shared_nick:
        return 25, [Reason("same_nickname", sorted(shared_nick)[0])]
    best = max((_ratio(x, y) for x in tokens_a for y in tokens_b), default=0.0)
    if best >= 0.85:
        return 20, [Reason("similar_name")]
    return 0, []


def _trailing_digits(a: str, b: str) -> int:
    n = 0
    for x, y in zip(reversed(a), reversed(b), strict=False):
        if x != y:
            break
        n += 1
    return n


def score_pair(a: _Person, b: _Person) -> tuple[int, list[Reason]]:
    """How likely two records are one person (0–100) and why."""
    points, reasons = _name_evidence(a, b)
    evidence = 0
    best = max((_trailing_digits(x, y) for x in a.phones for y in b.phones), default=0)
    if best >= 7:  # one digit mistyped near the start
        points += 40
        evidence += 1
        reasons.append(Reason("phone_digits", str(best)))
    elif best >= 4:
        points += 30
        evidence += 1
        shared = next(x[-4:] for x in a.phones for y in b.phones if _trailing_digits(x, y) >= 4)
        reasons.append(Reason("phone_suffix", shared))
    if a.birthday and a.birthday == b.birthday:
        points += 30
        evidence += 1
        reasons.append(Reason("same_birthday", a.birthday.isoformat()))
    shared_ids = a.identifiers & b.identifiers
    if shared_ids:
        points += 35
        evidence += 1
        reasons.append(Reason("same_username", sorted(shared_ids)[0]))
    if a.addresses & b.addresses:
        points += 20
        evidence += 1
        reasons.append(Reason("same_address"))
    name_points = sum(1 for r in reasons if r.code.endswith("name") or r.code == "same_nickname")
    if not name_points and evidence < 2:
        return 0, []  # without any name in common, one shared detail is a coincidence
    return min(points, 100), reasons


# --- blocking: which pairs to score ---------------------------------------------------------------


class TitleFree(models.Func):
    """SQL: a first name without a leading title (นางสาว, คุณ, Mr., …), lower-cased, as
    ``split_title`` does in Python. Names written through the services and importers are stored
    without titles already; this catches rows written any other way."""

    output_field = models.CharField()

    def __init__(self, expression: Any) -> None:
        super().__init__(expression)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        # The SQL Django writes for Lower(Case(When(StartsWith(Lower(x), t) & ~Exact(Lower(x), t),
        # then=Trim(Substr(x, len(t) + 1))) …, default=x)), written out here: building those
        # expressions for every key branch took longer than running an incremental scan.
        sql, params = compiler.compile(self.source_expressions[0])
        whens: list[str] = []
        values: list[Any] = []
        for title in TITLES:
            lowered = title.lower()
            whens.append(
                f"WHEN (LOWER({sql}) LIKE %s ESCAPE '\\' AND NOT (LOWER({sql}) = %s)) "
                f"THEN TRIM(SUBSTR({sql}, %s))"
            )
            values += [
                *params,
                connection.ops.prep_for_like_query(lowered) + "%",
                *params,
                lowered,
                *params,
                len(title) + 1,
            ]
        return f"LOWER(CASE {' '.join(whens)} ELSE {sql} END)", [*values, *params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # One regular expression instead of a CASE with a LIKE per title: much faster at size.
        sql, params = compiler.compile(self.source_expressions[0])
        pattern = "^(" + "|".join(re.escape(t) for t in TITLES) + r")\s*(?=\S)"
        return f"LOWER(REGEXP_REPLACE({sql}, %s, '', 'i'))", [*params, pattern]


@dataclass(frozen=True)
class _Scope:
    """What some customers' blocking keys can be made of, so that an incremental scan computes
    only the key rows that can equal one of theirs: phones ending in the same 4 digits, last
    names equal to one of their name parts, the same birthdays, email names and usernames,
    postcodes. Every row with one of their keys passes these filters, so the blocks they are in
    come out complete (and the MAX_BLOCK limit counts the same as in a full scan)."""

    phone_ids: frozenset[int]  # phones ending in one of their last 4 digits
    names: frozenset[str]  # their title-free, lower-cased name parts (full names only)
    birthdays: frozenset[dt.date]
    identifiers: frozenset[str]  # email names and usernames
    email_ids: frozenset[int]  # emails whose name is one of the identifiers
    postcodes: frozenset[str]


def _ids(qs: QuerySet[Any]) -> frozenset[int]:
    return frozenset(qs.values_list("pk", flat=True))


def _scope(workspace: Workspace, ids: Collection[int]) -> _Scope:
    names: set[str] = set()
    birthdays: set[dt.date] = set()
    people = Customer.objects.filter(workspace=workspace, pk__in=ids).annotate(
        f=TitleFree(F("first_name")), l=Lower("last_name")
    )
    for first, last, birthday in people.values_list("f", "l", "birthday"):
        if first and last:
            names.update((first, last))
        if birthday is not None:
            birthdays.add(birthday)
    suffixes: set[str] = set()
    identifiers: set[str] = set()
    contacts = ContactPoint.objects.filter(workspace=workspace, customer_id__in=ids)
    for kind, value in contacts.values_list("kind", "value"):
        if kind == ContactKind.PHONE:
            suffixes.add(value[-4:])
        elif kind == ContactKind.EMAIL:
            local = value.partition("@")[0]
            if len(local) >= 4:
                identifiers.add(local)
        elif kind in HANDLE_KINDS and len(value) >= 4:
            identifiers.add(value)
    postcodes = set(
        Address.objects.filter(workspace=workspace, customer_id__in=ids, line__gt="").values_list(
            "postcode", flat=True
        )
    )
    # Looked up once here, each the way its database can use an index (PostgreSQL: trigram
    # indexes serve LIKE '%0793' and LIKE 'name@%'; SQLite: RIGHT() over the phones in C, and
    # a range on the (workspace, kind, value) unique index, exact under its binary collation).
    postgres = connection.vendor == "postgresql"
    phones = ContactPoint.objects.filter(workspace=workspace, kind=ContactKind.PHONE)
    phone_ids: frozenset[int] = frozenset()
    if suffixes:
        phone_ids = _ids(
            phones.filter(_any_of("value__endswith", suffixes))
            if postgres
            else phones.annotate(suffix=Right("value", 4)).filter(suffix__in=sorted(suffixes))
        )
    emails = ContactPoint.objects.filter(workspace=workspace, kind=ContactKind.EMAIL)
    email_ids: frozenset[int] = frozenset()
    if identifiers:
        email_ids = _ids(
            emails.filter(_any_of("value__startswith", (f"{i}@" for i in identifiers)))
            if postgres
            else emails.filter(
                _any_of_q(Q(value__gte=f"{i}@", value__lt=f"{i}A") for i in sorted(identifiers))
            )
        )
    return _Scope(
        phone_ids=phone_ids,
        names=frozenset(names),
        birthdays=frozenset(birthdays),
        identifiers=frozenset(identifiers),
        email_ids=email_ids,
        postcodes=frozenset(postcodes),
    )


def _any_of(lookup: str, values: Iterable[str]) -> Q:
    return _any_of_q(Q(**{lookup: value}) for value in sorted(values))


def _any_of_q(conditions: Iterable[Q]) -> Q:
    q = Q()
    for condition in conditions:
        q |= condition
    return q


def _key_branches(workspace: Workspace, scope: _Scope | None = None) -> list[QuerySet[Any]]:
    """One UNION ALL of (key, customer id, weak, need_weak) rows: every blocking key of every live
    customer (with ``scope``: only rows that can share a key with the scoped customers). ``weak``
    marks a token from an incomplete name; keys with ``need_weak`` only pair a record with an
    incomplete name with others (otherwise "same first name and same last 4 digits" would pair
    strangers in a large shop)."""
    ws = workspace
    live = Customer.objects.filter(workspace=ws, merged_into__isnull=True)
    phones = ContactPoint.objects.filter(
        workspace=ws, kind=ContactKind.PHONE, customer__merged_into__isnull=True
    )
    if scope is not None:
        phones = phones.filter(pk__in=sorted(scope.phone_ids))

    def named(qs: QuerySet[Any], prefix: str) -> QuerySet[Any]:
        empty = Q(**{f"{prefix}first_name": ""}) | Q(**{f"{prefix}last_name": ""})
        return qs.annotate(
            f=TitleFree(F(f"{prefix}first_name")),
            l=Lower(f"{prefix}last_name"),
            nk=Lower(f"{prefix}nickname"),
            weak=Case(When(empty, then=Value(1)), default=Value(0)),
        )

    def rows(qs: QuerySet[Any], key: Any, cid: str, weak: Any = 0, need: int = 0) -> Any:
        weak_expr = weak if not isinstance(weak, int) else Value(weak)
        return qs.annotate(k=key, cid=F(cid), wk=weak_expr, nd=Value(need)).values_list(
            "k", "cid", "wk", "nd"
        )

    suffix = Right("value", 4)
    sep = Value("|")
    p = named(phones, "customer__").annotate(suffix=suffix)
    # Only suffixes that a record with an incomplete name has can make a "q" block.
    weak_suffixes = p.filter(weak=1).values("suffix")
    c = named(live, "")
    full = Q(f__gt="") & Q(l__gt="")
    full_name = (Least("f", "l"), sep, Greatest("f", "l"))  # either order
    with_phones = scope is None or bool(scope.phone_ids)
    with_names = scope is None or bool(scope.names)
    with_birthdays = scope is None or bool(scope.birthdays)
    branches = []
    if with_phones:
        # same last 4 phone digits + the same (title-free) full name
        branches.append(
            rows(p.filter(full), Concat(Value("p|"), "suffix", sep, *full_name), "customer_id")
        )
    if with_names:
        # same full name (Thai surnames are nearly unique to a family)
        same_name = c.filter(full)
        if scope is not None:  # either order: their last name is one of our name parts
            # Thai has no letter case: a plain match, served by the (workspace, last_name)
            # index; other names case-insensitively (a trigram index on PostgreSQL).
            caseless = {name for name in scope.names if name.upper() == name.lower()}
            same_name = same_name.filter(
                Q(last_name__in=sorted(caseless))
                | _any_of("last_name__iexact", scope.names - caseless)
            )
        branches.append(rows(same_name, Concat(Value("n|"), *full_name), "pk"))
    born = c if scope is None else c.filter(birthday__in=sorted(scope.birthdays))
    for token in ("f", "l", "nk"):
        has = Q(**{f"{token}__gt": ""})
        if with_phones:
            # same last 4 digits + a name part, when one record's name is incomplete
            branches.append(
                rows(
                    p.filter(has, suffix__in=weak_suffixes),
                    Concat(Value("q|"), "suffix", sep, token),
                    "customer_id",
                    F("weak"),
                    1,
                )
            )
        if with_birthdays:
            # same birthday + a name part
            branches.append(
                rows(
                    born.filter(has, birthday__isnull=False),
                    Concat(Value("b|"), Cast("birthday", models.CharField()), sep, token),
                    "pk",
                )
            )
    if scope is None or scope.identifiers:
        emails = ContactPoint.objects.filter(
            workspace=ws, kind=ContactKind.EMAIL, customer__merged_into__isnull=True
        )
        handles = ContactPoint.objects.filter(
            workspace=ws, kind__in=HANDLE_KINDS, customer__merged_into__isnull=True
        )
        if scope is not None:
            emails = emails.filter(pk__in=sorted(scope.email_ids))
            handles = handles.filter(value__in=sorted(scope.identifiers))
        emails = emails.annotate(local=Substr("value", 1, StrIndex("value", Value("@")) - 1))
        emails = emails.annotate(n=Length("local")).filter(n__gte=4)
        branches.append(rows(emails, Concat(Value("i|"), "local"), "customer_id"))
        handles = handles.annotate(n=Length("value"))
        branches.append(rows(handles.filter(n__gte=4), Concat(Value("i|"), "value"), "customer_id"))
    if scope is None or scope.postcodes:
        addresses = Address.objects.filter(
            workspace=ws, customer__merged_into__isnull=True, line__gt=""
        )
        if scope is not None:
            addresses = addresses.filter(postcode__in=sorted(scope.postcodes))
        addresses = addresses.annotate(norm=Replace(Lower("line"), Value(" "), Value("")))
        branches.append(
            rows(addresses, Concat(Value("a|"), "postcode", sep, "norm"), "customer_id")
        )
    return branches


# Strongest keys first: when MAX_PAIRS is reached, what is left out is the weakest evidence.
# Same phone ending + same name (p, at least 80 points) before same name alone (n, 50): in a
# large shop the same-name blocks alone can fill MAX_PAIRS.
_KEY_ORDER = {"p": 0, "n": 1, "b": 2, "i": 3, "q": 4, "a": 5}


def _blocks(workspace: Workspace, scope: _Scope | None = None) -> dict[str, list[tuple[int, int]]]:
    """Blocking keys shared by 2..MAX_BLOCK live customers → [(customer id, weak)]. Grouped in
    the database (GROUP BY … HAVING), so only the members of real blocks come back."""
    branches = _key_branches(workspace, scope)
    if not branches:
        return {}
    first, *rest = branches
    sql, params = first.union(*rest, all=True).query.sql_with_params()
    query = (
        f"WITH keyrows (k, cid, wk, nd) AS ({sql}) "
        "SELECT keyrows.k, keyrows.cid, keyrows.wk FROM keyrows JOIN ("
        "  SELECT k FROM keyrows GROUP BY k"
        # COUNT(*), not COUNT(DISTINCT cid): much faster, and a block whose rows all belong to
        # one customer yields no pair anyway.
        "  HAVING COUNT(*) BETWEEN 2 AND %s AND SUM(wk) >= MAX(nd)"
        ") shared ON shared.k = keyrows.k"
    )
    blocks: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, MAX_BLOCK])
        for key, cid, weak in cursor.fetchall():
            blocks[key].append((int(cid), int(weak)))
    return blocks


def _candidate_pairs(
    blocks: dict[str, list[tuple[int, int]]],
    *,
    limit: int | None,
    involving: Collection[int] = (),
) -> set[tuple[int, int]]:
    """(a, b) with a < b from the blocks, strongest keys first, up to about ``limit`` pairs;
    with ``involving``, only pairs that include one of those customers."""
    pairs: set[tuple[int, int]] = set()
    targets = set(involving)
    for key in sorted(blocks, key=lambda k: (_KEY_ORDER.get(k[0], 9), k)):
        members = blocks[key]
        weak = {cid for cid, w in members if w}
        ids = sorted({cid for cid, _w in members})
        if targets and targets.isdisjoint(ids):
            continue
        for a, b in combinations(ids, 2):
            if key.startswith("q|") and a not in weak and b not in weak:
                continue
            if targets and a not in targets and b not in targets:
                continue
            pairs.add((a, b))
        if limit is not None and len(pairs) >= limit:
            break
    return pairs


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


def _keep_rank(orders_count: int, created_at: dt.datetime, pk: int) -> tuple[int, float, int]:
    """Higher is the better record to keep: more orders, then the older one."""
    return (orders_count, -created_at.timestamp(), -pk)


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


# --- the stored candidates ------------------------------------------------------------------------

# "Scan again" is refused while a scan started less than this ago has not finished; an older
# unfinished scan is presumed dead (a worker restarted).
SCAN_RUNNING_GRACE = dt.timedelta(minutes=15)
# Fields whose change can make or break a pair (contacts and addresses are rescanned too).
KEY_FIELDS = frozenset({"first_name", "last_name", "nickname", "birthday"})


def _ordered(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


def _found(workspace: Workspace, ids: Collection[int] | None) -> list[_Scored]:
    if ids is None:
        pairs = _candidate_pairs(_blocks(workspace), limit=MAX_PAIRS)
        # In a large shop MAX_PAIRS cuts the full scan short, but an incremental scan blocks on
        # one customer's keys without that limit: the pairs it stored are scored again and kept
        # while they still qualify, instead of vanishing every night.
        pairs |= set(
            DuplicateCandidate.objects.filter(workspace=workspace).values_list(
                "customer_a_id", "customer_b_id"
            )
        )
    else:
        pairs = _candidate_pairs(
            _blocks(workspace, _scope(workspace, ids)), limit=None, involving=ids
        )
    if not pairs:
        return []
    return _scored(pairs, _people({pk for pair in pairs for pk in pair}))


def _store(workspace: Workspace, found: list[_Scored], ids: Collection[int] | None) -> int:
    """Replace the stored pairs (all of the workspace's, or those involving ``ids``) with
    ``found``, leaving out dismissed pairs and customers merged meanwhile."""
    now = timezone.now()
    with transaction.atomic():
        stale = DuplicateCandidate.objects.filter(workspace=workspace)
        dismissed_qs = DuplicateDismissal.objects.filter(workspace=workspace)
        if ids is not None:
            involved = Q(customer_a_id__in=ids) | Q(customer_b_id__in=ids)
            stale = stale.filter(involved)
            dismissed_qs = dismissed_qs.filter(involved)
        stale.delete()
        dismissed = set(dismissed_qs.values_list("customer_a_id", "customer_b_id"))
        # Customers merged while this scan ran. Tombstones are few (merges are made by hand);
        # an incremental scan looks up only its own pairs' customers.
        tombstones = Customer.objects.filter(workspace=workspace, merged_into__isnull=False)
        if ids is not None:
            tombstones = tombstones.filter(pk__in={pk for f in found for pk in (f.a, f.b)})
        merged = set(tombstones.values_list("pk", flat=True))
        rows = [
            DuplicateCandidate(
                workspace=workspace,
                customer_a_id=f.a,
                customer_b_id=f.b,
                score=f.score,
                reasons=[{"code": r.code, "detail": r.detail} for r in f.reasons],
                computed_at=now,
            )
            for f in found
            if (f.a, f.b) not in dismissed and f.a not in merged and f.b not in merged
        ]
        # A concurrent incremental scan may have stored one of these pairs first.
        DuplicateCandidate.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def duplicates_scan(*, workspace: Workspace, customer_ids: Iterable[int] | None = None) -> int:
    """Find and store the workspace's possible duplicates; returns how many pairs are stored.

    Without ``customer_ids``: a full scan (nightly, "Scan again"), recorded as a
    ``DuplicateScan`` for "last scanned at"; it stores the pairs ``duplicate_candidates``
    computes, plus those earlier incremental scans found beyond its ``MAX_PAIRS`` limit if
    they still score high enough. With ``customer_ids``: only the pairs involving those
    customers are recomputed, blocking on their own keys (tens of milliseconds; run after a
    customer is created or edited, merged or unmerged). Dismissed pairs are never stored; pairs
    of merged-away customers are removed."""
    if customer_ids is not None:
        ids = sorted(set(customer_ids))
        if not ids:
            return 0
        live = list(
            Customer.objects.filter(
                workspace=workspace, pk__in=ids, merged_into__isnull=True
            ).values_list("pk", flat=True)
        )
        found = _found(workspace, live) if live else []
        return _store(workspace, found, ids)
    scan = DuplicateScan.objects.create(workspace=workspace, started_at=timezone.now())
    try:
        stored = _store(workspace, _found(workspace, None), None)
    except Exception:
        scan.delete()  # not "running" for the next quarter of an hour
        raise
    scan.finished_at = timezone.now()
    scan.candidates = stored
    scan.save(update_fields=["finished_at", "candidates"])
    return stored


def duplicates_forget(*, workspace: Workspace, customer_ids: Iterable[int]) -> int:
    """Remove the stored pairs of customers that no longer stand alone (merged away)."""
    ids = list(customer_ids)
    deleted, _per_model = DuplicateCandidate.objects.filter(
        Q(customer_a_id__in=ids) | Q(customer_b_id__in=ids), workspace=workspace
    ).delete()
    return deleted


def _launch(workspace_id: int, customer_ids: list[int] | None) -> None:
    from samphan.customers.tasks import duplicates_scan_task

    try:
        duplicates_scan_task.delay(workspace_id, customer_ids)
    except Exception:
        # The change that asked for the rescan is committed; a failed scan must not undo the
        # page's success (the nightly full scan catches up).
        logger.exception("duplicate scan of workspace %s failed", workspace_id)


def duplicates_scan_later(*, workspace_id: int, customer_ids: Iterable[int]) -> None:
    """Rescan these customers' pairs once the current transaction commits (a Celery task; inline
    in the embedded mode)."""
    ids = sorted(set(customer_ids))
    if ids:
        transaction.on_commit(lambda: _launch(workspace_id, ids))


def duplicates_customer_changed(
    *, workspace_id: int, customer_id: int, changes: Collection[str] | None = None
) -> None:
    """The hook the customer services call: rescan the customer if a field that makes pairs
    changed (any change when ``changes`` is None: a new customer, a contact)."""
    if changes is None or not KEY_FIELDS.isdisjoint(changes):
        duplicates_scan_later(workspace_id=workspace_id, customer_ids=[customer_id])


@dataclass(frozen=True)
class ScanStatus:
    scanned_at: dt.datetime | None  # when the last full scan finished; None: never scanned
    candidates: int  # pairs that scan stored
    running_since: dt.datetime | None  # a full scan in progress


def duplicate_scan_status(*, actor: Actor) -> ScanStatus:
    require(actor, Perm.CUSTOMER_VIEW)
    scans = DuplicateScan.objects.filter(workspace=actor.workspace)
    done = scans.filter(finished_at__isnull=False).order_by("-finished_at").first()
    running = (
        scans.filter(finished_at__isnull=True, started_at__gte=timezone.now() - SCAN_RUNNING_GRACE)
        .order_by("-started_at")
        .first()
    )
    return ScanStatus(
        scanned_at=done.finished_at if done is not None else None,
        candidates=done.candidates if done is not None else 0,
        running_since=running.started_at if running is not None else None,
    )


def duplicates_scan_request(*, actor: Actor) -> None:
    """Queue a full scan of the actor's workspace ("Scan again"). With a broker a worker runs
    it; in the embedded mode it runs right after the request's transaction commits."""
    require(actor, Perm.CUSTOMER_EDIT)
    if duplicate_scan_status(actor=actor).running_since is not None:
        raise ApplicationError(
            "duplicate_scan_running",
            _("A scan for duplicates is already running. Try again in a few minutes."),
            status=409,
        )
    workspace_id = actor.workspace.pk
    transaction.on_commit(lambda: _launch(workspace_id, None))


def duplicate_list(*, actor: Actor) -> QuerySet[DuplicateCandidate]:
    """The stored pairs, most likely first (``score`` desc, then ids): slice or paginate it,
    then turn a page into pairs with ``duplicate_pairs``. Read straight off the
    (workspace, score) index: merges and dismissals delete their rows when they happen, and
    ``duplicate_pairs`` drops any a concurrent scan wrote meanwhile."""
    require(actor, Perm.CUSTOMER_VIEW)
    return DuplicateCandidate.objects.filter(workspace=actor.workspace).order_by(
        "-score", "customer_a_id", "customer_b_id"
    )


def duplicate_pairs(rows: Iterable[DuplicateCandidate]) -> list[DuplicatePair]:
    """Stored rows (a page of ``duplicate_list``) as pairs with a suggested survivor (more
    orders, then the older record; decided when read, since orders keep arriving). Pairs of a
    merged-away customer and dismissed pairs are left out, even before a rescan removes them."""
    rows = list(rows)
    if not rows:
        return []
    # The customers in a second query: a deep page's OFFSET then walks the score index alone.
    ids = {pk for row in rows for pk in (row.customer_a_id, row.customer_b_id)}
    customers = {
        c.pk: c
        for c in Customer.objects.filter(
            workspace_id=rows[0].workspace_id, pk__in=ids, merged_into__isnull=True
        ).prefetch_related("contacts")
    }
    dismissed = set(
        DuplicateDismissal.objects.filter(
            workspace_id=rows[0].workspace_id, customer_a_id__in=ids, customer_b_id__in=ids
        ).values_list("customer_a_id", "customer_b_id")
    )
    pairs = []
    for row in rows:
        x, y = customers.get(row.customer_a_id), customers.get(row.customer_b_id)
        if x is None or y is None or (x.pk, y.pk) in dismissed:
            continue  # merged away or dismissed while a scan was writing
        if _keep_rank(y.orders_count, y.created_at, y.pk) > _keep_rank(
            x.orders_count, x.created_at, x.pk
        ):
            x, y = y, x
        reasons = [Reason(code=r.get("code", ""), detail=r.get("detail", "")) for r in row.reasons]
        pairs.append(DuplicatePair(survivor=x, merged=y, score=row.score, reasons=reasons))
    return pairs


# --- "not the same person" ------------------------------------------------------------------------


@dataclass(frozen=True)
class DismissalResult:
    dismissal: DuplicateDismissal
    created: bool  # False: the pair was already dismissed


def _pair_ids(actor: Actor, customer_id: int, other_id: int) -> tuple[int, int]:
    if customer_id == other_id:
        raise ApplicationError(
            "duplicate_same_customer",
            _("Choose two different customers."),
            {"field": "other_id"},
            status=422,
        )
    found = Customer.objects.filter(
        workspace=actor.workspace, pk__in=[customer_id, other_id], merged_into__isnull=True
    ).count()
    if found != 2:
        raise NotFound("customer_not_found", _("Customer not found."))
    return _ordered(customer_id, other_id)


def duplicate_dismiss(*, actor: Actor, customer_id: int, other_id: int) -> DismissalResult:
    """Record that two customers are different people (ไม่ใช่คนเดียวกัน): their pair leaves
    the list now and no scan stores it again, until ``duplicate_restore``. Same permission as
    merging."""
    require(actor, Perm.CUSTOMER_EDIT)
    a, b = _pair_ids(actor, customer_id, other_id)
    with transaction.atomic():
        dismissal, created = DuplicateDismissal.objects.get_or_create(
            workspace=actor.workspace,
            customer_a_id=a,
            customer_b_id=b,
            defaults={"dismissed_by": actor.user, "dismissed_at": timezone.now()},
        )
        DuplicateCandidate.objects.filter(
            workspace=actor.workspace, customer_a_id=a, customer_b_id=b
        ).delete()
        if created:
            audit_record(
                action="customers.duplicate_dismissed",
                workspace=actor.workspace,
                actor=actor.user,
                actor_label=actor.label,
                target=f"customer:{a}",
                data={"customer_ids": [a, b]},
            )
    return DismissalResult(dismissal=dismissal, created=created)


def duplicate_restore(*, actor: Actor, customer_id: int, other_id: int) -> None:
    """Undo ``duplicate_dismiss``: the pair may be suggested again (both customers are rescanned
    after commit)."""
    require(actor, Perm.CUSTOMER_EDIT)
    a, b = _ordered(customer_id, other_id)
    with transaction.atomic():
        dismissal = (
            DuplicateDismissal.objects.select_for_update()
            .filter(workspace=actor.workspace, customer_a_id=a, customer_b_id=b)
            .first()
        )
        if dismissal is None:
            raise NotFound("dismissal_not_found", _("This pair was not marked as different."))
        dismissal.delete()
        audit_record(
            action="customers.duplicate_restored",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"customer:{a}",
            data={"customer_ids": [a, b]},
        )
        duplicates_scan_later(workspace_id=actor.workspace.pk, customer_ids=[a, b])


def duplicate_dismissal_list(*, actor: Actor) -> QuerySet[DuplicateDismissal]:
    """Pairs marked "not the same person", newest first."""
    require(actor, Perm.CUSTOMER_VIEW)
    return (
        DuplicateDismissal.objects.filter(workspace=actor.workspace)
        .select_related("customer_a", "customer_b", "dismissed_by")
        .order_by("-dismissed_at", "-id")
    )


def reason_text(reason: Reason) -> str:
    """A reason in the user's language, e.g. "Same last 4 phone digits (6920)"."""
    texts = {
        "same_name": _("Same name"),
        "swapped_name": _("Same name, first and last name swapped"),
        "similar_name": _("Similar name"),
        "same_first_name": _("Same first name (%(detail)s)"),
        "same_nickname": _("Same nickname (%(detail)s)"),
        "phone_suffix": _("Same last 4 phone digits (%(detail)s)"),
        "phone_digits": _("Phone numbers share the last %(detail)s digits"),
        "same_birthday": _("Same birthday"),
        "same_username": _("Same username or email name (%(detail)s)"),
        "same_address": _("Same address"),
    }
    text = texts.get(reason.code, reason.code)
    return text % {"detail": reason.detail} if "%(detail)s" in text else text


__all__ = [
    "KEY_FIELDS",
    "MAX_BLOCK",
    "MAX_PAIRS",
    "THRESHOLD",
    "DismissalResult",
    "DuplicatePair",
    "Reason",
    "ScanStatus",
    "duplicate_candidates",
    "duplicate_dismiss",
    "duplicate_dismissal_list",
    "duplicate_list",
    "duplicate_pairs",
    "duplicate_restore",
    "duplicate_scan_status",
    "duplicates_customer_changed",
    "duplicates_forget",
    "duplicates_scan",
    "duplicates_scan_later",
    "duplicates_scan_request",
    "name_parts",
    "reason_text",
    "score_pair",
]
