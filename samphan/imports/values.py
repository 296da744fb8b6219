"""Reading one cell: money, quantities, dates (Buddhist Era too), phones, emails, yes/no.

Every parser takes the cell's text (already stripped) and returns the value or raises
:class:`~samphan.imports.errors.CellError`. Parsers are called a few hundred thousand
times for a large file, so the common shapes are tried first and repeated values are cached.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from samphan.core.errors import ApplicationError
from samphan.core.thai.address import address_validate
from samphan.core.thai.dates import BE_OFFSET, THAI_MONTHS, THAI_MONTHS_SHORT
from samphan.core.thai.names import clean_text
from samphan.core.thai.phone import is_masked, thai_digits_to_arabic
from samphan.customers.contacts import LINE_USER_ID, contact_normalize
from samphan.customers.models import ContactKind, Gender
from samphan.imports.errors import CellError, cell_error

BANGKOK = ZoneInfo("Asia/Bangkok")
# Zero-width characters and the BOM go; a no-break space is a space.
_CELL_TABLE = str.maketrans(
    {**dict.fromkeys(range(0x200B, 0x2010)), 0x2060: None, 0xFEFF: None, 0x00A0: " "}
)
_GUARDED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def clean_cell(value: object) -> str:
    """The text of a cell: invisible characters and the TikTok trailing tab removed, and the
    ``'`` that exports put before ``=``/``+``/``-``/``@`` (so that Excel does not run the cell
    as a formula) taken off again. Called for every cell read, so kept to C-speed calls."""
    if value.__class__ is str:
        text: str = value
    elif value is None:
        return ""
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else repr(value)
    else:
        text = str(value)
    text = text.translate(_CELL_TABLE).strip()
    if text.startswith(_GUARDED):
        text = text[1:]
    return text


# --- text --------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def parse_text(text: str, *, limit: int) -> str:
    value = clean_text(text)
    if len(value) > limit:
        raise cell_error("too_long", limit=limit)
    return value


# --- numbers and money ---------------------------------------------------------------------------

_MONEY_NOISE = re.compile(r"(?i)฿|thb|บาท|\s")


def parse_decimal(text: str) -> Decimal:
    raw = thai_digits_to_arabic(text)
    negative = raw.startswith("(") and raw.endswith(")")
    raw = _MONEY_NOISE.sub("", raw.strip("()")).replace(",", "")
    if raw.endswith("-"):  # "20.00-" as some accounting exports write it
        negative, raw = True, raw[:-1]
    try:
        number = Decimal(raw)
    except InvalidOperation as exc:
        raise cell_error("invalid_amount") from exc
    if not number.is_finite():
        raise cell_error("invalid_amount")
    return -number if negative else number


@lru_cache(maxsize=4096)
def parse_money(text: str) -> int:
    """``฿1,250.50`` → 125050 (satang). Negative amounts are returned as they are."""
    number = parse_decimal(text)
    return int((number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) * 100)


def parse_money_positive(text: str) -> int:
    satang = parse_money(text)
    if satang < 0:
        raise cell_error("negative_amount")
    return satang


@lru_cache(maxsize=256)
def parse_quantity(text: str) -> int:
    try:
        number = parse_decimal(text)
    except CellError as exc:
        raise cell_error("invalid_quantity") from exc
    if number != number.to_integral_value() or number < 1 or number > 1_000_000:
        raise cell_error("invalid_quantity")
    return int(number)


# --- dates ----------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _i, (_long, _short) in enumerate(zip(THAI_MONTHS, THAI_MONTHS_SHORT, strict=True), 1):
    _MONTHS[_long] = _i
    _MONTHS[_short] = _i
    _MONTHS[_short.replace(".", "")] = _i
for _i, _name in enumerate(
    ("january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"),
    1,
):  # fmt: skip
    _MONTHS[_name] = _i
    _MONTHS[_name[:3]] = _i
_MONTHS["sept"] = 9

_ISO = re.compile(
    r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_NUMERIC = re.compile(
    r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})"
    r"(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_WORDS = re.compile(
    r"^(\d{1,2})\s*[- ]?\s*([^\d\s,-]+)\s*[- ]?\s*(?:พ\.ศ\.\s*|ค\.ศ\.\s*)?(\d{4})"
    r"(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


DAY_FIRST = "dmy"
MONTH_FIRST = "mdy"
DATE_ORDERS = (DAY_FIRST, MONTH_FIRST)
# Thai shops write day/month/year, and every Samphan workspace is a Thai shop (THB, Bangkok
# time): a column whose values cannot tell is read day-first unless the person chose otherwise.
DEFAULT_DATE_ORDER = DAY_FIRST

# What one cell says about its column's day/month order (``date_evidence``).
NOT_NUMERIC = 0  # ISO, month in words, Excel serial, or not a date: the order does not matter
SAYS_DAY_FIRST = 1  # 13/04/2024: the first part is above 12
SAYS_MONTH_FIRST = 2  # 04/13/2024: the second part is above 12
EITHER = 3  # 03/04/2024: both parts 12 or less


def _year(year: int) -> int:
    # A year of 2400 or more is a Buddhist Era year (พ.ศ. = ค.ศ. + 543); Thai forms use both.
    return year - BE_OFFSET if year >= 2400 else year


def _zone(text: str) -> dt.tzinfo:
    if text == "Z":
        return dt.UTC
    text = text.replace(":", "")
    delta = dt.timedelta(hours=int(text[1:3]), minutes=int(text[3:5]))
    return dt.timezone(delta if text[0] == "+" else -delta)


def _hm(hour: str | None, minute: str | None, second: str | None, ampm: str | None) -> dt.time:
    h, m, s = int(hour or 0), int(minute or 0), int(second or 0)
    if ampm:
        if not 1 <= h <= 12:
            raise ValueError
        h = h % 12 + (12 if ampm.lower() == "pm" else 0)
    return dt.time(h, m, s)


@lru_cache(maxsize=65536)
def _parse_datetime_parts(text: str, month_first: bool) -> tuple[dt.datetime, bool]:
    """(naive or aware datetime, whether a time of day was given)."""
    text = thai_digits_to_arabic(text).strip()
    try:
        m = _ISO.match(text)
        if m:
            y, mo, d, hh, mm, ss, tz = m.groups()
            value = dt.datetime.combine(
                dt.date(_year(int(y)), int(mo), int(d)), _hm(hh, mm, ss, None)
            )
            if tz:
                value = value.replace(tzinfo=_zone(tz))
            return value, hh is not None
        m = _NUMERIC.match(text)
        if m:
            a, b, y, hh, mm, ss, ampm = m.groups()
            # The column's order, decided once from all its values (``date_evidence``): a value
            # that only fits the other way round is an error, never read differently from its
            # neighbours.
            day, month = (int(b), int(a)) if month_first else (int(a), int(b))
            if month > 12 and day <= 12:
                raise cell_error(
                    "date_against_column",
                    order=_("month/day/year") if month_first else _("day/month/year"),
                )
            value = dt.datetime.combine(dt.date(_year(int(y)), month, day), _hm(hh, mm, ss, ampm))
            return value, hh is not None
        m = _WORDS.match(text)
        if m:
            d, month_name, y, hh, mm, ss = m.groups()
            found = _MONTHS.get(month_name.lower().rstrip("."), _MONTHS.get(month_name.lower()))
            if found is None:
                raise ValueError
            month = found
            value = dt.datetime.combine(
                dt.date(_year(int(y)), month, int(d)), _hm(hh, mm, ss, None)
            )
            return value, hh is not None
        if re.fullmatch(r"\d{5}(\.\d+)?", text):
            # An Excel serial date that lost its formatting (days since 1899-12-30).
            serial = float(text)
            if 20000 <= serial <= 80000:
                return dt.datetime(1899, 12, 30) + dt.timedelta(days=serial), "." in text
    except ValueError:
        pass
    raise cell_error("invalid_date")


@lru_cache(maxsize=65536)
def date_evidence(text: str) -> int:
    """What a cell says about its column's day/month order: ``SAYS_DAY_FIRST`` (13/04/2024),
    ``SAYS_MONTH_FIRST`` (04/13/2024), ``EITHER`` (03/04/2024) or ``NOT_NUMERIC`` (2024-04-03,
    3 เม.ย. 2567, anything that is not a day/month/year date)."""
    m = _NUMERIC.match(thai_digits_to_arabic(text).strip())
    if m is None:
        return NOT_NUMERIC
    a, b = int(m.group(1)), int(m.group(2))
    if a > 12 and b <= 12:
        return SAYS_DAY_FIRST
    if b > 12 and a <= 12:
        return SAYS_MONTH_FIRST
    return EITHER if a <= 12 and b <= 12 else NOT_NUMERIC


def parse_datetime(text: str, *, month_first: bool = False) -> dt.datetime:
    """An aware datetime; a time without a zone is Bangkok time."""
    value, _has_time = _parse_datetime_parts(text, month_first)
    if value.tzinfo is None:
        value = value.replace(tzinfo=BANGKOK)
    return value


def parse_date(text: str, *, month_first: bool = False) -> dt.date:
    value, _has_time = _parse_datetime_parts(text, month_first)
    return value.date()


def parse_birthday(
    text: str, *, today: dt.date | None = None, month_first: bool = False
) -> dt.date:
    value = parse_date(text, month_first=month_first)
    today = today or dt.date.today()
    if value > today or value.year < 1900:
        raise cell_error("invalid_birthday")
    return value


# --- contacts ------------------------------------------------------------------------------------


def _contact(kind: str, text: str, code: str, **params: Any) -> str:
    """The one contact normaliser (``contact_normalize``), its error as this cell's error."""
    try:
        return contact_normalize(kind, text)
    except ApplicationError as exc:
        raise cell_error(code, **params) from exc


