"""The business clock: concrete cases (closing time, lunch, weekends, Songkran, substitution
days, 24/7 over midnight, pauses) and hypothesis properties against a minute-by-minute oracle."""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from samphan.service.sla import clock
from samphan.service.sla.clock import (
    ALWAYS_OPEN,
    BANGKOK,
    DEFAULT_CALENDAR,
    Calendar,
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    business_time_between,
    due_with_pauses,
    elapsed_with_pauses,
    is_open,
    next_open,
    parse_hhmm,
    thai_holiday_dates,
)

UTC = dt.UTC
US = timedelta(microseconds=1)


def bkk(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=BANGKOK)


# ---- concrete cases --------------------------------------------------------------------------


def test_friday_evening_rolls_to_saturday_morning() -> None:
    # Fri 2025-04-11 17:30 + 60: 30 minutes Friday, 30 from Saturday's 09:00 opening.
    assert add_business_minutes(DEFAULT_CALENDAR, bkk(2025, 4, 11, 17, 30), 60) == bkk(
        2025, 4, 12, 9, 30
    )


def test_due_exactly_at_closing_is_at_closing() -> None:
    due = add_business_minutes(DEFAULT_CALENDAR, bkk(2025, 4, 11, 17, 30), 30)
    assert due == bkk(2025, 4, 11, 18, 0)
    assert not is_open(DEFAULT_CALENDAR, due)  # closed at closing time, yet due then
    # Before lunch too: 11:00 + 60 is due at 12:00, not at 13:00.
    assert add_business_minutes(DEFAULT_CALENDAR, bkk(2025, 3, 3, 11), 60) == bkk(2025, 3, 3, 12)


def test_lunch_break_and_weekend() -> None:
    assert add_business_minutes(DEFAULT_CALENDAR, bkk(2025, 3, 3, 11, 30), 60) == bkk(
        2025, 3, 3, 13, 30
    )
    # Saturday 17:00 + 120: one hour Saturday, Sunday closed, one hour Monday.
    assert add_business_minutes(DEFAULT_CALENDAR, bkk(2025, 3, 8, 17), 120) == bkk(2025, 3, 10, 10)


def test_start_outside_hours_begins_at_next_opening() -> None:
    # Sunday 10:00 → Monday 09:00 opening.
    assert add_business_minutes(DEFAULT_CALENDAR, bkk(2025, 3, 9, 10), 30) == bkk(
        2025, 3, 10, 9, 30
    )
    # During lunch → 13:00.
    assert add_business_minutes(DEFAULT_CALENDAR, bkk(2025, 3, 10, 12, 15), 15) == bkk(
        2025, 3, 10, 13, 15
    )
    # 03:00 at night → 09:00.
    assert next_open(DEFAULT_CALENDAR, bkk(2025, 3, 10, 3)) == bkk(2025, 3, 10, 9)
    assert next_open(DEFAULT_CALENDAR, bkk(2025, 3, 10, 9, 5)) == bkk(2025, 3, 10, 9, 5)


def test_songkran_2025_with_its_substitution_day() -> None:
    days = thai_holiday_dates(2025)
    # 13–15 April, and the 16th in lieu of the 13th (a Sunday).
    assert {date(2025, 4, d) for d in (13, 14, 15, 16)} <= days
    # Saturday 12 April 17:00 + 120: 60 on Saturday, then closed Sun–Wed, 60 on Thursday 17.
    assert add_business_minutes(DEFAULT_CALENDAR, bkk(2025, 4, 12, 17), 120) == bkk(2025, 4, 17, 10)
    # A shop open on holidays counts them.
    no_holidays = Calendar(slots=DEFAULT_CALENDAR.slots, use_thai_holidays=False)
    assert add_business_minutes(no_holidays, bkk(2025, 4, 12, 17), 120) == bkk(2025, 4, 14, 10)


