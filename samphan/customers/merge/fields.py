"""The profile fields a merge decides: which side's value each keeps (survivor, merged or
both), the default choice, and the snapshot an undo restores."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from samphan.core.errors import ApplicationError

MERGE_FIELDS: tuple[str, ...] = (
    "title", "first_name", "last_name", "nickname", "gender", "birthday", "province",
    "preferred_language", "preferred_channel", "acquisition_source", "referred_by_id",
    "behaviour_type", "lifecycle_stage", "home_branch_id", "notes", "custom_fields",
)  # fmt: skip


# Keys a caller may use for several fields or by their relation name.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("title", "first_name", "last_name"),
    "referred_by": ("referred_by_id",),
    "home_branch": ("home_branch_id",),
}


SURVIVOR, MERGED, BOTH = "survivor", "merged", "both"


BOTH_ALLOWED = frozenset({"notes", "custom_fields"})


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def _snapshot(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return dict(value)
    return value


def _restore(name: str, value: Any) -> Any:
    if name == "birthday" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def default_side(name: str, survivor_value: Any, merged_value: Any) -> str:
    """Which value a merge keeps when not told: the survivor's unless it is empty. Two different
    pinned notes or two sets of custom fields are both kept."""
    if _empty(merged_value) or survivor_value == merged_value:
        return SURVIVOR
    if _empty(survivor_value):
        return MERGED
    return BOTH if name in BOTH_ALLOWED else SURVIVOR


def _resolve(name: str, survivor_value: Any, merged_value: Any, side: str) -> Any:
    if side == BOTH:
        if name == "custom_fields":
            combined = dict(merged_value or {})
            combined.update({k: v for k, v in (survivor_value or {}).items() if not _empty(v)})
            return combined
        parts = [p for p in (survivor_value, merged_value) if not _empty(p)]
        return "\n\n".join(dict.fromkeys(parts))  # notes: the survivor's first, no repeats
    return survivor_value if side == SURVIVOR else merged_value


def _parse_choices(field_choices: dict[str, str] | None) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for key, raw in (field_choices or {}).items():
        side = str(raw or "").strip().lower()
        names = FIELD_ALIASES.get(key, (key,))
        for name in names:
            if name not in MERGE_FIELDS:
                raise ApplicationError(
                    "unknown_field",
                    _("Unknown field: %(fields)s") % {"fields": key},
                    {"field": f"field_choices.{key}"},
                    status=422,
                )
            allowed = (SURVIVOR, MERGED, BOTH) if name in BOTH_ALLOWED else (SURVIVOR, MERGED)
            if side not in allowed:
                raise ApplicationError(
                    "invalid_choice",
                    _("Choose %(choices)s for “%(field)s”.")
                    % {"choices": " / ".join(allowed), "field": key},
                    {"field": f"field_choices.{key}", "allowed": list(allowed)},
                    status=422,
                )
            chosen[name] = side
    return chosen
