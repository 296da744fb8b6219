"""The values of the personal fields for a set of customers, read in a few set-based queries
(one per kind of field a template uses), so a batch of 500 messages costs a handful of queries.

Tier, points and the member card come from the loyalty app's tables (messaging sits above
loyalty); for one customer the preview reads the same values."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import Count, Sum
from django.utils import timezone

from samphan.commerce.models import CustomerProductPurchase, Product
from samphan.core.access import Actor
from samphan.core.models import Workspace
from samphan.core.roles import Role
from samphan.customers.models import Customer
from samphan.loyalty.cards import card_path
from samphan.loyalty.coupons.models import CodeMode, CouponCampaign, CouponCode
from samphan.loyalty.coupons.services import codes_generate
from samphan.loyalty.models import Account, MemberCard, PointLot

EXPIRING_DAYS = 30
BEST_SELLERS = 20


class CampaignActor(Actor):
    """The campaign sender acting for the shop (making a recipient's coupon code, recording an
    unsubscribe): a manager's rights in that workspace, labelled "Campaigns"."""

    @property
    def label(self) -> str:
        return "Campaigns"


def campaign_actor(workspace: Workspace) -> Actor:
    return CampaignActor(workspace=workspace, role=Role.MANAGER)


def _number(value: int) -> str:
    return f"{value:,}"


def _names(customer: Customer) -> dict[str, str]:
    full = " ".join(p for p in (customer.first_name, customer.last_name) if p)
    first = customer.first_name or customer.nickname
    return {
        "name": full or customer.nickname,
        "first_name": first,
        "nickname": customer.nickname or customer.first_name,
    }


def personal_values(
    *,
    workspace: Workspace,
    customers: Sequence[Customer],
    fields: frozenset[str],
    coupon_campaign_id: int | None = None,
    link_base: str = "",
    language: str = "th",
    make_coupons: bool = True,
) -> dict[int, dict[str, str]]:
    """``{customer_id: {field: value}}`` for the fields asked for (a missing value is "")."""
    values: dict[int, dict[str, str]] = {c.pk: {} for c in customers}
    ids = [c.pk for c in customers]
    if not ids:
        return values
    for customer in customers:
        row = values[customer.pk]
        row.update(_names(customer))
        row["shop_name"] = workspace.name
    if fields & {"tier", "points", "points_expiring", "member_card_link"}:
        _loyalty(workspace, ids, fields, values, link_base)
    if "coupon_code" in fields and coupon_campaign_id:
        _coupons(workspace, ids, coupon_campaign_id, values, make=make_coupons)
    if "recommended_product" in fields:
        _recommended(workspace, ids, values, language)
    return values


def _loyalty(
    workspace: Workspace,
    ids: list[int],
    fields: frozenset[str],
    values: dict[int, dict[str, str]],
    link_base: str,
) -> None:
    accounts = {
        a.customer_id: a
        for a in Account.objects.filter(workspace=workspace, customer_id__in=ids).select_related(
            "tier"
        )
    }
    for customer_id, row in values.items():
        account = accounts.get(customer_id)
        row["tier"] = account.tier.name if account is not None and account.tier else ""
        row["points"] = _number(max(account.balance, 0) if account is not None else 0)
        row["points_expiring"] = "0"
    if "points_expiring" in fields and accounts:
        now = timezone.now()
        by_account = {a.pk: cid for cid, a in accounts.items()}
        expiring = (
            PointLot.objects.filter(
                workspace=workspace,
                account_id__in=list(by_account),
                is_pending=False,
                remaining__gt=0,
                expires_at__gt=now,
                expires_at__lte=now + dt.timedelta(days=EXPIRING_DAYS),
            )
            .values("account_id")
            .annotate(points=Sum("remaining"))
            .order_by()
        )
        for item in expiring:
            values[by_account[item["account_id"]]]["points_expiring"] = _number(item["points"])
    if "member_card_link" in fields and accounts:
        by_account = {a.pk: cid for cid, a in accounts.items()}
        cards = MemberCard.objects.filter(
            account_id__in=list(by_account), revoked_at__isnull=True
        ).order_by("pk")
        for card in cards:
            values[by_account[card.account_id]]["member_card_link"] = link_base.rstrip(
                "/"
            ) + card_path(card)


def _coupons(
    workspace: Workspace,
    ids: list[int],
    campaign_id: int,
    values: dict[int, dict[str, str]],
    *,
    make: bool,
) -> None:
    coupon = CouponCampaign.objects.filter(workspace=workspace, pk=campaign_id).first()
    if coupon is None:
        return
    if coupon.code_mode == CodeMode.SHARED:
        code = (
            CouponCode.objects.filter(campaign=coupon).order_by("pk").values_list("code", flat=True)
        ).first()
        for row in values.values():
            row["coupon_code"] = code or ""
        return
    owned = dict(
        CouponCode.objects.filter(campaign=coupon, customer_id__in=ids).values_list(
            "customer_id", "code"
        )
    )
    missing = [pk for pk in ids if pk not in owned]
    if missing and make:
        made = codes_generate(
            actor=campaign_actor(workspace), campaign_id=coupon.pk, customer_ids=missing
        )
        for made_code in made:
            if made_code.customer_id is not None:
                owned[made_code.customer_id] = made_code.code
    for customer_id, row in values.items():
        row["coupon_code"] = owned.get(customer_id, "")


def _recommended(
    workspace: Workspace, ids: list[int], values: dict[int, dict[str, str]], language: str
) -> None:
    sellers = list(
        CustomerProductPurchase.objects.filter(workspace=workspace)
        .values("product_id")
        .annotate(buyers=Count("pk"))
        .order_by("-buyers", "product_id")[:BEST_SELLERS]
    )
    top = [s["product_id"] for s in sellers]
    if not top:
        return
    names = {
        p.pk: (p.name_en if language == "en" and p.name_en else p.name_th)
        for p in Product.objects.filter(pk__in=top, is_active=True)
    }
    bought: dict[int, set[int]] = defaultdict(set)
    for customer_id, product_id in CustomerProductPurchase.objects.filter(
        workspace=workspace, customer_id__in=ids, product_id__in=top
    ).values_list("customer_id", "product_id"):
        bought[customer_id].add(product_id)
    for customer_id, row in values.items():
        pick = next((p for p in top if p in names and p not in bought[customer_id]), None)
        row["recommended_product"] = names.get(pick, "") if pick is not None else ""
