"""What an import field is, and how file headings are compared.

Headings are compared by :func:`header_key`: case, spaces, ``*`` (Shopee marks some headings
with it), underscores and punctuation do not matter, so ``*Order ID``, ``order_id`` and
``orderID`` are one heading. A heading written in two languages (``ชื่อ / First name``, as the
customer export writes them, or Shopee's ``เลขอ้างอิง SKU (SKU Reference No.)``) also matches on
either part.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.functional import Promise

_PUNCT = re.compile(r"[\s*_\-.:#()\[\]/\\'\"’“”,;|]+")


def header_key(text: str) -> str:
    """The comparable form of a heading: ``* Order  ID`` → ``orderid``."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or "").casefold())


def header_variants(text: str) -> list[str]:
    """The whole heading first, then its parts around ``/`` and inside/outside parentheses."""
    variants = [text]
    if "/" in text:
        variants += text.split("/")
    inner = re.findall(r"\(([^)]*)\)", text)
    if inner:
        variants.append(re.sub(r"\([^)]*\)", "", text))
        variants += inner
    keys: list[str] = []
    for v in variants:
        key = header_key(v)
        if key and key not in keys:
            keys.append(key)
    return keys


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str | Promise
    aliases: tuple[str, ...] = ()
    required: bool = False
    help: str | Promise = ""


def field(
    key: str,
    label: str | Promise,
    *aliases: str,
    required: bool = False,
    help: str | Promise = "",
) -> FieldSpec:
    return FieldSpec(key, label, aliases, required, help)
