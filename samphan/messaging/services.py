"""Writes for messaging: the LINE channel's settings, link codes, the webhook's intake and the
processing of each event. Every change to a customer goes through the customers app's services
(create, contacts, consent, interactions, merge), so it writes the same events as a person's."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from linebot.v3.webhook import SignatureValidator

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Workspace
from samphan.core.roles import Perm, Role
from samphan.customers import selectors as customer_selectors
from samphan.customers.consent_services import consent_record
from samphan.customers.contact_services import contact_add
from samphan.customers.interaction_services import interaction_log
from samphan.customers.merge import customer_merge
from samphan.customers.models import (
    AcquisitionSource,
    ConsentPurpose,
    ContactKind,
    Customer,
    InteractionKind,
)
from samphan.customers.services import customer_create
from samphan.customers.services.common import NOTE_MAX
from samphan.messaging.channels.line import (
    Backoff,
    LineClient,
    LineError,
    Message,
    Quota,
    SendResult,
    send_to_user,
)
from samphan.messaging.events import (
    LineFollowed,
    LineLinked,
    LineMessageReceived,
    LinePostback,
    LineUnfollowed,
)
from samphan.messaging.models import (
    LineChannel,
    LineLinkCode,
    LineWebhookEvent,
    WebhookEventStatus,
)
from samphan.timeline.publish import publish

log = logging.getLogger(__name__)

CHANNEL_ID = re.compile(r"^\d{6,32}$")
CHANNEL_SECRET = re.compile(r"^[0-9a-f]{32}$")
ACCESS_TOKEN = re.compile(r"^[A-Za-z0-9+/=._\-]{20,512}$")
WEBHOOK_MAX_EVENTS = 500  # LINE batches a handful; a body with more is not LINE's
EVENT_ID_MAX = 64
EVENT_TEXT_MAX = 500  # what the timeline event keeps of a message (the interaction keeps all)
POSTBACK_MAX = 300
LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out at a counter
LINK_CODE_LENGTH = 6
LINK_CODE_TTL = dt.timedelta(hours=24)
LINK_CODE_TEXT = re.compile(rf"^\s*#?([A-Za-z2-9]{{{LINK_CODE_LENGTH}}})\s*$")
QUOTA_CACHE_SECONDS = 300
# A customer who sends one of these to the shop's LINE account stops all marketing messages.
STOP_WORDS = frozenset({"stop", "unsubscribe", "ยกเลิก", "หยุด", "เลิกรับ", "ยกเลิกรับข่าวสาร"})


class LineActor(Actor):
    """The shop's LINE Official Account acting on the shop's behalf (webhook events): it may
    create and link customers and record what they said, and its timeline rows say "LINE"."""

    @property
    def label(self) -> str:
        return "LINE"


def line_actor(workspace: Workspace) -> Actor:
    # A manager's rights: a link code may merge the record a follow created into the customer
    # the code was made for.
    return LineActor(workspace=workspace, role=Role.MANAGER)


def _bad(code: str, message: str, field: str = "", status: int = 422) -> ApplicationError:
    return ApplicationError(code, message, {"field": field} if field else {}, status=status)


# --- the channel's settings ------------------------------------------------------------------


def mask(secret: str) -> str:
    """What a page or the API shows of a stored secret: its last four characters."""
    return f"••••{secret[-4:]}" if secret else ""


def line_channel_save(
    *,
    actor: Actor,
    channel_id: str,
    channel_secret: str | None = None,
    channel_access_token: str | None = None,
) -> LineChannel:
    """Create or change the workspace's LINE channel. A secret left empty (None or "") keeps
    the stored one, so a form never needs to show it back."""
    require(actor, Perm.CHANNEL_MANAGE)
    channel_id = (channel_id or "").strip()
    secret = (channel_secret or "").strip()
    token = "".join((channel_access_token or "").split())
    if channel_id and not CHANNEL_ID.match(channel_id):
        raise _bad(
            "invalid_channel_id", _("The channel ID is the number LINE shows."), "channel_id"
        )
    if secret and not CHANNEL_SECRET.match(secret):
        raise _bad(
            "invalid_channel_secret",
            _("The channel secret is 32 letters and digits (0–9, a–f)."),
            "channel_secret",
        )
    if token and not ACCESS_TOKEN.match(token):
        raise _bad(
            "invalid_access_token",
            _("This does not look like a channel access token (copy it again from LINE)."),
            "channel_access_token",
        )
    with transaction.atomic():
        channel = LineChannel.objects.select_for_update().filter(workspace=actor.workspace).first()
        if channel is None:
            channel = LineChannel(
                workspace=actor.workspace, webhook_token=secrets.token_urlsafe(32)
            )
        changed = []
        if channel_id != channel.channel_id:
            channel.channel_id = channel_id
            changed.append("channel_id")
        if secret and secret != channel.channel_secret:
            channel.channel_secret = secret
            changed.append("channel_secret")
        if token and token != channel.channel_access_token:
            channel.channel_access_token = token
            changed.append("channel_access_token")
        channel.updated_by = actor.user
        channel.save()
        if changed:
            audit_record(
                action="messaging.line_channel_changed",
                workspace=actor.workspace,
                actor=actor.user,
                actor_label=actor.label,
                target=f"line:{channel.channel_id}",
                data={"changed": changed},  # which, never the values
            )
    cache.delete(_quota_key(actor.workspace.pk))
    return channel


def line_webhook_token_rotate(*, actor: Actor) -> LineChannel:
    """A new webhook address (the old one stops working at once): for a leaked address."""
    require(actor, Perm.CHANNEL_MANAGE)
    with transaction.atomic():
        channel = LineChannel.objects.select_for_update().filter(workspace=actor.workspace).first()
        if channel is None:
            raise NotFound("line_channel_not_found", _("Set up the LINE channel first."))
        channel.webhook_token = secrets.token_urlsafe(32)
        channel.save(update_fields=["webhook_token", "updated_at"])
        audit_record(
            action="messaging.line_webhook_rotated",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"line:{channel.channel_id}",
        )
    return channel


# --- link codes --------------------------------------------------------------------------------


def line_link_code_create(*, actor: Actor, customer_id: int) -> LineLinkCode:
    """A one-time code for this customer to send to the shop's LINE account (valid 24 hours)."""
    require(actor, Perm.CUSTOMER_EDIT)
    customer = customer_selectors.customer_get(actor=actor, customer_id=customer_id)
    now = timezone.now()
    for _attempt in range(5):
        code = "".join(secrets.choice(LINK_CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))
        try:
            with transaction.atomic():
                # A code is unique per workspace; codes long expired make way for new ones.
                LineLinkCode.objects.filter(
                    workspace=actor.workspace, code=code, expires_at__lt=now
                ).delete()
                return LineLinkCode.objects.create(
                    workspace=actor.workspace,
                    customer=customer,
                    code=code,
                    expires_at=now + LINK_CODE_TTL,
                    created_by=actor.user,
                )
        except IntegrityError:
            continue
    raise ApplicationError("link_code_busy", _("Could not make a code; try again."), status=503)


