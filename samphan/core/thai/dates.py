"""Thai date display: Gregorian/UTC in storage, Buddhist Era (พ.ศ. = ค.ศ. + 543) on screen."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from samphan.core.display import uses_buddhist_era

BE_OFFSET = 543
THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
EN_MONTHS_SHORT = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def to_local(value: dt.datetime, tz: str = "Asia/Bangkok") -> dt.datetime:
    return value.astimezone(ZoneInfo(tz)) if value.tzinfo else value


def _era(buddhist_era: bool | None, language: str) -> bool:
    return uses_buddhist_era(language) if buddhist_era is None else buddhist_era


def shown_year(year: int, *, language: str = "th", buddhist_era: bool | None = None) -> int:
    """The year as this reader counts it: ``year`` + 543 in the Buddhist Era."""
    return year + (BE_OFFSET if _era(buddhist_era, language) else 0)


def format_date(
    value: dt.date | dt.datetime | None,
    *,
    language: str = "th",
    buddhist_era: bool | None = None,
    with_time: bool = False,
    short: bool = True,
    tz: str = "Asia/Bangkok",
) -> str:
    """``23 พ.ย. 2569`` in Thai, ``23 Nov 2026`` in English. Years are Buddhist Era or Common
    Era as ``buddhist_era`` says, else as the reader chose (``core.display``: BE in Thai and CE
    in English unless they chose otherwise)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value, tz)
    year = shown_year(value.year, language=language, buddhist_era=buddhist_era)
    if language == "th":
        months = THAI_MONTHS_SHORT if short else THAI_MONTHS
        text = f"{value.day} {months[value.month - 1]} {year}"
    else:
        text = f"{value.day} {EN_MONTHS_SHORT[value.month - 1]} {year}"
    if with_time and isinstance(value, dt.datetime):
        text += f" {value:%H:%M}"
    return text


def format_month(
    year: int, month: int, *, language: str = "th", buddhist_era: bool | None = None
) -> str:
    shown = shown_year(year, language=language, buddhist_era=buddhist_era)
    if language == "th":
        return f"{THAI_MONTHS_SHORT[month - 1]} {str(shown)[-2:]}"
    return f"{EN_MONTHS_SHORT[month - 1]} {str(shown)[-2:]}"


def format_numeric_date(value: dt.date | None, *, buddhist_era: bool | None = None) -> str:
    """``23/11/2569`` (BE) or ``23/11/2026`` (CE): exports and date inputs."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value)
    year = shown_year(value.year, buddhist_era=buddhist_era)
    return f"{value.day:02d}/{value.month:02d}/{year}"


def parse_numeric_date(text: str) -> dt.date | None:
    """A date typed as ``23/11/2569`` or ``23/11/2026`` (a year past 2400 is Buddhist Era) or
    as ``2026-11-23`` (what a browser's date picker sends); None when it is no date."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if "-" in text and text[:4].isdigit():
            year, month, day = (int(p) for p in text.split("-"))
        else:
            day, month, year = (int(p) for p in text.replace(".", "/").split("/"))
        if year > 2400:
            year -= BE_OFFSET
        return dt.date(year, month, day)
    except ValueError:
        return None
