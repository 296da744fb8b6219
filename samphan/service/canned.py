"""Canned replies (ข้อความสำเร็จรูป) with personal fields: ``{{ name }}``, ``{{ first_name }}``,
``{{ shop }}``, ``{{ ticket_number }}``, ``{{ subject }}``, ``{{ agent }}``.

The text is filled by plain substitution, never run as a template: a field is a name between
double braces, the values are the shop's own data as text, and an unknown field is an error
that names it (when the reply is saved, and again when it is used).
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm
from samphan.service.models import CANNED_BODY_MAX, CannedReply, Ticket
from samphan.service.services import _text

FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
FIELDS = ("name", "first_name", "shop", "ticket_number", "subject", "agent")
CANNED_MAX = 200  # per workspace


def canned_fields(body: str) -> list[str]:
    return [m.group(1) for m in FIELD.finditer(body)]


def _braced(name: str) -> str:
    return "{{ " + name + " }}"


def _check_fields(body: str) -> None:
    unknown = sorted({f for f in canned_fields(body) if f not in FIELDS})
    if unknown:
        raise ApplicationError(
            "canned_field_unknown",
            _("Unknown field %(fields)s: use %(known)s.")
            % {
                "fields": ", ".join(_braced(f) for f in unknown),
                "known": ", ".join(_braced(f) for f in FIELDS),
            },
            {"field": "body", "unknown": unknown},
            status=422,
        )


def canned_render(body: str, *, ticket: Ticket, agent: str = "") -> str:
    """The reply's text for this ticket; an unknown field raises ``canned_field_unknown``."""
    _check_fields(body)
    customer = ticket.customer
    values = {
        "name": customer.display_name if customer is not None else "",
        "first_name": (customer.first_name or customer.nickname) if customer is not None else "",
        "shop": ticket.workspace.name,
        "ticket_number": str(ticket.number),
        "subject": ticket.subject,
        "agent": agent,
    }
    return FIELD.sub(lambda m: values[m.group(1)], body)


def canned_reply_save(
    *, actor: Actor, title: str, body: str, canned_id: int | None = None
) -> CannedReply:
    require(actor, Perm.TICKET_MANAGE)
    title = _text(title, field="title", limit=100, required=True)
    body = _text(body, field="body", limit=CANNED_BODY_MAX, required=True, multiline=True)
    _check_fields(body)
    try:
        with transaction.atomic():
            if canned_id is None:
                if CannedReply.objects.filter(workspace=actor.workspace).count() >= CANNED_MAX:
                    raise ApplicationError(
                        "too_many_canned",
                        _("A shop keeps at most %(max)s canned replies.") % {"max": CANNED_MAX},
                        status=422,
                    )
                return CannedReply.objects.create(
                    workspace=actor.workspace, title=title, body=body, created_by=actor.user
                )
            canned = canned_get(actor=actor, canned_id=canned_id)
            canned.title, canned.body = title, body
            canned.save()
            return canned
    except IntegrityError as exc:
        raise ApplicationError(
            "canned_exists",
            _("There is already a canned reply with this title."),
            {"field": "title"},
            status=409,
        ) from exc


def canned_get(*, actor: Actor, canned_id: int) -> CannedReply:
    found = CannedReply.objects.filter(workspace=actor.workspace, pk=canned_id).first()
    if found is None:
        raise NotFound("canned_not_found", _("Canned reply not found."))
    return found


def canned_reply_delete(*, actor: Actor, canned_id: int) -> None:
    require(actor, Perm.TICKET_MANAGE)
    canned_get(actor=actor, canned_id=canned_id).delete()
