"""Campaign reads, workspace-scoped: the list, one campaign with its counts per delivery status,
results (unsubscribes, orders and revenue attributed within the window, uplift against the
control group), and a preview of the message for one customer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.commerce.models import NET_SATANG, Order
from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.loyalty.coupons.models import CouponRedemption
from samphan.messaging.campaigns import campaign_templates
from samphan.messaging.channels.sms import sms_length
from samphan.messaging.models import REACHED, Campaign, Delivery, DeliveryStatus
from samphan.messaging.personal import personal_values
from samphan.messaging.templating import Template, fields_used, template_parse
from samphan.messaging.uplift import Uplift, uplift

STATUSES = list(DeliveryStatus.values)


def campaign_list(*, actor: Actor) -> QuerySet[Campaign]:
    require(actor, Perm.CAMPAIGN_MANAGE)
    return (
        Campaign.objects.filter(workspace=actor.workspace)
        .select_related("segment")
        .order_by("-created_at", "-pk")
    )


def campaign_get(*, actor: Actor, campaign_id: int) -> Campaign:
    campaign = campaign_list(actor=actor).filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("campaign_not_found", _("Campaign not found."))
    return campaign


def delivery_counts(campaign: Campaign) -> dict[str, int]:
    """Rows per delivery status (every status present, zero when none), and ``opened`` and
    ``clicked``: the messages opened (email's pixel, or a click) and clicked at least once."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, n in (
        Delivery.objects.filter(campaign=campaign)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[status] = n
    counts.update(
        Delivery.objects.filter(campaign=campaign).aggregate(
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        )
    )
    return counts


def counts_for(campaigns: list[Campaign]) -> dict[int, dict[str, int]]:
    result: dict[int, dict[str, int]] = {c.pk: dict.fromkeys(STATUSES, 0) for c in campaigns}
    for campaign_id, status, n in (
        Delivery.objects.filter(campaign_id__in=list(result))
        .values_list("campaign_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        result[campaign_id][status] = n
    return result


@dataclass(frozen=True)
class GroupResult:
    customers: int
    converted: int
    orders: int
    revenue_satang: int

    @property
    def rate(self) -> float:
        return self.converted / self.customers if self.customers else 0.0


@dataclass(frozen=True)
class VariantResult:
    """One arm of an A/B test: its messages, what they brought, and its uplift against the
    control group."""

    variant: str  # "a", "b"
    text: str
    sent: int
    opened: int
    clicked: int
    unsubscribed: int
    group: GroupResult
    uplift: Uplift | None


@dataclass(frozen=True)
class Money:
    """What the campaign cost and returned: the messages' cost when sent; the revenue it
    caused is the treated group's revenue per customer above the control group's, times the
    treated customers (None without a control group); ROI = (that − cost) / cost."""

    cost_satang: int
    cost_per_message_satang: float | None
    incremental_revenue_satang: int | None
    roi: float | None

    @property
    def cost_per_message_rounded(self) -> int | None:
        per = self.cost_per_message_satang
        return None if per is None else round(per)


@dataclass(frozen=True)
class Results:
    counts: dict[str, int]
    unsubscribed: int
    window_days: int
    treated: GroupResult
    control: GroupResult
    uplift: Uplift | None
    window_open: bool  # the attribution window has not closed yet for every recipient
    variants: list[VariantResult]  # empty without an A/B test
    b_vs_a: Uplift | None  # B's conversion rate minus A's, with its 95 % interval
    money: Money
    coupons_redeemed: int = 0  # the campaign's coupon used by those sent, within the window
    coupon_discount_satang: int = 0


def _group(
    campaign: Campaign,
    statuses: tuple[str, ...],
    start_of: str,
    window: dt.timedelta,
    variant: str | None = None,
) -> GroupResult:
    """Customers in these statuses (of one variant, if given), and their paid orders placed
    from their start (the message's sending, or the campaign's start for the control group)
    to the window's end."""
    rows_of = Delivery.objects.filter(campaign=campaign, status__in=statuses)
    if variant is not None:
        rows_of = rows_of.filter(variant=variant)
    rows = list(rows_of.values_list("customer_id", start_of))
    starts = {cid: start for cid, start in rows if start is not None}
    if not starts:
        return GroupResult(customers=len(rows), converted=0, orders=0, revenue_satang=0)
    first = min(starts.values())
    last = max(starts.values()) + window
    converted: set[int] = set()
    orders = 0
    revenue = 0
    ids = list(starts)
    for i in range(0, len(ids), 5000):
        for customer_id, placed_at, net in (
            Order.objects.paid()
            .filter(
                workspace_id=campaign.workspace_id,
                customer_id__in=ids[i : i + 5000],
                placed_at__gte=first,
                placed_at__lt=last,
            )
            .annotate(net=NET_SATANG)
            .values_list("customer_id", "placed_at", "net")
        ):
            start = starts[customer_id]
            if start <= placed_at < start + window:
                converted.add(customer_id)
                orders += 1
                revenue += int(net or 0)
    return GroupResult(
        customers=len(rows), converted=len(converted), orders=orders, revenue_satang=revenue
    )


def campaign_results(*, actor: Actor, campaign_id: int) -> Results:
    campaign = campaign_get(actor=actor, campaign_id=campaign_id)
    counts = delivery_counts(campaign)
    window = dt.timedelta(days=campaign.attribution_days)
    unsubscribed = Delivery.objects.filter(campaign=campaign, unsubscribed_at__isnull=False).count()
    treated = _group(campaign, tuple(REACHED), "sent_at", window)
    # The control group is measured from the campaign's start: when they would have been sent.
    control = _control(campaign, window)
    last_sent = Delivery.objects.filter(campaign=campaign, sent_at__isnull=False).aggregate(
        last=Max("sent_at")
    )["last"]
    window_open = last_sent is not None and last_sent + window > timezone.now()
    variants = _variants(campaign, window, control)
    a, b = (variants[0].group, variants[1].group) if variants else (None, None)
    return Results(
        counts=counts,
        unsubscribed=unsubscribed,
        window_days=campaign.attribution_days,
        treated=treated,
        control=control,
        uplift=uplift(treated.converted, treated.customers, control.converted, control.customers),
        window_open=window_open,
        variants=variants,
        b_vs_a=uplift(b.converted, b.customers, a.converted, a.customers) if a and b else None,
        money=_money(campaign, treated, control),
        **_coupons(campaign, window),
    )


def _coupons(campaign: Campaign, window: dt.timedelta) -> dict[str, int]:
    """Redemptions of the campaign's coupon by customers who were sent the message, on orders
    placed within the attribution window of their message."""
    if campaign.coupon_campaign_id is None:
        return {}
    starts = dict(
        Delivery.objects.filter(campaign=campaign, status__in=REACHED).values_list(
            "customer_id", "sent_at"
        )
    )
    used = discount = 0
    ids = list(starts)
    for i in range(0, len(ids), 5000):
        for customer_id, placed_at, value in CouponRedemption.objects.filter(
            campaign_id=campaign.coupon_campaign_id, customer_id__in=ids[i : i + 5000]
        ).values_list("customer_id", "order__placed_at", "discount_satang"):
            start = starts.get(customer_id)
            if start is not None and start <= placed_at < start + window:
                used += 1
                discount += int(value)
    return {"coupons_redeemed": used, "coupon_discount_satang": discount}


def _variants(
    campaign: Campaign, window: dt.timedelta, control: GroupResult
) -> list[VariantResult]:
    if not campaign.text_b.strip():
        return []
    stats: dict[str, dict[str, Any]] = {
        row["variant"]: dict(row)
        for row in Delivery.objects.filter(campaign=campaign, variant__in=("a", "b"))
        .values("variant")
        .annotate(
            sent=Count("pk", filter=Q(status__in=REACHED)),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
            unsubscribed=Count("pk", filter=Q(unsubscribed_at__isnull=False)),
        )
        .order_by()
    }
    out = []
    for variant, text in (("a", campaign.text), ("b", campaign.text_b)):
        row: dict[str, Any] = stats.get(variant, {})
        group = _group(campaign, tuple(REACHED), "sent_at", window, variant=variant)
        out.append(
            VariantResult(
                variant=variant,
                text=text,
                sent=row.get("sent", 0),
                opened=row.get("opened", 0),
                clicked=row.get("clicked", 0),
                unsubscribed=row.get("unsubscribed", 0),
                group=group,
                uplift=uplift(
                    group.converted, group.customers, control.converted, control.customers
                ),
            )
        )
    return out


def _money(campaign: Campaign, treated: GroupResult, control: GroupResult) -> Money:
    cost = int(
        Delivery.objects.filter(campaign=campaign, status__in=REACHED).aggregate(
            cost=Sum("cost_satang")
        )["cost"]
        or 0
    )
    incremental: int | None = None
    if treated.customers and control.customers:
        per_treated = treated.revenue_satang / treated.customers
        per_control = control.revenue_satang / control.customers
        incremental = round((per_treated - per_control) * treated.customers)
    return Money(
        cost_satang=cost,
        cost_per_message_satang=cost / treated.customers if treated.customers else None,
        incremental_revenue_satang=incremental,
        roi=(incremental - cost) / cost if incremental is not None and cost else None,
    )


def _control(campaign: Campaign, window: dt.timedelta) -> GroupResult:
    ids = list(
        Delivery.objects.filter(campaign=campaign, status=DeliveryStatus.CONTROL).values_list(
            "customer_id", flat=True
        )
    )
    if not ids or campaign.started_at is None:
        return GroupResult(customers=len(ids), converted=0, orders=0, revenue_satang=0)
    start, end = campaign.started_at, campaign.started_at + window
    converted: set[int] = set()
    orders = 0
    revenue = 0
    for i in range(0, len(ids), 5000):
        agg = (
            Order.objects.paid()
            .filter(
                workspace_id=campaign.workspace_id,
                customer_id__in=ids[i : i + 5000],
                placed_at__gte=start,
                placed_at__lt=end,
            )
            .values("customer_id")
            .annotate(n=Count("pk"), net=Sum(NET_SATANG))
            .order_by()
        )
        for item in agg:
            converted.add(item["customer_id"])
            orders += item["n"]
            revenue += int(item["net"] or 0)
    return GroupResult(
        customers=len(ids), converted=len(converted), orders=orders, revenue_satang=revenue
    )


# --- preview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    customer: Customer
    text: str
    subject: str
    missing: list[str]  # fields with no value for this customer
    sms_parts: int
    sms_encoding: str


def template_preview(
    *,
    actor: Actor,
    customer_id: int,
    text: str,
    text_en: str = "",
    subject: str = "",
    coupon_campaign_id: int | None = None,
    link_base: str = "",
) -> Preview:
    """The message as this customer would get it (their language, their values). A unique
    coupon code is not made for a preview: it shows "(code)" until the campaign is sent."""
    require(actor, Perm.CAMPAIGN_MANAGE)
    customer = Customer.objects.filter(
        workspace=actor.workspace, pk=customer_id, merged_into__isnull=True
    ).first()
    if customer is None:
        raise NotFound("customer_not_found", _("Customer not found."))
    main = template_parse(text)
    english = template_parse(text_en, field="template.text_en") if text_en.strip() else None
    heading = template_parse(subject, field="template.subject") if subject.strip() else None
    used = fields_used([main, english, heading])
    values = personal_values(
        workspace=actor.workspace,
        customers=[customer],
        fields=used,
        coupon_campaign_id=coupon_campaign_id,
        link_base=link_base,
        language=customer.preferred_language or "th",
        make_coupons=False,
    )[customer.pk]
    if "coupon_code" in used and not values.get("coupon_code"):
        values["coupon_code"] = _("(code)")
    values.setdefault("unsubscribe_link", link_base.rstrip("/") + "/u/…")
    chosen: Template = english if english and customer.preferred_language == "en" else main
    rendered = chosen.render(values)
    missing = sorted(f for f in chosen.fields if not values.get(f))
    length = sms_length(rendered)
    return Preview(
        customer=customer,
        text=rendered,
        subject=heading.render(values) if heading else "",
        missing=missing,
        sms_parts=length.parts,
        sms_encoding=length.encoding,
    )


def campaign_preview(*, actor: Actor, campaign_id: int, customer_id: int) -> Preview:
    campaign = campaign_get(actor=actor, campaign_id=campaign_id)
    campaign_templates(campaign)
    return template_preview(
        actor=actor,
        customer_id=customer_id,
        text=campaign.text,
        text_en=campaign.text_en,
        subject=campaign.subject,
        coupon_campaign_id=campaign.coupon_campaign_id,
        link_base=campaign.link_base,
    )