def test_substitution_days_2025_and_2026() -> None:
    assert date(2025, 4, 7) in thai_holiday_dates(2025)  # Chakri Day (Sun 6th) in lieu
    assert date(2025, 5, 12) in thai_holiday_dates(2025)  # Visakha Bucha (Sun 11th) in lieu
    assert date(2026, 6, 1) in thai_holiday_dates(2026)  # Visakha Bucha (Sun 31 May) in lieu
    assert date(2026, 12, 7) in thai_holiday_dates(2026)  # 5 December (a Saturday) in lieu
    # Saturday 30 May 2026 17:30 + 60: 30 on Saturday, Sunday shut, Monday 1 June is the
    # substitution day, so the rest is Tuesday 2 June 09:00–09:30.
    assert add_business_minutes(DEFAULT_CALENDAR, bkk(2026, 5, 30, 17, 30), 60) == bkk(
        2026, 6, 2, 9, 30
    )
    assert not is_open(DEFAULT_CALENDAR, bkk(2026, 6, 1, 10))
    assert next_open(DEFAULT_CALENDAR, bkk(2026, 6, 1, 10)) == bkk(2026, 6, 2, 9)


def test_own_closed_days() -> None:
    cal = Calendar(slots=DEFAULT_CALENDAR.slots, closed_dates=frozenset({date(2025, 3, 11)}))
    assert add_business_minutes(cal, bkk(2025, 3, 10, 17, 30), 60) == bkk(2025, 3, 12, 9, 30)


def test_always_open_is_continuous_over_midnight() -> None:
    start = bkk(2025, 4, 13, 23, 30)  # Songkran: 24/7 ignores holidays
    assert add_business_minutes(ALWAYS_OPEN, start, 60) == bkk(2025, 4, 14, 0, 30)
    assert business_minutes_between(ALWAYS_OPEN, bkk(2025, 12, 31, 23), bkk(2026, 1, 1, 1)) == 120
    assert is_open(ALWAYS_OPEN, bkk(2026, 1, 1, 0, 0))
    assert add_business_minutes(ALWAYS_OPEN, start, 10_000) == start + timedelta(minutes=10_000)


def test_slot_to_midnight_joins_next_day_from_midnight() -> None:
    night = Calendar.from_hours(
        {d: [("00:00", "02:00"), ("22:00", "24:00")] for d in clock.WEEKDAYS},
        use_thai_holidays=False,
    )
    assert add_business_minutes(night, bkk(2025, 3, 10, 23, 30), 60) == bkk(2025, 3, 11, 0, 30)
    # Exactly to midnight: due at 24:00, i.e. 00:00 next day.
    assert add_business_minutes(night, bkk(2025, 3, 10, 23, 30), 30) == bkk(2025, 3, 11)
    assert is_open(night, bkk(2025, 3, 11))
    assert business_minutes_between(night, bkk(2025, 3, 10, 23), bkk(2025, 3, 11, 1)) == 120


def test_split_shift_and_merged_slots() -> None:
    cal = Calendar.from_hours(
        {"mon": [("08:00", "10:00"), ("16:00", "20:00"), ("09:00", "11:00")]},
        use_thai_holidays=False,
    )
    assert cal.slots[0] == ((480, 660), (960, 1200))  # overlapping slots merge
    assert add_business_minutes(cal, bkk(2025, 3, 10, 10, 30), 60) == bkk(2025, 3, 10, 16, 30)
    # Next Monday when the week's hours run out.
    assert add_business_minutes(cal, bkk(2025, 3, 10, 19, 30), 60) == bkk(2025, 3, 17, 8, 30)


def test_between_is_exact_and_signed() -> None:
    a, b = bkk(2025, 3, 10, 9, 0, 30), bkk(2025, 3, 10, 13, 1)
    assert business_time_between(DEFAULT_CALENDAR, a, b) == timedelta(minutes=180, seconds=30)
    assert business_minutes_between(DEFAULT_CALENDAR, a, b) == 180
    assert business_minutes_between(DEFAULT_CALENDAR, b, a) == -180


