"""Email over SMTP through Django's email backend (``EMAIL_URL``): a text and an HTML part, and
a one-click unsubscribe (RFC 8058: ``List-Unsubscribe`` with an https link and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``), which mail apps show as their own
"Unsubscribe" button. The HTML part may carry an open pixel (``open_pixel_url``: a 1×1 GIF,
see ``messaging/tracking.py``); the links in ``text`` are sent as given (tracked or not).

Over SMTP a campaign's message is written as bytes here (``_raw``): the headers that are the
same for every message of a session are encoded once, and the bytes go to ``smtplib`` as
Django's SMTP backend hands them. Building the same message with Django's
``EmailMultiAlternatives`` and the ``email`` package's generator cost about 0.6 ms of CPU a
message (header folding, a fresh regular expression per boundary); this costs 0.15 ms. The
other backends (console, file, locmem in tests) get the ``EmailMultiAlternatives`` of
``_message``, with the same headers and parts; a test checks that both give the same message.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import sanitize_address
from django.utils.html import escape, linebreaks, urlize

LINE_LIMIT = 998  # bytes in a line of a message (RFC 5322)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    unsubscribe_url: str
    reference: str  # the delivery's idempotency key, in a header (bounces name it)
    open_pixel_url: str = ""


def _bodies(email: Email, footer: str) -> tuple[str, str]:
    """The text part and the HTML part (with the open pixel, when there is one)."""
    text = f"{email.text}\n\n--\n{footer}\n{email.unsubscribe_url}\n"
    body = urlize(linebreaks(escape(email.text)))
    pixel = (
        f'<img src="{escape(email.open_pixel_url)}" width="1" height="1" alt="">'
        if email.open_pixel_url
        else ""
    )
    # One line per piece: lines stay under SMTP's limit, so the part can go as 8-bit text.
    html = (
        '<!doctype html>\n<html><body style="font-family:sans-serif;line-height:1.5">\n'
        f"{body}\n"
        f'<hr><p style="color:#666;font-size:12px"><a href="{escape(email.unsubscribe_url)}">'
        f"{escape(footer)}</a></p>\n{pixel}</body></html>\n"
    )
    return text, html


def _headers(email: Email) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{email.unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "X-Samphan-Delivery": email.reference,
        # Derived from the delivery: a message repeated after a crash is the same message.
        "Message-ID": f"<{uuid.uuid5(uuid.NAMESPACE_URL, email.reference)}@samphan>",
    }


def _message(email: Email, *, from_email: str, footer: str) -> EmailMultiAlternatives:
    text, html = _bodies(email, footer)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=text,
        from_email=from_email,
        to=[email.to],
        headers=_headers(email),
    )
    message.attach_alternative(html, "text/html")
    return message


def _encoded_words(value: str) -> str:
    """RFC 2047 base64 encoded words of at most 75 characters (45 bytes of UTF-8 each, split
    between characters), folded onto continuation lines. The standard library's ``Header``
    does the same about fifteen times slower, measuring each character's encoded length."""
    data, words, start = value.encode(), [], 0
    while start < len(data):
        end = min(start + 45, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a character: step back
            end -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:end]).decode()}?=")
        start = end
    return "\r\n ".join(words)


def _one_line(value: str) -> str:
    """A header's value on one line (no header injection), RFC 2047 encoded when not ASCII."""
    value = " ".join(value.splitlines())
    return value if value.isascii() else _encoded_words(value)


def _part(content_type: str, text: str) -> bytes:
    """A part in 8-bit UTF-8 (as Django sends it), or in base64 when a line is longer than
    SMTP allows (998 bytes: a long Thai paragraph is three bytes a character)."""
    lines = [line.encode() for line in text.splitlines()]
    if all(len(line) <= LINE_LIMIT for line in lines):
        encoding, body = "8bit", b"\r\n".join(lines) + b"\r\n"
    else:
        encoding, body = "base64", base64.encodebytes(text.encode()).replace(b"\n", b"\r\n")
    head = f'Content-Type: {content_type}; charset="utf-8"\r\nContent-Transfer-Encoding: {encoding}'
    return head.encode() + b"\r\n\r\n" + body


def _raw(email: Email, *, sender: str, to: str, footer: str, boundary: str) -> bytes:
    """The message as SMTP carries it: multipart/alternative, text then HTML, CRLF lines.
    ``sender`` and ``to`` are header-ready (``sanitize_address``); ``boundary`` is random per
    session (a part that contained it would end early)."""
    text, html = _bodies(email, footer)
    headers = {
        "From": sender,
        "To": to,
        "Subject": _one_line(email.subject),
        "Date": formatdate(),
        "MIME-Version": "1.0",
        "Content-Type": f'multipart/alternative; boundary="{boundary}"',
        **{name: _one_line(value) for name, value in _headers(email).items()},
    }
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    delimiter = f"--{boundary}\r\n".encode()
    return b"".join(
        [
            head.encode(),
            b"\r\n",
            delimiter,
            _part("text/plain", text),
            delimiter,
            _part("text/html", html),
            f"--{boundary}--\r\n".encode(),
        ]
    )


def send_emails(
    emails: Sequence[Email], *, footer: str, from_email: str | None = None
) -> list[str | None]:
    """Send each email over one SMTP connection; per email, None when the server took it or
    the error's text. A connection that cannot be opened raises (nothing was sent)."""
    results: list[str | None] = []
    sender = from_email or settings.DEFAULT_FROM_EMAIL
    with get_connection(fail_silently=False) as connection:
        smtp = connection.connection if isinstance(connection, SmtpBackend) else None
        envelope_from = sanitize_address(sender, "utf-8")
        boundary = f"=_samphan_{secrets.token_hex(12)}"
        for email in emails:
            try:
                if smtp is None:
                    connection.send_messages([_message(email, from_email=sender, footer=footer)])
                else:
                    to = sanitize_address(email.to, "utf-8")
                    raw = _raw(email, sender=envelope_from, to=to, footer=footer, boundary=boundary)
                    smtp.sendmail(envelope_from, [to], raw)
            except Exception as exc:  # one refused address must not stop the others
                results.append(f"{type(exc).__name__}: {exc}"[:200])
            else:
                results.append(None)
    return results