# --- the webhook's intake ----------------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    accepted: list[int]  # rows of events seen for the first time, to process
    redelivered: int  # events already received (same webhookEventId): not processed again


def _signature_ok(channel: LineChannel, body: bytes, signature: str) -> bool:
    if not channel.channel_secret or not signature:
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(SignatureValidator(channel.channel_secret).validate(text, signature))


def _obj(event: dict[str, Any], key: str) -> dict[str, Any]:
    value = event.get(key)
    return value if isinstance(value, dict) else {}


def _event_time(event: dict[str, Any]) -> dt.datetime:
    millis = event.get("timestamp")
    if isinstance(millis, int) and 0 < millis < 10**14:
        return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)
    return timezone.now()


def line_webhook_receive(*, channel: LineChannel, body: bytes, signature: str) -> Intake:
    """Check a webhook delivery and keep each of its events once; processing is a task after
    commit, so LINE gets its answer at once. A bad signature, a body that is not LINE's JSON,
    or an event without its id is refused whole (HTTP 400)."""
    if not _signature_ok(channel, body, signature):
        raise _bad("bad_signature", "X-Line-Signature is missing or does not match.", status=400)
    try:
        data = json.loads(body)
    except ValueError:
        raise _bad("bad_json", "The body is not JSON.", status=400) from None
    events = data.get("events") if isinstance(data, dict) else None
    if not isinstance(events, list) or len(events) > WEBHOOK_MAX_EVENTS:
        raise _bad("bad_events", "The body has no events list (or too many).", status=400)
    rows: list[tuple[str, dict[str, Any]]] = []
    for event in events:
        event_id = event.get("webhookEventId") if isinstance(event, dict) else None
        if not isinstance(event_id, str) or not 0 < len(event_id) <= EVENT_ID_MAX:
            raise _bad("bad_event", "An event has no webhookEventId.", status=400)
        rows.append((event_id, event))
    accepted: list[int] = []
    redelivered = 0
    workspace = channel.workspace
    with transaction.atomic():
        for event_id, event in rows:
            source = _obj(event, "source")
            user_id = source.get("userId") if source.get("type") == "user" else ""
            try:
                with transaction.atomic():
                    row = LineWebhookEvent.objects.create(
                        workspace=workspace,
                        webhook_event_id=event_id,
                        event_type=str(event.get("type") or "")[:32],
                        line_user_id=str(user_id or "")[:64],
                        payload=event,
                        occurred_at=_event_time(event),
                    )
            except IntegrityError:
                redelivered += 1
                LineWebhookEvent.objects.filter(
                    workspace=workspace, webhook_event_id=event_id
                ).update(redelivered=F("redelivered") + 1)
                continue
            accepted.append(row.pk)
        if accepted:
            from samphan.messaging.tasks import line_events_process_task

            ids, workspace_id = list(accepted), workspace.pk
            transaction.on_commit(lambda: line_events_process_task.delay(workspace_id, ids))
    return Intake(accepted=accepted, redelivered=redelivered)


