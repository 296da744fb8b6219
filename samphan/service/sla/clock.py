"""Business-time arithmetic on a Thai shop's calendar. Pure: no database, no settings.

CONTRACT for callers (the tickets code builds on exactly these names):

    from samphan.service.sla.clock import (
        Calendar, add_business_minutes, add_business_time, business_minutes_between,
        business_time_between, due_with_pauses, elapsed_with_pauses, is_open, next_open,
    )
    from samphan.service.sla.selectors import calendar_for, policy_for, sla_for

    calendar_for(*, workspace: Workspace | int, branch: Branch | int | None = None) -> Calendar
        the branch's own calendar, else the workspace default calendar, else the built-in
        DEFAULT_CALENDAR (Mon-Sat 09:00-12:00 and 13:00-18:00, Thai holidays). A pure read:
        it never creates rows (services.calendar_ensure_default stores the default).
    policy_for(*, workspace, ticket_type: str, priority: str) -> SlaPolicy | None
        most specific wins: type+priority > type only > priority only > any/any.
        SlaPolicy has .first_response_minutes, .resolution_minutes, .escalate, .calendar_id.
        Types and priorities: samphan.service.sla.models.TicketType / Priority (TextChoices:
        question, problem, complaint, return_refund, request, compliment / low, normal, high,
        urgent); a policy stores "any" (models.ANY) for "every type/priority".
    calendar_for_policy(*, policy: SlaPolicy, branch=None) -> Calendar
        the policy's own calendar when it names one, else calendar_for(branch).
    sla_for(*, workspace, ticket_type: str, priority: str, branch=None) -> SlaTerms | None
        both in one call: SlaTerms(policy_id, first_response_minutes, resolution_minutes,
        escalate, calendar: Calendar).

    add_business_minutes(cal: Calendar, start: datetime, minutes: int) -> datetime
    add_business_time(cal: Calendar, start: datetime, delta: timedelta) -> datetime
    business_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta
    business_minutes_between(cal: Calendar, start: datetime, end: datetime) -> int
    is_open(cal: Calendar, at: datetime) -> bool
    next_open(cal: Calendar, at: datetime) -> datetime
    due_with_pauses(cal, start, minutes: int,
                    pauses: Sequence[tuple[datetime, datetime | None]]) -> datetime | None
    elapsed_with_pauses(cal, start, now,
                        pauses: Sequence[tuple[datetime, datetime | None]]) -> timedelta

Rules:
- Every datetime argument must be timezone-aware (ValueError otherwise); any zone is accepted and
  every returned datetime is in Asia/Bangkok (+07:00; Thailand has no daylight saving).
- Business time is measured exactly (timedelta, microseconds). ``business_minutes_between``
  is the whole minutes of ``business_time_between``, truncated toward zero, and is
  antisymmetric: between(a, b) == -between(b, a) (negative when end is before start, which is
  handy for "overdue by").
- Open periods are half-open [opening, closing): at exactly closing time the shop is closed.
  A target that ends exactly at closing time is due AT closing, not at the next opening.
  A start outside business hours begins counting at the next opening. Adding 0 minutes
  returns the start unchanged.
- ``always_open`` is a true 24/7: time is plain elapsed time, no gap at midnight, and holidays
  and closed days are ignored. On other calendars a slot ending at 24:00 followed by a slot
  starting at 00:00 the next day is also continuous.
- Closed: the calendar's own closed dates, plus Thai public holidays (from the ``holidays``
  package, substitution days included) when ``use_thai_holidays``.
- Pauses (e.g. waiting on the customer) do not count. ``due_with_pauses`` returns None while a
  pause is open (end None) and the target was not already reached before it began. Pauses may
  overlap or be unsorted; parts before ``start`` are ignored.
- A calendar with no open time at all within ~10 years raises ValueError (services refuse to
  save such a calendar, so callers only see this with hand-built values).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

BANGKOK = ZoneInfo("Asia/Bangkok")
MINUTES_PER_DAY = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ZERO = timedelta(0)
_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
# How far to look for the next open minute before calling a calendar "never open".
_HORIZON_DAYS = 3660

Slot = tuple[int, int]  # (start minute of day, end minute of day), 0 <= start < end <= 1440


def parse_hhmm(value: str, *, allow_24: bool = False) -> int:
    """'09:30' -> 570. '24:00' (only with allow_24) -> 1440, meaning midnight at the day's end."""
    text = value.strip()
    hours_text, sep, minutes_text = text.partition(":")
    if (
        not sep
        or not (1 <= len(hours_text) <= 2 and hours_text.isdigit())
        or not (len(minutes_text) == 2 and minutes_text.isdigit())
    ):
        raise ValueError(f"not a time of day (HH:MM): {value!r}")
    hours, minutes = int(hours_text), int(minutes_text)
    total = hours * 60 + minutes
    if minutes >= 60 or total > MINUTES_PER_DAY or (total == MINUTES_PER_DAY and not allow_24):
        raise ValueError(f"not a time of day (HH:MM): {value!r}")
    return total


