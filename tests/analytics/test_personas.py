"""Persona cards (6W1H): figures equal hand-computed values; the pages render for owners."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import cast

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import include, path
from django.utils import translation

import samphan.urls
from samphan.analytics import personas as personas_module
from samphan.analytics.personas import Persona, persona
from samphan.analytics.recompute import metrics_recompute
from samphan.commerce.models import ChannelKind, Order, OrderStatus, ProductCategory
from samphan.core.models import Membership, Workspace
from samphan.customers.models import Customer
from tests.factories import (
    BranchFactory,
    CustomerFactory,
    MembershipFactory,
    OrderFactory,
    ProductFactory,
    SalesChannelFactory,
    WorkspaceFactory,
)
from tests.factories import line as item

_has_analytics = any(getattr(p, "namespace", None) == "analytics" for p in samphan.urls.urlpatterns)
urlpatterns = list(samphan.urls.urlpatterns)
if not _has_analytics:
    urlpatterns.insert(0, path("", include("samphan.analytics.urls")))

TODAY = dt.date(2026, 6, 1)
BKK = "กรุงเทพมหานคร"


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


@pytest.fixture
def group(db: None) -> tuple[Workspace, list[int]]:
    ws = cast(Workspace, WorkspaceFactory())
    branch = BranchFactory(workspace=ws, name="สาขาสยาม")
    store = SalesChannelFactory(workspace=ws, kind=ChannelKind.STORE, name="หน้าร้าน")
    line = SalesChannelFactory(workspace=ws, kind=ChannelKind.LINE, name="LINE OA")
    drinks = ProductCategory.objects.create(workspace=ws, name="เครื่องดื่ม")
    snacks = ProductCategory.objects.create(workspace=ws, name="ขนม")
    tea = ProductFactory(workspace=ws, name_th="ชาไทย", category=drinks)
    bread = ProductFactory(workspace=ws, name_th="ขนมปัง", category=snacks)
    coffee = ProductFactory(workspace=ws, name_th="กาแฟ", category=None)
    a = cast(
        Customer,
        CustomerFactory(
            workspace=ws,
            gender="female",
            birthday=dt.date(1990, 3, 10),  # 36
            province=BKK,
            acquisition_source="walk_in",
        ),
    )
    b = cast(
        Customer,
        CustomerFactory(
            workspace=ws,
            gender="male",
            birthday=dt.date(2005, 7, 1),  # 20 (birthday not yet reached this year)
            province="เชียงใหม่",
            acquisition_source="referral",
            referred_by=a,
        ),
    )
    c = cast(
        Customer,
        CustomerFactory(workspace=ws, province=BKK, acquisition_source="referral", referred_by=a),
    )
    outsider = cast(Customer, CustomerFactory(workspace=ws, gender="male", province="ภูเก็ต"))

    def order(customer: Customer, **kwargs: object) -> object:
        return OrderFactory(workspace=ws, customer=customer, **kwargs)

    # Monday 10:00 in Bangkok
    order(a, channel=store, branch=branch, placed_at=_at(2026, 5, 4, 3), total_satang=20_000,
          payment_method="cash", lines=[item(tea, quantity=2, unit_price_satang=6_500),
                                        item(bread, unit_price_satang=7_000)])  # fmt: skip
    # Saturday 18:30 UTC is Sunday 01:30 in Bangkok
    order(a, channel=line, placed_at=_at(2026, 5, 9, 18, 30), total_satang=10_000,
          payment_method="promptpay", coupon_code="NEW10",
          lines=[item(tea, unit_price_satang=10_000)])  # fmt: skip
    # Monday 12:00 in Bangkok
    order(b, channel=store, branch=branch, placed_at=_at(2026, 5, 4, 5), total_satang=30_000,
          payment_method="promptpay", discount_satang=500,
          lines=[item(coffee, unit_price_satang=30_000)])  # fmt: skip
    order(a, channel=store, status=OrderStatus.CANCELLED, total_satang=99_999,
          lines=[item(tea, unit_price_satang=99_999)])  # fmt: skip
    order(outsider, channel=line, total_satang=50_000, payment_method="card",
          lines=[item(bread, unit_price_satang=50_000)])  # fmt: skip
    CustomerFactory(workspace=ws, referred_by=outsider)  # not in the group
    # another shop's data must never count
    OrderFactory(customer=CustomerFactory(province=BKK), total_satang=77_777)
    return ws, [a.pk, b.pk, c.pk]


def _summary(card: Persona) -> dict[str, object]:
    def pairs(bars: list[personas_module.Bar], money: bool = False) -> list[tuple[str, int]]:
        return [(b.label, b.satang if money else b.count) for b in bars]

    return {
        "totals": (card.customers, card.orders, card.revenue_satang),
        "age": pairs(card.who_age),
        "gender": sorted(pairs(card.who_gender)),
        "province": pairs(card.who_province),
        "category": pairs(card.what_category, money=True),
        "product": pairs(card.what_product, money=True),
        "product_qty": pairs(card.what_product),
        "weekday": [b.count for b in card.when_weekday],
        "hour": pairs(card.when_hour),
        "channel": pairs(card.where_channel),
        "channel_money": pairs(card.where_channel, money=True),
        "branch": pairs(card.where_branch),
        "payment": pairs(card.how_payment),
        "basket": card.avg_basket_satang,
        "discount": card.discount_share,
        "source": sorted(pairs(card.why_source)),
        "whom": (card.referred, card.referred_share, card.referrers),
        "referrers": [b.count for b in card.top_referrers],
    }


EXPECTED = {
    "totals": (3, 3, 60_000),
    "age": [("18–24", 1), ("35–44", 1), ("Not given", 1)],
    "gender": sorted([("Female", 1), ("Male", 1), ("Not given", 1)]),
    "province": [(BKK, 2), ("เชียงใหม่", 1)],
    "category": [("Uncategorised", 30_000), ("เครื่องดื่ม", 23_000), ("ขนม", 7_000)],
    "product": [("กาแฟ", 30_000), ("ชาไทย", 23_000), ("ขนมปัง", 7_000)],
    "product_qty": [("กาแฟ", 1), ("ชาไทย", 3), ("ขนมปัง", 1)],
    "weekday": [2, 0, 0, 0, 0, 0, 1],  # Monday … Sunday
    "hour": [("01:00", 1), ("10:00", 1), ("12:00", 1)],
    "channel": [("หน้าร้าน", 2), ("LINE OA", 1)],
    "channel_money": [("หน้าร้าน", 50_000), ("LINE OA", 10_000)],
    "branch": [("สาขาสยาม", 2), ("No branch", 1)],
    "payment": [("PromptPay / transfer", 2), ("Cash", 1)],  # in words, not codes
    "basket": 20_000,
    "discount": 2 / 3,
    "source": sorted([("Friend referral", 2), ("Walk-in", 1)]),
    "whom": (2, 2 / 3, 1),
    "referrers": [2],
}


@pytest.mark.parametrize("chunk", [5_000, 1])
def test_persona_from_ids_matches_hand_computed(
    group: tuple[Workspace, list[int]], chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, ids = group
    monkeypatch.setattr(personas_module, "CHUNK", chunk)
    with translation.override("en"):
        card = persona(workspace=ws, customers=ids, today=TODAY)
        assert _summary(card) == EXPECTED


def test_persona_from_queryset_matches(group: tuple[Workspace, list[int]]) -> None:
    ws, ids = group
    with translation.override("en"):
        card = persona(workspace=ws, customers=Customer.objects.filter(pk__in=ids), today=TODAY)
    assert _summary(card) == EXPECTED
    shares = [b.share for b in card.where_channel]
    assert shares == [2 / 3, 1 / 3]


def test_persona_ignores_other_workspaces(group: tuple[Workspace, list[int]]) -> None:
    ws, ids = group
    foreign = cast(Order, OrderFactory(total_satang=1)).customer
    assert foreign is not None
    card = persona(workspace=ws, customers=[*ids, foreign.pk], today=TODAY)
    assert (card.customers, card.orders, card.revenue_satang) == (3, 3, 60_000)


# --- pages ------------------------------------------------------------------------------------


def _client(membership: Membership, language: str = "th") -> Client:
    membership.user.language = language
    membership.user.save(update_fields=["language"])
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def shop(db: None) -> Membership:
    owner = cast(Membership, MembershipFactory())
    ws = owner.workspace
    channel = SalesChannelFactory(workspace=ws)
    now = dt.datetime.now(dt.UTC)
    for i in range(16):
        customer = CustomerFactory(workspace=ws, first_name=f"ลูกค้า{i}", province=BKK)
        big = i % 2 == 0
        for k in range(4 if big else 1):
            OrderFactory(
                workspace=ws,
                customer=customer,
                channel=channel,
                placed_at=now - dt.timedelta(days=(5 + 20 * k) if big else 300 + i),
                total_satang=50_000 if big else 5_000,
            )
    metrics_recompute(workspace=ws)
    return owner


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", ["th", "en"])
def test_pages_render(shop: Membership, language: str) -> None:
    client = _client(shop, language)
    index = client.get("/analytics/").content.decode()
    assert 'href="/analytics/suggestions/"' in index and 'href="/analytics/personas/"' in index

    response = client.get("/analytics/suggestions/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert 'id="cluster-0"' in html and 'id="centroids"' in html
    assert 'href="/analytics/personas/?cluster=0"' in html
    if language == "en":
        assert "bought recently" in html
        assert "this rule approximates the group" in html
    else:
        assert "ซื้อล่าสุดไม่นาน" in html
    # Each suggestion can be saved as a segment, opened in the builder, and counted.
    assert html.count('action="/segments/from-suggestion/"') == html.count('class="suggestion"')
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'hx-get="/segments/from-suggestion/count/?index=0&amp;key=' in html
    assert 'href="/segments/new/?suggestion=0&amp;key=' in html

    for query in ("", "?rfm=champions", "?cluster=0"):
        response = client.get(f"/analytics/personas/{query}")
        assert response.status_code == 200, query
        html = response.content.decode()
        assert f'<html lang="{language}"' in html
        for section in ("who", "what", "when", "where", "how", "why", "whom"):
            assert f'id="{section}"' in html
    assert BKK in client.get("/analytics/personas/").content.decode()
    if language == "th":
        # "Who" on the persona page has its own msgctxt; elsewhere it is "ผู้ทำรายการ" (actor).
        assert "ผู้ทำรายการ" not in client.get("/analytics/personas/").content.decode()
    css = finders.find("analytics/analytics.css")
    assert css and "@media print" in Path(css).read_text(encoding="utf-8")


@pytest.mark.urls(__name__)
def test_bad_parameters_are_404(shop: Membership) -> None:
    client = _client(shop, "en")
    assert client.get("/analytics/personas/?rfm=nonsense").status_code == 404
    assert client.get("/analytics/personas/?cluster=99").status_code == 404
    assert client.get("/analytics/personas/?cluster=-1").status_code == 404


@pytest.mark.urls(__name__)
def test_staff_gets_403(shop: Membership) -> None:
    staff = cast(Membership, MembershipFactory(workspace=shop.workspace, role="staff"))
    client = _client(staff)
    assert client.get("/analytics/suggestions/").status_code == 403
    assert client.get("/analytics/personas/").status_code == 403
    assert client.get("/analytics/personas/?cluster=0").status_code == 403