# --- processing one event ----------------------------------------------------------------------


class _Outcome(Exception):
    """An event that cannot be applied, with the outcome code the log page shows."""

    def __init__(self, status: str, outcome: str) -> None:
        super().__init__(outcome)
        self.status = status
        self.outcome = outcome


def line_events_process(*, workspace_id: int, event_ids: Sequence[int]) -> dict[str, int]:
    """Apply each received event once, each in its own transaction; returns counts by status."""
    counts: dict[str, int] = {}
    for event_id in event_ids:
        status = line_event_process(workspace_id=workspace_id, event_id=event_id)
        counts[status] = counts.get(status, 0) + 1
    return counts


def line_event_process(*, workspace_id: int, event_id: int) -> str:
    try:
        with transaction.atomic():
            row = (
                LineWebhookEvent.objects.select_for_update()
                .select_related("workspace")
                .filter(workspace_id=workspace_id, pk=event_id)
                .first()
            )
            if row is None or row.status != WebhookEventStatus.RECEIVED:
                return row.status if row is not None else "missing"
            try:
                customer, outcome = _apply(line_actor(row.workspace), row)
            except _Outcome as stop:
                row.status, row.outcome = stop.status, stop.outcome
            else:
                row.status, row.outcome = WebhookEventStatus.PROCESSED, outcome
                row.customer = customer
            row.processed_at = timezone.now()
            row.save(update_fields=["status", "outcome", "customer", "processed_at"])
            return row.status
    except Exception as exc:  # a bug or a refused write: keep the event, say why, go on
        code = exc.code if isinstance(exc, ApplicationError) else type(exc).__name__
        log.exception("LINE event %s of workspace %s failed: %s", event_id, workspace_id, code)
        LineWebhookEvent.objects.filter(workspace_id=workspace_id, pk=event_id).update(
            status=WebhookEventStatus.FAILED, outcome=str(code)[:200], processed_at=timezone.now()
        )
        return WebhookEventStatus.FAILED


def _apply(actor: Actor, row: LineWebhookEvent) -> tuple[Customer | None, str]:
    if not row.line_user_id:
        raise _Outcome(WebhookEventStatus.IGNORED, "not_from_a_user")
    event = row.payload
    kind = row.event_type
    if kind == "follow":
        return _follow(actor, row, event)
    if kind == "unfollow":
        return _unfollow(actor, row)
    if kind == "message":
        message = _obj(event, "message")
        if message.get("type") != "text":
            raise _Outcome(WebhookEventStatus.IGNORED, "message_not_text")
        return _text(actor, row, str(message.get("text") or ""))
    if kind == "postback":
        postback = _obj(event, "postback")
        return _postback(actor, row, str(postback.get("data") or ""))
    raise _Outcome(WebhookEventStatus.IGNORED, "not_handled")


def _customer_of(actor: Actor, line_user_id: str) -> Customer | None:
    return customer_selectors.customer_by_contact(
        actor=actor, kind=ContactKind.LINE, value=line_user_id
    )


def _customer_or_new(actor: Actor, line_user_id: str) -> tuple[Customer, bool]:
    """The customer with this LINE ID, or a new one (acquired through LINE) holding it."""
    customer = _customer_of(actor, line_user_id)
    if customer is not None:
        return customer, False
    result = customer_create(
        actor=actor,
        contacts=[(ContactKind.LINE, line_user_id)],
        acquisition_source=AcquisitionSource.LINE,
    )
    return result.customer, result.created