def test_other_time_zones_are_converted() -> None:
    start_utc = datetime(2025, 4, 11, 10, 30, tzinfo=UTC)  # 17:30 in Bangkok
    due = add_business_minutes(DEFAULT_CALENDAR, start_utc, 60)
    assert due == bkk(2025, 4, 12, 9, 30)
    assert due.isoformat() == "2025-04-12T09:30:00+07:00"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        add_business_minutes(DEFAULT_CALENDAR, datetime(2025, 1, 1, 9), 10)
    with pytest.raises(ValueError):
        is_open(DEFAULT_CALENDAR, datetime(2025, 1, 1, 9))


def test_never_open_calendar_raises() -> None:
    with pytest.raises(ValueError):
        add_business_minutes(Calendar(), bkk(2025, 1, 1), 10)
    with pytest.raises(ValueError):
        next_open(Calendar(), bkk(2025, 1, 1))


def test_zero_minutes_is_the_start() -> None:
    start = bkk(2025, 3, 9, 10)  # a Sunday
    assert add_business_minutes(DEFAULT_CALENDAR, start, 0) == start


def test_large_targets_skip_whole_weeks(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real = Calendar.day_slots

    def counting(self: Calendar, day: date) -> tuple:
        nonlocal calls
        calls += 1
        return real(self, day)

    monkeypatch.setattr(Calendar, "day_slots", counting)
    start = bkk(2025, 1, 6, 9)
    due = add_business_minutes(DEFAULT_CALENDAR, start, 10_000)
    # 10,000 minutes is about 22 calendar days: whole weeks are skipped, not walked.
    assert calls < 15
    assert business_minutes_between(DEFAULT_CALENDAR, start, due) == 10_000
    calls = 0
    due = add_business_minutes(DEFAULT_CALENDAR, start, 525_600)
    assert calls < 40
    assert due.year == 2028


def test_pauses_do_not_count() -> None:
    start = bkk(2025, 3, 10, 9)  # Monday
    # 60 before the pause, paused 10:00–11:30, then 30 to lunch and 30 after.
    pauses = [(bkk(2025, 3, 10, 10), bkk(2025, 3, 10, 11, 30))]
    assert due_with_pauses(DEFAULT_CALENDAR, start, 120, pauses) == bkk(2025, 3, 10, 13, 30)
    assert elapsed_with_pauses(DEFAULT_CALENDAR, start, bkk(2025, 3, 10, 13, 30), pauses) == (
        timedelta(minutes=120)
    )
    # Still paused: no due time.
    assert due_with_pauses(DEFAULT_CALENDAR, start, 120, [(bkk(2025, 3, 10, 10), None)]) is None
    # Paused only after the target was reached: the due time stands.
    late = [(bkk(2025, 3, 10, 15), None)]
    assert due_with_pauses(DEFAULT_CALENDAR, start, 60, late) == bkk(2025, 3, 10, 10)
    # A pause overnight (outside hours) changes nothing.
    night = [(bkk(2025, 3, 10, 19), bkk(2025, 3, 11, 8))]
    assert due_with_pauses(DEFAULT_CALENDAR, bkk(2025, 3, 10, 17), 120, night) == bkk(
        2025, 3, 11, 10
    )
    # Overlapping and unsorted pauses merge; a pause before the start is clipped.
    messy = [
        (bkk(2025, 3, 10, 10, 30), bkk(2025, 3, 10, 11)),
        (bkk(2025, 3, 10, 8), bkk(2025, 3, 10, 9, 30)),
        (bkk(2025, 3, 10, 10), bkk(2025, 3, 10, 10, 45)),
    ]
    # Counted: 09:30–10:00 (30), 11:00–12:00 (60), 13:00–13:30 (30).
    assert due_with_pauses(DEFAULT_CALENDAR, start, 120, messy) == bkk(2025, 3, 10, 13, 30)


def test_thai_holiday_names_in_thai() -> None:
    names = clock.thai_holidays(2026, language="th")
    assert "สงกรานต์" in names[date(2026, 4, 13)]
    listed = clock.thai_holidays_between(date(2026, 5, 30), date(2026, 6, 4), language="th")
    assert [d for d, _n in listed] == [date(2026, 5, 31), date(2026, 6, 1), date(2026, 6, 3)]


def test_parse_hhmm() -> None:
    assert parse_hhmm("09:30") == 570
    assert parse_hhmm("24:00", allow_24=True) == 1440
    for bad in ("24:00", "9", "09:60", "25:00", "ab:cd", "-1:00", "09:5"):
        with pytest.raises(ValueError):
            parse_hhmm(bad)


# ---- properties ------------------------------------------------------------------------------

_HOLIDAY_CACHE: dict[int, set[date]] = {}


def _oracle_closed(cal: Calendar, day: date) -> bool:
    if day in cal.closed_dates:
        return True
    if not cal.use_thai_holidays:
        return False
    if day.year not in _HOLIDAY_CACHE:
        _HOLIDAY_CACHE[day.year] = set(holidays.Thailand(years=day.year))
    return day in _HOLIDAY_CACHE[day.year]


def oracle_minute_open(cal: Calendar, at: datetime) -> bool:
    """Is the minute starting at ``at`` (Bangkok, minute-aligned) open? Independent of clock."""
    if cal.always_open:
        return True
    local = at.astimezone(BANGKOK)
    if _oracle_closed(cal, local.date()):
        return False
    minute = local.hour * 60 + local.minute
    return any(s <= minute < e for s, e in cal.slots[local.weekday()])


def oracle_add(cal: Calendar, start: datetime, minutes: int) -> datetime:
    t = start
    left = minutes
    while left:
        if oracle_minute_open(cal, t):
            left -= 1
        t += timedelta(minutes=1)
    return t


_minutes_of_day = st.integers(0, 96).map(lambda q: q * 15)


@st.composite
def calendars(draw: st.DrawFn) -> Calendar:
    if draw(st.integers(0, 9)) == 0:
        return Calendar(always_open=True, use_thai_holidays=False)
    days = []
    for _ in range(7):
        slots = []
        for _ in range(draw(st.integers(0, 3))):
            a, b = sorted((draw(_minutes_of_day), draw(_minutes_of_day)))
            if a < b:
                slots.append((a, b))
        days.append(tuple(slots))
    closed = draw(
        st.frozensets(st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 6, 30)), max_size=8)
    )
    cal = Calendar(slots=tuple(days), closed_dates=closed, use_thai_holidays=draw(st.booleans()))
    assume(cal.week_minutes > 0)
    return cal


