"""Email over SMTP through Django's email backend (``EMAIL_URL``): a text and an HTML part, and
a one-click unsubscribe (RFC 8058: ``List-Unsubscribe`` with an https link and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``), which mail apps show as their own
"Unsubscribe" button. The HTML part may carry an open pixel (``open_pixel_url``: a 1×1 GIF,
see ``messaging/tracking.py``); the links in ``text`` are sent as given (tracked or not)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import escape, linebreaks, urlize


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    unsubscribe_url: str
    reference: str  # the delivery's idempotency key, in a header (bounces name it)
    open_pixel_url: str = ""


def _message(email: Email, *, from_email: str, footer: str) -> EmailMultiAlternatives:
    text = f"{email.text}\n\n--\n{footer}\n{email.unsubscribe_url}\n"
    body = urlize(linebreaks(escape(email.text)))
    pixel = (
        f'<img src="{escape(email.open_pixel_url)}" width="1" height="1" alt="">'
        if email.open_pixel_url
        else ""
    )
    html = (
        '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">'
        f"{body}"
        f'<hr><p style="color:#666;font-size:12px"><a href="{escape(email.unsubscribe_url)}">'
        f"{escape(footer)}</a></p>{pixel}</body></html>"
    )
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=text,
        from_email=from_email,
        to=[email.to],
        headers={
            "List-Unsubscribe": f"<{email.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "X-Samphan-Delivery": email.reference,
            # Derived from the delivery: a message repeated after a crash is the same message.
            "Message-ID": f"<{uuid.uuid5(uuid.NAMESPACE_URL, email.reference)}@samphan>",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def send_emails(
    emails: Sequence[Email], *, footer: str, from_email: str | None = None
) -> list[str | None]:
    """Send each email over one SMTP connection; per email, None when the server took it or
    the error's text. A connection that cannot be opened raises (nothing was sent)."""
    results: list[str | None] = []
    sender = from_email or settings.DEFAULT_FROM_EMAIL
    with get_connection(fail_silently=False) as connection:
        for email in emails:
            try:
                connection.send_messages([_message(email, from_email=sender, footer=footer)])
            except Exception as exc:  # one refused address must not stop the others
                results.append(f"{type(exc).__name__}: {exc}"[:200])
            else:
                results.append(None)
    return results