def _follow(
    actor: Actor, row: LineWebhookEvent, event: dict[str, Any]
) -> tuple[Customer | None, str]:
    customer, created = _customer_or_new(actor, row.line_user_id)
    consent_record(
        actor=actor,
        customer_id=customer.pk,
        purpose=ConsentPurpose.MARKETING_LINE,
        granted=True,
        source="follow",
        evidence=f"LINE follow, webhook event {row.webhook_event_id}",
        recorded_at=row.occurred_at,
    )
    follow = _obj(event, "follow")
    publish(
        LineFollowed(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            occurred_at=row.occurred_at,
            new_customer=created,
            unblocked=bool(follow.get("isUnblocked")),
        )
    )
    return customer, "customer_created" if created else "customer_linked"


def _unfollow(actor: Actor, row: LineWebhookEvent) -> tuple[Customer | None, str]:
    customer = _customer_of(actor, row.line_user_id)
    if customer is None:
        raise _Outcome(WebhookEventStatus.IGNORED, "unknown_line_user")
    consent_record(
        actor=actor,
        customer_id=customer.pk,
        purpose=ConsentPurpose.MARKETING_LINE,
        granted=False,
        source="unfollow",
        evidence=f"LINE unfollow, webhook event {row.webhook_event_id}",
        recorded_at=row.occurred_at,
    )
    publish(
        LineUnfollowed(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            occurred_at=row.occurred_at,
        )
    )
    return customer, "consent_withdrawn"


def _text(actor: Actor, row: LineWebhookEvent, text: str) -> tuple[Customer | None, str]:
    text = text.strip()
    if not text:
        raise _Outcome(WebhookEventStatus.IGNORED, "message_empty")
    if text.casefold() in STOP_WORDS:
        known = _customer_of(actor, row.line_user_id)
        if known is not None:
            from samphan.messaging.campaigns import customer_unsubscribe

            customer_unsubscribe(
                workspace=actor.workspace,
                customer_id=known.pk,
                how="line",
                evidence=f"LINE message {text!r}, webhook event {row.webhook_event_id}",
            )
            return known, "unsubscribed"
    match = LINK_CODE_TEXT.match(text)
    if match:
        linked = _link_by_code(actor, row, match.group(1).upper())
        if linked is not None:
            return linked, "linked_by_code"
    customer, _created = _customer_or_new(actor, row.line_user_id)
    result = interaction_log(
        actor=actor,
        customer_id=customer.pk,
        kind=InteractionKind.CHAT,
        summary=text[:NOTE_MAX],
        occurred_at=row.occurred_at,
    )
    publish(
        LineMessageReceived(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            occurred_at=row.occurred_at,
            interaction_id=result.interaction.pk,
            text=text[:EVENT_TEXT_MAX],
        )
    )
    return customer, "interaction_logged"


def _postback(actor: Actor, row: LineWebhookEvent, data: str) -> tuple[Customer | None, str]:
    data = data.strip()[:POSTBACK_MAX]
    if not data:
        raise _Outcome(WebhookEventStatus.IGNORED, "postback_empty")
    customer, _created = _customer_or_new(actor, row.line_user_id)
    result = interaction_log(
        actor=actor,
        customer_id=customer.pk,
        kind=InteractionKind.CHAT,
        summary=_("Tapped a LINE button: %(data)s") % {"data": data},
        occurred_at=row.occurred_at,
    )
    publish(
        LinePostback(
            workspace_id=actor.workspace.pk,
            customer_id=customer.pk,
            actor=actor,
            occurred_at=row.occurred_at,
            interaction_id=result.interaction.pk,
            data=data,
        )
    )
    return customer, "interaction_logged"


def _link_by_code(actor: Actor, row: LineWebhookEvent, code: str) -> Customer | None:
    """Link the sender's LINE account to the customer the code was made for. When a follow
    already made a LINE-only record for the sender (no orders, acquired through LINE), that
    record is merged into the customer (undoable like any merge); a LINE account that belongs
    to a real other customer is left alone. None when the text is no live code."""
    link = (
        LineLinkCode.objects.select_for_update()
        .filter(
            workspace=actor.workspace,
            code=code,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            customer__merged_into__isnull=True,
        )
        .first()
    )
    if link is None:
        return None
    target_id = link.customer_id
    owner = _customer_of(actor, row.line_user_id)
    merged_id = None
    if owner is None:
        contact_add(
            actor=actor, customer_id=target_id, kind=ContactKind.LINE, value=row.line_user_id
        )
    elif owner.pk != target_id:
        if owner.acquisition_source != AcquisitionSource.LINE or owner.orders_count:
            raise _Outcome(WebhookEventStatus.IGNORED, "line_account_has_another_customer")
        customer_merge(actor=actor, survivor_id=target_id, merged_id=owner.pk)
        merged_id = owner.pk
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    publish(
        LineLinked(
            workspace_id=actor.workspace.pk,
            customer_id=target_id,
            actor=actor,
            occurred_at=row.occurred_at,
            merged_customer_id=merged_id,
        )
    )
    return Customer.objects.get(pk=target_id)


