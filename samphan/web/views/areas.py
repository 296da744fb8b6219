"""Areas of the product not built yet: honest "coming soon" pages, with no made-up data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samphan.core.roles import Perm
from samphan.core.web import member_required


@dataclass(frozen=True)
class Area:
    title: str | Promise
    intro: str | Promise
    coming: tuple[str | Promise, ...]


AREAS: dict[str, Area] = {
    "loyalty": Area(
        _("Loyalty"),
        _("Reward regular customers and give them a reason to come back."),
        (
            _("Points earned on every purchase, in a ledger that cannot be edited"),
            _("Membership tiers and a digital membership card with a QR code"),
            _("Rewards and coupons that counter staff can redeem"),
            _("Referral codes and affiliate partners"),
        ),
    ),
    "campaigns": Area(
        _("Campaigns"),
        _("Send personal messages only to customers who agreed to receive them."),
        (
            _("Message templates in Thai with personal fields (name, points, tier …)"),
            _("Sending over LINE, SMS and email, honouring PDPA consent"),
            _("Automations, e.g. a birthday message or a “we miss you” after 60 days"),
            _("Results: delivered, opened, clicked and the sales that followed"),
        ),
    ),
    "service": Area(
        _("Service"),
        _("Answer questions and complaints quickly, with the customer's history at hand."),
        (
            _("Tickets with SLA clocks, escalation and canned replies"),
            _("A follow-up satisfaction survey when a complaint is closed"),
            _("Complaint categories that feed product-quality reports"),
            _("A relationship-health scorecard (response time, promises kept …)"),
        ),
    ),
    "feedback": Area(
        _("Feedback"),
        _("Measure how customers feel, not only what they buy."),
        (
            _("Surveys: NPS, satisfaction, and expectation versus experience per attribute"),
            _("Emotional measures over time per customer"),
            _("Where customers heard of the shop and their relationship with staff"),
            _("Interview notes with themes"),
        ),
    ),
}

AREA_PERMS: dict[str, Perm] = {
    "loyalty": Perm.CUSTOMER_VIEW,
    "campaigns": Perm.CAMPAIGN_MANAGE,
    "service": Perm.TICKET_MANAGE,
    "feedback": Perm.CUSTOMER_VIEW,
}


def coming_soon(area: str) -> Callable[[HttpRequest], HttpResponse]:
    """A page for an area that is not built yet: what it will do, and no made-up numbers."""

    @member_required(AREA_PERMS[area])
    def view(request: HttpRequest) -> HttpResponse:
        return render(request, "web/coming_soon.html", {"area": AREAS[area], "area_key": area})

    view.__name__ = f"{area}_coming_soon"
    return view
