"""Survey links that go out on their own: a post-purchase or post-ticket link of a survey set to
``auto_send`` is pushed to the customer's LINE through messaging, when the shop's LINE channel
is set up, the customer is linked on LINE and allows messages there (the consent ledger's
latest LINE entry). Anyone else's link waits on the customer's page for staff to send.

Each push carries a retry key derived from the link, so a repeat after a crash is one message;
the link is marked sent only after LINE took it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.models import Workspace
from samphan.core.roles import Role
from samphan.customers.models import ConsentPurpose
from samphan.customers.selectors import consent_granted
from samphan.feedback import links
from samphan.feedback.models import InvitationSource, SurveyInvitation
from samphan.messaging.channels.line import Text
from samphan.messaging.services import line_send_to_customer

logger = logging.getLogger(__name__)
_KEYS = uuid.UUID("6f1c2e4a-57a4-4d8e-9a43-2f0a3c1b7d55")
AUTOMATIC = (InvitationSource.ORDER, InvitationSource.TICKET)


class SurveyActor(Actor):
    """The shop sending its own survey links; named "survey links" on what it writes."""

    @property
    def label(self) -> str:
        return "survey links"


def invitation_message(invitation: SurveyInvitation, language: str) -> str:
    url = settings.SAMPHAN_PUBLIC_URL.rstrip("/") + links.invitation_path(invitation)
    with translation.override(language):
        return _(
            "%(shop)s: thank you! Would you tell us how it went? It takes two minutes: %(url)s"
        ) % {
            "shop": invitation.workspace.name,
            "url": url,
        }


def invitations_send(*, workspace_id: int, invitation_ids: Sequence[int]) -> int:
    """Push the given links that are due to go out on their own; answer how many went."""
    rows = list(
        SurveyInvitation.objects.filter(
            workspace_id=workspace_id,
            pk__in=list(invitation_ids),
            sent_at__isnull=True,
            answered_at__isnull=True,
            expires_at__gt=timezone.now(),
            source__in=AUTOMATIC,
            survey__auto_send=True,
            survey__is_active=True,
        ).select_related("workspace", "customer")
    )
    if not rows:
        return 0
    allowed = consent_granted(
        customer_ids=[r.customer_id for r in rows], purpose=ConsentPurpose.MARKETING_LINE
    )
    workspace = Workspace.objects.get(pk=workspace_id)
    actor = SurveyActor(workspace=workspace, role=Role.SUPPORT)
    sent = 0
    for invitation in rows:
        if invitation.customer_id not in allowed:
            continue
        text = invitation_message(invitation, invitation.customer.preferred_language or "th")
        try:
            line_send_to_customer(
                actor=actor,
                customer_id=invitation.customer_id,
                messages=[Text(text)],
                retry_key=str(uuid.uuid5(_KEYS, invitation.nonce)),
                reply=False,
            )
        except ApplicationError as exc:  # no LINE channel or account, LINE refused: by hand
            logger.info("survey link %s not sent by LINE: %s", invitation.pk, exc.code)
            continue
        sent += SurveyInvitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
            sent_at=timezone.now(), sent_via="line"
        )
    return sent
