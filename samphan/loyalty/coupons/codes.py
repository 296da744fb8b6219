"""Coupon codes: how typed codes are normalised, and unguessable codes are made.

A generated code is 10 characters from a 31-letter alphabet without look-alikes (no 0/O, 1/I/L),
drawn with ``secrets``: about 49.5 bits, so guessing one of a million issued codes takes on
average some 400 million tries. Shared codes are chosen by the shop (A–Z, 0–9, ``-`` and ``_``).
"""

from __future__ import annotations

import re
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GENERATED_LENGTH = 10
CODE_MIN = 3
CODE_MAX = 32
_SHARED = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")
_SPACES = re.compile(r"\s+")


def code_normalise(code: str) -> str:
    """What a code is stored and looked up as: no spaces anywhere, upper case (Latin letters;
    full-width characters folded by NFKC first), so ``songkran 10`` finds ``SONGKRAN10``."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", code)).upper()


def code_shape_ok(code: str) -> bool:
    """A normalised shared code the shop may choose."""
    return CODE_MIN <= len(code) <= CODE_MAX and bool(_SHARED.match(code))


def code_generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(GENERATED_LENGTH))
