"""The SMTP path writes a campaign email's bytes itself (``_raw``); the other backends get
Django's ``EmailMultiAlternatives`` (``_message``). Both must be the same message."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from django.core.mail.message import sanitize_address

from samphan.messaging.channels.email import Email, _message, _raw

FOOTER = "ยกเลิกการรับข่าวสาร"
SENDER = "ร้านกาแฟบ้านสวน <shop@example.co.th>"
FROM = sanitize_address(SENDER, "utf-8")  # as send_emails passes it
MAIL = Email(
    to="somchai@example.co.th",
    subject="โปรพิเศษสำหรับคุณสมชาย ลด 20% ทุกเมนู เฉพาะสมาชิกเท่านั้น ถึงสิ้นเดือนนี้",
    text="สวัสดีคุณสมชาย\nลด 20% ที่ https://shop.example/l/abc?x=1&y=2 วันนี้ <b>เท่านั้น</b>\n"
    + "ข้อความยาว " * 60,
    unsubscribe_url="https://samphan.example/u/abc.def",
    reference="c12:d345:email",
    open_pixel_url="https://samphan.example/o/xyz.gif",
)


def _parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _parts(message: EmailMessage) -> dict[str, str]:
    found = {}
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        found[part.get_content_type()] = part.get_content()
    return found


def test_the_smtp_bytes_are_the_message_django_builds() -> None:
    django_built = _parse(_message(MAIL, from_email=SENDER, footer=FOOTER).message().as_bytes())
    data = _raw(MAIL, sender=FROM, to=MAIL.to, footer=FOOTER, boundary="=_samphan_test")
    written = _parse(data)
    for name in (
        "From", "To", "Subject", "Message-ID", "MIME-Version", "List-Unsubscribe",
        "List-Unsubscribe-Post", "X-Samphan-Delivery",
    ):  # fmt: skip
        # (Django's folding of a long Thai subject decodes with a leading space.)
        assert str(written[name]) == str(django_built[name]).strip(), name
    assert written["Subject"] == MAIL.subject and written["From"] == SENDER
    assert written.get_content_type() == django_built.get_content_type() == "multipart/alternative"
    ours, theirs = _parts(written), _parts(django_built)
    assert list(ours) == list(theirs) == ["text/plain", "text/html"]
    # A line longer than SMTP allows (998 bytes): base64.
    encodings = [p["Content-Transfer-Encoding"] for p in written.iter_parts()]
    assert encodings == ["base64", "base64"]
    assert ours["text/plain"].replace("\r\n", "\n") == theirs["text/plain"].replace("\r\n", "\n")
    assert ours["text/html"].strip() == theirs["text/html"].strip()
    assert "&lt;b&gt;" in ours["text/html"] and MAIL.open_pixel_url in ours["text/html"]
    lines = data.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines) and b"\n" not in b"".join(lines)


def test_a_subject_cannot_add_headers() -> None:
    sneaky = Email(
        to="a@example.com",
        subject="Hello\r\nBcc: everyone@example.com",
        text="hi",
        unsubscribe_url="https://samphan.example/u/1",
        reference="c1:d1:email",
    )
    written = _parse(_raw(sneaky, sender=FROM, to=sneaky.to, footer=FOOTER, boundary="=_x"))
    assert written["Bcc"] is None and written["Subject"] == "Hello Bcc: everyone@example.com"
    encodings = [p["Content-Transfer-Encoding"] for p in written.iter_parts()]
    assert encodings == ["8bit", "8bit"]  # short lines go as they are


def test_long_subjects_split_between_characters() -> None:
    subject = "🎉" * 30 + " ลดราคา " + "ก" * 40 + " sale!"
    mail = Email(
        to="a@example.com",
        subject=subject,
        text="hi",
        unsubscribe_url="https://samphan.example/u/1",
        reference="c1:d2:email",
    )
    data = _raw(mail, sender=FROM, to=mail.to, footer=FOOTER, boundary="=_x")
    head = data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    words = [w for w in head.split() if w.startswith("=?utf-8?b?")]
    assert len(words) > 3 and all(len(w) <= 75 for w in words)
    assert _parse(data)["Subject"] == subject
