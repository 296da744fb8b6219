"""The data-subject registry (PDPA ss. 30–33): every app's part of what the shop holds on a
person, how it is exported and how it is erased.

Core sits below every app, so any app can register here without importing the privacy app
(which sits above the domains and runs the registry). Each app registers from its own
``privacy.py``, which the privacy app imports when Django starts (``autodiscover_modules``)::

    register_part(
        key="customers.contacts",
        label=gettext_lazy("Phones, emails, LINE and marketplace IDs"),
        holds=[Holding("customers.ContactPoint", personal=("value", "display_name"),
                       kept=("kind", "is_primary", "created_at"), how=DELETED)],
        export=contacts_export,          # (subject) -> JSON-able data
        erase=contacts_erase,            # (subjects) -> rows changed
        identifiers=contact_identifiers, # (workspace_id, customer_ids) -> strings to sweep for
    )

A model whose rows are not about a person (a product, a segment's rules) is declared with
``register_unrelated``; ``tests/privacy/test_registry.py`` walks every model and fails when a
model that points at a customer, or keeps free text, JSON or files, is in neither list, or
when one of a covered model's fields is neither personal nor kept.

Erasure first gathers the person's identifiers (names, phones, emails, LINE and marketplace
IDs) from every part, so that parts keeping free-form text (the audit log, import reports,
timeline payloads) can sweep them out with :func:`scrub_json` even where the row does not
point at the customer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

# How a holding's personal fields go at erasure.
DELETED = "deleted"  # the rows are deleted
MASKED = "masked"  # the personal fields are blanked or irreversibly masked; the row stays
SCRUBBED = "scrubbed"  # free-form JSON/text: the person's values are swept out

# What replaces a swept value: the same mark everywhere, so people see something was removed.
ERASED_MARK = "•••"


@dataclass(frozen=True)
class Subject:
    """One person as the shop holds them: the live customer record and every record merged
    into it, and (for erasure) the values that identify them."""

    workspace_id: int
    customer_id: int
    customer_ids: tuple[int, ...]
    identifiers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Holding:
    """A model one part answers for: ``personal`` fields go at erasure (``how``); ``kept``
    fields stay, because they identify nobody (amounts, dates, codes, links to other rows)."""

    model: str  # "app_label.ModelName"
    personal: tuple[str, ...]
    kept: tuple[str, ...] = ()
    how: str = MASKED


Exporter = Callable[[Subject], Any]
Eraser = Callable[[Sequence[Subject]], int]
IdentifierSource = Callable[[int, Sequence[int]], Iterable[str]]


@dataclass(frozen=True)
class Part:
    key: str
    label: Promise | str
    holds: tuple[Holding, ...]
    export: Exporter
    erase: Eraser
    identifiers: IdentifierSource | None = None
    order: int = 100  # export and erasure order


@dataclass(frozen=True)
class Unrelated:
    model: str
    reason: str


_PARTS: dict[str, Part] = {}
_UNRELATED: dict[str, Unrelated] = {}


def register_part(
    *,
    key: str,
    label: Promise | str,
    holds: Sequence[Holding],
    export: Exporter,
    erase: Eraser,
    identifiers: IdentifierSource | None = None,
    order: int = 100,
) -> Part:
    """Add an app's part of a person's data (see the module's docstring). A key is registered
    once; export and erase are both required, so no part can be exported but not erased."""
    if key in _PARTS:
        raise ValueError(f"Data-subject part {key!r} is already registered.")
    if not callable(export) or not callable(erase):
        raise TypeError(f"Data-subject part {key!r} needs both export and erase.")
    for holding in holds:
        overlap = set(holding.personal) & set(holding.kept)
        if overlap:
            raise ValueError(f"{holding.model}: {sorted(overlap)} both personal and kept.")
    part = Part(
        key=key,
        label=label,
        holds=tuple(holds),
        export=export,
        erase=erase,
        identifiers=identifiers,
        order=order,
    )
    _PARTS[key] = part
    return part


def unregister_part(key: str) -> None:
    del _PARTS[key]


def register_unrelated(model: str, reason: str) -> None:
    """Declare that ``model``'s rows are not about a data subject (and why)."""
    _UNRELATED[model] = Unrelated(model=model, reason=reason)


def registered_parts() -> list[Part]:
    return sorted(_PARTS.values(), key=lambda p: (p.order, p.key))


def unrelated_models() -> dict[str, Unrelated]:
    return dict(_UNRELATED)


def holdings() -> dict[str, list[tuple[Part, Holding]]]:
    """Every covered model, with the parts (and their holdings) that answer for it."""
    out: dict[str, list[tuple[Part, Holding]]] = {}
    for part in registered_parts():
        for holding in part.holds:
            out.setdefault(holding.model, []).append((part, holding))
    return out


# --- sweeping identifiers out of free-form values --------------------------------------------

# Identifiers shorter than this (a two-letter nickname) match only a whole value: as a
# substring they would match everyone's text.
MIN_SUBSTRING = 3
MIN_PHONE_DIGITS = 8
_NON_DIGITS = re.compile(r"\D+")
_EXACT = "\x00="


def whole_value(value: str) -> str:
    """An identifier that counts only as a whole value (a first name alone, a nickname): as a
    substring it would match other people's text."""
    return f"{_EXACT}{value}" if value else ""


@dataclass(frozen=True)
class Sweeper:
    """Finds a person's identifiers in text: case-insensitively, and phone numbers by their
    digits whatever the formatting (``+66 81 359 6920``, ``081-359-6920``)."""

    words: tuple[str, ...]
    exact: frozenset[str]
    digits: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, identifiers: Iterable[str]) -> Sweeper:
        words: set[str] = set()
        exact: set[str] = set()
        digits: set[str] = set()
        for raw in identifiers:
            exact_only = (raw or "").startswith(_EXACT)
            value = (raw or "").removeprefix(_EXACT).strip().casefold()
            if not value:
                continue
            if exact_only:
                exact.add(value)
                continue
            if len(value) >= MIN_SUBSTRING:
                words.add(value)
            else:
                exact.add(value)
            only_digits = _NON_DIGITS.sub("", value)
            if len(only_digits) >= MIN_PHONE_DIGITS and len(only_digits) >= len(value) - 6:
                digits.add(only_digits)
                # +66 81… is 081… at home, and 81… in a spreadsheet's number cell.
                national = only_digits[2:] if only_digits.startswith("66") else ""
                national = national or (only_digits[1:] if only_digits.startswith("0") else "")
                if len(national) >= MIN_PHONE_DIGITS:
                    digits.update({national, "0" + national, "66" + national})
        return cls(words=tuple(sorted(words)), exact=frozenset(exact), digits=tuple(digits))

    def __bool__(self) -> bool:
        return bool(self.words or self.exact or self.digits)

    def mentions(self, text: str) -> bool:
        folded = text.strip().casefold()
        if not folded:
            return False
        if folded in self.exact:
            return True
        if any(w in folded for w in self.words):
            return True
        if self.digits:
            only_digits = _NON_DIGITS.sub("", folded)
            if len(only_digits) >= MIN_PHONE_DIGITS and any(d in only_digits for d in self.digits):
                return True
        return False


