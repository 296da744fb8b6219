"""Files on a ticket (a photo of the damaged item, a receipt): at most 5 MB, and only JPEG,
PNG, PDF or plain text, decided from the file's first bytes, never from its name or the type
the browser claims. Stored through Django's default storage (under the data dir)."""

from __future__ import annotations

import os
import re

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.service.models import TicketAttachment, TicketMessage
from samphan.service.services import ticket_of

MAX_BYTES = 5 * 1024 * 1024
PER_TICKET = 20
NAME_MAX = 200
SNIFF_BYTES = 8192
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
}


def sniff(head: bytes) -> str | None:
    """The content type of a file from its first bytes, among those allowed; None otherwise."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if not head or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 3:
            return None
        text = head[: exc.start].decode("utf-8")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    return "text/plain" if controls == 0 else None


def _safe_name(name: str) -> str:
    base = os.path.basename((name or "").replace("\\", "/"))
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip() or "file"
    return base[:NAME_MAX]


def attachment_add(
    *, actor: Actor, ticket_id: int, upload: UploadedFile, message_id: int | None = None
) -> TicketAttachment:
    require(actor, Perm.TICKET_MANAGE)
    size = upload.size or 0
    if size > MAX_BYTES:
        raise ApplicationError(
            "attachment_too_large",
            _("A file may be at most 5 MB."),
            {"field": "file", "max_bytes": MAX_BYTES},
            status=413,
        )
    if size == 0:
        raise ApplicationError(
            "attachment_empty", _("The file is empty."), {"field": "file"}, status=422
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    content_type = sniff(head)
    if content_type is None:
        raise ApplicationError(
            "attachment_type",
            _("Attach a JPEG or PNG photo, a PDF or a plain-text file."),
            {"field": "file", "allowed": sorted(EXTENSIONS)},
            status=422,
        )
    name = _safe_name(upload.name or "")
    with transaction.atomic():
        ticket = ticket_of(actor, ticket_id, for_update=True)
        if ticket.attachments.count() >= PER_TICKET:
            raise ApplicationError(
                "too_many_attachments",
                _("A ticket holds at most %(max)s files.") % {"max": PER_TICKET},
                {"field": "file"},
                status=422,
            )
        message = None
        if message_id is not None:
            message = TicketMessage.objects.filter(ticket=ticket, pk=message_id).first()
        attachment = TicketAttachment(
            workspace=actor.workspace,
            ticket=ticket,
            message=message,
            name=name,
            content_type=content_type,
            size=size,
            uploaded_by=actor.user,
        )
        # The stored name is ours (the ticket and a type-true extension), not the uploader's.
        attachment.file.save(f"t{ticket.pk}{EXTENSIONS[content_type]}", upload, save=False)
        attachment.save()
    return attachment
