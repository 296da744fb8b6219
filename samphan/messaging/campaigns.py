"""Campaign writes: create (template checked, audience checked), send (quiet hours, quota),
start (the audience fixed into delivery rows, with a random control group held out), cancel,
the workspace's sending rules, and unsubscribing. The sending itself is ``sending.py``."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.bulk import BulkTable
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.links import link_token, link_value
from samphan.core.models import Workspace
from samphan.core.roles import Perm, Role
from samphan.core.sink import RowSink
from samphan.customers.consent_services import consent_record
from samphan.customers.models import ConsentPurpose, Customer
from samphan.loyalty.coupons.models import CouponCampaign
from samphan.messaging.channels.sms import sms_gateway_from_settings
from samphan.messaging.events import CampaignUnsubscribed
from samphan.messaging.models import (
    Campaign,
    CampaignChannel,
    CampaignStatus,
    Delivery,
    DeliveryStatus,
    LineChannel,
    MessagingSettings,
)
from samphan.messaging.personal import campaign_actor
from samphan.messaging.quiet import next_allowed
from samphan.messaging.templating import Template, fields_used, template_parse
from samphan.segments.models import Segment
from samphan.segments.services import segment_live_queryset
from samphan.timeline.publish import publish

AUDIENCE_MAX = 100_000
NAME_MAX = 120
SUBJECT_MAX = 150
CONTROL_MAX = 50
ATTRIBUTION_MAX = 90
SCHEDULE_AHEAD_MAX = dt.timedelta(days=365)
_CHUNK = 5000
UNSUBSCRIBE_SALT = "samphan.messaging.unsubscribe"
MARKETING = (
    ConsentPurpose.MARKETING_LINE,
    ConsentPurpose.MARKETING_SMS,
    ConsentPurpose.MARKETING_EMAIL,
)


def _invalid(
    code: str, message: str, field: str, status: int = 422, **details: object
) -> Exception:
    return ApplicationError(code, message, {"field": field, **details}, status=status)


# --- the workspace's sending rules -------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    quiet_start: dt.time
    quiet_end: dt.time
    weekly_cap: int
    # What a message costs, in satang, per channel (an SMS: per part).
    costs: dict[str, int] = field(default_factory=lambda: {"line": 0, "sms": 0, "email": 0})


DEFAULT_RULES = Rules(quiet_start=dt.time(21, 0), quiet_end=dt.time(8, 0), weekly_cap=2)
COST_MAX = 100_000  # ฿1,000 a message: a typo, not a price


def rules_of(workspace: Workspace | int) -> Rules:
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    row = MessagingSettings.objects.filter(workspace_id=workspace_id).first()
    if row is None:
        return DEFAULT_RULES
    return Rules(
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        weekly_cap=row.weekly_cap,
        costs={
            "line": row.cost_line_satang,
            "sms": row.cost_sms_satang,
            "email": row.cost_email_satang,
        },
    )


def messaging_settings_save(
    *,
    actor: Actor,
    quiet_start: dt.time,
    quiet_end: dt.time,
    weekly_cap: int,
    cost_line_satang: int = 0,
    cost_sms_satang: int = 0,
    cost_email_satang: int = 0,
) -> MessagingSettings:
    require(actor, Perm.CAMPAIGN_MANAGE)
    if not 0 <= weekly_cap <= 50:
        raise _invalid(
            "invalid_weekly_cap",
            _("The weekly limit is 0–50 messages (0: no limit)."),
            "weekly_cap",
        )
    costs = {
        "cost_line_satang": cost_line_satang,
        "cost_sms_satang": cost_sms_satang,
        "cost_email_satang": cost_email_satang,
    }
    for key, cost in costs.items():
        if not 0 <= cost <= COST_MAX:
            raise _invalid("invalid_cost", _("A message costs ฿0–1,000."), key)
    row, _created = MessagingSettings.objects.update_or_create(
        workspace=actor.workspace,
        defaults={
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
            "weekly_cap": weekly_cap,
            **costs,
        },
    )
    audit_record(
        action="messaging.rules_changed",
        workspace=actor.workspace,
        actor=actor.user,
        actor_label=actor.label,
        target="messaging",
        data={
            "quiet": f"{quiet_start:%H:%M}-{quiet_end:%H:%M}",
            "weekly_cap": weekly_cap,
            **costs,
        },
    )
    return row


# --- create ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Templates:
    text: Template
    text_en: Template | None
    subject: Template | None
    text_b: Template | None = None

    def all(self) -> list[Template]:
        return [t for t in (self.text, self.text_en, self.text_b) if t is not None]


def campaign_templates(campaign: Campaign) -> Templates:
    return Templates(
        text=template_parse(campaign.text),
        text_en=template_parse(campaign.text_en, field="template.text_en")
        if campaign.text_en.strip()
        else None,
        text_b=template_parse(campaign.text_b, field="template.text_b")
        if campaign.text_b.strip()
        else None,
        subject=template_parse(campaign.subject, field="template.subject")
        if campaign.subject.strip()
        else None,
    )


def _live_customer_ids(workspace: Workspace, ids: Sequence[int]) -> tuple[list[int], list[int]]:
    """(found, missing): ids of this workspace's customers (a merged record counts as found),
    and those not found here (another workspace's ids are simply not found)."""
    found: set[int] = set()
    for i in range(0, len(ids), _CHUNK):
        found.update(
            Customer.objects.filter(workspace=workspace, pk__in=ids[i : i + _CHUNK]).values_list(
                "pk", flat=True
            )
        )
    return [pk for pk in ids if pk in found], [pk for pk in ids if pk not in found]


def campaign_create(
    *,
    actor: Actor,
    name: str,
    channel: str,
    text: str,
    segment_id: int | None = None,
    customer_ids: Sequence[int] | None = None,
    text_en: str = "",
    text_b: str = "",
    subject: str = "",
    coupon_campaign_id: int | None = None,
    control_percent: int = 10,
    attribution_days: int = 7,
    schedule_at: dt.datetime | None = None,
    link_base: str = "",
    snapshot: bool = False,
    track_links: bool = False,
) -> Campaign:
    """A draft campaign. Everything that can be checked before sending is checked here: the
    template's fields (an unknown one is named), the audience (a segment of this workspace, or
    at most 100,000 of its customers), the channel, the schedule."""
    require(actor, Perm.CAMPAIGN_MANAGE)
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise _invalid(
            "invalid_name", _("Give the campaign a name (at most 120 characters)."), "name"
        )
    if channel not in CampaignChannel.values:
        raise _invalid("invalid_channel", _("Choose LINE, SMS, email or preferred."), "channel")
    subject = " ".join((subject or "").split())
    if len(subject) > SUBJECT_MAX:
        raise _invalid("subject_too_long", _("The subject is too long."), "template.subject")
    campaign = Campaign(
        workspace=actor.workspace,
        name=name,
        channel=channel,
        text=(text or "").replace("\r\n", "\n"),
        text_en=(text_en or "").replace("\r\n", "\n"),
        text_b=(text_b or "").replace("\r\n", "\n"),
        track_links=track_links,
        subject=subject,
        created_by=actor.user,
        link_base=(link_base or settings.SAMPHAN_PUBLIC_URL).rstrip("/")[:200],
    )
    templates = campaign_templates(campaign)
    used = fields_used(templates.all())
    if not 0 <= control_percent <= CONTROL_MAX:
        raise _invalid(
            "invalid_control_percent",
            _("The control group is 0–50 percent of the audience."),
            "control_percent",
        )
    if not 1 <= attribution_days <= ATTRIBUTION_MAX:
        raise _invalid(
            "invalid_attribution_days",
            _("The attribution window is 1–90 days."),
            "attribution_days",
        )
    campaign.control_percent, campaign.attribution_days = control_percent, attribution_days
    if coupon_campaign_id is not None:
        coupon = CouponCampaign.objects.filter(
            workspace=actor.workspace, pk=coupon_campaign_id
        ).first()
        if coupon is None:
            raise NotFound("coupon_campaign_not_found", _("Coupon campaign not found."))
        campaign.coupon_campaign = coupon
    elif "coupon_code" in used:
        raise _invalid(
            "coupon_campaign_required",
            _("{{ coupon_code }} needs a coupon campaign to take the codes from."),
            "coupon_campaign_id",
        )
    if (segment_id is None) == (customer_ids is None):
        raise _invalid(
            "audience_required",
            _("Choose the audience: a segment or a list of customers."),
            "audience",
        )
    if segment_id is not None:
        segment = Segment.objects.filter(workspace=actor.workspace, pk=segment_id).first()
        if segment is None:
            raise NotFound("segment_not_found", _("Segment not found."))
        campaign.segment = segment
        if snapshot:  # the segment's members now, not when sending starts
            members = list(
                segment_live_queryset(workspace=actor.workspace, rules=segment.rules)
                .order_by("pk")
                .values_list("pk", flat=True)[: AUDIENCE_MAX + 1]
            )
            if not 1 <= len(members) <= AUDIENCE_MAX:
                raise _invalid(
                    "audience_size",
                    _("A frozen audience has 1–100,000 customers."),
                    "audience.snapshot",
                )
            campaign.customer_ids, campaign.audience_frozen = members, True
    else:
        ids = list(dict.fromkeys(customer_ids or []))
        if not 1 <= len(ids) <= AUDIENCE_MAX:
            raise _invalid(
                "audience_size",
                _("A list audience has 1–100,000 customers."),
                "audience.customer_ids",
            )
        found, missing = _live_customer_ids(actor.workspace, ids)
        if missing:
            raise _invalid(
                "customer_not_found",
                _("Some customers were not found: %(ids)s")
                % {"ids": ", ".join(str(i) for i in missing[:20])},
                "audience.customer_ids",
                ids=missing[:50],
            )
        campaign.customer_ids = found
    now = timezone.now()
    if schedule_at is not None:
        if timezone.is_naive(schedule_at):
            schedule_at = timezone.make_aware(schedule_at)
        if not now - dt.timedelta(minutes=5) <= schedule_at <= now + SCHEDULE_AHEAD_MAX:
            raise _invalid(
                "invalid_schedule",
                _("Schedule within the next year (not in the past)."),
                "schedule_at",
            )
        campaign.schedule_at = schedule_at
    with transaction.atomic():
        campaign.save()
        audit_record(
            action="messaging.campaign_created",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"campaign:{campaign.pk}",
            data={
                "channel": channel,
                "segment": segment_id,
                "customers": len(campaign.customer_ids),
            },
        )
    return campaign


def campaign_for_update(actor: Actor, campaign_id: int) -> Campaign:
    campaign = (
        Campaign.objects.select_for_update()
        .filter(workspace=actor.workspace, pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise NotFound("campaign_not_found", _("Campaign not found."))
    return campaign


# --- send ------------------------------------------------------------------------------------


def audience_estimate(campaign: Campaign) -> int:
    if campaign.segment_id is None:
        return len(campaign.customer_ids)
    if campaign.segment is None:
        return 0
    return segment_live_queryset(workspace=campaign.workspace, rules=campaign.segment.rules).count()


def _check_channel_ready(actor: Actor, campaign: Campaign) -> None:
    if campaign.channel == CampaignChannel.LINE:
        line = LineChannel.objects.filter(workspace=actor.workspace).first()
        if line is None or not line.can_send:
            raise ApplicationError(
                "line_not_configured",
                _("Set up the shop's LINE channel (its access token) first."),
                status=409,
            )
        from samphan.messaging.services import line_actor, line_quota_check

        treated = audience_estimate(campaign) * (100 - campaign.control_percent) // 100
        line_quota_check(actor=line_actor(actor.workspace), messages=max(treated, 1))
    if campaign.channel == CampaignChannel.SMS and sms_gateway_from_settings() is None:
        raise ApplicationError(
            "sms_not_configured",
            _("No SMS gateway is set up for this installation (SAMPHAN_SMS_GATEWAY_URL)."),
            status=409,
        )


def campaign_send(
    *,
    actor: Actor,
    campaign_id: int,
    ignore_quiet_hours: bool = False,
    now: dt.datetime | None = None,
) -> Campaign:
    """Send a draft campaign: at its scheduled time, or now, moved past the workspace's quiet
    hours unless a manager sends a service message with ``ignore_quiet_hours``."""
    require(actor, Perm.CAMPAIGN_MANAGE)
    if ignore_quiet_hours and actor.role not in (Role.OWNER, Role.MANAGER):
        raise PermissionDenied(
            "quiet_hours_managers_only",
            _("Only an owner or a manager may send during quiet hours."),
            {"field": "ignore_quiet_hours"},
        )
    now = now or timezone.now()
    with transaction.atomic():
        campaign = campaign_for_update(actor, campaign_id)
        if campaign.status != CampaignStatus.DRAFT:
            raise ApplicationError(
                "campaign_not_draft",
                _("This campaign was already sent or scheduled."),
                {"status": campaign.status},
                status=409,
            )
        campaign_templates(campaign)  # a template stored before a field was removed
        _check_channel_ready(actor, campaign)
        when = max(campaign.schedule_at or now, now)
        if not ignore_quiet_hours:
            rules = rules_of(actor.workspace)
            when = next_allowed(when, rules.quiet_start, rules.quiet_end)
        campaign.status = CampaignStatus.SCHEDULED
        campaign.send_after = when
        campaign.ignore_quiet_hours = ignore_quiet_hours
        campaign.save(update_fields=["status", "send_after", "ignore_quiet_hours"])
        audit_record(
            action="messaging.campaign_sent",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"campaign:{campaign.pk}",
            data={"send_after": when.isoformat(), "ignore_quiet_hours": ignore_quiet_hours},
        )
        if when <= now:
            from samphan.messaging.tasks import campaign_start_task

            pk = campaign.pk
            transaction.on_commit(lambda: campaign_start_task.delay(pk))
        elif not settings.CELERY_TASK_ALWAYS_EAGER:
            from samphan.messaging.tasks import campaign_start_task

            pk = campaign.pk
            transaction.on_commit(lambda: campaign_start_task.apply_async((pk,), eta=when))
    return campaign


def campaign_cancel(*, actor: Actor, campaign_id: int) -> Campaign:
    """Cancel a draft or scheduled campaign (one that has started cannot be called back)."""
    require(actor, Perm.CAMPAIGN_MANAGE)
    with transaction.atomic():
        campaign = campaign_for_update(actor, campaign_id)
        if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
            raise ApplicationError(
                "campaign_started",
                _("Sending has started: a campaign can be canceled only before."),
                status=409,
            )
        campaign.status = CampaignStatus.CANCELED
        campaign.save(update_fields=["status"])
    return campaign


# --- start: the audience becomes delivery rows ----------------------------------------------


def _audience(campaign: Campaign) -> list[int]:
    """The customers to reach, fixed now: the segment's rules evaluated at this moment, or the
    list (or the segment's members frozen when the campaign was made; a customer merged since
    into another record is reached on the surviving record)."""
    workspace = campaign.workspace
    if campaign.segment_id is not None and not campaign.audience_frozen:
        if campaign.segment is None:
            return []
        return list(
            segment_live_queryset(workspace=workspace, rules=campaign.segment.rules)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    ids: list[int] = []
    listed = list(campaign.customer_ids)
    for i in range(0, len(listed), _CHUNK):
        for pk, merged_into in Customer.objects.filter(
            workspace=workspace, pk__in=listed[i : i + _CHUNK]
        ).values_list("pk", "merged_into_id"):
            ids.append(merged_into or pk)
    return sorted(set(ids))


def delivery_key(campaign_id: int, customer_id: int, channel: str) -> str:
    return f"c{campaign_id}:{customer_id}:{channel or 'preferred'}"


def control_split(ids: Sequence[int], percent: int, seed: str) -> set[int]:
    """A random ``percent`` of ``ids`` held out (reproducible per campaign)."""
    count = len(ids) * percent // 100
    return set(random.Random(seed).sample(list(ids), count)) if count else set()


def variant_split(ids: Sequence[int], seed: str) -> set[int]:
    """Half of ``ids``, at random (reproducible per campaign): variant B of an A/B test."""
    return set(random.Random(seed).sample(list(ids), len(ids) // 2))


_DELIVERY_COLUMNS = (
    "workspace_id", "campaign_id", "customer_id", "channel", "idempotency_key", "status", "variant",
)  # fmt: skip


def campaign_start(*, campaign_id: int, now: dt.datetime | None = None) -> int:
    """Start a due campaign: fix its audience into one delivery row per customer (queued, or
    control) and hand the queued ones to the senders. Returns the rows made (0: not due, or
    started already)."""
    now = now or timezone.now()
    with transaction.atomic():
        started = Campaign.objects.filter(
            pk=campaign_id, status=CampaignStatus.SCHEDULED, send_after__lte=now
        ).update(status=CampaignStatus.SENDING, started_at=now)
        if not started:
            return 0
        campaign = Campaign.objects.select_related("workspace", "segment").get(pk=campaign_id)
        ids = _audience(campaign)
        control = control_split(ids, campaign.control_percent, f"campaign:{campaign.pk}")
        tested = campaign.text_b.strip() != ""
        b = (
            variant_split([i for i in ids if i not in control], f"variant:{campaign.pk}")
            if tested
            else set()
        )
        fixed = campaign.channel if campaign.channel != CampaignChannel.PREFERRED else ""
        # COPY on PostgreSQL (100,000 rows in seconds: the senders wait for this commit). The
        # audience has each customer once, and the status change above lets one start through.
        rows = BulkTable(RowSink(), Delivery, _DELIVERY_COLUMNS)
        for pk in ids:
            rows.add(
                campaign.workspace_id,
                campaign.pk,
                pk,
                fixed,
                delivery_key(campaign.pk, pk, fixed),
                DeliveryStatus.CONTROL if pk in control else DeliveryStatus.QUEUED,
                "" if pk in control or not tested else ("b" if pk in b else "a"),
            )
        rows.flush()
        campaign.audience_size = len(ids)
        campaign.save(update_fields=["audience_size"])
        from samphan.messaging.sending import deliveries_dispatch

        transaction.on_commit(lambda: deliveries_dispatch(campaign_id=campaign_id))
    return len(ids)


def campaigns_start_due(*, now: dt.datetime | None = None, workspace_id: int | None = None) -> int:
    """Start every scheduled campaign whose time has come (the beat task, every minute)."""
    now = now or timezone.now()
    due = Campaign.objects.filter(status=CampaignStatus.SCHEDULED, send_after__lte=now)
    if workspace_id is not None:
        due = due.filter(workspace_id=workspace_id)
    started = 0
    for pk in due.values_list("pk", flat=True)[:100]:
        started += bool(campaign_start(campaign_id=pk, now=now))
    return started


# --- unsubscribe -----------------------------------------------------------------------------


def unsubscribe_token(delivery_id: int) -> str:
    return link_token(delivery_id, salt=UNSUBSCRIBE_SALT)


def unsubscribe_path(delivery_id: int) -> str:
    from django.urls import reverse

    return reverse("messaging:unsubscribe", kwargs={"token": unsubscribe_token(delivery_id)})


def delivery_from_token(token: str) -> Delivery | None:
    if not token or len(token) > 200:
        return None
    try:
        pk = link_value(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int):
        return None
    return Delivery.objects.select_related("workspace", "campaign").filter(pk=pk).first()


def customer_unsubscribe(
    *,
    workspace: Workspace,
    customer_id: int,
    how: str,
    campaign_id: int | None = None,
    evidence: str = "",
) -> int:
    """Withdraw marketing consent on every channel in one step (a link, a LINE keyword, an SMS
    STOP). Returns how many purposes were withdrawn now (0: already withdrawn)."""
    from samphan.customers.selectors import consent_state

    actor = campaign_actor(workspace)
    customer = Customer.objects.filter(workspace=workspace, pk=customer_id).first()
    if customer is None:
        return 0
    if customer.merged_into_id:
        customer = Customer.objects.get(pk=customer.merged_into_id)
    state = consent_state(customer=customer)
    withdrawn = 0
    with transaction.atomic():
        for purpose in MARKETING:
            latest = state.get(purpose)
            if latest is not None and not latest.granted:
                continue
            consent_record(
                actor=actor,
                customer_id=customer.pk,
                purpose=purpose,
                granted=False,
                source="unsubscribe",
                evidence=evidence[:500],
            )
            withdrawn += 1
        if withdrawn:
            publish(
                CampaignUnsubscribed(
                    workspace_id=workspace.pk,
                    customer_id=customer.pk,
                    actor=actor,
                    campaign_id=campaign_id,
                    how=how,
                )
            )
    return withdrawn


def delivery_unsubscribe(*, delivery: Delivery) -> int:
    """The one-click link of one message: withdraw, and mark the message as the one that did."""
    withdrawn = customer_unsubscribe(
        workspace=delivery.workspace,
        customer_id=delivery.customer_id,
        how="link",
        campaign_id=delivery.campaign_id,
        evidence=f"Unsubscribe link of campaign {delivery.campaign_id}, delivery {delivery.pk}",
    )
    Delivery.objects.filter(pk=delivery.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now()
    )
    return withdrawn


SMS_STOP_WORDS = frozenset({"stop", "unsubscribe", "ยกเลิก", "หยุด"})


def sms_reply_receive(*, sender: str, text: str) -> int:
    """A reply to a campaign SMS: STOP (or ยกเลิก) unsubscribes the customer of the shop whose
    SMS last reached that number. Returns the purposes withdrawn."""
    if " ".join(text.split()).casefold() not in SMS_STOP_WORDS:
        return 0
    last = (
        Delivery.objects.filter(channel="sms", address=sender[:254], sent_at__isnull=False)
        .select_related("workspace")
        .order_by("-sent_at", "-pk")
        .first()
    )
    if last is None:
        return 0
    return customer_unsubscribe(
        workspace=last.workspace,
        customer_id=last.customer_id,
        how="sms",
        campaign_id=last.campaign_id,
        evidence=f"SMS reply {text[:20]!r} to campaign {last.campaign_id}",
    )