_lunch_cal = st.just(DEFAULT_CALENDAR)
any_calendar = st.one_of(_lunch_cal, calendars())

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 6, 30), timezones=st.just(BANGKOK)
)
minute_moments = moments.map(lambda d: d.replace(second=0, microsecond=0))


@settings(max_examples=150, deadline=None)
@given(any_calendar, minute_moments, st.integers(1, 2_000))
def test_add_matches_minute_by_minute_oracle(cal: Calendar, start: datetime, minutes: int) -> None:
    assert add_business_minutes(cal, start, minutes) == oracle_add(cal, start, minutes)


@settings(max_examples=300, deadline=None)
@given(any_calendar, moments, st.integers(0, 60_000))
def test_add_then_measure_round_trips(cal: Calendar, start: datetime, minutes: int) -> None:
    due = add_business_minutes(cal, start, minutes)
    assert business_time_between(cal, start, due) == timedelta(minutes=minutes)
    assert business_minutes_between(cal, start, due) == minutes
    assert due >= start
    assert due.utcoffset() == timedelta(hours=7)


@settings(max_examples=300, deadline=None)
@given(any_calendar, moments, st.integers(1, 60_000))
def test_due_is_never_inside_a_closed_period(cal: Calendar, start: datetime, minutes: int) -> None:
    due = add_business_minutes(cal, start, minutes)
    # The last instant counted was open: the due time is inside open hours or exactly at closing.
    assert is_open(cal, due - US)
    if not is_open(cal, due):
        # Exactly at closing: one microsecond earlier was open, so `due` is a closing time.
        local = due.astimezone(BANGKOK)
        minute = local.hour * 60 + local.minute
        day_slots = cal.day_slots(local.date() - timedelta(days=1 if minute == 0 else 0))
        assert local.second == local.microsecond == 0
        assert any(e == (minute or 1440) for _s, e in day_slots)