def format_hhmm(minute: int) -> str:
    """570 -> '09:30'; 1440 -> '24:00'."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _normalise_day(day: Iterable[Sequence[int]]) -> tuple[Slot, ...]:
    pairs = sorted((int(s), int(e)) for s, e in day)
    merged: list[list[int]] = []
    for start, end in pairs:
        if not 0 <= start < end <= MINUTES_PER_DAY:
            raise ValueError(f"slot must satisfy 0 <= start < end <= 1440: {(start, end)}")
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


@dataclass(frozen=True)
class Calendar:
    """A weekly timetable in Asia/Bangkok local time.

    ``slots[weekday]`` (0 = Monday … 6 = Sunday) holds the open periods of that weekday as
    (start minute, end minute) pairs, end exclusive, 1440 meaning 24:00. Overlapping or touching
    slots are merged. ``closed_dates`` are the shop's own closed days.
    """

    slots: tuple[tuple[Slot, ...], ...] = ((),) * 7
    closed_dates: frozenset[date] = frozenset()
    use_thai_holidays: bool = True
    always_open: bool = False
    week_minutes: int = field(init=False, default=0, compare=False)  # open minutes a week
    _year_cache: dict[int, tuple[date, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if len(self.slots) != 7:
            raise ValueError("slots needs one entry per weekday (7)")
        object.__setattr__(self, "slots", tuple(_normalise_day(day) for day in self.slots))
        object.__setattr__(self, "closed_dates", frozenset(self.closed_dates))
        week = sum(e - s for day in self.slots for s, e in day)
        object.__setattr__(self, "week_minutes", week)

    @classmethod
    def from_hours(
        cls,
        hours: Mapping[int | str, Iterable[tuple[str, str]]],
        *,
        closed_dates: Iterable[date] = (),
        use_thai_holidays: bool = True,
        always_open: bool = False,
    ) -> Calendar:
        """Readable constructor: ``{"mon": [("09:00", "12:00"), ("13:00", "18:00")], 5: […]}``."""
        days: list[list[Slot]] = [[] for _ in range(7)]
        for key, periods in hours.items():
            index = WEEKDAYS.index(key) if isinstance(key, str) else int(key)
            for start, end in periods:
                days[index].append((parse_hhmm(start), parse_hhmm(end, allow_24=True)))
        return cls(
            slots=tuple(tuple(d) for d in days),
            closed_dates=frozenset(closed_dates),
            use_thai_holidays=use_thai_holidays,
            always_open=always_open,
        )

    def closed_in_year(self, year: int) -> tuple[date, ...]:
        """Sorted closed dates of one year (own closed days + Thai holidays when used)."""
        cached = self._year_cache.get(year)
        if cached is None:
            days = {d for d in self.closed_dates if d.year == year}
            if self.use_thai_holidays:
                days |= thai_holiday_dates(year)
            cached = tuple(sorted(days))
            self._year_cache[year] = cached
        return cached

    def is_closed_date(self, day: date) -> bool:
        if day in self.closed_dates:
            return True
        return self.use_thai_holidays and day in thai_holiday_dates(day.year)

    def day_slots(self, day: date) -> tuple[Slot, ...]:
        """Open periods of one calendar date (none on a closed day or holiday)."""
        if self.always_open:
            return ((0, MINUTES_PER_DAY),)
        if self.is_closed_date(day):
            return ()
        return self.slots[day.weekday()]

    def _open_minutes_in_week(self, first: date) -> int:
        """Open minutes of the seven days from ``first``, closed days taken out."""
        total = self.week_minutes
        last = _add_days(first, 6)
        for year in range(first.year, last.year + 1):
            days = self.closed_in_year(year)
            i = bisect.bisect_left(days, first)
            while i < len(days) and days[i] <= last:
                total -= sum(e - s for s, e in self.slots[days[i].weekday()])
                i += 1
        return total


DEFAULT_CALENDAR = Calendar.from_hours(
    {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in WEEKDAYS[:6]}
)
ALWAYS_OPEN = Calendar(always_open=True, use_thai_holidays=False)


# ---- Thai public holidays -------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _thai_holidays(year: int, language: str) -> Mapping[date, str]:
    if not 1 <= year <= 9999:
        return MappingProxyType({})
    return MappingProxyType(dict(holidays.Thailand(years=year, language=language)))


def thai_holidays(year: int, *, language: str = "en_US") -> Mapping[date, str]:
    """Thai public holidays of a year, substitution ("in lieu") days included.

    ``language`` is "th" or "en_US" (the names); the dates are the same.
    """
    return _thai_holidays(year, "th" if language.startswith("th") else "en_US")


@functools.lru_cache(maxsize=512)
def thai_holiday_dates(year: int) -> frozenset[date]:
    return frozenset(thai_holidays(year))


def thai_holidays_between(
    first: date, last: date, *, language: str = "en_US"
) -> list[tuple[date, str]]:
    """Thai public holidays in [first, last], in date order."""
    out: list[tuple[date, str]] = []
    for year in range(first.year, last.year + 1):
        out.extend((d, n) for d, n in thai_holidays(year, language=language).items())
    return sorted((d, n) for d, n in out if first <= d <= last)


# ---- arithmetic ------------------------------------------------------------------------------


def _local(at: datetime, name: str = "datetime") -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return at.astimezone(BANGKOK)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BANGKOK)


def _add_days(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise ValueError("date out of range") from None


def _next_day(day: date) -> date:
    return _add_days(day, 1)


def _slot_bounds(slot: Slot) -> tuple[timedelta, timedelta]:
    return timedelta(minutes=slot[0]), timedelta(minutes=slot[1])


def _overlap(cal: Calendar, day: date, lo: timedelta, hi: timedelta) -> timedelta:
    """Open time of ``day`` within [lo, hi] (offsets from that day's midnight)."""
    total = _ZERO
    for slot in cal.day_slots(day):
        s, e = _slot_bounds(slot)
        a, b = max(s, lo), min(e, hi)
        if b > a:
            total += b - a
    return total


def is_open(cal: Calendar, at: datetime) -> bool:
    """Whether the shop is open at ``at`` (open at opening time, closed at closing time)."""
    local = _local(at)
    if cal.always_open:
        return True
    offset = local - _midnight(local.date())
    return any(s <= offset < e for s, e in map(_slot_bounds, cal.day_slots(local.date())))


def next_open(cal: Calendar, at: datetime) -> datetime:
    """``at`` itself when open, else the next opening time (Asia/Bangkok)."""
    local = _local(at)
    if cal.always_open:
        return local
    day = local.date()
    offset = local - _midnight(day)
    for _ in range(_HORIZON_DAYS):
        for slot in cal.day_slots(day):
            s, e = _slot_bounds(slot)
            if offset < e:
                return local if day == local.date() and s <= offset else _midnight(day) + s
        day = _next_day(day)
        offset = _ZERO
    raise ValueError("the calendar is never open")


def add_business_time(cal: Calendar, start: datetime, delta: timedelta) -> datetime:
    """The moment when ``delta`` of open time has passed since ``start``."""
    local = _local(start, "start")
    if delta < _ZERO:
        raise ValueError("delta must not be negative")
    if delta == _ZERO:
        return local
    if cal.always_open:
        try:
            return local + delta
        except OverflowError:
            raise ValueError("date out of range") from None
    week = timedelta(minutes=cal.week_minutes)
    if not week:
        raise ValueError("the calendar is never open")
    remaining = delta
    day = local.date()
    offset = local - _midnight(day)
    idle_days = 0
    while True:
        if offset == _ZERO and remaining > week:
            # Skip a whole week at once (closed days in it subtracted) while the target is beyond.
            this_week = timedelta(minutes=cal._open_minutes_in_week(day))
            if remaining > this_week:
                remaining -= this_week
                day = _add_days(day, 7)
                idle_days = 0 if this_week else idle_days + 7
                if idle_days > _HORIZON_DAYS:
                    raise ValueError("the calendar is never open")
                continue
        used = False
        for slot in cal.day_slots(day):
            s, e = _slot_bounds(slot)
            if e <= offset:
                continue
            begin = max(s, offset)
            available = e - begin
            used = True
            if remaining <= available:
                return _midnight(day) + begin + remaining
            remaining -= available
        idle_days = 0 if used else idle_days + 1
        if idle_days > _HORIZON_DAYS:
            raise ValueError("the calendar is never open")
        day = _next_day(day)
        offset = _ZERO


def add_business_minutes(cal: Calendar, start: datetime, minutes: int) -> datetime:
    """``start`` plus ``minutes`` of business time; due AT closing when it ends exactly there."""
    return add_business_time(cal, start, timedelta(minutes=minutes))


def business_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """Open time between two moments, exact; negative when ``end`` is before ``start``."""
    a, b = _local(start, "start"), _local(end, "end")
    if b < a:
        return -business_time_between(cal, b, a)
    if cal.always_open:
        return b - a
    first, last = a.date(), b.date()
    ta, tb = a - _midnight(first), b - _midnight(last)
    if first == last:
        return _overlap(cal, first, ta, tb)
    total = _overlap(cal, first, ta, _DAY) + _overlap(cal, last, _ZERO, tb)
    day = first + _DAY
    while day < last:
        if (last - day).days >= 7:
            total += timedelta(minutes=cal._open_minutes_in_week(day))
            day += _WEEK
        else:
            total += _overlap(cal, day, _ZERO, _DAY)
            day += _DAY
    return total


def business_minutes_between(cal: Calendar, start: datetime, end: datetime) -> int:
    """Whole minutes of ``business_time_between``, truncated toward zero."""
    spent = business_time_between(cal, start, end)
    if spent < _ZERO:
        return -((-spent) // timedelta(minutes=1))
    return spent // timedelta(minutes=1)


# ---- pauses ----------------------------------------------------------------------------------


def _merge_pauses(
    start: datetime, pauses: Sequence[tuple[datetime, datetime | None]]
) -> list[tuple[datetime, datetime | None]]:
    """Pauses clipped to begin no earlier than ``start``, sorted, overlaps merged."""
    clipped: list[tuple[datetime, datetime | None]] = []
    for begin, end in pauses:
        b = max(_local(begin, "pause start"), start)
        e = None if end is None else _local(end, "pause end")
        if e is not None and e <= b:
            continue
        clipped.append((b, e))
    clipped.sort(key=lambda p: p[0])
    merged: list[tuple[datetime, datetime | None]] = []
    for b, e in clipped:
        if merged:
            pb, pe = merged[-1]
            if pe is None:
                break
            if b <= pe:
                merged[-1] = (pb, None if e is None else max(pe, e))
                continue
        merged.append((b, e))
    return merged


def due_with_pauses(
    cal: Calendar,
    start: datetime,
    minutes: int,
    pauses: Sequence[tuple[datetime, datetime | None]],
) -> datetime | None:
    """When ``minutes`` of business time have passed since ``start``, paused time excluded.

    None while a pause is still open (end None) and the target was not reached before it.
    """
    cursor = _local(start, "start")
    remaining = timedelta(minutes=minutes)
    for begin, end in _merge_pauses(cursor, pauses):
        if begin > cursor:
            available = business_time_between(cal, cursor, begin)
            if available >= remaining:
                return add_business_time(cal, cursor, remaining)
            remaining -= available
        if end is None:
            return None
        cursor = max(cursor, end)
    return add_business_time(cal, cursor, remaining)


def elapsed_with_pauses(
    cal: Calendar,
    start: datetime,
    now: datetime,
    pauses: Sequence[tuple[datetime, datetime | None]],
) -> timedelta:
    """Business time used between ``start`` and ``now``, paused time excluded (never negative)."""
    cursor = _local(start, "start")
    now_local = _local(now, "now")
    if now_local <= cursor:
        return _ZERO
    total = business_time_between(cal, cursor, now_local)
    for begin, end in _merge_pauses(cursor, pauses):
        if begin >= now_local:
            break
        stop = now_local if end is None else min(end, now_local)
        total -= business_time_between(cal, begin, stop)
    return total
