"""Blocking keys: which pairs to score. The keys are computed and grouped in the database;
only customers sharing one become candidate pairs:

* ``p``: the same name (title-free, vowel and tone marks removed, either order) and phones
  with the same last 4 digits;
* ``s`` / ``g``: the same first name and first letter of the last name (a typo further on)
  and phones with the same last 4 / first 4 national digits (a one-digit typo in the number
  leaves one of the two intact);
* ``t``: phones with the same last 8 digits (one number typed with and without its leading 0
  or +66, when stored as typed);
* ``q`` / ``r``: the same last 4 / first 4 digits and a name part, when one record's name is
  incomplete (a nickname only);
* ``b``: the same birthday and a name part;
* ``i``: the same e-mail name (without dots) or username;
* ``a``: the same address.

A name alone makes no key: it is never enough to propose a pair (``scoring``)."""

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
from samphan.core.thai.names import _THAI_FOLLOWING, TITLES
from samphan.customers.duplicates.scoring import HANDLE_KINDS, THAI_MARKS, strip_marks
from samphan.customers.models import Address, ContactKind, ContactPoint, Customer

# A blocking key shared by more customers than this says little (a common name, a shared shop
# address): such blocks are skipped rather than compared pair by pair.
MAX_BLOCK = 20
# Upper bound on the pairs scored per call, so a very large workspace stays fast.
MAX_PAIRS = 20_000


# --- blocking: which pairs to score ---------------------------------------------------------------


def _glued(title: str) -> bool:
    """Whether the title may be written glued to the name: Thai ones, and those ending in a dot
    ("Mr.Smith"). An English title without a dot must be a word of its own: "Missy" is a name."""
    return not (title[-1].isascii() and title[-1].isalpha())


class TitleFree(models.Func):
    """SQL: a first name without a leading title (นางสาว, คุณ, Mr., …), lower-cased, as
    ``split_title`` does in Python: an English title without its dot only as a word of its own
    ("Miss Ann", not "Missy"), a glued Thai one only before a letter that can begin a word
    ("คุณากร" is a name). Names written through the services and importers are stored without
    titles already; this catches rows written any other way."""

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
        # The SQL Django writes for Lower(Case(When(StartsWith(Lower(x), t) & …,
        # then=Trim(Substr(x, len(t) + 1))) …, default=x)), written out here: building those
        # expressions for every key branch took longer than running an incremental scan.
        sql, params = compiler.compile(self.source_expressions[0])
        following = "".join(sorted(_THAI_FOLLOWING))
        whens: list[str] = []
        values: list[Any] = []
        for title in TITLES:
            lowered = title.lower()
            if _glued(title):
                # Not the whole name, and not followed by a vowel or mark that cannot begin one.
                whens.append(
                    f"WHEN (LOWER({sql}) LIKE %s ESCAPE '\\' AND NOT (LOWER({sql}) = %s) "
                    f"AND INSTR(%s, SUBSTR({sql}, %s, 1)) = 0) "
                    f"THEN TRIM(SUBSTR({sql}, %s))"
                )
                values += [
                    *params,
                    connection.ops.prep_for_like_query(lowered) + "%",
                    *params,
                    lowered,
                    following,
                    *params,
                    len(title) + 1,
                    *params,
                    len(title) + 1,
                ]
            else:
                whens.append(
                    f"WHEN (LOWER({sql}) LIKE %s ESCAPE '\\') THEN TRIM(SUBSTR({sql}, %s))"
                )
                values += [
                    *params,
                    connection.ops.prep_for_like_query(lowered) + " %",
                    *params,
                    len(title) + 1,
                ]
        return f"LOWER(CASE {' '.join(whens)} ELSE {sql} END)", [*values, *params]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # One regular expression instead of a CASE with a LIKE per title: much faster at size.
        sql, params = compiler.compile(self.source_expressions[0])
        following = "".join(sorted(_THAI_FOLLOWING))
        options = []
        for title in TITLES:
            if _glued(title):
                options.append(rf"{re.escape(title)}(?![{following}])\s*(?=\S)")
            else:
                options.append(rf"{re.escape(title)}\s+(?=\S)")
        pattern = "^(" + "|".join(options) + ")"
        return f"LOWER(REGEXP_REPLACE({sql}, %s, '', 'i'))", [*params, pattern]


