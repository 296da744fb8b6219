"""Normalising contact points so that the same phone, email or LINE ID always matches."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from samphan.core.errors import ApplicationError
from samphan.core.thai.phone import InvalidPhone, normalize_phone
from samphan.customers.models import ContactKind

LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")
_KINDS = frozenset(ContactKind.values)


def contact_normalize(kind: str, value: str, *, field: str | None = None) -> str:
    """The stored form of a contact value, or an ApplicationError naming the field."""
    field = field or kind
    value = (value or "").strip()
    if kind == ContactKind.PHONE:
        try:
            return normalize_phone(value)
        except InvalidPhone as exc:
            raise ApplicationError(
                "invalid_phone",
                _("“%(value)s” is not a phone number we can use. Accepted formats: %(formats)s")
                % {"value": value, "formats": InvalidPhone.accepted_formats},
                {"field": field, "accepted_formats": InvalidPhone.accepted_formats},
                status=422,
            ) from exc
    if kind == ContactKind.EMAIL:
        email = value.lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ApplicationError(
                "invalid_email",
                _("“%(value)s” is not a valid email address.") % {"value": value},
                {"field": field},
                status=422,
            ) from exc
        return email
    if kind == ContactKind.LINE:
        if not LINE_USER_ID.match(value.strip()):
            raise ApplicationError(
                "invalid_line_id",
                _("A LINE user ID is “U” followed by 32 hexadecimal digits."),
                {"field": field},
                status=422,
            )
        return value
    if kind in _KINDS:
        handle = value.lstrip("@").lower()
        if not handle:
            raise ApplicationError(
                "empty_contact", _("Enter a value."), {"field": field}, status=422
            )
        return handle
    raise ApplicationError(
        "invalid_contact_kind", _("Unknown contact kind."), {"field": field}, status=422
    )
