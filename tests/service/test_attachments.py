"""Attachments: at most 5 MB, and only JPEG, PNG, PDF or plain text, by their content."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.service.attachments import MAX_BYTES, attachment_add, sniff
from samphan.service.models import TicketAttachment
from samphan.service.services import ticket_create

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def test_sniffing() -> None:
    assert sniff(PNG) == "image/png"
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(PDF) == "application/pdf"
    assert sniff("ใบเสร็จเลขที่ 123\n".encode()) == "text/plain"
    assert sniff(b"MZ\x90\x00\x03") is None  # a Windows program
    assert sniff(b"GIF89a\x01\x00") is None
    assert sniff(b"<?php \x01\x02") is None
    # A Thai character cut at the end of the sample is still text.
    assert sniff("ก".encode() * 3 + "ก".encode()[:2]) == "text/plain"


def test_allowed_files_are_stored_under_our_name(owner: Actor) -> None:
    ticket = ticket_create(actor=owner, subject="รูปสินค้า")
    stored = attachment_add(
        actor=owner,
        ticket_id=ticket.pk,
        upload=SimpleUploadedFile("../../etc/รูป.png", PNG, content_type="text/html"),
    )
    assert stored.content_type == "image/png" and stored.name == "รูป.png"
    assert stored.file.name.startswith("tickets/") and stored.file.name.endswith(".png")
    assert stored.size == len(PNG)


def test_wrong_type_by_content_is_refused(owner: Actor) -> None:
    ticket = ticket_create(actor=owner, subject="ไฟล์แปลก")
    with pytest.raises(ApplicationError) as exc:
        attachment_add(
            actor=owner,
            ticket_id=ticket.pk,
            upload=SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 10),
        )
    assert exc.value.code == "attachment_type"
    assert not TicketAttachment.objects.exists()


def test_over_five_megabytes_is_refused(owner: Actor) -> None:
    ticket = ticket_create(actor=owner, subject="ไฟล์ใหญ่")
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (MAX_BYTES - len(PDF) + 1))
    with pytest.raises(ApplicationError) as exc:
        attachment_add(actor=owner, ticket_id=ticket.pk, upload=big)
    assert exc.value.code == "attachment_too_large" and exc.value.status == 413
    exact = SimpleUploadedFile("ok.pdf", PDF + b"0" * (MAX_BYTES - len(PDF)))
    assert attachment_add(actor=owner, ticket_id=ticket.pk, upload=exact).size == MAX_BYTES


def test_upload_and_download_from_the_page(owner_client: Client, owner: Actor) -> None:
    ticket = ticket_create(actor=owner, subject="ใบเสร็จ")
    response = owner_client.post(
        reverse("service:ticket_attach", kwargs={"ticket_id": ticket.pk}),
        {"file": SimpleUploadedFile("receipt.txt", "ใบเสร็จ 500 บาท".encode())},
    )
    assert response.status_code == 302
    attachment = TicketAttachment.objects.get()
    download = owner_client.get(
        reverse(
            "service:attachment",
            kwargs={"ticket_id": ticket.pk, "attachment_id": attachment.pk},
        )
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == "ใบเสร็จ 500 บาท".encode()  # type: ignore[attr-defined]
    assert "attachment" in download["Content-Disposition"]
    refused = owner_client.post(
        reverse("service:ticket_attach", kwargs={"ticket_id": ticket.pk}),
        {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00\x00")},
    )
    assert refused.status_code == 422