@lru_cache(maxsize=65536)
def parse_phone(text: str) -> str:
    """E.164; a masked number (``******920``) raises ``masked_phone``."""
    if is_masked(text):
        raise cell_error("masked_phone")
    return _contact(ContactKind.PHONE, text, "invalid_phone")


@lru_cache(maxsize=65536)
def phone_or_none(text: str) -> str | None:
    """For marketplace files: a masked or unusable buyer phone is simply not an identity."""
    if not text or is_masked(text):
        return None
    try:
        return parse_phone(text)
    except CellError:
        return None


def split_multi(text: str) -> list[str]:
    """Several values in one cell: ``081-111-1111, 089-222-2222`` (also ``/``, ``;``, new lines)."""
    return [p.strip() for p in re.split(r"[,;/\n|]", text) if p.strip()]


def parse_email(text: str) -> str:
    return _contact(ContactKind.EMAIL, text, "invalid_email")


_LINE_HANDLE = re.compile(r"^@?[A-Za-z0-9._\-]{1,50}$")
LINE_HANDLE_PREFIX = "line:"


def parse_line(text: str) -> tuple[str, str]:
    """(contact kind, value). A LINE user ID (``U`` + 32 hex) is a LINE contact; the short IDs
    people type (``@somying`` or ``somying99``) cannot be messaged through the LINE API, so they
    are kept as a social handle ``line:somying99``."""
    value = text.strip()
    if LINE_USER_ID.match(value):
        return "line", _contact(ContactKind.LINE, value, "invalid_line_id")
    if _LINE_HANDLE.match(value):
        handle = LINE_HANDLE_PREFIX + value.lstrip("@")
        return "social", _contact(ContactKind.SOCIAL, handle, "invalid_line_id")
    raise cell_error("invalid_line_id")


