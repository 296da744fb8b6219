"""Thai date display: Gregorian/UTC in storage, Buddhist Era (พ.ศ. = ค.ศ. + 543) on screen."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

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


def format_date(
    value: dt.date | dt.datetime | None,
    *,
    language: str = "th",
    buddhist_era: bool = True,
    with_time: bool = False,
    short: bool = True,
    tz: str = "Asia/Bangkok",
) -> str:
    """``23 พ.ย. 2569`` in Thai with BE years; ``23 Nov 2026`` in English."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value, tz)
    if language == "th":
        months = THAI_MONTHS_SHORT if short else THAI_MONTHS
        year = value.year + (BE_OFFSET if buddhist_era else 0)
        text = f"{value.day} {months[value.month - 1]} {year}"
    else:
        text = f"{value.day} {EN_MONTHS_SHORT[value.month - 1]} {value.year}"
    if with_time and isinstance(value, dt.datetime):
        text += f" {value:%H:%M}"
    return text


def format_month(year: int, month: int, *, language: str = "th", buddhist_era: bool = True) -> str:
    if language == "th":
        shown = year + BE_OFFSET if buddhist_era else year
        return f"{THAI_MONTHS_SHORT[month - 1]} {str(shown)[-2:]}"
    return f"{EN_MONTHS_SHORT[month - 1]} {str(year)[-2:]}"
