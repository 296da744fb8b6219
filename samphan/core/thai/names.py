"""Thai personal names: strip invisible characters, split off the title (คำนำหน้า)."""

from __future__ import annotations

import re
import unicodedata

# Longest first, so "นางสาว" wins over "นาง" and "Mrs" over "Mr".
TITLES = (
    "ว่าที่ร้อยตรี", "นางสาว", "เด็กหญิง", "เด็กชาย", "ด.ญ.", "ด.ช.", "น.ส.",
    "นาย", "นาง", "คุณ", "ดร.", "นพ.", "พญ.", "ผศ.", "รศ.",
    "Mrs.", "Miss", "Prof.", "Khun", "Mr.", "Ms.", "Dr.", "Mrs", "Mr", "Ms", "Dr",
)  # fmt: skip
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff\u00ad]")
# Thai vowels and marks written after a consonant: a name cannot begin with one, so "คุณากร"
# (Khunakorn) is a name, not คุณ + "ากร".
_THAI_FOLLOWING = frozenset("ะัาำิีึืฺุู็่้๊๋์ํ๎ฯๆ")


def clean_text(text: str) -> str:
    """NFC, no zero-width characters, single spaces."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text or ""))
    return re.sub(r"\s+", " ", text).strip()


def split_title(name: str) -> tuple[str, str]:
    """``"นางสาวสมหญิง ใจดี"`` → ``("นางสาว", "สมหญิง ใจดี")``; ``"Mrs Somsri"`` →
    ``("Mrs", "Somsri")``. Thai titles may be glued to the name (as Thai is written); an
    English one without its dot must end at a space (``"Missy"`` and ``"Drew"`` are names),
    and a glued Thai title must leave a name that can begin a word (``"คุณากร"`` is a name)."""
    name = clean_text(name)
    lowered = name.lower()
    for title in TITLES:
        if not lowered.startswith(title.lower()):
            continue
        rest = name[len(title) :]
        if not rest.strip():
            continue
        if title[-1].isascii() and title[-1].isalpha() and rest[0].isalnum():
            continue
        if rest[0] in _THAI_FOLLOWING:
            continue
        return title, rest.strip()
    return "", name


def split_full_name(name: str) -> tuple[str, str, str]:
    """(title, first name, last name) from one field as people type it."""
    title, rest = split_title(name)
    first, _, last = rest.partition(" ")
    return title, first, last.strip()
