"""The customer-page panel registry: a panel another app registers (here, the test) shows on the
customer page without customers knowing it, in order, for the roles allowed to see it; commerce's
orders panel and analytics' panel register themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.analytics.models import CustomerMetrics, RfmSegment
from samphan.core.access import Actor
from samphan.core.models import Membership
from samphan.core.roles import Perm, Role
from samphan.customers.models import Customer
from samphan.customers.panels import register_panel, registered_panels, unregister_panel
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(owner: Actor) -> Customer:
    return cast(Customer, CustomerFactory(workspace=owner.workspace, first_name="มาลี"))


@pytest.fixture
def panel_templates(settings: Any, tmp_path: Path) -> Path:
    (tmp_path / "test_panels").mkdir()
    (tmp_path / "test_panels" / "visits.html").write_text(
        "<p>Visits of {{ customer.first_name }}: {{ visits }}</p>", encoding="utf-8"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(tmp_path)]}
    ]
    return tmp_path


@pytest.fixture
def registered() -> Iterator[list[str]]:
    """Keys registered by a test, removed afterwards."""
    keys: list[str] = []
    yield keys
    for key in keys:
        unregister_panel(key)


def _register(registered: list[str], key: str, **kwargs: Any) -> None:
    register_panel(key=key, template="test_panels/visits.html", **kwargs)
    registered.append(key)


def _client(owner_membership: Membership, role: str) -> Client:
    membership = cast(
        Membership, MembershipFactory(workspace=owner_membership.workspace, role=role)
    )
    client = Client()
    client.force_login(membership.user)
    return client


def _page(client: Client, customer: Customer) -> str:
    response = client.get(reverse("customers:detail", kwargs={"customer_id": customer.pk}))
    assert response.status_code == 200
    return response.content.decode()


def test_a_registered_panel_shows_on_the_customer_page(
    owner_client: Client, customer: Customer, panel_templates: Path, registered: list[str]
) -> None:
    _register(
        registered,
        "visits",
        title="Shop visits",
        context=lambda actor, c: {"visits": 7 if c.pk == customer.pk else 0},
        column="main",
    )
    html = _page(owner_client, customer)
    assert '<article class="c360-card" id="panel-visits">' in html
    assert "<h2>Shop visits</h2>" in html
    assert "<p>Visits of มาลี: 7</p>" in html


def test_panels_follow_their_order_and_can_leave_a_customer_out(
    owner_client: Client, customer: Customer, panel_templates: Path, registered: list[str]
) -> None:
    _register(registered, "second", title="Second", context=lambda a, c: {}, order=2)
    _register(registered, "first", title="First", context=lambda a, c: {}, order=1)
    _register(registered, "hidden", title="Hidden", context=lambda a, c: None, order=0)
    html = _page(owner_client, customer)
    assert html.index("panel-first") < html.index("panel-second")
    assert "panel-hidden" not in html


def test_a_panel_needs_its_permission(
    owner_membership: Membership,
    owner_client: Client,
    customer: Customer,
    panel_templates: Path,
    registered: list[str],
) -> None:
    _register(
        registered, "managers", title="For managers", context=lambda a, c: {}, perm=Perm.AUDIT_VIEW
    )
    assert "panel-managers" in _page(owner_client, customer)
    assert "panel-managers" not in _page(_client(owner_membership, Role.STAFF), customer)


def test_a_key_is_registered_once(registered: list[str]) -> None:
    _register(registered, "once", title="Once", context=lambda a, c: {})
    with pytest.raises(ValueError, match="already registered"):
        register_panel(key="once", title="Again", template="x.html", context=lambda a, c: {})
    with pytest.raises(ValueError, match="unknown column"):
        register_panel(
            key="nowhere",
            title="Nowhere",
            template="x.html",
            context=lambda a, c: {},
            column="footer",  # type: ignore[arg-type]
        )
    assert "nowhere" not in {p.key for p in registered_panels()}


def test_commerce_and_analytics_register_their_panels() -> None:
    panels = {p.key: p for p in registered_panels()}
    assert panels["orders"].template == "commerce/panels/orders.html"
    assert panels["orders"].perm == Perm.ORDER_VIEW
    assert panels["analytics"].perm == Perm.ANALYTICS_VIEW


def test_the_orders_panel_lists_the_customers_latest_orders(
    owner: Actor, owner_client: Client, customer: Customer
) -> None:
    now = timezone.now()
    for days in range(7):
        OrderFactory(
            workspace=owner.workspace,
            customer=customer,
            number=f"A-{days}",
            placed_at=now - dt.timedelta(days=days),
        )
    OrderFactory(workspace=owner.workspace, number="OTHER-1")
    html = _page(owner_client, customer)
    panel = html[html.index('id="panel-orders"') :]
    panel = panel[: panel.index("</article>")]
    assert [n for n in (f"A-{d}" for d in range(7)) if n in panel] == [f"A-{d}" for d in range(5)]
    assert "OTHER-1" not in panel


def test_the_analytics_panel_shows_the_customers_metrics_to_those_who_may_see_analytics(
    owner: Actor, owner_membership: Membership, owner_client: Client, customer: Customer
) -> None:
    html = _page(owner_client, customer)
    assert 'id="panel-analytics"' in html
    CustomerMetrics.objects.create(
        workspace=owner.workspace,
        customer=customer,
        computed_at=timezone.now(),
        rfm_segment=RfmSegment.CHAMPIONS,
        p_alive=0.83,
        clv_12m_satang=250000,
    )
    english = cast(
        Membership,
        MembershipFactory(
            workspace=owner_membership.workspace, role=Role.MARKETER, user__language="en"
        ),
    )
    client = Client()
    client.force_login(english.user)
    html = _page(client, customer)
    panel = html[html.index('id="panel-analytics"') :]
    assert "Champions" in panel and "83%" in panel and "2,500" in panel
    assert 'id="panel-analytics"' not in _page(_client(owner_membership, Role.STAFF), customer)
