"""Thai phone numbers: accept what people type, store E.164 (+66…)."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_FORMATS_HINT = "081-359-6920, 0813596920, +66 81 359 6920, 66813596920, 0066813596920, 02-123-4567"


class InvalidPhone(ValueError):
    """The text is not a Thai (or international) phone number we can store."""

    accepted_formats = _FORMATS_HINT


def thai_digits_to_arabic(text: str) -> str:
    return text.translate(_THAI_DIGITS)


def is_masked(text: str) -> bool:
    """Marketplace exports hide digits: ``08*****920`` or ``(+66)81xxxx920``."""
    return bool(re.search(r"[*xX•]{2,}", text))


def normalize_phone(raw: str, *, region: str = "TH") -> str:
    """E.164 for a valid number; raises InvalidPhone otherwise (masked numbers too)."""
    text = unicodedata.normalize("NFKC", thai_digits_to_arabic(raw or "")).strip()
    text = re.sub(r"[\u200b-\u200d\ufeff]", "", text)
    if not text or is_masked(text):
        raise InvalidPhone(raw)
    compact = re.sub(r"[\s\-().]", "", text)
    if compact.startswith("00"):
        # libphonenumber reads a leading 00 as a national number; it is an international prefix.
        compact = "+" + compact[2:]
    elif compact.startswith("66") and len(compact) in (10, 11):
        compact = "+" + compact
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(raw) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(raw)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone_display(e164: str) -> str:
    """``+66813596920`` → ``081-359-6920`` for Thai numbers."""
    try:
        number = phonenumbers.parse(e164, "TH")
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 66:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL).replace(
            " ", "-"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
