"""The dates a shop's records may carry: sales, interactions and consents happen from 2000 to the
end of next year; follow-ups fall due up to ten years ahead. A year written in the Buddhist Era
(พ.ศ. 2568) is read as the Common Era year (ค.ศ. 2025). Anything else (year 1, year 9999) is a
typing mistake, and far enough out of range to overflow the time zone arithmetic."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.errors import ApplicationError
from samphan.core.thai.dates import BE_OFFSET

EARLIEST_YEAR = 2000
DUE_YEARS_AHEAD = 10


def latest_event_year() -> int:
    return timezone.localdate().year + 1


def latest_due_year() -> int:
    return timezone.localdate().year + DUE_YEARS_AHEAD


def event_time(value: dt.datetime, *, field: str) -> dt.datetime:
    """``value`` if its year is 2000 to next year, or the same moment of a Buddhist-Era year in
    that range moved back 543 years; ``date_out_of_range`` (422) otherwise."""
    return _within(value, field=field, latest=latest_event_year())


def due_time(value: dt.datetime, *, field: str) -> dt.datetime:
    """Like ``event_time``, for a due date: up to ten years ahead."""
    return _within(value, field=field, latest=latest_due_year())


def _within(value: dt.datetime, *, field: str, latest: int) -> dt.datetime:
    year = value.year
    if EARLIEST_YEAR + BE_OFFSET <= year <= latest + BE_OFFSET:
        try:
            value = value.replace(year=year - BE_OFFSET)
        except ValueError:  # 29 February of a year that is leap in one era only
            raise _out_of_range(field, latest) from None
    if not EARLIEST_YEAR <= value.year <= latest:
        raise _out_of_range(field, latest)
    return value


def _out_of_range(field: str, latest: int) -> ApplicationError:
    return ApplicationError(
        "date_out_of_range",
        _("Enter a date from %(earliest)s to %(latest)s (Buddhist-Era years are converted).")
        % {"earliest": EARLIEST_YEAR, "latest": latest},
        {"field": field, "earliest": f"{EARLIEST_YEAR}-01-01", "latest": f"{latest}-12-31"},
        status=422,
    )
