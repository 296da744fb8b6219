"""Blocking keys: which pairs to score. The keys (same last 4 phone digits + name, same full
name in either order, birthday + name, same email name or marketplace username, same address)
are computed and grouped in the database; only customers sharing one become candidate pairs."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.db import connection, models
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

from samphan.core.models import Workspace
from samphan.core.thai.names import TITLES
from samphan.customers.duplicates.scoring import HANDLE_KINDS
from samphan.customers.models import Address, ContactKind, ContactPoint, Customer

# A blocking key shared by more customers than this says little (a common name, a shared shop
# address): such blocks are skipped rather than compared pair by pair.
MAX_BLOCK = 20
# Upper bound on the pairs scored per call, so a very large workspace stays fast.
MAX_PAIRS = 20_000


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
