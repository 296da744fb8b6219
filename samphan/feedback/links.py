"""Survey links: a personal link per invitation and a public link (or QR code) per survey.

Both are signed with ``django.core.signing`` and name the workspace, the object and a random
nonce; a link is looked up by all three, so a tampered token, a token of another kind, a
retired public link (new nonce) or one naming another workspace's object is a 404. A personal
link also carries the time it was signed and expires with its invitation."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from samphan.core.links import link_token, link_value
from samphan.feedback.models import Survey, SurveyInvitation

INVITE_SALT = "samphan.feedback.invitation"
PUBLIC_SALT = "samphan.feedback.public"
TOKEN_MAX = 300
# The longest a personal link can live (Survey.expiry_days is at most this).
MAX_EXPIRY_DAYS = 365


def nonce() -> str:
    return secrets.token_hex(16)


def invitation_token(invitation: SurveyInvitation) -> str:
    return signing.dumps(
        [invitation.workspace_id, invitation.pk, invitation.nonce],
        salt=INVITE_SALT,
        compress=False,
    )


def invitation_path(invitation: SurveyInvitation) -> str:
    return reverse("feedback:answer", kwargs={"token": invitation_token(invitation)})


def invitation_from_token(token: str) -> SurveyInvitation | None:
    """The invitation a personal link names, or None (bad signature, too old, unknown)."""
    if not token or len(token) > TOKEN_MAX:
        return None
    try:
        workspace_id, pk, value = signing.loads(
            token, salt=INVITE_SALT, max_age=dt.timedelta(days=MAX_EXPIRY_DAYS + 1)
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not isinstance(workspace_id, int):
        return None
    invitation = (
        SurveyInvitation.objects.filter(pk=pk, workspace_id=workspace_id)
        .select_related("survey", "customer", "workspace", "order")
        .first()
    )
    if invitation is None or not secrets.compare_digest(str(invitation.nonce), str(value)):
        return None
    if invitation.survey.workspace_id != workspace_id:
        return None
    return invitation


def invitation_expired(invitation: SurveyInvitation) -> bool:
    return invitation.expires_at <= timezone.now()


def public_token(survey: Survey) -> str:
    return link_token([survey.workspace_id, survey.pk, survey.public_nonce], salt=PUBLIC_SALT)


def public_path(survey: Survey) -> str:
    return reverse("feedback:public", kwargs={"token": public_token(survey)})


def survey_from_public_token(token: str) -> Survey | None:
    """The survey a public link names while its public link is on, or None."""
    if not token or len(token) > TOKEN_MAX:
        return None
    try:
        workspace_id, pk, value = link_value(token, salt=PUBLIC_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not isinstance(workspace_id, int):
        return None
    survey = (
        Survey.objects.filter(pk=pk, workspace_id=workspace_id)
        .exclude(public_mode="off")
        .select_related("workspace")
        .first()
    )
    if survey is None or not secrets.compare_digest(str(survey.public_nonce), str(value)):
        return None
    return survey


def qr_svg(text: str) -> str:
    """An inline SVG QR code, made here (no image service, no CDN)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")
