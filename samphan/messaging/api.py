"""API: the shop's LINE channel settings and its webhook address (the channel secret and the
access token are write-only: answers show only their last four characters), and campaigns:
create, preview, send, cancel, read with counts per delivery status and results."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.pagination import paginate

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import TEXT_MAX, ApiRouter, ErrorOut, Id, Pagination
from samphan.core.errors import ApplicationError
from samphan.messaging import campaign_selectors, campaigns, selectors, services, templating
from samphan.messaging.models import Campaign, CampaignChannel, DeliveryStatus, LineChannel

router = ApiRouter(tags=["messaging"])


class LineChannelOut(Schema):
    configured: bool
    channel_id: str
    channel_secret: str = Field(description="Masked: the last four characters, or empty.")
    channel_access_token: str = Field(description="Masked: the last four characters, or empty.")
    webhook_url: str = Field(description="Paste into the LINE Developers console.")


class LineChannelIn(Schema):
    channel_id: str = Field("", max_length=32, description="The channel's numeric ID.")
    channel_secret: str | None = Field(
        None, max_length=64, description="32 hex digits; omit or leave empty to keep."
    )
    channel_access_token: str | None = Field(
        None, max_length=600, description="Long-lived token; omit or leave empty to keep."
    )


def _out(request: HttpRequest, channel: LineChannel | None) -> dict[str, object]:
    if channel is None:
        return {
            "configured": False,
            "channel_id": "",
            "channel_secret": "",
            "channel_access_token": "",
            "webhook_url": "",
        }
    path = reverse("messaging:line_webhook", kwargs={"token": channel.webhook_token})
    return {
        "configured": True,
        "channel_id": channel.channel_id,
        "channel_secret": services.mask(channel.channel_secret),
        "channel_access_token": services.mask(channel.channel_access_token),
        "webhook_url": request.build_absolute_uri(path),
    }


@router.get("/messaging/line", response=LineChannelOut, summary="The LINE channel's settings")
def line_channel_get(request: HttpRequest) -> object:
    return _out(request, selectors.line_channel_get(actor=actor_of(request)))


@router.put(
    "/messaging/line",
    response={200: LineChannelOut, 422: ErrorOut},
    summary="Set the LINE channel (ID, secret, access token)",
)
def line_channel_put(request: HttpRequest, payload: LineChannelIn) -> object:
    channel = services.line_channel_save(
        actor=actor_of(request),
        channel_id=payload.channel_id,
        channel_secret=payload.channel_secret,
        channel_access_token=payload.channel_access_token,
    )
    return _out(request, channel)


# --- campaigns -------------------------------------------------------------------------------


class AudienceIn(Schema):
    segment_id: Id | None = Field(None, description="a saved segment, evaluated when sending")
    customer_ids: list[Id] | None = Field(
        None,
        max_length=campaigns.AUDIENCE_MAX,
        description="up to 100,000 customers of this workspace",
    )
    snapshot: bool = Field(
        False, description="with segment_id: freeze its members now instead of when sending"
    )


class TemplateIn(Schema):
    text: str = Field(
        max_length=TEXT_MAX,
        description="the message; personal fields as {{ name }}: " + ", ".join(templating.FIELDS),
    )
    text_en: str = Field("", max_length=TEXT_MAX, description="for customers who read English")
    text_b: str = Field(
        "",
        max_length=TEXT_MAX,
        description="an A/B test: half of those sent, at random, get this text instead",
    )
    subject: str = Field("", max_length=campaigns.SUBJECT_MAX, description="email subject")


class CampaignIn(Schema):
    name: str = Field(max_length=campaigns.NAME_MAX)
    audience: AudienceIn
    channel: str = Field(json_schema_extra={"enum": list(CampaignChannel.values)})
    template: TemplateIn
    schedule_at: dt.datetime | None = Field(None, description="send at (default: when sent)")
    control_percent: int = Field(10, ge=0, le=campaigns.CONTROL_MAX, description="held out")
    attribution_days: int = Field(7, ge=1, le=campaigns.ATTRIBUTION_MAX)
    coupon_campaign_id: Id | None = Field(None, description="where {{ coupon_code }} comes from")
    track_links: bool = Field(
        False,
        description="short tracked links per recipient in LINE and SMS too (email's always "
        "are); a LINE campaign then goes one push per recipient",
    )

    model_config = {
        "json_schema_extra": {
            "example": {
                "name": "ลดวันแม่",
                "audience": {"customer_ids": [1]},
                "channel": "line",
                "template": {"text": "สวัสดีคุณ{{ name }} มีแต้ม {{ points }} แต้ม"},
            }
        }
    }


class UpliftOut(Schema):
    treated_rate: float
    control_rate: float
    uplift: float
    low: float = Field(description="95 % interval, Newcombe hybrid score")
    high: float


class GroupOut(Schema):
    customers: int
    converted: int
    orders: int
    revenue_satang: int


class VariantOut(Schema):
    variant: str = Field(description="a, b")
    sent: int
    opened: int
    clicked: int
    unsubscribed: int
    group: GroupOut
    uplift: UpliftOut | None = Field(description="against the control group")


class CampaignMoneyOut(Schema):
    cost_satang: int = Field(description="the messages' cost when sent (settings' prices)")
    cost_per_message_satang: float | None
    incremental_revenue_satang: int | None = Field(
        description="revenue per treated customer above the control group's, times the treated"
    )
    roi: float | None = Field(description="(incremental revenue − cost) / cost")


class CampaignResultsOut(Schema):
    unsubscribed: int
    attribution_days: int
    treated: GroupOut
    control: GroupOut
    uplift: UpliftOut | None
    variants: list[VariantOut] = Field(description="an A/B test's arms (empty without one)")
    b_vs_a: UpliftOut | None = Field(description="B's conversion rate minus A's")
    money: CampaignMoneyOut
    coupons_redeemed: int = Field(
        description="the campaign's coupon used by those sent, within the attribution window"
    )
    coupon_discount_satang: int


class CampaignOut(Schema):
    id: int
    name: str
    status: str
    channel: str
    segment_id: int | None
    audience_customers: int | None = Field(
        description="the list's (or frozen segment's) size (None for a live segment)"
    )
    audience_frozen: bool
    text: str
    text_en: str
    text_b: str
    track_links: bool
    subject: str
    schedule_at: dt.datetime | None
    send_after: dt.datetime | None = Field(description="when sending starts (after quiet hours)")
    ignore_quiet_hours: bool
    control_percent: int
    audience_size: int = Field(description="recipients and control, fixed when sending started")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    counts: dict[str, int] = Field(
        description="deliveries per status: "
        + ", ".join(DeliveryStatus.values)
        + "; and opened, clicked: emails opened (pixel or a click) and clicked at least once"
    )
    results: CampaignResultsOut | None = None


class SendIn(Schema):
    ignore_quiet_hours: bool = Field(
        False, description="owners and managers: a service message sent now, even at night"
    )


class PreviewIn(Schema):
    customer_id: Id
    template: TemplateIn | None = Field(None, description="omit to preview the campaign's own")
    variant: str = Field("a", pattern="^[ab]$", description="b: the A/B test's variant B")


class PreviewOut(Schema):
    customer_id: int
    text: str
    subject: str
    missing_fields: list[str]
    sms_parts: int
    sms_encoding: str


class CampaignListItem(Schema):
    id: int
    name: str
    status: str
    channel: str
    created_at: dt.datetime
    audience_size: int


def _campaign_out(
    campaign: Campaign, counts: dict[str, int], results: Any = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": campaign.pk,
        "name": campaign.name,
        "status": campaign.status,
        "channel": campaign.channel,
        "segment_id": campaign.segment_id,
        "audience_customers": None
        if campaign.segment_id and not campaign.audience_frozen
        else len(campaign.customer_ids),
        "audience_frozen": campaign.audience_frozen,
        "text": campaign.text,
        "text_en": campaign.text_en,
        "text_b": campaign.text_b,
        "track_links": campaign.track_links,
        "subject": campaign.subject,
        "schedule_at": campaign.schedule_at,
        "send_after": campaign.send_after,
        "ignore_quiet_hours": campaign.ignore_quiet_hours,
        "control_percent": campaign.control_percent,
        "audience_size": campaign.audience_size,
        "created_at": campaign.created_at,
        "started_at": campaign.started_at,
        "finished_at": campaign.finished_at,
        "counts": counts,
        "results": None,
    }
    if results is not None:
        data["results"] = {
            "unsubscribed": results.unsubscribed,
            "attribution_days": results.window_days,
            "treated": dataclasses.asdict(results.treated),
            "control": dataclasses.asdict(results.control),
            "uplift": _uplift_out(results.uplift),
            "variants": [
                {
                    "variant": v.variant,
                    "sent": v.sent,
                    "opened": v.opened,
                    "clicked": v.clicked,
                    "unsubscribed": v.unsubscribed,
                    "group": dataclasses.asdict(v.group),
                    "uplift": _uplift_out(v.uplift),
                }
                for v in results.variants
            ],
            "b_vs_a": _uplift_out(results.b_vs_a),
            "money": dataclasses.asdict(results.money),
            "coupons_redeemed": results.coupons_redeemed,
            "coupon_discount_satang": results.coupon_discount_satang,
        }
    return data


def _uplift_out(found: Any) -> dict[str, float] | None:
    if found is None:
        return None
    return {
        "treated_rate": found.treated_rate,
        "control_rate": found.control_rate,
        "uplift": found.uplift,
        "low": found.low,
        "high": found.high,
    }


def _link_base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@router.post(
    "/campaigns",
    response={201: CampaignOut, 404: ErrorOut},
    summary="Create a campaign (a draft: check it, preview it, then send it)",
    description="An unknown personal field in the template is a 422 naming the field; a "
    "segment or customers of another workspace are not found.",
)
def campaign_create(request: HttpRequest, payload: CampaignIn) -> object:
    actor = actor_of(request)
    campaign = campaigns.campaign_create(
        actor=actor,
        name=payload.name,
        channel=payload.channel,
        text=payload.template.text,
        text_en=payload.template.text_en,
        text_b=payload.template.text_b,
        subject=payload.template.subject,
        segment_id=payload.audience.segment_id,
        customer_ids=payload.audience.customer_ids,
        snapshot=payload.audience.snapshot,
        track_links=payload.track_links,
        coupon_campaign_id=payload.coupon_campaign_id,
        control_percent=payload.control_percent,
        attribution_days=payload.attribution_days,
        schedule_at=payload.schedule_at,
        link_base=_link_base(request),
    )
    return Status(201, _campaign_out(campaign, campaign_selectors.delivery_counts(campaign)))


@router.get(
    "/campaigns",
    response=list[CampaignListItem],
    summary="Campaigns, newest first",
)
@paginate(Pagination)
def campaign_list(request: HttpRequest) -> object:
    return campaign_selectors.campaign_list(actor=actor_of(request))


@router.get(
    "/campaigns/{campaign_id}",
    response=CampaignOut,
    summary="A campaign: its status, deliveries per status (skipped for lack of consent too) "
    "and its results",
)
def campaign_detail(request: HttpRequest, campaign_id: Id) -> object:
    actor = actor_of(request)
    results = campaign_selectors.campaign_results(actor=actor, campaign_id=campaign_id)
    campaign = campaign_selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    return _campaign_out(campaign, results.counts, results)


@router.post(
    "/campaigns/{campaign_id}/send",
    response={202: CampaignOut, 409: ErrorOut, 502: ErrorOut},
    summary="Send a draft campaign now or at its schedule_at (after quiet hours)",
    description="Quiet hours (default 21:00–08:00 Asia/Bangkok) move the start to the next "
    "allowed time; an owner or manager may send now with `ignore_quiet_hours`. A LINE "
    "campaign is checked against the month's LINE quota first (409 `line_quota_exceeded`).",
)
def campaign_send(request: HttpRequest, campaign_id: Id, payload: SendIn | None = None) -> object:
    actor = actor_of(request)
    campaigns.campaign_send(
        actor=actor,
        campaign_id=campaign_id,
        ignore_quiet_hours=bool(payload and payload.ignore_quiet_hours),
    )
    campaign = campaign_selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    return Status(202, _campaign_out(campaign, campaign_selectors.delivery_counts(campaign)))


@router.post(
    "/campaigns/{campaign_id}/cancel",
    response={200: CampaignOut, 409: ErrorOut},
    summary="Cancel a draft or scheduled campaign",
)
def campaign_cancel(request: HttpRequest, campaign_id: Id) -> object:
    campaign = campaigns.campaign_cancel(actor=actor_of(request), campaign_id=campaign_id)
    return _campaign_out(campaign, campaign_selectors.delivery_counts(campaign))


@router.post(
    "/campaigns/{campaign_id}/preview",
    response=PreviewOut,
    summary="The campaign's message as one customer would get it",
)
def campaign_preview(request: HttpRequest, campaign_id: Id, payload: PreviewIn) -> object:
    actor = actor_of(request)
    campaign = campaign_selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    template = payload.template
    text, text_en = (
        (template.text, template.text_en) if template else (campaign.text, campaign.text_en)
    )
    if payload.variant == "b":
        text_b = template.text_b if template else campaign.text_b
        if not text_b.strip():
            raise ApplicationError(
                "no_variant_b",
                _("This campaign has no variant B."),
                {"field": "variant"},
                status=422,
            )
        text, text_en = text_b, ""  # variant B is one text for every language
    preview = campaign_selectors.template_preview(
        actor=actor,
        customer_id=payload.customer_id,
        text=text,
        text_en=text_en,
        subject=template.subject if template else campaign.subject,
        coupon_campaign_id=campaign.coupon_campaign_id,
        link_base=campaign.link_base,
    )
    return {
        "customer_id": preview.customer.pk,
        "text": preview.text,
        "subject": preview.subject,
        "missing_fields": preview.missing,
        "sms_parts": preview.sms_parts,
        "sms_encoding": preview.sms_encoding,
    }