def _strip_or_none(value: str | None) -> str | None:
    return None if value is None else strip_marks(value)


class StripMarks(models.Func):
    """SQL: the text without Thai vowel and tone marks written above or below a letter
    (``scoring.strip_marks``)."""

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
        # SQLite has no TRANSLATE, and sixteen nested REPLACEs overflow its parser inside the
        # key expressions: the Python function, registered on the connection.
        sql, params = compiler.compile(self.source_expressions[0])
        connection.ensure_connection()
        connection.connection.create_function(
            "samphan_strip_marks", 1, _strip_or_none, deterministic=True
        )
        return f"samphan_strip_marks({sql})", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"TRANSLATE({sql}, %s, '')", [*params, THAI_MARKS]


def _phone_plain(expression: Any = "value") -> Any:
    """A phone as digits and a possible leading +: spaces and dashes taken out."""
    return Replace(Replace(expression, Value("-"), Value("")), Value(" "), Value(""))


def _phone_head() -> Any:
    """The first 4 of the last 9 digits: the national number's start (8123 of +66812345678)."""
    return Substr(Right(_phone_plain(), 9), 1, 4)


@dataclass(frozen=True)
class _Scope:
    """What some customers' blocking keys can be made of, so that an incremental scan computes
    only the key rows that can equal one of theirs: phones ending in the same 4 digits or
    starting with the same 4 national digits, the same birthdays, email names and usernames,
    postcodes. Every row with one of their keys passes these filters, so the blocks they are in
    come out complete (and the MAX_BLOCK limit counts the same as in a full scan)."""

    phone_ids: frozenset[int]  # phones sharing their last 4 or first 4 national digits
    birthdays: frozenset[dt.date]
    identifiers: frozenset[str]  # email names (without dots) and usernames
    email_ids: frozenset[int]  # emails whose name is one of the identifiers
    postcodes: frozenset[str]


def _ids(qs: QuerySet[Any]) -> frozenset[int]:
    return frozenset(qs.values_list("pk", flat=True))


def _email_name() -> Any:
    return Replace(Substr("value", 1, StrIndex("value", Value("@")) - 1), Value("."), Value(""))


