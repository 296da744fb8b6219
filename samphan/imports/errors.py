"""Bad rows and file problems, each with a reason in Thai and in English.

A report is read later, by someone whose language may differ from the uploader's, so every
message is rendered in both languages when it is made (``translation.override``) and stored
with both. The messages themselves are ordinary gettext strings (English msgids; the Thai
catalogue translates them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from samphan.core.errors import ApplicationError


def both(message: str | Promise, params: dict[str, Any] | None = None) -> tuple[str, str]:
    """``(thai, english)`` renderings of a lazy message with ``%(name)s`` parameters."""
    texts = []
    for language in ("th", "en"):
        with override(language):
            text = str(message)
            if params:
                text = text % {
                    k: str(v) if isinstance(v, Promise) else v for k, v in params.items()
                }
            texts.append(text)
    return texts[0], texts[1]


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad cell: the spreadsheet row (1-based, the header is row 1), the file's column
    heading, a stable code and the reason in Thai and English."""

    line: int
    column: str
    code: str
    message_th: str
    message_en: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message_th": self.message_th,
            "message_en": self.message_en,
            "value": self.value,
        }


class CellError(Exception):
    """Raised by a value parser; the row parser turns it into a RowError for its column."""

    def __init__(self, code: str, message: str | Promise, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.params = params

    def row_error(self, line: int, column: str, value: str) -> RowError:
        th, en = both(self.message, {"value": value, **self.params})
        return RowError(line, column, self.code, th, en, value[:200])


class ImportFileError(ApplicationError):
    """The file as a whole cannot be imported (unreadable, empty, a required column unmapped).

    ``message`` is in the active language; ``message_th``/``message_en`` go into the report.
    """

    status = 422

    def __init__(
        self,
        code: str,
        message: str | Promise,
        details: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.message_th, self.message_en = both(message, params)
        text = str(message) % params if params else str(message)
        super().__init__(code, text, details)


class RowsRejected(ImportFileError):
    """An import asked to be all or nothing (``samphan import`` without ``--allow-partial``)
    found rows with problems: nothing is imported. ``report`` is what the check found."""

    def __init__(self, report: dict[str, Any]) -> None:
        bad = report["rows"]["bad"]
        super().__init__(
            "rows_rejected",
            _(
                "%(count)s rows have problems, so nothing was imported. Fix them and import the "
                "file again, or accept a partial import (only the good rows)."
            ),
            {"rows_bad": bad},
            count=bad,
        )
        self.report = report


# The reasons a shop owner reads. Keep them short, say what is wrong and how to write it.
MESSAGES: dict[str, Promise] = {
    "required": _("“%(field)s” is empty, but every row needs it."),
    "invalid_phone": _(
        "“%(value)s” is not a phone number we can use. Write it like 081-359-6920 or +66 81 359 6920."
    ),
    "masked_phone": _(
        "“%(value)s” is a hidden (masked) phone number. Write the whole number or leave the cell empty."
    ),
    "masked_username": _(
        "“%(value)s” is a hidden (masked) username. Write the whole username or leave the cell "
        "empty."
    ),
    "invalid_email": _("“%(value)s” is not an email address."),
    "invalid_line_id": _(
        "“%(value)s” is not a LINE ID: it has spaces or characters a LINE ID cannot have."
    ),
    "invalid_date": _(
        "“%(value)s” is not a date we can read. Write it like 15/04/2530, 15/04/1987 or 1987-04-15."
    ),
    "date_against_column": _(
        "“%(value)s” does not fit this column: its other dates are written %(order)s. Check "
        "this cell, or choose how the column writes its dates in the mapping step."
    ),
    "invalid_birthday": _("“%(value)s” cannot be a birthday: it is in the future or before 1900."),
    "invalid_gender": _(
        "“%(value)s” is not a gender we know. Write หญิง, ชาย or อื่นๆ (female, male or other)."
    ),
    "invalid_yes_no": _("“%(value)s” is not yes or no. Write ใช่ or ไม่ (yes or no)."),
    "invalid_amount": _("“%(value)s” is not an amount of money. Write it like 1,250.50."),
    "negative_amount": _("“%(value)s” is less than zero; an amount here cannot be negative."),
    "invalid_quantity": _("“%(value)s” is not a quantity. Write a whole number, 1 or more."),
    "invalid_status": _(
        "“%(value)s” is not an order status we know (paid, cancelled, refunded or returned)."
    ),
    "unknown_channel": _(
        "This shop has no sales channel “%(value)s”. Add it in Settings → Sales channels or fix the name."
    ),
    "unknown_branch": _("This shop has no branch “%(value)s”."),
    "customer_empty": _("This row has no name, nickname, phone, email or LINE ID."),
    "too_long": _("“%(value)s” is too long: at most %(limit)s characters."),
    "line_empty": _("This row has neither a product name nor a SKU."),
    "order_mixed": _(
        "Order %(number)s has rows with different dates; all rows of one order must agree."
    ),
}


def cell_error(code: str, **params: Any) -> CellError:
    return CellError(code, MESSAGES[code], **params)