@settings(max_examples=200, deadline=None)
@given(any_calendar, moments, st.integers(0, 30_000), st.integers(0, 30_000))
def test_add_is_monotonic_in_minutes(cal: Calendar, start: datetime, m1: int, m2: int) -> None:
    lo, hi = sorted((m1, m2))
    assert add_business_minutes(cal, start, lo) <= add_business_minutes(cal, start, hi)


@settings(max_examples=200, deadline=None)
@given(any_calendar, moments, moments, st.integers(1, 30_000))
def test_add_is_monotonic_in_start(cal: Calendar, a: datetime, b: datetime, m: int) -> None:
    lo, hi = sorted((a, b))
    assert add_business_minutes(cal, lo, m) <= add_business_minutes(cal, hi, m)


@settings(max_examples=200, deadline=None)
@given(any_calendar, moments, moments, moments)
def test_between_is_additive_and_bounded(
    cal: Calendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    ab, bc = business_time_between(cal, a, b), business_time_between(cal, b, c)
    assert ab + bc == business_time_between(cal, a, c)
    assert timedelta(0) <= ab <= b - a
    assert business_time_between(cal, b, a) == -ab
    if cal.always_open:
        assert ab == b - a


@settings(max_examples=200, deadline=None)
@given(any_calendar, moments)
def test_next_open_is_open_and_nothing_is_skipped(cal: Calendar, at: datetime) -> None:
    opening = next_open(cal, at)
    assert opening >= at
    assert is_open(cal, opening)
    assert business_time_between(cal, at, opening) == timedelta(0)
    assert is_open(cal, at) == (opening == at)


@settings(max_examples=150, deadline=None)
@given(
    any_calendar,
    moments,
    st.integers(1, 20_000),
    st.lists(
        st.tuples(moments, st.integers(1, 5 * 24 * 60)).map(
            lambda p: (p[0], p[0] + timedelta(minutes=p[1]))
        ),
        max_size=4,
    ),
)
def test_pauses_only_delay_and_are_not_counted(
    cal: Calendar, start: datetime, minutes: int, pauses: list[tuple[datetime, datetime]]
) -> None:
    plain = add_business_minutes(cal, start, minutes)
    due = due_with_pauses(cal, start, minutes, pauses)
    assert due is not None and due >= plain
    assert elapsed_with_pauses(cal, start, due, pauses) == timedelta(minutes=minutes)
    assert due_with_pauses(cal, start, minutes, []) == plain


@settings(max_examples=100, deadline=None)
@given(any_calendar, moments, st.integers(1, 20_000), moments)
def test_open_pause_means_no_due_unless_already_reached(
    cal: Calendar, start: datetime, minutes: int, paused_at: datetime
) -> None:
    plain = add_business_minutes(cal, start, minutes)
    due = due_with_pauses(cal, start, minutes, [(paused_at, None)])
    if max(paused_at, start) >= plain:
        assert due == plain
    else:
        assert due is None


@settings(max_examples=100, deadline=None)
@given(moments, st.integers(0, 100_000))
def test_always_open_is_plain_elapsed_time(start: datetime, minutes: int) -> None:
    due = add_business_minutes(ALWAYS_OPEN, start, minutes)
    assert due == start + timedelta(minutes=minutes)
    assert is_open(ALWAYS_OPEN, start.replace(hour=0, minute=0, second=0, microsecond=0))


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)))
def test_no_business_time_on_thai_holidays(day: date) -> None:
    start = datetime.combine(day, dt.time(0), tzinfo=BANGKOK)
    in_day = business_time_between(DEFAULT_CALENDAR, start, start + timedelta(days=1))
    if day in holidays.Thailand(years=day.year) or day.weekday() == 6:
        assert in_day == timedelta(0)
    else:
        assert in_day == timedelta(hours=8)


def test_add_business_time_refuses_negative() -> None:
    with pytest.raises(ValueError):
        add_business_time(DEFAULT_CALENDAR, bkk(2025, 1, 6, 9), timedelta(minutes=-1))
