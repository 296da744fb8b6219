"""Coupon pages: the campaign list, a new campaign, a campaign with its uses and redemptions,
making more unique codes, switching a campaign off and on, and the codes as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samphan.core.audit import audit_record, client_ip
from samphan.core.csvsafe import formula_safe_cell
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.loyalty.coupons import selectors, services
from samphan.loyalty.coupons.forms import SERVICE_FIELDS, CampaignForm, CodesForm
from samphan.loyalty.coupons.models import CodeMode
from samphan.segments.models import Segment

REDEMPTIONS_SHOWN = 50
CODES_SHOWN = 20


@member_required(Perm.COUPON_MANAGE)
def campaign_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    campaigns = list(selectors.campaign_list(actor=actor)[:500])
    for c in campaigns:
        c.remaining = selectors.remaining_uses(c)  # type: ignore[attr-defined]
    return render(request, "coupons/list.html", {"campaigns": campaigns, "now": timezone.now()})


@member_required(Perm.COUPON_MANAGE)
def campaign_new(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    segments = list(
        Segment.objects.filter(workspace=actor.workspace).order_by("name").values_list("pk", "name")
    )
    form = CampaignForm(request.POST or None, segments=segments)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(
                actor=actor, ip=client_ip(request), **form.service_kwargs()
            )
        except ApplicationError as exc:
            field = str(exc.details.get("field", ""))
            exc.details["field"] = SERVICE_FIELDS.get(field, field)
            add_application_error(form, exc)
        else:
            messages.success(request, _("Campaign created."))
            return redirect("coupons:detail", campaign_id=campaign.pk)
    return render(request, "coupons/form.html", {"form": form})


@member_required(Perm.COUPON_MANAGE)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = current_actor(request)
    campaign = selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    redemptions = list(
        selectors.campaign_redemptions(actor=actor, campaign_id=campaign.pk)[:REDEMPTIONS_SHOWN]
    )
    codes = list(selectors.campaign_codes(actor=actor, campaign_id=campaign.pk)[:CODES_SHOWN])
    return render(
        request,
        "coupons/detail.html",
        {
            "campaign": campaign,
            "remaining": selectors.remaining_uses(campaign),
            "redemptions": redemptions,
            "codes": codes,
            "more_codes": campaign.code_total > len(codes),  # type: ignore[attr-defined]
            "unique": campaign.code_mode == CodeMode.UNIQUE,
            "codes_form": CodesForm(),
            "now": timezone.now(),
        },
    )


@member_required(Perm.COUPON_MANAGE)
def codes_new(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = current_actor(request)
    # Another shop's campaign is a 404 whatever the method; a GET goes back to the campaign.
    campaign = selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    if request.method != "POST":
        return redirect("coupons:detail", campaign_id=campaign.pk)
    form = CodesForm(request.POST)
    if form.is_valid():
        try:
            made = services.codes_generate(
                actor=actor, campaign_id=campaign.pk, count=form.cleaned_data["count"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                ngettext("%(count)d code made.", "%(count)d codes made.", len(made))
                % {"count": len(made)},
            )
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("coupons:detail", campaign_id=campaign.pk)


@member_required(Perm.COUPON_MANAGE)
def campaign_active(request: HttpRequest, campaign_id: int) -> HttpResponse:
    actor = current_actor(request)
    campaign = selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    if request.method != "POST":
        return redirect("coupons:detail", campaign_id=campaign.pk)
    campaign = services.campaign_set_active(
        actor=actor, campaign_id=campaign_id, is_active=request.POST.get("active") == "1"
    )
    messages.success(
        request, _("Campaign switched on.") if campaign.is_active else _("Campaign switched off.")
    )
    return redirect("coupons:detail", campaign_id=campaign.pk)


@member_required(Perm.COUPON_MANAGE)
def codes_export(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The campaign's codes as CSV (UTF-8 with a BOM, for Excel): code, customer, uses. Cells
    are formula-safe; the export is audited (it names the customers codes are bound to)."""
    actor = current_actor(request)
    campaign = selectors.campaign_get(actor=actor, campaign_id=campaign_id)
    codes = selectors.campaign_codes(actor=actor, campaign_id=campaign.pk)
    audit_record(
        action="coupon.codes_exported",
        workspace=actor.workspace,
        actor=actor.user,
        actor_label=actor.label,
        target=f"coupon_campaign:{campaign.pk}",
        ip=client_ip(request),
        data={"codes": codes.count()},
    )

    def rows() -> Iterator[bytes]:
        yield "\ufeff".encode()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("Code"), _("Customer ID"), _("Customer"), _("Times used")])
        for code in codes.iterator(chunk_size=2000):
            customer = code.customer
            writer.writerow(
                formula_safe_cell(v)
                for v in (
                    code.code,
                    customer.pk if customer else "",
                    customer.display_name if customer else "",
                    code.redeemed_count,
                )
            )
            if buffer.tell() > 64_000:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue().encode()

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="coupon-codes-{campaign.pk}.csv"'
    return cast(HttpResponse, response)
