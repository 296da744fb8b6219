"""Message templates: text with personal fields written ``{{ name }}``.

The renderer is deliberately tiny (no Django template language, no attribute access, no
filters): a template is split once into literal text and field names, every field name is
checked against ``FIELDS`` before anything is sent, and rendering is string concatenation, so
100,000 personal messages cost little and a template can never reach into the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.errors import ApplicationError

TEXT_MAX = 5000  # LINE's limit for one text message; SMS and email are checked by their channel
_FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")

# The personal fields, in the order the page lists them, with what they say.
FIELDS: dict[str, object] = {
    "name": gettext_lazy("Name (nickname when there is no name)"),
    "first_name": gettext_lazy("First name"),
    "nickname": gettext_lazy("Nickname (first name when there is none)"),
    "tier": gettext_lazy("Loyalty tier"),
    "points": gettext_lazy("Points available"),
    "points_expiring": gettext_lazy("Points expiring in the next 30 days"),
    "coupon_code": gettext_lazy("Coupon code (from the campaign's coupon)"),
    "member_card_link": gettext_lazy("Member card link"),
    "recommended_product": gettext_lazy("A best seller they have not bought"),
    "shop_name": gettext_lazy("The shop's name"),
    "unsubscribe_link": gettext_lazy("One-click unsubscribe link"),
}


@dataclass(frozen=True)
class Template:
    """A parsed template: ``parts`` alternate literal text (even indexes) and field names (odd
    indexes)."""

    source: str
    parts: tuple[str, ...]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(self.parts[1::2])

    @property
    def personal(self) -> bool:
        """Whether the text differs per customer (LINE multicast needs one text for all)."""
        return bool(self.fields - {"shop_name"})

    def render(self, values: dict[str, str]) -> str:
        parts = self.parts
        if len(parts) == 1:
            return parts[0]
        out = list(parts)
        for i in range(1, len(out), 2):
            out[i] = values.get(out[i], "")
        return "".join(out)


def _error(code: str, message: str, field: str, **details: object) -> ApplicationError:
    return ApplicationError(code, message, {"field": field, **details}, status=422)


def template_parse(text: str, *, field: str = "template.text") -> Template:
    """Parse and check a template; an unknown field is an error naming it (422)."""
    text = (text or "").replace("\r\n", "\n")
    if not text.strip():
        raise _error("template_empty", _("Write the message."), field)
    if len(text) > TEXT_MAX:
        raise _error(
            "template_too_long",
            _("A message holds at most %(max)s characters.") % {"max": TEXT_MAX},
            field,
        )
    if "{%" in text or "%}" in text:
        raise _error(
            "template_tag_not_allowed",
            _("Only personal fields like {{ name }} can be used, not template tags."),
            field,
        )
    parts: list[str] = []
    position = 0
    for match in _FIELD.finditer(text):
        name = match.group(1)
        if not _NAME.match(name) or name not in FIELDS:
            raise _error(
                "template_unknown_field",
                _("Unknown field {{ %(name)s }}. Use one of: %(known)s.")
                % {"name": name, "known": ", ".join(FIELDS)},
                field,
                name=name,
                known=list(FIELDS),
            )
        parts += [text[position : match.start()], name]
        position = match.end()
    parts.append(text[position:])
    rest = "".join(parts[0::2])
    if "{{" in rest or "}}" in rest:
        raise _error(
            "template_unclosed_field",
            _("A field is not closed: write it as {{ name }}."),
            field,
        )
    return Template(source=text, parts=tuple(parts))


def fields_used(templates: Iterable[Template | None]) -> frozenset[str]:
    used: set[str] = set()
    for template in templates:
        if template is not None:
            used |= template.fields
    return frozenset(used)


def field_help() -> Sequence[tuple[str, str]]:
    return [(name, str(label)) for name, label in FIELDS.items()]
