"""Campaign pages: the list, a new campaign (audience, channel, message with a live preview for
a chosen customer, cost and LINE quota), a campaign with its delivery counts (refreshed while
sending) and results, the sending rules, the public one-click unsubscribe page, and the public
open pixel and tracked links of campaign emails."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from samphan.core.errors import ApplicationError
from samphan.core.money import baht_to_satang, satang_to_baht
from samphan.core.roles import Perm, Role
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers.selectors import customer_search
from samphan.loyalty.coupons.models import CouponCampaign
from samphan.messaging import campaign_selectors, campaigns, tracking
from samphan.messaging.channels.sms import sms_length
from samphan.messaging.models import (
    CampaignChannel,
    CampaignStatus,
    DeliveryStatus,
    LineChannel,
)
from samphan.messaging.sending import sms_delivery_report
from samphan.messaging.templating import TEXT_MAX, field_help
from samphan.segments.models import Segment
from samphan.segments.services import segment_live_queryset

CAMPAIGNS_SHOWN = 200
# The statuses shown as the campaign's progress, in the order a message moves.
PROGRESS = (
    DeliveryStatus.QUEUED,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.DELIVERED,
    DeliveryStatus.FAILED,
    DeliveryStatus.BOUNCED,
    DeliveryStatus.SKIPPED_CONSENT,
    DeliveryStatus.SKIPPED_FREQUENCY,
    DeliveryStatus.SKIPPED_CONTACT,
    DeliveryStatus.CONTROL,
)


class CampaignForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Campaign name"), max_length=campaigns.NAME_MAX)
    segment = forms.TypedChoiceField(label=gettext_lazy("Audience (segment)"), coerce=int)
    snapshot = forms.BooleanField(
        label=gettext_lazy("Freeze the audience now (otherwise: who is in the segment at sending)"),
        required=False,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Send by"),
        choices=CampaignChannel.choices,
        initial=CampaignChannel.LINE,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=gettext_lazy("Message (Thai)"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Personal fields are written like {{ name }} (see the list)."),
    )
    text_en = forms.CharField(
        label=gettext_lazy("Message in English (optional)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    text_b = forms.CharField(
        label=gettext_lazy("Variant B message (optional: an A/B test)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Half of those sent, chosen at random, get this text instead; the results compare "
            "the two."
        ),
    )
    subject = forms.CharField(
        label=gettext_lazy("Email subject"), max_length=campaigns.SUBJECT_MAX, required=False
    )
    coupon_campaign = forms.TypedChoiceField(
        label=gettext_lazy("Coupon for {{ coupon_code }}"),
        coerce=int,
        required=False,
        empty_value=None,
    )
    track_links = forms.BooleanField(
        label=gettext_lazy("Track link clicks in LINE and SMS too"),
        required=False,
        help_text=gettext_lazy(
            "Each recipient gets their own short link; a LINE campaign then goes one message "
            "per call instead of 500."
        ),
    )
    control_percent = forms.IntegerField(
        label=gettext_lazy("Control group (percentage held out to measure uplift)"),
        min_value=0,
        max_value=campaigns.CONTROL_MAX,
        initial=10,
    )

    def __init__(self, *args: Any, segments: list[tuple[int, str]], coupons: list[Any], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["segment"].choices = [("", "—"), *segments]  # type: ignore[attr-defined]
        self.fields["coupon_campaign"].choices = [("", "—"), *coupons]  # type: ignore[attr-defined]


def _choices(actor: Any) -> dict[str, Any]:
    return {
        "segments": list(
            Segment.objects.filter(workspace=actor.workspace)
            .order_by("name")
            .values_list("pk", "name")
        ),
        "coupons": list(
            CouponCampaign.objects.filter(workspace=actor.workspace, is_active=True)
            .order_by("-created_at")
            .values_list("pk", "name")[:100]
        ),
    }


@member_required(Perm.CAMPAIGN_MANAGE)
def campaign_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    rows = list(campaign_selectors.campaign_list(actor=actor)[:CAMPAIGNS_SHOWN])
    counts = campaign_selectors.counts_for(rows)
    for campaign in rows:
        c = counts[campaign.pk]
        campaign.sent_count = c["sent"] + c["delivered"]  # type: ignore[attr-defined]
        campaign.skipped_count = (  # type: ignore[attr-defined]
            c["skipped_consent"] + c["skipped_frequency"] + c["skipped_contact"]
        )
    return render(request, "messaging/campaigns/list.html", {"campaigns": rows})


@member_required(Perm.CAMPAIGN_MANAGE)
@require_http_methods(["GET", "POST"])
def campaign_new(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    choices = _choices(actor)
    initial = {"segment": request.GET.get("segment", "")}
    form = CampaignForm(request.POST or None, initial=initial, **choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = campaigns.campaign_create(
                actor=actor,
                name=data["name"],
                channel=data["channel"],
                segment_id=data["segment"],
                snapshot=data["snapshot"],
                track_links=data["track_links"],
                text=data["text"],
                text_en=data["text_en"],
                text_b=data["text_b"],
                subject=data["subject"],
                coupon_campaign_id=data["coupon_campaign"],
                control_percent=data["control_percent"],
                link_base=request.build_absolute_uri("/").rstrip("/"),
            )
        except ApplicationError as exc:
            field = str(exc.details.get("field", ""))
            exc.details["field"] = {
                "template.text": "text",
                "template.text_en": "text_en",
                "template.text_b": "text_b",
                "template.subject": "subject",
                "coupon_campaign_id": "coupon_campaign",
                "audience": "segment",
                "audience.snapshot": "snapshot",
            }.get(field, field)
            add_application_error(form, exc)
        else:
            messages.success(request, _("Campaign saved as a draft. Check it, then send it."))
            return redirect("messaging:campaign_detail", campaign_id=campaign.pk)
    return render(
        request,
        "messaging/campaigns/new.html",
        {"form": form, "fields": field_help(), "line_ready": _line_ready(actor)},
    )


def _line_ready(actor: Any) -> bool:
    return (
        LineChannel.objects.filter(workspace=actor.workspace)
        .exclude(channel_access_token="")
        .exists()
    )


@member_required(Perm.CAMPAIGN_MANAGE)
@require_POST
def campaign_preview(request: HttpRequest) -> HttpResponse:
    """The message for the chosen customer (an htmx fragment of the new-campaign page)."""
    actor = current_actor(request)
    query = (request.POST.get("preview_customer") or "").strip()[:100]
    context: dict[str, Any] = {"query": query}
    text = (request.POST.get("text") or "")[: TEXT_MAX + 1]
    hits = customer_search(actor=actor, q=query, limit=5) if query else []
    if not hits and not query:
        segment_id = request.POST.get("segment") or ""
        segment = (
            Segment.objects.filter(workspace=actor.workspace, pk=int(segment_id)).first()
            if segment_id.isdigit() and len(segment_id) < 19
            else None
        )
        if segment is not None:
            first = (
                segment_live_queryset(workspace=actor.workspace, rules=segment.rules)
                .order_by("pk")
                .first()
            )
            hits_ids = [first.pk] if first is not None else []
        else:
            hits_ids = []
    else:
        hits_ids = [h.customer.pk for h in hits]
    if not hits_ids:
        context["error"] = (
            _("No customer matches “%(q)s”.") % {"q": query}
            if query
            else _("Choose a customer to preview the message for.")
        )
        return render(request, "messaging/campaigns/_preview.html", context)
    coupon = request.POST.get("coupon_campaign") or ""
    try:
        preview = campaign_selectors.template_preview(
            actor=actor,
            customer_id=hits_ids[0],
            text=text,
            text_en=(request.POST.get("text_en") or "")[: TEXT_MAX + 1],
            subject=(request.POST.get("subject") or "")[:200],
            coupon_campaign_id=int(coupon) if coupon.isdigit() and len(coupon) < 19 else None,
            link_base=request.build_absolute_uri("/").rstrip("/"),
        )
    except ApplicationError as exc:
        context["error"] = exc.message
    else:
        context["preview"] = preview
    return render(request, "messaging/campaigns/_preview.html", context)


@member_required(Perm.CAMPAIGN_MANAGE)
@require_POST
def campaign_estimate(request: HttpRequest) -> HttpResponse:
    """Who the segment reaches now and what it costs (SMS parts; LINE messages against the
    month's quota): an htmx fragment of the new-campaign page."""
    actor = current_actor(request)
    segment_id = request.POST.get("segment") or ""
    channel = request.POST.get("channel") or ""
    count = None
    if segment_id.isdigit() and len(segment_id) < 19:
        segment = Segment.objects.filter(workspace=actor.workspace, pk=int(segment_id)).first()
        if segment is not None:
            count = segment_live_queryset(workspace=actor.workspace, rules=segment.rules).count()
    control = request.POST.get("control_percent") or "10"
    percent = int(control) if control.isdigit() and int(control) <= campaigns.CONTROL_MAX else 10
    reached = None if count is None else count - count * percent // 100
    sms = sms_length((request.POST.get("text") or "")[:TEXT_MAX])
    quota, quota_error = None, ""
    if channel == CampaignChannel.LINE and reached is not None:
        from samphan.messaging.services import line_actor, line_quota_get

        try:
            quota = line_quota_get(actor=line_actor(actor.workspace), interactive=True)
        except ApplicationError as exc:
            quota_error = exc.message
    return render(
        request,
        "messaging/campaigns/_estimate.html",
        {
            "count": count,
            "reached": reached,
            "channel": channel,
            "sms": sms,
            "quota": quota,
            "quota_error": quota_error,
            "quota_short": quota is not None and reached is not None and not quota.allows(reached),
        },
    )


def _detail_context(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    actor = current_actor(request)
    # A scheduled campaign whose time has come starts here too when no scheduler runs
    # (the embedded mode); with Celery beat it has started already.
    campaigns.campaigns_start_due(workspace_id=actor.workspace.pk)
    campaign = campaign_selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    results = campaign_selectors.campaign_results(actor=actor, campaign_id=campaign.pk)
    labels = dict(DeliveryStatus.choices)
    return {
        "campaign": campaign,
        "results": results,
        "progress": [(s, labels[s], results.counts.get(s, 0)) for s in PROGRESS],
        "reached": results.counts["sent"] + results.counts["delivered"],
        "live": campaign.status in (CampaignStatus.SCHEDULED, CampaignStatus.SENDING),
        "can_ignore_quiet": actor.role in (Role.OWNER, Role.MANAGER),
    }


@member_required(Perm.CAMPAIGN_MANAGE)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return render(request, "messaging/campaigns/detail.html", _detail_context(request, campaign_id))


@member_required(Perm.CAMPAIGN_MANAGE)
def campaign_progress(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The delivery counts (htmx, refreshed every few seconds while the campaign sends)."""
    return render(
        request, "messaging/campaigns/_progress.html", _detail_context(request, campaign_id)
    )


@member_required(Perm.CAMPAIGN_MANAGE)
@require_http_methods(["GET", "POST"])
def campaign_send(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = current_actor(request)
    campaign = campaign_selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    if request.method != "POST":
        return redirect("messaging:campaign_detail", campaign_id=campaign.pk)
    try:
        sent = campaigns.campaign_send(
            actor=actor,
            campaign_id=campaign.pk,
            ignore_quiet_hours=request.POST.get("ignore_quiet_hours") == "1",
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if sent.status == CampaignStatus.SCHEDULED and sent.send_after is not None:
            messages.success(request, _("Campaign scheduled."))
        else:
            messages.success(request, _("Sending started."))
    return redirect("messaging:campaign_detail", campaign_id=campaign.pk)


@member_required(Perm.CAMPAIGN_MANAGE)
@require_http_methods(["GET", "POST"])
def campaign_cancel(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = current_actor(request)
    campaign = campaign_selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    if request.method == "POST":
        try:
            campaigns.campaign_cancel(actor=actor, campaign_id=campaign.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Campaign canceled."))
    return redirect("messaging:campaign_detail", campaign_id=campaign.pk)


class RulesForm(forms.Form):
    quiet_start = forms.TimeField(label=gettext_lazy("Quiet hours from"), widget=forms.TimeInput(
        attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    quiet_end = forms.TimeField(label=gettext_lazy("until"), widget=forms.TimeInput(
        attrs={"type": "time"}, format="%H:%M"))  # fmt: skip
    weekly_cap = forms.IntegerField(
        label=gettext_lazy("Campaign messages per customer per 7 days (0: no limit)"),
        min_value=0,
        max_value=50,
    )
    cost_line = forms.DecimalField(
        label=gettext_lazy("A LINE message costs (฿)"),
        min_value=0,
        max_value=1000,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("0 within your LINE plan's free messages."),
    )
    cost_sms = forms.DecimalField(
        label=gettext_lazy("An SMS part costs (฿)"),
        min_value=0,
        max_value=1000,
        decimal_places=2,
        required=False,
    )
    cost_email = forms.DecimalField(
        label=gettext_lazy("An email costs (฿)"),
        min_value=0,
        max_value=1000,
        decimal_places=2,
        required=False,
    )


@member_required(Perm.CAMPAIGN_MANAGE)
@require_http_methods(["GET", "POST"])
def campaign_rules(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    rules = campaigns.rules_of(actor.workspace)
    form = RulesForm(
        request.POST or None,
        initial={
            "quiet_start": rules.quiet_start,
            "quiet_end": rules.quiet_end,
            "weekly_cap": rules.weekly_cap,
            **{f"cost_{k}": satang_to_baht(v) for k, v in rules.costs.items()},
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaigns.messaging_settings_save(
                actor=actor,
                quiet_start=data["quiet_start"],
                quiet_end=data["quiet_end"],
                weekly_cap=data["weekly_cap"],
                cost_line_satang=baht_to_satang(data["cost_line"] or 0),
                cost_sms_satang=baht_to_satang(data["cost_sms"] or 0),
                cost_email_satang=baht_to_satang(data["cost_email"] or 0),
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Sending rules saved."))
            return redirect("messaging:campaign_list")
    return render(request, "messaging/campaigns/rules.html", {"form": form})


# --- the public unsubscribe page ---------------------------------------------------------------


@csrf_exempt  # a mail app's one-click POST (RFC 8058) carries no CSRF token; the link is signed
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    delivery = campaigns.delivery_from_token(token)
    if delivery is None:
        return render(request, "messaging/campaigns/unsubscribe.html", {"bad": True}, status=404)
    done = False
    if request.method == "POST":
        campaigns.delivery_unsubscribe(delivery=delivery)
        done = True
    return render(
        request,
        "messaging/campaigns/unsubscribe.html",
        {"shop": delivery.workspace.name, "done": done, "now": dt.datetime.now(tz=dt.UTC)},
    )


# --- the public open pixel and tracked links -------------------------------------------------

# The smallest transparent GIF (1×1).
PIXEL_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
    b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "HEAD"])
def track_open(request: HttpRequest, token: str) -> HttpResponse:
    """An email's open pixel (no login: the token is signed and names only the delivery)."""
    if not tracking.open_record(token):
        return _no_store(HttpResponse(status=404))
    return _no_store(HttpResponse(PIXEL_GIF, content_type="image/gif"))


@require_http_methods(["GET", "HEAD"])
def track_click(request: HttpRequest, token: str) -> HttpResponse:
    """A tracked link: the click is kept and the reader goes on to the campaign's own link."""
    url = tracking.click_record(token)
    if url is None:
        return _no_store(HttpResponse(status=404))
    return _no_store(HttpResponseRedirect(url))


SMS_CALLBACK_MAX_BYTES = 64 * 1024


@csrf_exempt
@require_POST
def sms_callback(request: HttpRequest, token: str) -> HttpResponse:
    """The SMS gateway's callbacks: ``{"type": "report", "reference": …, "status":
    "delivered"|"failed"}`` (a delivery report) or ``{"type": "inbound", "from": "+66…",
    "text": "STOP"}`` (a reply)."""
    expected = settings.SAMPHAN_SMS_CALLBACK_TOKEN
    if not expected or not secrets.compare_digest(token.encode(), expected.encode()):
        return JsonResponse({"error": {"code": "unknown_webhook"}}, status=404)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = SMS_CALLBACK_MAX_BYTES + 1
    if length > SMS_CALLBACK_MAX_BYTES:
        return JsonResponse({"error": {"code": "too_large"}}, status=413)
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return JsonResponse({"error": {"code": "bad_json"}}, status=400)
    kind = data.get("type")
    if kind == "report" and isinstance(data.get("reference"), str):
        changed = sms_delivery_report(
            reference=data["reference"], delivered=data.get("status") == "delivered"
        )
        return JsonResponse({"updated": changed})
    if (
        kind == "inbound"
        and isinstance(data.get("from"), str)
        and isinstance(data.get("text"), str)
    ):
        withdrawn = campaigns.sms_reply_receive(sender=data["from"], text=data["text"][:200])
        return JsonResponse({"withdrawn": withdrawn})
    return JsonResponse({"error": {"code": "bad_callback"}}, status=400)
