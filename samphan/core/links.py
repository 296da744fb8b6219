"""Signed tokens for links that do not expire by age: a member card, a shop's enrolment or
help-form QR code, a survey's public link. The token is the same every time it is made (no
timestamp in it), so the link on the screen is the one that was printed or sent; such a link
ends by its owner revoking it (a nonce changed), not by age. Links given out when these tokens
carried a timestamp (``signing.dumps``) are still read."""

from __future__ import annotations

from typing import Any

from django.core import signing


def link_token(value: Any, *, salt: str) -> str:
    return signing.Signer(salt=salt).sign_object(value)


def link_value(token: str, *, salt: str) -> Any:
    """What ``link_token`` signed; raises ``signing.BadSignature`` for anything else."""
    try:
        return signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return signing.loads(token, salt=salt)  # an older link, timestamp included
