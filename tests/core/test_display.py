"""Years, money and times as a reader sees them: one choice per member (years) and per shop
(money), relative times with the full date on hover."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from samphan.core.display import Display, display_override, uses_buddhist_era
from samphan.core.money import format_baht, format_baht_range
from samphan.core.templatetags.samphan import relative_time
from samphan.core.thai.dates import format_date, format_numeric_date, parse_numeric_date

NOW = dt.datetime(2026, 12, 6, 8, 0, tzinfo=dt.UTC)  # 15:00 in Bangkok


def _render(text: str, **context: object) -> str:
    return Template("{% load samphan %}" + text).render(Context(context))


@pytest.mark.parametrize(
    ("language", "style", "expected"),
    [
        ("th", "auto", True),
        ("en", "auto", False),
        ("th", "ce", False),
        ("en", "be", True),
    ],
)
def test_years_are_the_readers_choice(language: str, style: str, expected: bool) -> None:
    with translation.override(language), display_override(Display(year_style=style)):
        assert uses_buddhist_era() is expected
        year = format_date(dt.date(2026, 11, 23), language=language).split()[-1]
        assert year == ("2569" if expected else "2026")


def test_money_follows_the_shop() -> None:
    assert format_baht(105000) == "฿1,050.00"
    with display_override(Display(money_decimals=False)):
        assert format_baht(105000) == "฿1,050"
        assert _render("{{ v|baht }} {{ v|baht0 }}", v=105050) == "฿1,051 ฿1,051"
    assert _render("{{ v|baht }} {{ v|baht0 }}", v=105050) == "฿1,050.50 ฿1,050.50"
    assert format_baht(-5000) == "−฿50.00"


def test_a_range_is_formatted_at_both_ends() -> None:
    assert format_baht_range(1050, 2000) == "฿10.50–฿20.00"
    assert format_baht_range(2000, 2000) == "฿20.00"
    assert _render("{% bahtrange a b %}", a=1050, b=2000) == "฿10.50–฿20.00"


def test_numeric_dates_round_trip_in_either_era() -> None:
    day = dt.date(2026, 11, 23)
    with display_override(Display(year_style="be")):
        assert format_numeric_date(day) == "23/11/2569"
    with display_override(Display(year_style="ce")):
        assert format_numeric_date(day) == "23/11/2026"
    for text in ("23/11/2569", "23/11/2026", "2026-11-23"):
        assert parse_numeric_date(text) == day
    assert parse_numeric_date("31/02/2569") is None
    assert parse_numeric_date("soon") is None


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (dt.timedelta(seconds=20), "just now"),
        (dt.timedelta(minutes=5), "5 minutes ago"),
        (dt.timedelta(hours=3), "3 hours ago"),
        (dt.timedelta(days=1, hours=2), "1 day ago"),
        (dt.timedelta(days=45), "1 month ago"),
        (dt.timedelta(days=800), "2 years ago"),
        (-dt.timedelta(hours=2), "in 2 hours"),
    ],
)
def test_relative_times(ago: dt.timedelta, expected: str) -> None:
    with translation.override("en"):
        assert relative_time(NOW - ago, now=NOW) == expected


def test_reltime_shows_the_full_bangkok_date_on_hover() -> None:
    at = dt.datetime(2026, 12, 5, 20, 30, tzinfo=dt.UTC)  # 03:30 on 6 Dec in Bangkok
    with translation.override("th"):
        html = _render("{% reltime at %}", at=at)
    assert 'datetime="2026-12-06T03:30:00+07:00"' in html
    assert 'title="6 ธ.ค. 2569 03:30"' in html
    assert html.startswith("<time ") and html.endswith("</time>")
    with translation.override("en"), display_override(Display(year_style="auto")):
        assert 'title="6 Dec 2026 03:30"' in _render("{% reltime at %}", at=at)
    assert _render("{% reltime at %}", at=None) == ""
