"""Cells of a CSV or Excel file we write, made safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be run as a
formula by Excel or LibreOffice (CSV injection): it gets a leading ``'`` so that it shows as
text. The importer takes the ``'`` off again (``imports.values.clean_cell``).
"""

from __future__ import annotations

import re

_FORMULA = re.compile(r"^[=+\-@\t\r]")


def formula_safe(text: str) -> str:
    return "'" + text if _FORMULA.match(text) else text


def formula_safe_cell(value: object) -> object:
    """``formula_safe`` for text; numbers and other values are written as they are."""
    return formula_safe(value) if isinstance(value, str) else value
