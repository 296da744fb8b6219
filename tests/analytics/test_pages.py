"""The analytics page: owners and marketers see it in Thai or English, staff get 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import include, path
from django.utils import translation
from django.utils.html import escape

import samphan.urls
from samphan.analytics.models import MarketingSpend, ModelRun
from samphan.analytics.recompute import metrics_recompute
from samphan.analytics.views import _warning_text
from samphan.core.models import Membership
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory, SalesChannelFactory

# samphan/urls.py includes the analytics URLs; until it does, this module is the URLconf.
_has_analytics = any(getattr(p, "namespace", None) == "analytics" for p in samphan.urls.urlpatterns)
urlpatterns = list(samphan.urls.urlpatterns)
if not _has_analytics:
    urlpatterns.insert(0, path("", include("samphan.analytics.urls")))

pytestmark = pytest.mark.urls(__name__)


def _client(membership: Membership, language: str = "th") -> Client:
    membership.user.language = language
    membership.user.save(update_fields=["language"])
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def shop(db: None) -> Membership:
    owner = MembershipFactory()
    ws = owner.workspace
    channel = SalesChannelFactory(workspace=ws)
    now = dt.datetime.now(dt.UTC)
    for i in range(8):
        customer = CustomerFactory(workspace=ws, first_name=f"ลูกค้า{i}")
        for k in range(1 + i % 3):
            OrderFactory(
                workspace=ws,
                customer=customer,
                channel=channel,
                placed_at=now - dt.timedelta(days=200 - 40 * k - i),
                total_satang=10_000 * (1 + k),
            )
    return owner


def test_empty_page_before_any_recompute(shop: Membership) -> None:
    response = _client(shop).get("/analytics/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="th"' in html
    assert 'action="/analytics/recompute/"' in html
    assert 'id="model-card"' not in html


@pytest.mark.parametrize("role", ["owner", "manager", "marketer"])
@pytest.mark.parametrize("language", ["th", "en"])
def test_page_renders_with_metrics(shop: Membership, role: str, language: str) -> None:
    metrics_recompute(workspace=shop.workspace)
    member = shop if role == "owner" else MembershipFactory(workspace=shop.workspace, role=role)
    response = _client(member, language).get("/analytics/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    for section in ("model-card", "segments", "clv", "churn", "cohorts", "repeat", "cac", "spend"):
        assert f'id="{section}"' in html
    assert 'id="analytics-charts"' in html and "analytics/analytics.js" in html
    assert "ลูกค้า" in html  # top customers are listed by name
    if language == "en":
        assert "Not trustworthy yet." in html  # eight customers are too few
        assert "Customers by RFM segment" in html
    assert 'aria-current="page"' in html  # the Analytics nav item is highlighted


def test_staff_gets_403(shop: Membership) -> None:
    staff = MembershipFactory(workspace=shop.workspace, role="staff")
    client = _client(staff)
    assert client.get("/analytics/").status_code == 403
    assert client.post("/analytics/recompute/").status_code == 403
    assert client.post("/analytics/spend/", {}).status_code == 403


def test_recompute_now_runs_the_task(
    shop: Membership, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(shop, "en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/analytics/recompute/")
    assert response.status_code == 302
    run = ModelRun.objects.get(workspace=shop.workspace)
    assert run.status == ModelRun.Status.DONE
    assert run.customers == 8
    assert client.get("/analytics/recompute/").status_code == 405


def test_recompute_refused_while_running(shop: Membership) -> None:
    ModelRun.objects.create(workspace=shop.workspace, started_at=dt.datetime.now(dt.UTC))
    response = _client(shop, "en").post("/analytics/recompute/", follow=True)
    assert "already running" in response.content.decode()


def test_add_marketing_spend(shop: Membership) -> None:
    channel = SalesChannelFactory(workspace=shop.workspace, name="Facebook")
    client = _client(shop, "en")
    response = client.post(
        "/analytics/spend/",
        {"channel": channel.pk, "month": "2026-01", "amount": "1500.50", "campaign": "New year"},
    )
    assert response.status_code == 302
    spend = MarketingSpend.objects.get(workspace=shop.workspace)
    assert (spend.amount_satang, spend.month, spend.campaign) == (
        150_050,
        dt.date(2026, 1, 1),
        "New year",
    )
    bad = client.post("/analytics/spend/", {"channel": channel.pk, "month": "soon", "amount": "5"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["month"]  # said at the field
    # A month typed in Buddhist Era years, as a Thai reader counts.
    client.post("/analytics/spend/", {"channel": channel.pk, "month": "02/2569", "amount": "10"})
    assert MarketingSpend.objects.filter(month=dt.date(2026, 2, 1)).exists()
    foreign = SalesChannelFactory()  # another shop's channel is not a choice
    other = client.post(
        "/analytics/spend/", {"channel": foreign.pk, "month": "2026-01", "amount": "5"}
    )
    assert other.status_code == 400
    assert MarketingSpend.objects.count() == 2  # January, and February typed in B.E.


@pytest.mark.parametrize("language", ["th", "en"])
def test_a_shop_where_nobody_left_is_told_so_not_that_the_fit_failed(
    db: None, language: str
) -> None:
    owner = MembershipFactory()
    ws = owner.workspace
    channel = SalesChannelFactory(workspace=ws)
    now = dt.datetime.now(dt.UTC)
    for i in range(40):  # everyone buys every few weeks, up to the last days
        customer = CustomerFactory(workspace=ws)
        for k, days in enumerate(range(150 + (i * 13) % 200, 0, -(20 + i % 7 * 5))):
            OrderFactory(
                workspace=ws,
                customer=customer,
                channel=channel,
                placed_at=now - dt.timedelta(days=days, hours=i % 5),
                # Each customer's orders differ in value. With (days % 3), those who bought
                # every 30 or 45 days paid the same every time, the order-value fit had no
                # finite optimum, and whether it stopped "converged" depended on the hour.
                total_satang=5000 + (i * 37 % 11) * 1000 + (k % 4) * 900,
            )
    metrics_recompute(workspace=ws)
    card = ModelRun.objects.get(workspace=ws).model_card
    assert [w["code"] for w in card["warnings"]] == ["no_churn"]
    html = _client(owner, language).get("/analytics/").content.decode()
    with translation.override(language):
        said = escape(_warning_text("no_churn"))
        failed = escape(_warning_text("fit_not_converged"))
    assert said in html and failed not in html
    if language == "en":
        assert "No customer has dropped out in this data yet" in html
        assert "close to 100% for everyone" in html
