"""Scoring a pair of customers: how likely two records are one person (0–100) and why,
comparing Thai names without titles, phone endings, birthdays, usernames and addresses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.utils.translation import gettext as _

from samphan.core.thai.names import clean_text, split_title
from samphan.customers.models import ContactKind, Customer

# --- scoring a pair -------------------------------------------------------------------------------

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


def _keep_rank(orders_count: int, created_at: dt.datetime, pk: int) -> tuple[int, float, int]:
    """Higher is the better record to keep: more orders, then the older one."""
    return (orders_count, -created_at.timestamp(), -pk)


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