# --- sending and the quota ---------------------------------------------------------------------


def _channel_for_sending(actor: Actor) -> LineChannel:
    channel = LineChannel.objects.filter(workspace=actor.workspace).first()
    if channel is None or not channel.can_send:
        raise ApplicationError(
            "line_not_configured",
            _("Set up the shop's LINE channel (its access token) first."),
            status=409,
        )
    return channel


def line_client(
    channel: LineChannel, *, attempts: int | None = None, timeout: float = 10.0
) -> LineClient:
    backoff = None
    if attempts is not None:
        backoff = Backoff(base=settings.SAMPHAN_LINE_RETRY_BASE_SECONDS, attempts=attempts)
    return LineClient(access_token=channel.channel_access_token, backoff=backoff, timeout=timeout)


def line_send_to_customer(
    *,
    actor: Actor,
    customer_id: int,
    messages: Sequence[Message],
    retry_key: str | None = None,
    reply: bool = True,
) -> SendResult:
    """A one-to-one message (an answer, a service message) to a customer's LINE: a free reply
    when ``reply`` and the customer's latest event has a fresh, unused reply token, else a push
    (``retry_key``: a caller that may repeat the call after a crash gives the same key, and
    LINE takes the message once). Consent is the caller's business: campaigns check marketing
    consent per delivery."""
    require(actor, Perm.CUSTOMER_EDIT)
    channel = _channel_for_sending(actor)
    customer = customer_selectors.customer_get(actor=actor, customer_id=customer_id)
    user_id = (
        customer.contacts.filter(kind=ContactKind.LINE).order_by("-is_primary", "pk")
        .values_list("value", flat=True).first()
    )  # fmt: skip
    if not user_id:
        raise _bad("no_line_account", _("This customer has no LINE account linked."))
    now = timezone.now()
    latest = (
        LineWebhookEvent.objects.filter(
            workspace=actor.workspace, line_user_id=user_id, replied_at__isnull=True
        )
        .order_by("-received_at", "-pk")
        .first()
    )
    token = str(latest.payload.get("replyToken") or "") if latest is not None and reply else ""
    with line_client(channel) as client:
        try:
            result = send_to_user(
                client,
                user_id=user_id,
                messages=messages,
                reply_token=token,
                reply_token_received_at=latest.received_at if latest is not None else None,
                now=now,
                retry_key=retry_key,
            )
        except LineError as exc:
            raise ApplicationError(
                "line_send_failed",
                _("LINE did not take the message (%(status)s).") % {"status": exc.status or "-"},
                {"status": exc.status, "attempts": exc.attempts},
                status=502,
            ) from exc
    if result.method == "reply" and latest is not None:
        LineWebhookEvent.objects.filter(pk=latest.pk).update(replied_at=now)
    return result


def _quota_key(workspace_id: int) -> str:
    return f"messaging:line-quota:{workspace_id}"


def line_quota_get(*, actor: Actor, fresh: bool = False, interactive: bool = False) -> Quota:
    """This month's LINE message quota and use (cached for five minutes). ``interactive``: a
    page is waiting, so LINE gets two short tries instead of the full backoff."""
    require(actor, Perm.CHANNEL_MANAGE)
    key = _quota_key(actor.workspace.pk)
    cached = None if fresh else cache.get(key)
    if cached is not None:
        return Quota(limit=cached[0], used=cached[1])
    channel = _channel_for_sending(actor)
    client = line_client(channel, attempts=2, timeout=5.0) if interactive else line_client(channel)
    with client:
        try:
            quota = client.quota()
        except LineError as exc:
            raise ApplicationError(
                "line_quota_unavailable",
                _("LINE did not answer the quota request (%(status)s).")
                % {"status": exc.status or "-"},
                status=502,
            ) from exc
    cache.set(key, (quota.limit, quota.used), QUOTA_CACHE_SECONDS)
    return quota


def line_quota_check(*, actor: Actor, messages: int) -> Quota:
    """Refuse a send of ``messages`` that the month's quota has no room for (each recipient of
    a multicast counts once)."""
    quota = line_quota_get(actor=actor, fresh=True)
    if not quota.allows(messages):
        raise ApplicationError(
            "line_quota_exceeded",
            _("LINE's monthly quota has room for %(left)s more messages; this needs %(need)s.")
            % {"left": quota.remaining, "need": messages},
            {"remaining": quota.remaining, "needed": messages},
            status=409,
        )
    return quota
