"""The delivery engine: queued delivery rows → provider calls → sent (or skipped, failed).

How it never sends twice and never skips anyone:

1. **Claim.** A worker takes rows with one conditional UPDATE (``queued → sending`` with a
   claim token and a lease; or ``sending`` whose lease has expired: a crashed worker's rows).
   Two workers can never hold the same row.
2. **Check, per call.** Right before each provider call, for exactly the recipients of that
   call, the consent ledger is read (marketing consent for that channel, the latest entry),
   the contacts, and the messages each customer got in the last seven days: a customer who
   withdrew after the campaign was scheduled is ``skipped_consent`` at this moment.
3. **Key before call.** The call's retry key (X-Line-Retry-Key; the SMS gateway's
   Idempotency-Key) is written to the rows *before* the call, derived from the rows
   themselves, so a call repeated after a crash carries the same key and the provider accepts
   it once (LINE answers 409 to a repeat it already accepted: counted as sent).
4. **Progress after confirmation.** Rows become ``sent`` only after the provider answered,
   and only if this worker still holds them (same claim token). A provider that keeps failing
   puts the rows back to ``queued`` (the key kept) for a later try; nothing is dropped.

Email has no idempotency key in SMTP: its Message-ID is derived from the delivery, so a rare
repeat after a crash between the server's "250 OK" and our update is the same message. The
rows of one SMTP session (up to 100 messages) share one key and are marked sent together
after it. Links in an email's text are tracked per recipient, with an open pixel in its HTML
part (``tracking.py``); LINE and SMS texts go as written.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from samphan.core.sink import RowSink
from samphan.customers.models import ConsentEvent, ConsentPurpose, ContactKind, ContactPoint
from samphan.messaging.campaigns import (
    Templates,
    campaign_templates,
    delivery_key,
    rules_of,
    unsubscribe_path,
)
from samphan.messaging.channels.email import Email, send_emails
from samphan.messaging.channels.line import (
    MULTICAST_MAX_RECIPIENTS,
    LineClient,
    LineError,
    Text,
)
from samphan.messaging.channels.sms import (
    SmsError,
    SmsGateway,
    sms_gateway_from_settings,
    sms_length,
)
from samphan.messaging.events import CampaignMessageSent
from samphan.messaging.models import (
    REACHED,
    Campaign,
    CampaignChannel,
    CampaignStatus,
    CapLock,
    Delivery,
    DeliveryStatus,
    LineChannel,
)
from samphan.messaging.personal import campaign_actor, personal_values
from samphan.messaging.templating import Template, fields_used
from samphan.messaging.tracking import Tracker, campaign_links
from samphan.timeline.publish import publish, sink_writer

log = logging.getLogger(__name__)

TASK_ROWS = 1000  # delivery rows per Celery task
CALL_ROWS_PERSONAL = 100  # rows checked together before one-by-one calls (push, SMS, email)
LEASE = dt.timedelta(minutes=10)
_KEY_NAMESPACE = uuid.UUID("6f1d3c2e-8a4b-4e47-9b0e-5d7c1a2b3c4d")
FALLBACK = ("line", "sms", "email")
PURPOSE = {
    "line": ConsentPurpose.MARKETING_LINE,
    "sms": ConsentPurpose.MARKETING_SMS,
    "email": ConsentPurpose.MARKETING_EMAIL,
}
CONTACT = {"line": ContactKind.LINE, "sms": ContactKind.PHONE, "email": ContactKind.EMAIL}


class ProviderDown(Exception):
    """The provider kept failing (after its client's own retries): try the rows again later."""


# --- dispatch ---------------------------------------------------------------------------------


def _tasks_for(ids: Sequence[int], size: int = TASK_ROWS) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield list(ids[i : i + size])


def deliveries_dispatch(*, campaign_id: int) -> int:
    """Hand a campaign's queued rows to the senders, ``TASK_ROWS`` per task (in-process when
    Celery is eager). Returns the tasks sent."""
    from samphan.messaging.tasks import deliveries_send_task

    ids = list(
        Delivery.objects.filter(campaign_id=campaign_id, status=DeliveryStatus.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    tasks = 0
    for chunk in _tasks_for(ids):
        deliveries_send_task.delay(campaign_id, chunk)
        tasks += 1
    if not ids:
        campaign_finish_if_done(campaign_id=campaign_id)
    return tasks


def deliveries_reap(*, now: dt.datetime | None = None) -> int:
    """Rows left ``sending`` by a worker that died (lease expired): handed out again, the rows
    of one provider call (same retry key) in the same task so the repeat is the same call."""
    from samphan.messaging.tasks import deliveries_send_task

    now = now or timezone.now()
    stale = (
        Delivery.objects.filter(
            Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
            # put back by a provider that kept failing
            | Q(status=DeliveryStatus.QUEUED, campaign__status=CampaignStatus.SENDING)
            & ~Q(error="")
        )
        .order_by("campaign_id", "retry_key", "pk")
        .values_list("campaign_id", "retry_key", "pk")[:100_000]
    )
    groups: dict[tuple[int, str], list[int]] = defaultdict(list)
    for campaign_id, key, pk in stale:
        groups[(campaign_id, key or f"row{pk}")].append(pk)
    batch: dict[int, list[int]] = defaultdict(list)
    tasks = 0
    for (campaign_id, _key), ids in groups.items():
        if len(batch[campaign_id]) + len(ids) > TASK_ROWS and batch[campaign_id]:
            deliveries_send_task.delay(campaign_id, batch.pop(campaign_id))
            tasks += 1
        batch[campaign_id].extend(ids)
    for campaign_id, ids in batch.items():
        if ids:
            deliveries_send_task.delay(campaign_id, ids)
            tasks += 1
    return tasks


def campaign_finish_if_done(*, campaign_id: int) -> bool:
    open_rows = Delivery.objects.filter(
        campaign_id=campaign_id, status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    ).exists()
    if open_rows:
        return False
    return bool(
        Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.DONE, finished_at=timezone.now()
        )
    )


# --- one task: claim, check, call, confirm ------------------------------------------------------


@dataclass
class Outcome:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    requeued: int = 0


@dataclass
class _Context:
    campaign: Campaign
    claim: str
    now: dt.datetime
    line: LineClient | None = None
    sms: SmsGateway | None = None
    tracker: Tracker | None = None  # the campaign's links and pixel, per recipient in email
    costs: dict[str, int] = field(default_factory=dict)  # satang per message, per channel


def deliveries_send(
    *, campaign_id: int, delivery_ids: Sequence[int], now: dt.datetime | None = None
) -> Outcome:
    """Send the given rows of a campaign (those still queued, or whose lease expired)."""
    now = now or timezone.now()
    campaign = Campaign.objects.select_related("workspace").filter(pk=campaign_id).first()
    outcome = Outcome()
    if campaign is None or campaign.status != CampaignStatus.SENDING:
        return outcome
    claim = uuid.uuid4().hex
    claimed = (
        Delivery.objects.filter(campaign_id=campaign_id, pk__in=list(delivery_ids))
        .filter(
            Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
        )
        .update(
            status=DeliveryStatus.SENDING,
            claim=claim,
            lease_until=now + LEASE,
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        campaign_finish_if_done(campaign_id=campaign_id)
        return outcome
    rows = list(
        Delivery.objects.filter(campaign_id=campaign_id, claim=claim, status=DeliveryStatus.SENDING)
        .select_related("customer")
        .order_by("pk")
    )
    ctx = _Context(
        campaign=campaign,
        claim=claim,
        now=now,
        tracker=Tracker(campaign.link_base, campaign_links(campaign)),
        costs=rules_of(campaign.workspace_id).costs,
    )
    templates = campaign_templates(campaign)
    tracked = campaign.track_links and bool(ctx.tracker and ctx.tracker.links)
    shared_line = (
        campaign.channel == CampaignChannel.LINE
        and not tracked
        and not any(t.personal for t in templates.all())
    )
    size = MULTICAST_MAX_RECIPIENTS if shared_line else CALL_ROWS_PERSONAL
    # Rows that already carry a retry key were in a call that may have reached the provider:
    # they are repeated as that same call (same rows, same key) before anything new.
    resumed: dict[str, list[Delivery]] = defaultdict(list)
    fresh: list[Delivery] = []
    for row in rows:
        (resumed[row.retry_key] if row.retry_key else fresh).append(row)
    groups = list(resumed.values()) + [fresh[i : i + size] for i in range(0, len(fresh), size)]
    try:
        for group in groups:
            _send_group(ctx, templates, group, outcome)
    except ProviderDown as exc:
        # Not sent, not lost: back to the queue with their keys, for the task's retry.
        outcome.requeued += Delivery.objects.filter(
            campaign_id=campaign_id, claim=claim, status=DeliveryStatus.SENDING
        ).update(status=DeliveryStatus.QUEUED, claim="", lease_until=None, error=str(exc)[:200])
        raise
    finally:
        if ctx.line is not None:
            ctx.line.close()
    campaign_finish_if_done(campaign_id=campaign_id)
    return outcome


# --- checks at the moment of sending -----------------------------------------------------------


@dataclass(frozen=True)
class _Decision:
    status: str  # SENDING (go) or a skipped_* status
    channel: str = ""
    address: str = ""


def _consents(customer_ids: list[int]) -> dict[tuple[int, str], bool]:
    """The latest marketing consent per (customer, purpose), read now."""
    latest: dict[tuple[int, str], bool] = {}
    rows = (
        ConsentEvent.objects.filter(
            customer_id__in=customer_ids, purpose__in=list(PURPOSE.values())
        )
        .order_by("customer_id", "purpose", "-recorded_at", "-id")
        .values_list("customer_id", "purpose", "granted")
    )
    for customer_id, purpose, granted in rows:
        latest.setdefault((customer_id, purpose), granted)
    return latest


def _contacts(customer_ids: list[int]) -> dict[tuple[int, str], str]:
    found: dict[tuple[int, str], str] = {}
    rows = (
        ContactPoint.objects.filter(customer_id__in=customer_ids, kind__in=list(CONTACT.values()))
        .order_by("customer_id", "kind", "-is_primary", "pk")
        .values_list("customer_id", "kind", "value")
    )
    for customer_id, kind, value in rows:
        found.setdefault((customer_id, kind), value)
    return found


def _recent(campaign: Campaign, customer_ids: list[int], now: dt.datetime) -> dict[int, int]:
    """Messages each customer got from other campaigns in the last 7 days, and those other
    senders have let go and not yet finished (reserved, still sending)."""
    return dict(
        Delivery.objects.filter(customer_id__in=customer_ids)
        .filter(
            Q(status__in=REACHED, sent_at__gte=now - dt.timedelta(days=7))
            | Q(status=DeliveryStatus.SENDING, reserved_at__gte=now - LEASE)
        )
        .exclude(campaign_id=campaign.pk)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("customer_id", "n")
    )


def _decide(ctx: _Context, rows: list[Delivery]) -> dict[int, _Decision]:
    ids = [r.customer_id for r in rows]
    consents = _consents(ids)
    contacts = _contacts(ids)
    cap = rules_of(ctx.campaign.workspace_id).weekly_cap
    recent = _recent(ctx.campaign, ids, ctx.now) if cap else {}
    decisions: dict[int, _Decision] = {}
    for row in rows:
        customer = row.customer
        if row.retry_key and row.channel:
            # Repeating a call that may have been made: its recipients stay as they were.
            address = row.address or contacts.get((row.customer_id, CONTACT[row.channel]), "")
            decisions[row.pk] = (
                _Decision(DeliveryStatus.SENDING, row.channel, address)
                if address
                else _Decision(DeliveryStatus.SKIPPED_CONTACT)
            )
            continue
        if ctx.campaign.channel == CampaignChannel.PREFERRED:
            first = customer.preferred_channel if customer.preferred_channel in FALLBACK else ""
            order = tuple(dict.fromkeys([c for c in (first, *FALLBACK) if c]))
        else:
            order = (ctx.campaign.channel,)
        reachable = [c for c in order if (row.customer_id, CONTACT[c]) in contacts]
        allowed = [c for c in reachable if consents.get((row.customer_id, PURPOSE[c]))]
        if not reachable:
            decisions[row.pk] = _Decision(DeliveryStatus.SKIPPED_CONTACT)
        elif not allowed:
            decisions[row.pk] = _Decision(DeliveryStatus.SKIPPED_CONSENT)
        elif cap and recent.get(row.customer_id, 0) >= cap:
            decisions[row.pk] = _Decision(DeliveryStatus.SKIPPED_FREQUENCY)
        else:
            channel = allowed[0]
            decisions[row.pk] = _Decision(
                DeliveryStatus.SENDING, channel, contacts[(row.customer_id, CONTACT[channel])]
            )
    return decisions


def _mine(ctx: _Context, ids: Iterable[int]) -> Q:
    return Q(pk__in=list(ids), claim=ctx.claim, status=DeliveryStatus.SENDING)


def _finish(ctx: _Context, ids: list[int], status: str, **extra: object) -> int:
    if not ids:
        return 0
    now = timezone.now()
    values: dict[str, object] = {"status": status, "lease_until": None, **extra}
    if status in REACHED:
        values["sent_at"] = now
    return Delivery.objects.filter(_mine(ctx, ids)).update(**values)


def _decide_reserving(ctx: _Context, rows: list[Delivery]) -> dict[int, _Decision]:
    """``_decide`` with the weekly cap made race-free: the recipients' cap locks are held
    (in customer order: no deadlock) while the cap is checked and the rows let go are
    reserved, which another campaign's check then counts."""
    if not rules_of(ctx.campaign.workspace_id).weekly_cap:
        return _decide(ctx, rows)
    ids = sorted({r.customer_id for r in rows})
    with transaction.atomic():
        CapLock.objects.bulk_create([CapLock(customer_id=i) for i in ids], ignore_conflicts=True)
        list(
            CapLock.objects.select_for_update()
            .filter(customer_id__in=ids)
            .order_by("customer_id")
            .values_list("customer_id", flat=True)
        )
        decisions = _decide(ctx, rows)
        going = [pk for pk, d in decisions.items() if d.status == DeliveryStatus.SENDING]
        Delivery.objects.filter(pk__in=going).update(reserved_at=ctx.now)
    return decisions


def _send_group(
    ctx: _Context, templates: Templates, rows: list[Delivery], outcome: Outcome
) -> None:
    decisions = _decide_reserving(ctx, rows)
    by_status: dict[str, list[int]] = defaultdict(list)
    going: list[Delivery] = []
    for row in rows:
        decision = decisions[row.pk]
        if decision.status != DeliveryStatus.SENDING:
            by_status[decision.status].append(row.pk)
            continue
        if row.channel != decision.channel or row.address != decision.address:
            row.channel, row.address = decision.channel, decision.address
            row.idempotency_key = delivery_key(ctx.campaign.pk, row.customer_id, row.channel)
        going.append(row)
    for status, ids in by_status.items():
        outcome.skipped += _finish(ctx, ids, status)
    if not going:
        return
    language = {r.pk: (r.customer.preferred_language or "th") for r in going}
    used = fields_used([*templates.all(), templates.subject])
    values = personal_values(
        workspace=ctx.campaign.workspace,
        customers=[r.customer for r in going],
        fields=used,
        coupon_campaign_id=ctx.campaign.coupon_campaign_id,
        link_base=ctx.campaign.link_base,
    )
    texts: dict[int, str] = {}
    subjects: dict[int, str] = {}
    unsubscribe: dict[int, str] = {}
    for row in going:
        row_values = values[row.customer_id]
        if "unsubscribe_link" in used or row.channel == "email":
            unsubscribe[row.pk] = ctx.campaign.link_base + unsubscribe_path(row.pk)
            row_values["unsubscribe_link"] = unsubscribe[row.pk]
        texts[row.pk] = _template_for(templates, row, language[row.pk]).render(row_values)
        if ctx.tracker is not None and (row.channel == "email" or ctx.campaign.track_links):
            # Email's full links; LINE's and SMS's short ones, when the campaign tracks them.
            texts[row.pk] = ctx.tracker.links_track(
                texts[row.pk], row.pk, short=row.channel != "email"
            )
        subjects[row.pk] = (
            templates.subject.render(row_values) if templates.subject else ctx.campaign.name
        )
    by_channel: dict[str, list[Delivery]] = defaultdict(list)
    for row in going:
        by_channel[row.channel].append(row)
    for channel, channel_rows in by_channel.items():
        if channel == "line":
            _send_line(ctx, channel_rows, texts, outcome)
        elif channel == "sms":
            _send_sms(ctx, channel_rows, texts, outcome)
        else:
            _send_email(ctx, channel_rows, texts, subjects, unsubscribe, outcome)


def _template_for(templates: Templates, row: Delivery, language: str) -> Template:
    """Variant B's text for the B half of an A/B test (in every language); otherwise the
    customer's language."""
    if row.variant == "b" and templates.text_b is not None:
        return templates.text_b
    if language == "en" and templates.text_en is not None:
        return templates.text_en
    return templates.text


def _key(*parts: object) -> str:
    return str(uuid.uuid5(_KEY_NAMESPACE, ":".join(str(p) for p in parts)))


def _mark_call(ctx: _Context, rows: list[Delivery], key: str) -> None:
    """Write the call's key (and the channel chosen) before the call, in set-based UPDATEs: a
    repeat after a crash finds them. The address is kept for one-recipient calls; a multicast's
    repeat reads the LINE IDs again."""
    ids = [r.pk for r in rows]
    Delivery.objects.filter(pk__in=ids, retry_key="").update(retry_key=key)
    channels: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        row.retry_key = row.retry_key or key
        channels[row.channel].append(row.pk)
    for channel, channel_ids in channels.items():
        Delivery.objects.filter(pk__in=channel_ids).exclude(channel=channel).update(
            channel=channel,
            idempotency_key=Concat(
                Value(f"c{ctx.campaign.pk}:"),
                Cast("customer_id", CharField()),
                Value(f":{channel}"),
            ),
        )
    if len(rows) == 1:
        Delivery.objects.filter(pk=rows[0].pk).update(address=rows[0].address)


def _sent(
    ctx: _Context, rows: list[Delivery], outcome: Outcome, provider_id: str = "", parts: int = 1
) -> None:
    """Mark the rows of one provider call sent, each with its cost (one channel per call; an
    SMS is one row, priced per part)."""
    ids = [r.pk for r in rows]
    cost = ctx.costs.get(rows[0].channel, 0) * parts if rows else 0
    done = _finish(
        ctx, ids, DeliveryStatus.SENT, provider_id=provider_id[:64], error="", cost_satang=cost
    )
    outcome.sent += done
    if done:
        confirmed = set(
            Delivery.objects.filter(
                pk__in=ids, status=DeliveryStatus.SENT, claim=ctx.claim
            ).values_list("pk", flat=True)
        )
        actor = campaign_actor(ctx.campaign.workspace)
        # One timeline row per message, as tuples through the bulk sink (COPY on PostgreSQL),
        # not a model instance each: a third of a sending task's time went to them.
        publish(
            [
                CampaignMessageSent(
                    workspace_id=ctx.campaign.workspace_id,
                    customer_id=r.customer_id,
                    actor=actor,
                    campaign_id=ctx.campaign.pk,
                    campaign=ctx.campaign.name,
                    channel=r.channel,
                )
                for r in rows
                if r.pk in confirmed
            ],
            write_rows=sink_writer(RowSink()),
        )


def _failed(ctx: _Context, rows: list[Delivery], outcome: Outcome, error: str, status: str) -> None:
    outcome.failed += _finish(ctx, [r.pk for r in rows], status, error=error[:200])


def _line_client(ctx: _Context) -> LineClient | None:
    if ctx.line is None:
        channel = LineChannel.objects.filter(workspace_id=ctx.campaign.workspace_id).first()
        if channel is None or not channel.can_send:
            return None
        ctx.line = LineClient(access_token=channel.channel_access_token)
    return ctx.line


def _line_failed(exc: LineError) -> bool:
    """A refusal for good (4xx other than 429): the message is failed, not retried."""
    return exc.status is not None and 400 <= exc.status < 500 and exc.status != 429


def _send_line(
    ctx: _Context, rows: list[Delivery], texts: dict[int, str], outcome: Outcome
) -> None:
    client = _line_client(ctx)
    if client is None:
        _failed(ctx, rows, outcome, "line_not_configured", DeliveryStatus.FAILED)
        return
    by_text: dict[str, list[Delivery]] = defaultdict(list)
    for row in rows:
        by_text[texts[row.pk]].append(row)
    for text, same in by_text.items():
        if len(same) > 1 or (same[0].retry_key and _shared_key(same[0])):
            for start in range(0, len(same), MULTICAST_MAX_RECIPIENTS):
                chunk = same[start : start + MULTICAST_MAX_RECIPIENTS]
                key = chunk[0].retry_key or _key(
                    ctx.campaign.pk, "multicast", *sorted(r.pk for r in chunk)
                )
                _mark_call(ctx, chunk, key)
                try:
                    result = client.multicast_once(
                        [r.address for r in chunk], [Text(text)], retry_key=key
                    )
                except LineError as exc:
                    if _line_failed(exc):
                        _failed(ctx, chunk, outcome, str(exc), DeliveryStatus.FAILED)
                        continue
                    raise ProviderDown(str(exc)) from exc
                except ValueError as exc:
                    _failed(ctx, chunk, outcome, str(exc), DeliveryStatus.FAILED)
                    continue
                _sent(ctx, chunk, outcome, "multicast:" + result.retry_key)
        else:
            row = same[0]
            key = row.retry_key or _key(row.idempotency_key)
            _mark_call(ctx, [row], key)
            try:
                client.push(row.address, [Text(text)], retry_key=key)
            except LineError as exc:
                if _line_failed(exc):
                    _failed(ctx, [row], outcome, str(exc), DeliveryStatus.FAILED)
                    continue
                raise ProviderDown(str(exc)) from exc
            except ValueError as exc:
                _failed(ctx, [row], outcome, str(exc), DeliveryStatus.FAILED)
                continue
            _sent(ctx, [row], outcome, "push")


def _shared_key(row: Delivery) -> bool:
    # A push key is derived from the row's own idempotency key; anything else was a multicast.
    return row.retry_key != _key(row.idempotency_key)


def _send_sms(ctx: _Context, rows: list[Delivery], texts: dict[int, str], outcome: Outcome) -> None:
    if ctx.sms is None:
        ctx.sms = sms_gateway_from_settings()
    gateway = ctx.sms
    if gateway is None:
        _failed(ctx, rows, outcome, "sms_not_configured", DeliveryStatus.FAILED)
        return
    for row in rows:
        key = row.retry_key or _key(row.idempotency_key)
        _mark_call(ctx, [row], key)
        try:
            result = gateway.send(
                row.address, texts[row.pk], reference=row.idempotency_key, idempotency_key=key
            )
        except ValueError as exc:
            _failed(ctx, [row], outcome, str(exc), DeliveryStatus.FAILED)
            continue
        except SmsError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                _failed(ctx, [row], outcome, str(exc), DeliveryStatus.FAILED)
                continue
            raise ProviderDown(str(exc)) from exc
        _sent(ctx, [row], outcome, result.message_id, parts=sms_length(texts[row.pk]).parts)


def _send_email(
    ctx: _Context,
    rows: list[Delivery],
    texts: dict[int, str],
    subjects: dict[int, str],
    unsubscribe: dict[int, str],
    outcome: Outcome,
) -> None:
    # The rows of one SMTP session share a key (one UPDATE, not three per row): a repeat after
    # a crash sends the same session's rows again, as one group.
    fresh = [row for row in rows if not row.retry_key]
    if fresh:
        _mark_call(ctx, fresh, _key(ctx.campaign.pk, "email", *sorted(r.pk for r in fresh)))
    emails = [
        Email(
            to=row.address,
            subject=subjects[row.pk],
            text=texts[row.pk],
            unsubscribe_url=unsubscribe[row.pk],
            reference=row.idempotency_key,
            open_pixel_url=ctx.tracker.open_url(row.pk) if ctx.tracker else "",
        )
        for row in rows
    ]
    with override("th"):
        footer = _("Unsubscribe from these messages")
    try:
        results = send_emails(emails, footer=footer)
    except OSError as exc:  # the SMTP server could not be reached: try again later
        raise ProviderDown(str(exc)) from exc
    accepted: list[Delivery] = []
    for row, error in zip(rows, results, strict=True):
        if error is None:
            accepted.append(row)
        elif error.startswith("SMTPRecipientsRefused"):
            _failed(ctx, [row], outcome, error, DeliveryStatus.BOUNCED)
        else:
            _failed(ctx, [row], outcome, error, DeliveryStatus.FAILED)
    if accepted:  # the server's answers came per message; the rows are marked together
        _sent(ctx, accepted, outcome, "smtp")


def sms_delivery_report(*, reference: str, delivered: bool, now: dt.datetime | None = None) -> int:
    """The SMS gateway's delivery report for a campaign message (``reference`` is the
    delivery's idempotency key): sent → delivered or failed."""
    status = DeliveryStatus.DELIVERED if delivered else DeliveryStatus.FAILED
    values: dict[str, object] = {"status": status}
    if delivered:
        values["delivered_at"] = now or timezone.now()
    else:
        values["error"] = "delivery report: not delivered"
    return Delivery.objects.filter(
        idempotency_key=reference[:80], channel="sms", status=DeliveryStatus.SENT
    ).update(**values)


__all__ = ["deliveries_dispatch", "deliveries_reap", "deliveries_send", "sms_delivery_report"]
