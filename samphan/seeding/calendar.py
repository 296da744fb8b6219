"""The shop's calendar over the seeded window: campaign days, paydays and day weights.

All times are integer seconds since the epoch (UTC); days are Bangkok local days (UTC+7, no
daylight saving), numbered from the first day of the window.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np

from samphan.seeding import data

BANGKOK_OFFSET = 7 * 3600
DAY = 86400

# Day-weight multipliers: "mild" for everyday buyers, "promo" for the deal hunters.
_MILD = {
    data.CAMPAIGN_DOUBLE_DAY: 1.3,
    data.CAMPAIGN_99: 1.6,
    data.CAMPAIGN_1111: 2.2,
    data.CAMPAIGN_1212: 1.9,
    data.CAMPAIGN_SONGKRAN: 1.4,
    data.CAMPAIGN_NEW_YEAR: 1.5,
    data.CAMPAIGN_PAYDAY: 1.3,
}
_PROMO_BASE = 0.12
_PROMO = {
    data.CAMPAIGN_DOUBLE_DAY: 2.5,
    data.CAMPAIGN_99: 4.0,
    data.CAMPAIGN_1111: 6.5,
    data.CAMPAIGN_1212: 5.5,
    data.CAMPAIGN_SONGKRAN: 3.0,
    data.CAMPAIGN_NEW_YEAR: 3.0,
    data.CAMPAIGN_PAYDAY: 1.5,
}


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same wall-clock time ``months`` calendar months earlier (day clamped to the month)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, _calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class ShopCalendar:
    start: int  # first second of the window (UTC epoch seconds)
    end: int  # last second of the window
    days: int  # number of local days touched by the window
    day_start: np.ndarray  # int64[days]: UTC epoch second of each local midnight
    campaign: np.ndarray  # int8[days]: data.CAMPAIGN_* of each day
    weekend: np.ndarray  # bool[days]
    cum_mild: np.ndarray  # float64[days + 1]: cumulative everyday weights
    cum_promo: np.ndarray  # float64[days + 1]: cumulative deal-hunter weights

    def day_of(self, seconds: np.ndarray) -> np.ndarray:
        """Local day index (0-based in the window) of UTC epoch seconds."""
        first = (self.start + BANGKOK_OFFSET) // DAY
        result: np.ndarray = (seconds + BANGKOK_OFFSET) // DAY - first
        return result


def build_calendar(end: dt.datetime, months: int) -> ShopCalendar:
    if end.tzinfo is None:
        raise ValueError("end must be timezone-aware")
    end_s = int(end.timestamp())
    start_s = int(months_before(end.astimezone(dt.UTC), months).timestamp())
    first = (start_s + BANGKOK_OFFSET) // DAY
    last = (end_s + BANGKOK_OFFSET) // DAY
    local_days = np.arange(first, last + 1, dtype=np.int64)
    n = len(local_days)
    day_start = local_days * DAY - BANGKOK_OFFSET

    as_date = local_days.astype("datetime64[D]")
    month_start = as_date.astype("datetime64[M]")
    month = (month_start.astype(np.int64) % 12 + 1).astype(np.int64)
    dom = (as_date - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    next_month = (month_start + 1).astype("datetime64[D]")
    days_in_month = (next_month - month_start.astype("datetime64[D]")).astype(np.int64)
    weekday = (local_days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0

    campaign = np.zeros(n, dtype=np.int8)
    payday = (dom > days_in_month - 4) | (dom == 1)
    campaign[payday] = data.CAMPAIGN_PAYDAY
    campaign[month == dom] = data.CAMPAIGN_DOUBLE_DAY
    campaign[(month == 9) & (dom == 9)] = data.CAMPAIGN_99
    campaign[(month == 11) & (dom == 11)] = data.CAMPAIGN_1111
    campaign[(month == 12) & (dom == 12)] = data.CAMPAIGN_1212
    campaign[(month == 4) & (dom >= 13) & (dom <= 15)] = data.CAMPAIGN_SONGKRAN
    new_year = ((month == 12) & (dom >= 30)) | ((month == 1) & (dom <= 2))
    campaign[new_year] = data.CAMPAIGN_NEW_YEAR

    weekend = weekday >= 5
    mild = np.ones(n) * np.where(weekend, 1.15, 1.0)
    promo = np.full(n, _PROMO_BASE)
    for code, factor in _MILD.items():
        mild[campaign == code] *= factor
    for code, factor in _PROMO.items():
        promo[campaign == code] = factor
    # The first and last days are partial: weigh them by the share of the day in the window.
    share_first = 1.0 - (start_s - day_start[0]) / DAY
    share_last = (end_s - day_start[-1] + 1) / DAY
    for weights in (mild, promo):
        weights[0] *= share_first
        weights[-1] *= share_last
    return ShopCalendar(
        start=start_s,
        end=end_s,
        days=n,
        day_start=day_start,
        campaign=campaign,
        weekend=weekend,
        cum_mild=np.concatenate([[0.0], np.cumsum(mild)]),
        cum_promo=np.concatenate([[0.0], np.cumsum(promo)]),
    )
