"""Thai personal names: strip invisible characters, split off the title (คำนำหน้า)."""

from __future__ import annotations

import re
import unicodedata

# Longest first, so "นางสาว" wins over "นาง".
TITLES = (
    "ว่าที่ร้อยตรี", "นางสาว", "เด็กหญิง", "เด็กชาย", "ด.ญ.", "ด.ช.", "น.ส.", "นาย", "นาง",
    "คุณ", "ดร.", "Mrs.", "Miss", "Mr.", "Ms.", "Mrs", "Mr", "Ms", "Dr.",
)  # fmt: skip
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")


def clean_text(text: str) -> str:
    """NFC, no zero-width characters, single spaces."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text or ""))
    return re.sub(r"\s+", " ", text).strip()


def split_title(name: str) -> tuple[str, str]:
    """``"นางสาวสมหญิง ใจดี"`` → ``("นางสาว", "สมหญิง ใจดี")``."""
    name = clean_text(name)
    for title in TITLES:
        if name.lower().startswith(title.lower()):
            rest = name[len(title) :].strip()
            if rest:
                return title, rest
    return "", name


def split_full_name(name: str) -> tuple[str, str, str]:
    """(title, first name, last name) from one field as people type it."""
    title, rest = split_title(name)
    first, _, last = rest.partition(" ")
    return title, first, last.strip()
