"""Thai address lookups and checks (samphan.core.thai.address, on GeoThai data)."""

from __future__ import annotations

import pytest

from samphan.core.errors import ApplicationError
from samphan.core.thai.address import (
    address_validate,
    area_search,
    format_address,
    postcode_lookup,
    subdistrict_parts,
)


def test_postcode_gives_every_subdistrict_that_uses_it() -> None:
    found = postcode_lookup("๘๔๒๘๐")  # Thai digits are read
    assert [(p.subdistrict, p.district, p.province) for p in found] == [
        ("เกาะพะงัน", "เกาะพะงัน", "สุราษฎร์ธานี"),
        ("บ้านใต้", "เกาะพะงัน", "สุราษฎร์ธานี"),
    ]
    assert all(p.postcode == "84280" for p in found)
    assert postcode_lookup("123") == [] and postcode_lookup("99999") == []


def test_search_by_thai_or_english_name_within_a_province() -> None:
    hits = area_search("ลาด", level="subdistrict", province="กทม", limit=50)
    assert hits and all(h.province_th == "กรุงเทพมหานคร" for h in hits)
    assert "ลาดยาว › จตุจักร › กรุงเทพมหานคร" in [h.label for h in hits]
    assert [h.name_th for h in area_search("chiang", level="province")] == ["เชียงใหม่", "เชียงราย"]
    assert area_search("  ") == []


def test_bangkok_districts_are_stored_without_khet_and_shown_with_it() -> None:
    parts = subdistrict_parts("103001")
    assert parts is not None and (parts.district, parts.province) == ("จตุจักร", "กรุงเทพมหานคร")
    assert parts.label == "แขวงลาดยาว เขตจตุจักร กรุงเทพมหานคร 10900"
    assert (
        format_address(
            line="1",
            subdistrict="ตลาด",
            district="เมืองสุราษฎร์ธานี",
            province="สุราษฎร์ธานี",
            postcode="84000",
        )
        == "1 ต.ตลาด อ.เมืองสุราษฎร์ธานี จ.สุราษฎร์ธานี 84000"
    )


@pytest.mark.parametrize(
    "given,expected",
    [
        (
            {"subdistrict": "ต.ตลาด", "district": "อ.เมือง", "province": "จ.สุราษฎร์ธานี"},
            ("ตลาด", "เมืองสุราษฎร์ธานี", "สุราษฎร์ธานี", "84000"),
        ),
        (
            {"subdistrict": "Lat Yao", "province": "Bangkok"},
            ("ลาดยาว", "จตุจักร", "กรุงเทพมหานคร", "10900"),
        ),
        ({"province": "กรุงเทพฯ"}, ("", "", "กรุงเทพมหานคร", "")),
        ({"district": "เมือง", "province": "เชียงใหม่"}, ("", "เมืองเชียงใหม่", "เชียงใหม่", "")),
        ({"postcode": "10110"}, ("", "", "กรุงเทพมหานคร", "10110")),
        ({}, ("", "", "", "")),
    ],
)
def test_validate_reads_short_forms_and_english(given: dict, expected: tuple) -> None:  # type: ignore[type-arg]
    parts = address_validate(**given)
    assert (parts.subdistrict, parts.district, parts.province, parts.postcode) == expected


def test_validate_postcode_must_fit_the_district() -> None:
    with pytest.raises(ApplicationError) as exc:
        address_validate(district="จตุจักร", province="กทม", postcode="50200")
    assert exc.value.details["field"] == "postcode"
