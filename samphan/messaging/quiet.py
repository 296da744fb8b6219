"""Quiet hours (เวลางดส่ง): the part of each Bangkok day when campaigns do not send. A window
whose start is after its end runs across midnight (21:00–08:00 is the default)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")


def is_quiet(local: dt.time, start: dt.time, end: dt.time) -> bool:
    if start == end:
        return False  # no quiet hours
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_allowed(
    moment: dt.datetime, start: dt.time, end: dt.time, tz: dt.tzinfo = BANGKOK
) -> dt.datetime:
    """``moment`` if it is outside quiet hours, else the end of the quiet hours it falls in
    (in the same timezone-aware form)."""
    local = moment.astimezone(tz)
    if not is_quiet(local.time(), start, end):
        return moment
    day = local.date()
    if start > end and local.time() >= start:
        day += dt.timedelta(days=1)  # late evening: the quiet hours end tomorrow morning
    return dt.datetime.combine(day, end, tzinfo=tz).astimezone(moment.tzinfo or dt.UTC)
