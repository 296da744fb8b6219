"""Writes for the PDPA consent ledger (append-only); each change writes its timeline event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.core.access import Actor, require
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text
from samphan.customers.events import ConsentChanged
from samphan.customers.models import ConsentEvent, ConsentPurpose
from samphan.customers.services.common import NOTE_MAX, _customer_for_update, _invalid
from samphan.timeline.publish import publish

# --- PDPA consent ledger -----------------------------------------------------------------------

# How a consent decision reached the shop (the form offers these; the API and staff add two).
CONSENT_FORM_SOURCES: list[tuple[str, Any]] = [
    ("counter", gettext_lazy("At the counter, in person")),
    ("phone", gettext_lazy("By phone")),
    ("line", gettext_lazy("On LINE")),
    ("web", gettext_lazy("On the web")),
    ("paper", gettext_lazy("Signed paper form")),
    ("email", gettext_lazy("By email")),
]
_CONSENT_SOURCES: dict[str, Any] = {
    **dict(CONSENT_FORM_SOURCES),
    "staff": gettext_lazy("Recorded by staff"),
    "api": gettext_lazy("Through the API"),
    "import": gettext_lazy("Imported from a file"),
    # The LINE webhook (samphan.messaging): adding or blocking the shop's LINE account.
    "follow": gettext_lazy("Added the shop on LINE"),
    "unfollow": gettext_lazy("Blocked the shop on LINE"),
    # Campaign messages (samphan.messaging): the unsubscribe link, or STOP by LINE or SMS.
    "unsubscribe": gettext_lazy("Unsubscribed from the shop's messages"),
}


def consent_source_label(source: str) -> str:
    return str(_CONSENT_SOURCES.get(source, source))


def consent_record(
    *,
    actor: Actor,
    customer_id: int,
    purpose: str,
    granted: bool,
    notice_version: str = "",
    source: str = "",
    evidence: str = "",
    recorded_at: dt.datetime | None = None,
) -> ConsentEvent:
    """Append one consent decision (given or withdrawn) to the ledger. Rows are never updated
    or deleted: the current state per purpose is the latest row (``selectors.consent_state``).
    Withdrawing takes exactly the same call as granting."""
    require(actor, Perm.CUSTOMER_EDIT)
    if purpose not in ConsentPurpose.values:
        raise _invalid("invalid_purpose", _("Unknown consent purpose."), "purpose")
    now = timezone.now()
    recorded_at = recorded_at or now
    if timezone.is_naive(recorded_at):
        recorded_at = timezone.make_aware(recorded_at)
    if recorded_at > now + dt.timedelta(minutes=5):
        raise _invalid(
            "consent_in_future", _("Consent cannot be recorded in the future."), "recorded_at"
        )
    source = clean_text(source or ("api" if actor.user is None else "staff"))[:32]
    notice_version = clean_text(notice_version)[:32]
    evidence = (evidence or "").strip()
    if len(evidence) > NOTE_MAX:
        raise _invalid("too_long", _("The evidence text is too long."), "evidence")
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        consent = ConsentEvent.objects.create(
            workspace=actor.workspace,
            customer=customer,
            purpose=purpose,
            granted=bool(granted),
            notice_version=notice_version,
            source=source,
            evidence=evidence,
            recorded_at=recorded_at,
            actor=actor.user,
        )
        publish(
            ConsentChanged(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                consent_id=consent.pk,
                purpose=purpose,
                granted=consent.granted,
                source=source,
                notice_version=notice_version,
                occurred_at=recorded_at,
            )
        )
    return consent


__all__ = [
    "consent_record",
]