def _scope(workspace: Workspace, ids: Collection[int]) -> _Scope:
    born = Customer.objects.filter(workspace=workspace, pk__in=ids, birthday__isnull=False)
    birthdays = frozenset(b for b in born.values_list("birthday", flat=True) if b is not None)
    suffixes: set[str] = set()
    heads: set[str] = set()
    identifiers: set[str] = set()
    contacts = ContactPoint.objects.filter(workspace=workspace, customer_id__in=ids)
    for kind, value in contacts.values_list("kind", "value"):
        if kind == ContactKind.PHONE:
            plain = value.replace("-", "").replace(" ", "")
            suffixes.add(value[-4:])
            heads.add(plain[-9:][:4])
        elif kind == ContactKind.EMAIL:
            local = value.partition("@")[0].replace(".", "")
            if len(local) >= 4:
                identifiers.add(local)
        elif kind in HANDLE_KINDS:
            handle = value.replace(".", "")
            if len(handle) >= 4:
                identifiers.add(handle)
    postcodes = set(
        Address.objects.filter(workspace=workspace, customer_id__in=ids, line__gt="").values_list(
            "postcode", flat=True
        )
    )
    # Looked up once here, each the way its database can use an index (PostgreSQL: trigram
    # indexes serve LIKE '%0793'; SQLite: RIGHT() over the phones in C).
    postgres = connection.vendor == "postgresql"
    phones = ContactPoint.objects.filter(workspace=workspace, kind=ContactKind.PHONE)
    phone_ids: frozenset[int] = frozenset()
    if suffixes:
        with_head = phones.annotate(head=_phone_head())
        phone_ids = _ids(
            with_head.filter(_any_of("value__endswith", suffixes) | Q(head__in=sorted(heads)))
            if postgres
            else with_head.annotate(suffix=Right("value", 4)).filter(
                Q(suffix__in=sorted(suffixes)) | Q(head__in=sorted(heads))
            )
        )
    emails = ContactPoint.objects.filter(workspace=workspace, kind=ContactKind.EMAIL)
    email_ids: frozenset[int] = frozenset()
    if identifiers:
        email_ids = _ids(emails.annotate(local=_email_name()).filter(local__in=sorted(identifiers)))
    return _Scope(
        phone_ids=phone_ids,
        birthdays=birthdays,
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

    sep = Value("|")
    p = named(phones, "customer__").annotate(
        suffix=Right("value", 4), head=_phone_head(), sf=StripMarks("f"), sl=StripMarks("l")
    )
    # Only digits that a record with an incomplete name has can make a "q" or "r" block. Read
    # first (at most 10,000 distinct values each): as a subquery, PostgreSQL re-evaluated the
    # name normalisation per phone row and a 1,200-customer scan ran for many minutes.
    weak_suffixes: list[str] = []
    weak_heads: list[str] = []
    if scope is None or scope.phone_ids:
        weak = p.filter(weak=1)
        weak_suffixes = sorted(set(weak.values_list("suffix", flat=True)) - {None})
        weak_heads = sorted(set(weak.values_list("head", flat=True)) - {None})
    c = named(live, "")
    full = Q(f__gt="") & Q(l__gt="")
    full_name = (Least("sf", "sl"), sep, Greatest("sf", "sl"))  # either order, without marks
    with_phones = scope is None or bool(scope.phone_ids)
    with_birthdays = scope is None or bool(scope.birthdays)
    branches = []
    if with_phones:
        named_phones = p.filter(full)
        # the same name (either order) and the same last 4 digits
        branches.append(
            rows(named_phones, Concat(Value("p|"), "suffix", sep, *full_name), "customer_id")
        )
        # the same first name and last name's first letter (a typo further on) and the same
        # last 4 / first 4 digits
        initial = (F("sf"), sep, Substr("sl", 1, 1))
        for letter, digits in (("s", "suffix"), ("g", "head")):
            branches.append(
                rows(
                    named_phones,
                    Concat(Value(f"{letter}|"), digits, sep, *initial),
                    "customer_id",
                )
            )
        # the same last 8 digits: one number stored as typed two ways
        branches.append(rows(phones, Concat(Value("t|"), Right(_phone_plain(), 8)), "customer_id"))
    born = c if scope is None else c.filter(birthday__in=sorted(scope.birthdays))
    for token in ("f", "l", "nk"):
        has = Q(**{f"{token}__gt": ""})
        if with_phones:
            # the same last 4 / first 4 digits + a name part, when one record's name is incomplete
            for letter, digits, weak_digits in (
                ("q", "suffix", weak_suffixes),
                ("r", "head", weak_heads),
            ):
                branches.append(
                    rows(
                        p.filter(**{f"{digits}__in": weak_digits}).filter(has),
                        Concat(Value(f"{letter}|"), digits, sep, token),
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
        handles = handles.annotate(name=Replace("value", Value("."), Value("")))
        if scope is not None:
            handles = handles.filter(name__in=sorted(scope.identifiers))
        emails = emails.annotate(local=_email_name())
        emails = emails.annotate(n=Length("local")).filter(n__gte=4)
        branches.append(rows(emails, Concat(Value("i|"), "local"), "customer_id"))
        handles = handles.annotate(n=Length("name"))
        branches.append(rows(handles.filter(n__gte=4), Concat(Value("i|"), "name"), "customer_id"))
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
_KEY_ORDER = {"t": 0, "p": 1, "s": 2, "g": 3, "i": 4, "b": 5, "q": 6, "r": 7, "a": 8}


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
            if key[:2] in ("q|", "r|") and a not in weak and b not in weak:
                continue
            if targets and a not in targets and b not in targets:
                continue
            pairs.add((a, b))
        if limit is not None and len(pairs) >= limit:
            break
    return pairs