def scrub_json(value: Any, sweeper: Sweeper, *, mark: str = ERASED_MARK) -> tuple[Any, bool]:
    """``value`` with every string that mentions the person replaced by ``mark`` (dict keys
    too); returns (new value, whether anything changed)."""
    if isinstance(value, str):
        if sweeper.mentions(value):
            return mark, True
        return value, False
    if isinstance(value, list):
        changed = False
        out_list = []
        for item in value:
            new, did = scrub_json(item, sweeper, mark=mark)
            changed |= did
            out_list.append(new)
        return out_list, changed
    if isinstance(value, dict):
        changed = False
        out_dict: dict[Any, Any] = {}
        for key, item in value.items():
            new, did = scrub_json(item, sweeper, mark=mark)
            new_key = key
            if isinstance(key, str) and sweeper.mentions(key):
                new_key, did = f"{mark}{len(out_dict)}", True
            changed |= did
            out_dict[new_key] = new
        return out_dict, changed
    return value, False


_CODE = re.compile(r"^[A-Za-z0-9_.:/-]{0,64}$")


def blank_free_text(
    value: Any, sweeper: Sweeper, *, keep_keys: frozenset[str] = frozenset(), depth: int = 0
) -> Any:
    """For a record about the person: keep numbers, booleans and the structure (dict keys),
    keep strings only where they are codes (``paid``, ``contacts``) under a top-level key in
    ``keep_keys`` and do not mention the person; every other string becomes ``""``."""
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if isinstance(item, str):
                keep = (
                    depth == 0
                    and key in keep_keys
                    and bool(_CODE.match(item))
                    and not sweeper.mentions(item)
                )
                out[key] = item if keep else ""
            else:
                out[key] = blank_free_text(item, sweeper, keep_keys=keep_keys, depth=depth + 1)
        return out
    if isinstance(value, list):
        return [
            "" if isinstance(item, str) else blank_free_text(item, sweeper, depth=depth + 1)
            for item in value
        ]
    if isinstance(value, str):
        return ""
    return value


def subject_identifiers(workspace_id: int, customer_ids: Sequence[int]) -> frozenset[str]:
    """Every registered part's identifiers of these records (read before anything is erased)."""
    found: set[str] = set()
    for part in registered_parts():
        if part.identifiers is not None:
            found.update(v for v in part.identifiers(workspace_id, customer_ids) if v)
    return frozenset(found)


def combined(subjects: Sequence[Subject]) -> Subject:
    """Several people as one sweep (a retention batch): their records and identifiers together.
    Erasing them one by one or together removes the same values."""
    first = subjects[0]
    if len(subjects) == 1:
        return first
    return Subject(
        workspace_id=first.workspace_id,
        customer_id=first.customer_id,
        customer_ids=tuple(pk for s in subjects for pk in s.customer_ids),
        identifiers=frozenset(v for s in subjects for v in s.identifiers),
    )


_NUMBERISH = re.compile(r"\+?\d[\d\s().-]{6,}\d")


def scrub_text(text: str, sweeper: Sweeper, *, mark: str = ERASED_MARK) -> str:
    """Free text about the person (an erasure's reason) with their values replaced by ``mark``
    where they occur, the rest kept."""
    if not text or not sweeper:
        return text
    if text.strip().casefold() in sweeper.exact:
        return mark
    out = text
    # The text is about this person: a first name or nickname alone is theirs here too.
    words = set(sweeper.words) | {w for w in sweeper.exact if len(w) >= 2}
    for word in sorted(words, key=len, reverse=True):
        out = re.sub(re.escape(word), mark, out, flags=re.IGNORECASE)

    def number(match: re.Match[str]) -> str:
        digits = _NON_DIGITS.sub("", match.group(0))
        return mark if any(d in digits for d in sweeper.digits) else match.group(0)

    return _NUMBERISH.sub(number, out) if sweeper.digits else out