_MASKED_NAME = re.compile(r"[*•]{2,}|\w[*•]\w")


def is_masked_name(text: str) -> bool:
    """A name or username a marketplace hid (``ส****``, ``j***n``, ``s•••j``): shown to the shop
    as the buyer's display name, but never a name and never an identity."""
    return bool(_MASKED_NAME.search(text))


@lru_cache(maxsize=65536)
def parse_username(text: str) -> str:
    """A marketplace username as ``contact_normalize`` stores it (no @, lower case); a masked
    one (``j***n``) raises ``masked_username``: it could be anyone's."""
    if is_masked_name(text):
        raise cell_error("masked_username")
    handle = clean_text(text)
    if not handle.lstrip("@"):
        return ""
    # Every marketplace handle is stored alike (no @, lower case).
    handle = _contact(ContactKind.SHOPEE, handle, "too_long", limit=254)
    if len(handle) > 254:
        raise cell_error("too_long", limit=254)
    return handle


# --- choices -------------------------------------------------------------------------------------

_GENDERS = {
    Gender.FEMALE: ("f", "female", "woman", "w", "หญิง", "ญ", "ผู้หญิง", "เพศหญิง", "girl"),
    Gender.MALE: ("m", "male", "man", "ชาย", "ช", "ผู้ชาย", "เพศชาย", "boy"),
    Gender.OTHER: ("other", "อื่น", "อื่นๆ", "อื่น ๆ", "lgbtq", "lgbtq+", "non-binary", "x"),
}
_GENDER_OF = {alias: str(g) for g, aliases in _GENDERS.items() for alias in aliases}
_GENDER_NONE = {"", "-", "ไม่ระบุ", "unknown", "not given", "n/a", "na"}


def parse_gender(text: str) -> str:
    key = clean_text(text).lower().rstrip(".")
    if key in _GENDER_NONE:
        return ""
    if key in _GENDER_OF:
        return _GENDER_OF[key]
    raise cell_error("invalid_gender")


_YES = {"yes", "y", "true", "1", "ใช่", "ยินยอม", "ได้", "รับ", "ตกลง", "✓", "✔", "/", "x"}
_NO = {"no", "n", "false", "0", "ไม่", "ไม่ใช่", "ไม่ยินยอม", "ไม่ได้", "ไม่รับ", "ถอน", "-"}


def parse_yes_no(text: str) -> bool:
    key = clean_text(text).lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise cell_error("invalid_yes_no")


@lru_cache(maxsize=2048)
def province_name(text: str) -> str:
    """The canonical Thai province name (``Bangkok``, ``กทม`` → ``กรุงเทพมหานคร``); text that is not
    a province is kept as typed (cleaned), since a province is descriptive, not an identity."""
    value = clean_text(text)
    if not value:
        return ""
    try:
        return address_validate(province=value).province or value[:100]
    except ApplicationError:
        return value[:100]
