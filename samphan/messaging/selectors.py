"""Reads for messaging, workspace-scoped."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from samphan.core.access import Actor, require
from samphan.core.roles import Perm
from samphan.customers.models import ContactKind, Customer
from samphan.messaging.models import (
    LineChannel,
    LineLinkCode,
    LineWebhookEvent,
    WebhookEventStatus,
)

# What each stored outcome means, for the webhook-events page.
OUTCOME_LABELS = {
    "customer_created": gettext_lazy("New customer created"),
    "customer_linked": gettext_lazy("Matched an existing customer"),
    "consent_withdrawn": gettext_lazy("LINE consent withdrawn"),
    "interaction_logged": gettext_lazy("Kept as a chat interaction"),
    "linked_by_code": gettext_lazy("Linked with a code"),
    "line_account_has_another_customer": gettext_lazy(
        "Code not used: this LINE account belongs to another customer"
    ),
    "unknown_line_user": gettext_lazy("Unknown LINE user"),
    "not_from_a_user": gettext_lazy("Not from a person (group or room)"),
    "message_not_text": gettext_lazy("Not a text message (not kept)"),
    "message_empty": gettext_lazy("Empty message"),
    "postback_empty": gettext_lazy("Empty postback"),
    "not_handled": gettext_lazy("Event type not used"),
    "unsubscribed": gettext_lazy("Unsubscribed from marketing messages (keyword)"),
}


def outcome_label(outcome: str) -> str:
    label = OUTCOME_LABELS.get(outcome)
    return str(label) if label is not None else outcome


def line_channel_get(*, actor: Actor) -> LineChannel | None:
    require(actor, Perm.CHANNEL_MANAGE)
    return LineChannel.objects.filter(workspace=actor.workspace).first()


def line_channel_for_webhook(*, token: str) -> LineChannel | None:
    """The channel a webhook address names (no login: the token is the credential, and the
    signature proves the body)."""
    if not token or len(token) > 64:
        return None
    return LineChannel.objects.select_related("workspace").filter(webhook_token=token).first()


def line_event_list(*, actor: Actor, status: str = "") -> QuerySet[LineWebhookEvent]:
    require(actor, Perm.CHANNEL_MANAGE)
    events = LineWebhookEvent.objects.filter(workspace=actor.workspace).select_related("customer")
    if status in WebhookEventStatus.values:
        events = events.filter(status=status)
    return events.order_by("-received_at", "-pk")


def line_event_counts(*, actor: Actor) -> dict[str, int]:
    require(actor, Perm.CHANNEL_MANAGE)
    counts = dict.fromkeys(WebhookEventStatus.values, 0)
    rows = LineWebhookEvent.objects.filter(workspace=actor.workspace).values_list("status")
    for (status,) in rows.order_by():
        counts[status] = counts.get(status, 0) + 1
    return counts


@dataclass(frozen=True)
class LineLink:
    line_user_ids: list[str]
    codes: list[LineLinkCode]  # live codes, newest first
    channel_ready: bool


def line_link_state(*, actor: Actor, customer: Customer) -> LineLink:
    """The customer's linked LINE accounts and live link codes (the customer-page panel)."""
    require(actor, Perm.CUSTOMER_VIEW)
    # From the customer's contacts, which the customer page has read already (prefetched).
    lines = [c for c in customer.contacts.all() if c.kind == ContactKind.LINE]
    ids = [c.value for c in sorted(lines, key=lambda c: (not c.is_primary, c.pk))]
    codes = list(
        LineLinkCode.objects.filter(
            workspace=actor.workspace,
            customer=customer,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).order_by("-created_at")[:3]
    )
    ready = (
        LineChannel.objects.filter(workspace=actor.workspace).exclude(channel_secret="").exists()
    )
    return LineLink(line_user_ids=ids, codes=codes, channel_ready=ready)
