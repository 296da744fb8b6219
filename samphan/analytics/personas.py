"""The buyer persona of a group of customers: the 6W1H insight report.

Who (age bands, gender, provinces), what (categories and products by revenue), when (weekday
and hour, local time), where (channels and branches), how (payment, basket, discounts), why
(acquisition sources) and whom (referrals). Every figure is a grouped aggregate query over the
workspace's live customers and their paid orders, filtered by a subquery of the group; a group
given as a list of ids is queried in chunks and the (additive) counts and sums are added up.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.analytics.kpis import workspace_tz
from samphan.commerce.models import (
    LINE_NET_QUANTITY,
    LINE_NET_SATANG,
    NET_SATANG,
    Order,
    OrderLine,
)
from samphan.core.models import Workspace
from samphan.customers.models import AcquisitionSource, Customer, Gender

CHUNK = 5_000
TOP = 5
AGE_BANDS: tuple[tuple[int, int | None], ...] = (
    (0, 17),
    (18, 24),
    (25, 34),
    (35, 44),
    (45, 54),
    (55, 64),
    (65, None),
)


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int
    share: float  # of the list's total (0..1)
    satang: int = 0


@dataclass
class Persona:
    customers: int
    orders: int
    revenue_satang: int
    who_age: list[Bar] = field(default_factory=list)
    who_gender: list[Bar] = field(default_factory=list)
    who_province: list[Bar] = field(default_factory=list)
    what_category: list[Bar] = field(default_factory=list)
    what_product: list[Bar] = field(default_factory=list)
    when_weekday: list[Bar] = field(default_factory=list)
    when_hour: list[Bar] = field(default_factory=list)
    where_channel: list[Bar] = field(default_factory=list)
    where_branch: list[Bar] = field(default_factory=list)
    how_payment: list[Bar] = field(default_factory=list)
    avg_basket_satang: int | None = None
    discount_share: float | None = None
    why_source: list[Bar] = field(default_factory=list)
    referred: int = 0
    referred_share: float | None = None
    referrers: int = 0
    top_referrers: list[Bar] = field(default_factory=list)


def _payment_labels() -> dict[str, str]:
    """Payment methods as recorded (a sale's choice, a marketplace file's words) in plain words;
    a method not listed is shown as it was recorded."""
    return {
        "cash": _("Cash"),
        "promptpay": _("PromptPay / transfer"),
        "transfer": _("PromptPay / transfer"),
        "card": _("Card"),
        "credit_card": _("Card"),
        "ewallet": _("E-wallet"),
        "truemoney": _("TrueMoney Wallet"),
        "cod": _("Cash on delivery"),
        "other": _("Other"),
    }


def _bars(
    counts: dict[Any, int],
    label: dict[Any, str] | None = None,
    *,
    satang: dict[Any, int] | None = None,
    top: int | None = None,
    by_satang: bool = False,
    keep_order: bool = False,
) -> list[Bar]:
    weights = satang if by_satang and satang is not None else counts
    keys = list(counts) if keep_order else sorted(counts, key=lambda k: (-weights[k], str(k)))
    if top is not None:
        keys = keys[:top]
    total = sum(weights.values()) or 1
    names = label or {}
    return [
        Bar(
            key=str(k),
            label=names.get(k, str(k)),
            count=int(counts[k]),
            share=weights[k] / total,
            satang=int((satang or {}).get(k, 0)),
        )
        for k in keys
    ]


def _age_band(birthday: dt.date, today: dt.date) -> int:
    age = today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))
    for i, (low, high) in enumerate(AGE_BANDS):
        if age >= low and (high is None or age <= high):
            return i
    return 0


def _band_label(i: int) -> str:
    low, high = AGE_BANDS[i]
    if high is None:
        return _("%(low)s and over") % {"low": low}
    if low == 0:
        return _("Under %(n)s") % {"n": high + 1}
    return f"{low}–{high}"


def _weekday_label(day: int) -> str:
    return [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"),
            _("Saturday"), _("Sunday")][day - 1]  # fmt: skip


def _groups(
    workspace: Workspace, customers: QuerySet[Customer] | Sequence[int]
) -> Iterator[QuerySet[Customer]]:
    base = Customer.objects.filter(workspace=workspace, merged_into__isnull=True)
    if isinstance(customers, QuerySet):
        yield base.filter(pk__in=customers.values("pk"))
        return
    ids = sorted({int(i) for i in customers})
    for start in range(0, len(ids), CHUNK):
        yield base.filter(pk__in=ids[start : start + CHUNK])


def persona(
    *,
    workspace: Workspace,
    customers: QuerySet[Customer] | Sequence[int],
    today: dt.date | None = None,
) -> Persona:
    """The 6W1H card of ``customers`` (a Customer queryset or a list of customer ids)."""
    tz = workspace_tz(workspace)
    today = today or timezone.localtime(timezone.now(), tz).date()
    size = 0
    ages: Counter[Any] = Counter()
    genders: Counter[Any] = Counter()
    provinces: Counter[Any] = Counter()
    sources: Counter[Any] = Counter()
    referred = 0
    referrers: Counter[Any] = Counter()
    referrer_names: dict[Any, str] = {}
    orders = revenue = discounted = 0
    weekdays: Counter[Any] = Counter()
    hours: Counter[Any] = Counter()
    channels: Counter[Any] = Counter()
    channel_satang: Counter[Any] = Counter()
    branches: Counter[Any] = Counter()
    payments: Counter[Any] = Counter()
    categories: Counter[Any] = Counter()
    category_satang: Counter[Any] = Counter()
    products: Counter[Any] = Counter()
    product_satang: Counter[Any] = Counter()

    row: Mapping[str, Any]
    for group in _groups(workspace, customers):
        subquery = group.values("pk")
        for row in group.values("birthday").annotate(n=Count("pk")):
            band = None if row["birthday"] is None else _age_band(row["birthday"], today)
            ages[band] += row["n"]
        for row in group.values("gender").annotate(n=Count("pk")):
            genders[row["gender"]] += row["n"]
        for row in group.values("province").annotate(n=Count("pk")):
            provinces[row["province"]] += row["n"]
        for row in group.values("acquisition_source").annotate(n=Count("pk")):
            sources[row["acquisition_source"]] += row["n"]
            size += row["n"]
        referred += group.filter(referred_by__isnull=False).count()
        for row in (
            group.filter(referred_by__isnull=False)
            .values("referred_by_id", "referred_by__first_name", "referred_by__last_name")
            .annotate(n=Count("pk"))
        ):
            referrers[row["referred_by_id"]] += row["n"]
            referrer_names[row["referred_by_id"]] = (
                " ".join(
                    p for p in (row["referred_by__first_name"], row["referred_by__last_name"]) if p
                )
                or f"#{row['referred_by_id']}"
            )

        paid = Order.objects.paid().filter(workspace=workspace, customer_id__in=subquery)
        promo = Q(discount_satang__gt=0) | ~Q(coupon_code="")
        totals = paid.aggregate(n=Count("pk"), s=Sum(NET_SATANG), d=Count("pk", filter=promo))
        orders += totals["n"] or 0
        revenue += totals["s"] or 0
        discounted += totals["d"] or 0
        local = paid.annotate(
            wd=ExtractIsoWeekDay("placed_at", tzinfo=tz), hr=ExtractHour("placed_at", tzinfo=tz)
        )
        for row in local.values("wd").annotate(n=Count("pk")):
            weekdays[row["wd"]] += row["n"]
        for row in local.values("hr").annotate(n=Count("pk")):
            hours[row["hr"]] += row["n"]
        for row in paid.values("channel__name").annotate(n=Count("pk"), s=Sum(NET_SATANG)):
            channels[row["channel__name"]] += row["n"]
            channel_satang[row["channel__name"]] += row["s"] or 0
        for row in paid.values("branch__name").annotate(n=Count("pk")):
            branches[row["branch__name"]] += row["n"]
        for row in paid.values("payment_method").annotate(n=Count("pk")):
            payments[row["payment_method"]] += row["n"]
        lines = OrderLine.objects.paid().filter(
            workspace=workspace, order__customer_id__in=subquery
        )
        for row in lines.values("product__category__name").annotate(
            n=Sum(LINE_NET_QUANTITY), s=Sum(LINE_NET_SATANG)
        ):
            categories[row["product__category__name"]] += row["n"] or 0
            category_satang[row["product__category__name"]] += row["s"] or 0
        for row in lines.values("name").annotate(n=Sum(LINE_NET_QUANTITY), s=Sum(LINE_NET_SATANG)):
            products[row["name"]] += row["n"] or 0
            product_satang[row["name"]] += row["s"] or 0

    age_keys = [i for i in range(len(AGE_BANDS)) if ages.get(i)] + ([None] if ages[None] else [])
    age_labels: dict[Any, str] = {i: _band_label(i) for i in range(len(AGE_BANDS))}
    age_labels[None] = _("Not given")
    gender_labels = {g.value: str(g.label) for g in Gender}
    source_labels = {s.value: str(s.label) for s in AcquisitionSource}
    return Persona(
        customers=size,
        orders=orders,
        revenue_satang=revenue,
        who_age=_bars({k: ages[k] for k in age_keys}, age_labels, keep_order=True),
        who_gender=_bars(dict(genders), gender_labels),
        who_province=_bars(dict(provinces), {"": _("Not given")}, top=TOP),
        what_category=_bars(
            dict(categories),
            {None: _("Uncategorised")},
            satang=dict(category_satang),
            top=TOP,
            by_satang=True,
        ),
        what_product=_bars(dict(products), satang=dict(product_satang), top=TOP, by_satang=True),
        when_weekday=_bars(
            {d: weekdays[d] for d in range(1, 8)},
            {d: _weekday_label(d) for d in range(1, 8)},
            keep_order=True,
        ),
        when_hour=_bars(
            {h: hours[h] for h in range(24) if hours[h]},
            {h: f"{h:02d}:00" for h in range(24)},
            keep_order=True,
        ),
        where_channel=_bars(dict(channels), satang=dict(channel_satang)),
        where_branch=_bars(dict(branches), {None: _("No branch")}, top=TOP),
        how_payment=_bars(dict(payments), {"": _("Not recorded"), **_payment_labels()}),
        avg_basket_satang=round(revenue / orders) if orders else None,
        discount_share=discounted / orders if orders else None,
        why_source=_bars(dict(sources), source_labels),
        referred=referred,
        referred_share=referred / size if size else None,
        referrers=len(referrers),
        top_referrers=_bars(dict(referrers), referrer_names, top=TOP),
    )
