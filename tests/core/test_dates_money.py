import datetime as dt
from decimal import Decimal

from samphan.core.money import baht_to_satang, format_baht, satang_to_baht
from samphan.core.thai.dates import format_date, format_month


def test_thai_date_uses_buddhist_era() -> None:
    assert format_date(dt.date(2026, 11, 23), language="th") == "23 พ.ย. 2569"


def test_buddhist_era_can_be_switched_off() -> None:
    assert format_date(dt.date(2026, 11, 23), language="th", buddhist_era=False) == "23 พ.ย. 2026"


def test_english_date_is_gregorian() -> None:
    assert format_date(dt.date(2026, 11, 23), language="en") == "23 Nov 2026"


def test_datetime_shown_in_bangkok_time() -> None:
    late_utc = dt.datetime(2026, 12, 31, 20, 0, tzinfo=dt.UTC)  # 03:00 on 1 Jan in Bangkok
    assert format_date(late_utc, language="th", with_time=True) == "1 ม.ค. 2570 03:00"


def test_month_label() -> None:
    assert format_month(2026, 4, language="th") == "เม.ย. 69"
    assert format_month(2026, 4, language="en") == "Apr 26"


def test_money_round_trip_in_satang() -> None:
    assert baht_to_satang("199.995") == 20000
    assert baht_to_satang(Decimal("0.1")) == 10
    assert satang_to_baht(12345) == Decimal("123.45")
    assert format_baht(123456789) == "฿1,234,567.89"
