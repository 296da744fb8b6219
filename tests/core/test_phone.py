import pytest

from samphan.core.thai.phone import InvalidPhone, format_phone_display, is_masked, normalize_phone


@pytest.mark.parametrize(
    "raw",
    [
        "081-359-6920",
        "0813596920",
        "+66 81 359 6920",
        "66813596920",
        "0066813596920",
        "00 66 81 359 6920",
        "๐๘๑-๓๕๙-๖๙๒๐",
        "(081) 359 6920",
        "081\u200b3596920",
    ],
)
def test_mobile_formats_normalise_to_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+66813596920"


def test_fixed_line_bangkok() -> None:
    assert normalize_phone("02-123-4567") == "+6621234567"


@pytest.mark.parametrize("raw", ["", "12", "081-359", "08*****920", "(+66)81xxxx920", "hello"])
def test_invalid_or_masked_numbers_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidPhone):
        normalize_phone(raw)


def test_masked_detection() -> None:
    assert is_masked("08*****920")
    assert not is_masked("0813596920")


def test_display_format() -> None:
    assert format_phone_display("+66813596920") == "081-359-6920"
