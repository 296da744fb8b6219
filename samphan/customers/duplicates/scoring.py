"""Scoring a pair of customers: how likely two records are one person (0–100) and why.

Evidence is weighed, not counted. Contacts outweigh names: the same phone number or e-mail
inbox written two ways (with and without the leading 0, +66, dots in a Gmail name) is nearly
proof, a phone one digit off is a likely typo, the same last 4 digits is a hint. A name is
weighed by how many customers of the shop share it (``NameCounts``, counted once per scan): a
name no one else has is fair evidence, one shared by 37 customers is almost none, and a name
alone never reaches the threshold. Thai names are compared without titles and also without
their vowel and tone marks (``strip_marks``), the spelling people vary most.

Each ``Reason`` carries the points it added (or, for clearly different names, took away), so
the pages can show why a pair was proposed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from django.utils.translation import gettext as _

from samphan.core.thai.names import clean_text, split_title
from samphan.core.thai.phone import format_phone_display
from samphan.customers.models import ContactKind, Customer

# --- scoring a pair -------------------------------------------------------------------------------

THRESHOLD = 50
HANDLE_KINDS = (ContactKind.SHOPEE, ContactKind.LAZADA, ContactKind.TIKTOK, ContactKind.SOCIAL)

# Points per kind of evidence (the score is their sum, 0–100). Names are weighed down by how
# common they are in the shop (``_name_points``); the rest are fixed.
SAME_PHONE = 70  # one number, written two ways
SAME_EMAIL = 70  # one inbox, written two ways
PHONE_TYPO = 45  # one digit off, or two neighbours swapped
PHONE_SUFFIX = 20  # the same last 4 digits: 1 in 10,000 by chance
USERNAME_DISTINCT = 45  # e.g. piyanuch99
USERNAME_PLAIN = 25  # e.g. mint
SAME_BIRTHDAY = 30
SAME_ADDRESS = 20  # families share one
SAME_NAME = 45  # a full name no other customer has; below the threshold alone
MARKS_NAME = 40  # the same but for vowel or tone marks
SIMILAR_NAME = 30  # a letter or two apart
SIMILAR_NAME_WEAK = 15
FIRST_NAME = 25  # one record has only a first name or a nickname
NICKNAME_BONUS = 10
NAMES_DIFFER = -25  # two full names with nothing in common: a relative sharing a detail
# Each doubling of the number of customers sharing a name takes this many points off it.
PER_DOUBLING = 10
NAME_FLOOR = 5  # a shared name is never quite nothing
WEAK_FROM = 5  # a name this many customers share is said to be weak evidence

# Thai vowel and tone marks written above or below a consonant (not the spacing vowels เ แ โ
# ใ ไ ะ า ำ): the spelling that varies most between two records of one person.
THAI_MARKS = "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
_MARKS_TABLE = str.maketrans("", "", THAI_MARKS)
_GMAIL = frozenset({"gmail.com", "googlemail.com"})


def strip_marks(text: str) -> str:
    """``"ศรีสวัสดิ์"`` → ``"ศรสวสด"``: the consonants and spacing vowels only."""
    return text.translate(_MARKS_TABLE)


@dataclass(frozen=True)
class Reason:
    code: str  # same_phone, same_email, phone_typo, phone_suffix, same_username, same_birthday,
    # same_address, same_name, swapped_name, marks_name, similar_name, same_first_name,
    # same_nickname, names_differ (and phone_digits in pairs stored before evidence weights)
    detail: str = ""
    points: int = 0  # what it added to the score (negative: took away)
    count: int = 0  # names: how many customers of the shop share it (0: not counted)
    note: str = ""  # same_phone: leading_zero, country_code or format

    def as_json(self) -> dict[str, object]:
        data: dict[str, object] = {"code": self.code, "detail": self.detail, "points": self.points}
        if self.count:
            data["count"] = self.count
        if self.note:
            data["note"] = self.note
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Reason:
        def number(key: str) -> int:
            value = data.get(key, 0)
            return value if isinstance(value, int) else 0

        return cls(
            code=str(data.get("code", "")),
            detail=str(data.get("detail", "")),
            points=number("points"),
            count=number("count"),
            note=str(data.get("note", "")),
        )


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
    phones: list[str] = field(default_factory=list)  # as stored
    emails: list[str] = field(default_factory=list)  # as stored
    identifiers: set[str] = field(default_factory=set)  # email names and usernames
    addresses: set[str] = field(default_factory=set)


@dataclass
class NameCounts:
    """How many live customers of the workspace share a name: the full name in either order,
    the first name, the nickname (title-free, case-folded, as ``name_parts`` gives them)."""

    full: dict[tuple[str, str], int] = field(default_factory=dict)  # (first, last) as stored
    first: dict[str, int] = field(default_factory=dict)
    nickname: dict[str, int] = field(default_factory=dict)

    def full_name(self, first: str, last: str) -> int:
        n = self.full.get((first, last), 0)
        if first != last:
            n += self.full.get((last, first), 0)
        return n

    def token(self, token: str) -> int:
        return max(self.first.get(token, 0), self.nickname.get(token, 0))


def name_parts(first_name: str, last_name: str = "") -> tuple[str, str]:
    """(first, last) for comparing: title removed (นางสาว, Mr., …), invisible characters and
    case folded away; a full name typed into the first-name field is split at its space."""
    _title, rest = split_title(clean_text(f"{first_name} {last_name}"))
    first, _sep, last = rest.casefold().partition(" ")
    return first, last.strip()


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def _name_points(base: int, shared_by: int, floor: int = NAME_FLOOR) -> int:
    """``base`` for a name only the pair has, less ``PER_DOUBLING`` for each doubling of the
    customers who share it."""
    if shared_by <= 2:
        return base
    return max(floor, round(base - PER_DOUBLING * math.log2(shared_by / 2)))


def _full(first: str, last: str) -> str:
    return f"{first} {last}".strip()


def _name_evidence(a: _Person, b: _Person, counts: NameCounts) -> list[Reason]:
    if a.first and a.last and b.first and b.last:
        return _full_name_evidence(a, b, counts)
    # At least one record has only part of a name (a first name, a nickname): compare what
    # there is, weighed by how many customers go by that name.
    tokens_a = {t for t in (a.first, a.last, a.nickname) if t}
    tokens_b = {t for t in (b.first, b.last, b.nickname) if t}
    shared = tokens_a & tokens_b
    if shared:
        token = min(shared, key=lambda t: (counts.token(t), t))
        n = counts.token(token)
        code = "same_first_name" if token in (a.first, b.first) else "same_nickname"
        return [Reason(code, token, _name_points(FIRST_NAME, n, floor=NAME_FLOOR), count=n)]
    best = max(
        (_ratio(strip_marks(x), strip_marks(y)) for x in tokens_a for y in tokens_b), default=0
    )
    if best >= 0.85:
        return [Reason("similar_name", "", SIMILAR_NAME_WEAK)]
    return []


def _full_name_evidence(a: _Person, b: _Person, counts: NameCounts) -> list[Reason]:
    n_a, n_b = counts.full_name(a.first, a.last), counts.full_name(b.first, b.last)
    shared_by = max(n_a, n_b)
    name_a, name_b = _full(a.first, a.last), _full(b.first, b.last)
    reasons: list[Reason] = []
    if (a.first, a.last) == (b.first, b.last):
        reasons.append(Reason("same_name", name_a, _name_points(SAME_NAME, shared_by), shared_by))
    elif (a.first, a.last) == (b.last, b.first):
        reasons.append(
            Reason("swapped_name", name_a, _name_points(SAME_NAME, shared_by), shared_by)
        )
    else:
        sa = (strip_marks(a.first), strip_marks(a.last))
        sb = (strip_marks(b.first), strip_marks(b.last))
        pair = f"{name_a} / {name_b}"
        if sa == sb or sa == (sb[1], sb[0]):
            reasons.append(
                Reason("marks_name", pair, _name_points(MARKS_NAME, shared_by), shared_by)
            )
        else:
            straight = _ratio(f"{sa[0]} {sa[1]}", f"{sb[0]} {sb[1]}")
            swapped = _ratio(f"{sa[0]} {sa[1]}", f"{sb[1]} {sb[0]}")
            best = max(straight, swapped)
            if best >= 0.85:
                base = SIMILAR_NAME
            elif best >= 0.7:
                base = SIMILAR_NAME_WEAK
            else:
                base = 0
            if base:
                reasons.append(
                    Reason("similar_name", pair, _name_points(base, shared_by), shared_by)
                )
            elif best < 0.5 and not {a.first, a.last} & {b.first, b.last}:
                return [Reason("names_differ", pair, NAMES_DIFFER)]
    if reasons and a.nickname and a.nickname == b.nickname:
        n = counts.nickname.get(a.nickname, 0)
        points = _name_points(NICKNAME_BONUS, n, floor=0)
        if points:
            reasons.append(Reason("same_nickname", a.nickname, points, n))
    return reasons


# --- contacts -------------------------------------------------------------------------------------


def phone_digits(value: str) -> str:
    """The national number: digits only, without +66 / 66 and the leading 0 (``"081-234-5678"``,
    ``"+66812345678"`` and ``"812345678"`` all give ``"812345678"``)."""
    digits = re.sub(r"\D", "", value)
    if digits.startswith("0066"):
        digits = digits[4:]
    elif digits.startswith("66") and (value.lstrip().startswith("+") or len(digits) in (10, 11)):
        digits = digits[2:]
    return digits.lstrip("0")


def _typed_how(x: str, y: str) -> str:
    """How two spellings of one number differ: leading_zero, country_code or format."""

    def plain(v: str) -> str:
        return re.sub(r"[\s\-().]", "", v)

    px, py = plain(x), plain(y)
    if px == py:
        return "format"
    heads = {p[0] if p else "" for p in (px, py)}
    if any(p.startswith(("+66", "66")) for p in (px, py)):
        return "country_code"
    if "0" in heads:
        return "leading_zero"
    return "format"


def _display_phone(nsn: str) -> str:
    return format_phone_display(f"+66{nsn}") if len(nsn) in (8, 9) else nsn


def _one_digit_apart(x: str, y: str) -> bool:
    """Same length and one digit different, or two neighbouring digits swapped."""
    if len(x) != len(y) or x == y:
        return False
    diff = [i for i, (p, q) in enumerate(zip(x, y, strict=True)) if p != q]
    if len(diff) == 1:
        return True
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and x[diff[0]] == y[diff[1]]
        and x[diff[1]] == y[diff[0]]
    )


def _phone_evidence(a: _Person, b: _Person) -> Reason | None:
    best: Reason | None = None
    for x in a.phones:
        nx = phone_digits(x)
        for y in b.phones:
            ny = phone_digits(y)
            if len(nx) < 8 or len(ny) < 8:
                continue
            if nx == ny:
                return Reason("same_phone", _display_phone(nx), SAME_PHONE, note=_typed_how(x, y))
            if _one_digit_apart(nx, ny):
                if best is None or best.points < PHONE_TYPO:
                    detail = f"{_display_phone(nx)} / {_display_phone(ny)}"
                    best = Reason("phone_typo", detail, PHONE_TYPO)
            elif nx[-4:] == ny[-4:] and best is None:
                best = Reason("phone_suffix", nx[-4:], PHONE_SUFFIX)
    return best


def mailbox(email: str) -> str:
    """One inbox however it is written: lower case, no +tag, and for Gmail no dots."""
    local, _sep, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _GMAIL:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def identifier(local_or_handle: str) -> str:
    """An e-mail name or a username as compared: lower case, without dots and a +tag."""
    return local_or_handle.lower().split("+", 1)[0].replace(".", "")


def _distinctive(name: str) -> bool:
    return len(name) >= 8 or (len(name) >= 6 and any(c.isdigit() for c in name))


def _contact_evidence(a: _Person, b: _Person) -> list[Reason]:
    reasons: list[Reason] = []
    phone = _phone_evidence(a, b)
    if phone is not None:
        reasons.append(phone)
    boxes_b = {mailbox(e): e for e in b.emails}
    same_box = next(((e, boxes_b[mailbox(e)]) for e in a.emails if mailbox(e) in boxes_b), None)
    if same_box is not None:
        reasons.append(Reason("same_email", " / ".join(sorted(set(same_box))), SAME_EMAIL))
    else:
        shared = a.identifiers & b.identifiers
        if shared:
            name = max(sorted(shared), key=_distinctive)
            points = USERNAME_DISTINCT if _distinctive(name) else USERNAME_PLAIN
            reasons.append(Reason("same_username", name, points))
    if a.birthday and a.birthday == b.birthday:
        reasons.append(Reason("same_birthday", a.birthday.isoformat(), SAME_BIRTHDAY))
    if a.addresses & b.addresses:
        reasons.append(Reason("same_address", "", SAME_ADDRESS))
    return reasons


_STRONG = frozenset({"same_phone", "same_email"})


def score_pair(
    a: _Person, b: _Person, counts: NameCounts | None = None
) -> tuple[int, list[Reason]]:
    """How likely two records are one person (0–100) and why, strongest reason first.

    Without name evidence, one detail in common is a coincidence (or a relative) unless it is
    the same phone number or inbox; two details are not."""
    counts = counts or NameCounts()
    names = _name_evidence(a, b, counts)
    contacts = _contact_evidence(a, b)
    named = any(r.points > 0 for r in names)
    if not named and len(contacts) < 2 and not any(r.code in _STRONG for r in contacts):
        return 0, []
    reasons = sorted(contacts + names, key=lambda r: -r.points)
    score = sum(r.points for r in reasons)
    return max(0, min(score, 100)), reasons


def _keep_rank(orders_count: int, created_at: dt.datetime, pk: int) -> tuple[int, float, int]:
    """Higher is the better record to keep: more orders, then the older one."""
    return (orders_count, -created_at.timestamp(), -pk)


# --- in words -------------------------------------------------------------------------------------


def reason_text(reason: Reason) -> str:
    """A reason in the user's language, e.g. "Same phone 081-234-5678 (typed with and without
    its leading 0)"."""
    d = {"detail": reason.detail}
    code = reason.code
    if code == "same_phone":
        if reason.note == "leading_zero":
            return _("Same phone %(detail)s (typed with and without its leading 0)") % d
        if reason.note == "country_code":
            return _("Same phone %(detail)s (typed with and without +66)") % d
        return _("Same phone %(detail)s (typed differently)") % d
    texts = {
        "same_email": _("Same email inbox, written differently (%(detail)s)"),
        "phone_typo": _("Phone numbers one digit apart, likely a typo (%(detail)s)"),
        "phone_suffix": _("Same last 4 phone digits (%(detail)s)"),
        "phone_digits": _("Phone numbers share the last %(detail)s digits"),
        "same_username": _("Same username or email name (%(detail)s)"),
        "same_birthday": _("Same birthday"),
        "same_address": _("Same address"),
        "same_name": _("Same name (%(detail)s)"),
        "swapped_name": _("Same name, first and last name swapped (%(detail)s)"),
        "marks_name": _("Same name but for vowel or tone marks (%(detail)s)"),
        "similar_name": _("Similar name (%(detail)s)"),
        "same_first_name": _("Same first name (%(detail)s)"),
        "same_nickname": _("Same nickname (%(detail)s)"),
        "names_differ": _("Different names (%(detail)s)"),
    }
    text = texts.get(code, code)
    if "%(detail)s" in text:
        if not reason.detail:  # stored before details were kept
            text = text.replace(" (%(detail)s)", "")
        text = text % d
    return text


def reason_note(reason: Reason) -> str:
    """How much a shared name says, e.g. "shared by 37 customers here: weak evidence"."""
    if not reason.count:
        return ""
    if reason.count <= 2 and reason.code in ("same_name", "swapped_name"):
        return _("no other customer here has this name")
    if reason.count <= 2:
        return ""
    if reason.count >= WEAK_FROM:
        return _("shared by %(count)s customers here: weak evidence") % {"count": reason.count}
    return _("shared by %(count)s customers here") % {"count": reason.count}
