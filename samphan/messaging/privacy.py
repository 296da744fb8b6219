"""Messaging's part of a person's data (the data-subject registry, ``core.datasubject``): the
LINE webhook events they sent (their LINE user ID and what they wrote) and the link codes made
for them. Erasure deletes both: the consent and interactions they led to are kept (and erased)
by the customers app's own parts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy

from samphan.core.datasubject import (
    DELETED,
    MASKED,
    Holding,
    Subject,
    register_part,
    register_unrelated,
)
from samphan.customers.models import ContactKind, ContactPoint
from samphan.messaging.models import Campaign, CapLock, Delivery, LineLinkCode, LineWebhookEvent


def _line_ids(workspace_id: int, customer_ids: Sequence[int]) -> list[str]:
    return list(
        ContactPoint.objects.filter(
            workspace_id=workspace_id, customer_id__in=customer_ids, kind=ContactKind.LINE
        ).values_list("value", flat=True)
    )


def _events(subject: Subject) -> Any:
    """Their events: those linked to them, and those from their LINE accounts (an event that
    was refused or not yet applied has no customer)."""
    line_ids = _line_ids(subject.workspace_id, subject.customer_ids)
    line_ids += [i for i in subject.identifiers if i.startswith("U") and len(i) == 33]
    return LineWebhookEvent.objects.filter(workspace_id=subject.workspace_id).filter(
        Q(customer_id__in=subject.customer_ids) | Q(line_user_id__in=line_ids)
    )


def line_export(subject: Subject) -> dict[str, Any]:
    events = _events(subject).order_by("received_at", "pk")
    codes = LineLinkCode.objects.filter(
        workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
    ).order_by("created_at", "pk")
    return {
        "webhook_events": [
            {
                "event": e.event_type,
                "line_user_id": e.line_user_id,
                "sent_at": e.occurred_at.isoformat(),
                "received_at": e.received_at.isoformat(),
                "status": e.status,
                "outcome": e.outcome,
                "payload": e.payload,
            }
            for e in events
        ],
        "link_codes": [
            {
                "code": c.code,
                "created_at": c.created_at.isoformat(),
                "expires_at": c.expires_at.isoformat(),
                "used_at": c.used_at.isoformat() if c.used_at else None,
            }
            for c in codes
        ],
    }


def line_erase(subjects: Sequence[Subject]) -> int:
    changed = 0
    for subject in subjects:
        changed += _events(subject).delete()[0]
        changed += LineLinkCode.objects.filter(
            workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
        ).delete()[0]
    return changed


def line_identifiers(workspace_id: int, customer_ids: Sequence[int]) -> Iterable[str]:
    return LineLinkCode.objects.filter(
        workspace_id=workspace_id, customer_id__in=customer_ids
    ).values_list("code", flat=True)


EVENT_PERSONAL = ("line_user_id", "payload", "customer")
EVENT_KEPT = (
    "webhook_event_id", "event_type", "occurred_at", "received_at", "redelivered", "status",
    "outcome", "processed_at", "replied_at",
)  # fmt: skip

register_part(
    key="messaging.line",
    label=gettext_lazy("LINE messages and link codes"),
    holds=[
        Holding(
            "messaging.LineWebhookEvent", personal=EVENT_PERSONAL, kept=EVENT_KEPT, how=DELETED
        ),
        Holding(
            "messaging.LineLinkCode",
            personal=("code", "customer"),
            kept=("created_at", "expires_at", "used_at", "created_by"),
            how=DELETED,
        ),
    ],
    export=line_export,
    erase=line_erase,
    identifiers=line_identifiers,
    order=60,
)

register_unrelated("messaging.LineChannel", "the shop's own LINE channel settings and credentials")
register_unrelated("messaging.MessagingSettings", "the shop's quiet hours and weekly message limit")


# --- campaign deliveries -----------------------------------------------------------------------


def _deliveries(subject: Subject) -> Any:
    return Delivery.objects.filter(
        workspace_id=subject.workspace_id, customer_id__in=subject.customer_ids
    )


def deliveries_export(subject: Subject) -> dict[str, Any]:
    rows = _deliveries(subject).select_related("campaign").order_by("created_at", "pk")
    listed = [
        c.name
        for c in Campaign.objects.filter(workspace_id=subject.workspace_id).only(
            "name", "customer_ids"
        )
        if set(c.customer_ids) & set(subject.customer_ids)
    ]
    return {
        "campaign_messages": [
            {
                "campaign": d.campaign.name,
                "channel": d.channel,
                "address": d.address,
                "status": d.status,
                "created_at": d.created_at.isoformat(),
                "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
                "opened_at": d.opened_at.isoformat() if d.opened_at else None,
                "clicked_at": d.clicked_at.isoformat() if d.clicked_at else None,
                "unsubscribed_at": d.unsubscribed_at.isoformat() if d.unsubscribed_at else None,
                "error": d.error,
            }
            for d in rows
        ],
        "named_in_campaign_audiences": listed,
    }


def deliveries_erase(subjects: Sequence[Subject]) -> int:
    changed = 0
    for subject in subjects:
        changed += _deliveries(subject).delete()[0]
        changed += CapLock.objects.filter(customer_id__in=subject.customer_ids).delete()[0]
        ids = set(subject.customer_ids)
        for campaign in Campaign.objects.filter(workspace_id=subject.workspace_id).only(
            "customer_ids"
        ):
            kept = [pk for pk in campaign.customer_ids if pk not in ids]
            if len(kept) != len(campaign.customer_ids):
                campaign.customer_ids = kept
                campaign.save(update_fields=["customer_ids"])
                changed += 1
    return changed


DELIVERY_PERSONAL = ("customer", "address", "idempotency_key", "error", "provider_id")
DELIVERY_KEPT = (
    "campaign", "channel", "status", "retry_key", "claim", "lease_until", "attempts",
    "created_at", "sent_at", "delivered_at", "unsubscribed_at", "opened_at", "clicked_at",
    "reserved_at", "variant", "cost_satang",
)  # fmt: skip
CAMPAIGN_KEPT = (
    "name", "channel", "segment", "audience_frozen", "text", "text_en", "text_b", "track_links",
    "subject",
    "coupon_campaign",
    "control_percent", "attribution_days", "status", "schedule_at", "send_after",
    "ignore_quiet_hours", "link_base", "audience_size", "created_by", "created_at",
    "started_at", "finished_at",
)  # fmt: skip

register_part(
    key="messaging.campaigns",
    label=gettext_lazy("Campaign messages sent to them"),
    holds=[
        Holding("messaging.Delivery", personal=DELIVERY_PERSONAL, kept=DELIVERY_KEPT, how=DELETED),
        # A lock row for the weekly-cap check: only the customer's id.
        Holding("messaging.CapLock", personal=(), how=DELETED),
        Holding("messaging.Campaign", personal=("customer_ids",), kept=CAMPAIGN_KEPT, how=MASKED),
    ],
    export=deliveries_export,
    erase=deliveries_erase,
    order=61,
)
