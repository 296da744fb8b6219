"""Reading single cells and headings: dates (Buddhist Era), money, phones, names, headings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from samphan.imports.errors import CellError
from samphan.imports.mapping import header_key, suggest_mapping
from samphan.imports.reader import detect_encoding, open_table
from samphan.imports.values import (
    EITHER,
    NOT_NUMERIC,
    SAYS_DAY_FIRST,
    SAYS_MONTH_FIRST,
    clean_cell,
    date_evidence,
    parse_birthday,
    parse_date,
    parse_datetime,
    parse_gender,
    parse_line,
    parse_money,
    parse_phone,
    parse_quantity,
    parse_yes_no,
    phone_or_none,
)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("15/04/2530", dt.date(1987, 4, 15)),  # Buddhist Era
        ("15/04/1987", dt.date(1987, 4, 15)),
        ("1987-04-15", dt.date(1987, 4, 15)),
        ("๑๕/๐๔/๒๕๓๐", dt.date(1987, 4, 15)),  # Thai digits
        ("15 เม.ย. 2530", dt.date(1987, 4, 15)),
        ("15 เมษายน พ.ศ. 2530", dt.date(1987, 4, 15)),
        ("15-Apr-1987", dt.date(1987, 4, 15)),
        ("2530-04-15", dt.date(1987, 4, 15)),
        ("31920", dt.date(1987, 5, 23)),  # an Excel serial date that lost its format
    ],
)
def test_dates(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2535", "15/13/2530", "yesterday", "15/04/30", "2530"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(CellError) as info:
        parse_date(text)
    assert info.value.code == "invalid_date"


def test_datetimes_are_bangkok_time_unless_a_zone_is_given() -> None:
    assert parse_datetime("2026-11-22 10:15").isoformat() == "2026-11-22T10:15:00+07:00"
    assert parse_datetime("2026-11-22T03:15:00Z").astimezone(dt.UTC).hour == 3
    # TikTok Shop writes month/day with AM/PM.
    tiktok = parse_datetime("11/02/2026 02:40:00 PM", month_first=True)
    assert (tiktok.month, tiktok.day, tiktok.hour) == (11, 2, 14)
    # A cell is read in its column's order, never turned round on its own (the column's order
    # is decided from all its values: tests/imports/test_dates.py).
    with pytest.raises(CellError) as info:
        parse_datetime("22/11/2026 09:00", month_first=True)
    assert info.value.code == "date_against_column"


@pytest.mark.parametrize(
    "text,said",
    [("13/04/2024", SAYS_DAY_FIRST), ("04/13/2024 10:00 AM", SAYS_MONTH_FIRST),
     ("03/04/2567", EITHER), ("2024-04-03", NOT_NUMERIC), ("3 เม.ย. 2567", NOT_NUMERIC),
     ("๑๓/๐๔/๒๕๖๗", SAYS_DAY_FIRST), ("13/13/2024", NOT_NUMERIC)],
)  # fmt: skip
def test_what_a_date_says_about_its_column(text: str, said: int) -> None:
    assert date_evidence(text) == said


def test_birthdays_must_be_real() -> None:
    today = dt.date(2026, 11, 23)
    assert parse_birthday("01/01/2569", today=today) == dt.date(2026, 1, 1)
    for text in ("01/01/2570", "01/01/1850"):
        with pytest.raises(CellError):
            parse_birthday(text, today=today)


@pytest.mark.parametrize(
    "text,satang",
    [("1,250.50", 125050), ("฿1,250.50", 125050), ("1250 บาท", 125000), ("THB 99", 9900),
     ("-20.00", -2000), ("(20.00)", -2000), ("๑๒๐", 12000), ("0.005", 1)],
)  # fmt: skip
def test_money(text: str, satang: int) -> None:
    assert parse_money(text) == satang


def test_quantities() -> None:
    assert parse_quantity("3") == 3 and parse_quantity("2.0") == 2
    for text in ("0", "1.5", "สอง", "-1"):
        with pytest.raises(CellError):
            parse_quantity(text)


def test_phones_and_masked_phones() -> None:
    assert parse_phone("081-359-6920") == "+66813596920"
    assert parse_phone("0066813596920") == "+66813596920"
    with pytest.raises(CellError) as info:
        parse_phone("******920")
    assert info.value.code == "masked_phone"
    for masked in ("******920", "66*****920", "(+66)81*****20", "08x-xxx-x920"):
        assert phone_or_none(masked) is None


def test_line_ids() -> None:
    assert parse_line("U4af4980629a1b2c3d4e5f60718293a4b") == (
        "line", "U4af4980629a1b2c3d4e5f60718293a4b",
    )  # fmt: skip
    assert parse_line("@SomYing_99") == ("social", "line:somying_99")
    with pytest.raises(CellError):
        parse_line("สมหญิง ใจดี")


def test_genders_and_yes_no() -> None:
    assert [parse_gender(t) for t in ("หญิง", "F", "ชาย", "male", "อื่นๆ", "ไม่ระบุ")] == [
        "female", "female", "male", "male", "other", "",
    ]  # fmt: skip
    assert [parse_yes_no(t) for t in ("ใช่", "yes", "1", "ไม่", "no", "0")] == [
        True, True, True, False, False, False,
    ]  # fmt: skip


def test_clean_cell() -> None:
    assert clean_cell("577000111222333444\t") == "577000111222333444"  # TikTok's tab
    assert clean_cell("\ufeffสมหญิง\u200b ") == "สมหญิง"
    assert clean_cell("'=SUM(A1)") == "=SUM(A1)"  # the export's formula guard comes off
    assert clean_cell("'quoted'") == "'quoted'"
    assert clean_cell(12.0) == "12" and clean_cell(None) == ""
    assert clean_cell(dt.datetime(2026, 11, 22, 10, 15)) == "2026-11-22 10:15:00"


def test_headings() -> None:
    assert header_key("* Order  ID") == header_key("order_id") == header_key("orderID") == "orderid"
    headers = ["*หมายเลขคำสั่งซื้อ", "เลขอ้างอิง SKU (SKU Reference No.)", "Username (Buyer)", "x"]
    assert suggest_mapping("shopee", headers) == {0: "order_number", 1: "sku", 2: "buyer_username"}
    assert suggest_mapping("customers", ["ชื่อ / First name", "Phone", "อีเมล์"]) == {
        0: "first_name", 1: "phone", 2: "email",
    }  # fmt: skip


def test_encodings(tmp_path: Path) -> None:
    path = tmp_path / "thai.csv"
    path.write_bytes("ชื่อ,เบอร์\nสมหญิง,0813596920\n".encode("cp874"))
    assert detect_encoding(path) == "cp874"
    with open_table(path) as table:
        assert table.headers == ["ชื่อ", "เบอร์"]
        assert list(table.rows) == [(2, ["สมหญิง", "0813596920"])]
    path.write_bytes("\n\nชื่อ;เบอร์\n\nต้อม;0811112222\n".encode())
    with open_table(path) as table:  # blank rows skipped, semicolons, line numbers kept
        assert (table.headers, table.header_line) == (["ชื่อ", "เบอร์"], 3)
        assert list(table.rows) == [(5, ["ต้อม", "0811112222"])]
