"""Saving a suggested segment (analytics clustering) as a segment: the service, the page's
button, its live count, "open in builder", the API, and the workspace boundary."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, cast
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.analytics.clustering import suggest_segments, workspace_suggestions
from samphan.analytics.recompute import metrics_recompute
from samphan.commerce.services import customer_summaries_refresh
from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.models import Membership, Workspace
from samphan.core.roles import Role
from samphan.customers.models import Customer
from samphan.segments import selectors, services
from samphan.segments.models import Segment
from samphan.segments.rules import rules_validate, segment_queryset
from tests.conftest import ApiClient
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory, SalesChannelFactory

pytestmark = pytest.mark.django_db


def _shop(ws: Workspace, *, loyal: int = 10, lapsed: int = 10) -> tuple[set[int], set[int]]:
    """Loyal customers (4 recent orders of ฿500) and lapsed ones (one ฿50 order long ago),
    with their purchase summaries and analytics computed."""
    channel = SalesChannelFactory(workspace=ws)
    now = timezone.now()
    groups: tuple[set[int], set[int]] = (set(), set())
    for i in range(loyal + lapsed):
        big = i < loyal
        customer = cast(Customer, CustomerFactory(workspace=ws, first_name=f"ลูกค้า{i}"))
        groups[0 if big else 1].add(customer.pk)
        for k in range(4 if big else 1):
            OrderFactory(
                workspace=ws,
                customer=customer,
                channel=channel,
                placed_at=now - dt.timedelta(days=(3 + 15 * k + i % 3) if big else 250 + i),
                total_satang=50_000 if big else 5_000,
            )
    customer_summaries_refresh(workspace=ws)
    metrics_recompute(workspace=ws)
    return groups


@pytest.fixture
def shop(owner: Actor) -> Actor:
    _shop(owner.workspace)
    return owner


def _member(ws: Workspace, role: str) -> Actor:
    return actor_for_membership(cast(Membership, MembershipFactory(workspace=ws, role=role)))


# --- the rule -----------------------------------------------------------------------------------


def test_rules_select_the_planted_groups_exactly(owner: Actor) -> None:
    loyal, lapsed = _shop(owner.workspace)
    found = suggest_segments(workspace=owner.workspace, k=2)
    assert [set(s.customer_ids) for s in found] == [loyal, lapsed]
    for s in found:
        assert rules_validate(owner.workspace, s.rule) == s.rule
        selected = set(segment_queryset(owner, s.rule).values_list("pk", flat=True))
        assert selected == set(s.customer_ids), s.rule
        assert (s.rule_precision, s.rule_recall) == (1.0, 1.0)


def test_rules_leave_out_customers_who_never_bought(shop: Actor) -> None:
    never = cast(Customer, CustomerFactory(workspace=shop.workspace))
    for s in workspace_suggestions(actor=shop):
        assert not segment_queryset(shop, s.rule).filter(pk=never.pk).exists(), s.rule


# --- the service --------------------------------------------------------------------------------


def test_service_saves_a_dynamic_segment_with_the_rule(shop: Actor) -> None:
    suggestion = workspace_suggestions(actor=shop)[0]
    segment = services.segment_create_from_suggestion(actor=shop, index=0, key=suggestion.key)
    assert segment.rules == suggestion.rule
    assert segment.name == f"Suggested: {suggestion.explanation_en}"
    assert "approximates" in segment.description
    assert f"{suggestion.size} customers" in segment.description
    assert segment.created_by == shop.user
    members = selectors.segment_customers(actor=shop, segment_id=segment.pk).count()
    assert members == selectors.segment_count(actor=shop, tree=suggestion.rule) > 0

    again = services.segment_create_from_suggestion(actor=shop, index=0)
    assert again.name == f"Suggested: {suggestion.explanation_en} (2)"


def test_service_refuses_roles_without_segments(shop: Actor) -> None:
    for role in (Role.STAFF, Role.SUPPORT):
        with pytest.raises(PermissionDenied):
            services.segment_create_from_suggestion(actor=_member(shop.workspace, role), index=0)
    assert not Segment.objects.exists()


def test_service_refuses_a_changed_or_missing_suggestion(shop: Actor) -> None:
    with pytest.raises(ApplicationError) as exc:
        services.segment_create_from_suggestion(actor=shop, index=0, key="0" * 16)
    assert (exc.value.code, exc.value.status) == ("suggestion_changed", 409)
    with pytest.raises(NotFound):
        services.segment_create_from_suggestion(actor=shop, index=99)
    assert not Segment.objects.exists()


def test_suggestions_belong_to_their_workspace(shop: Actor) -> None:
    stranger = actor_for_membership(cast(Membership, MembershipFactory()))
    with pytest.raises(NotFound):  # the other shop has no buyers, so no suggestions
        services.segment_create_from_suggestion(actor=stranger, index=0)
    assert not Segment.objects.exists()


# --- the pages ----------------------------------------------------------------------------------


def _client(membership: Membership, language: str = "en") -> Client:
    membership.user.language = language
    membership.user.save(update_fields=["language"])
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def owner_page(shop: Actor, owner_membership: Membership) -> Client:
    return _client(owner_membership)


def test_suggestions_page_has_a_save_button(owner_page: Client, shop: Actor) -> None:
    html = owner_page.get(reverse("analytics:suggestions")).content.decode()
    found = workspace_suggestions(actor=shop)
    assert html.count('<button type="submit">Save as segment</button>') == len(found) > 0
    assert f'name="key" value="{found[0].key}"' in html
    assert "Open in builder" in html


def test_save_button_creates_the_segment_and_opens_it(owner_page: Client, shop: Actor) -> None:
    suggestion = workspace_suggestions(actor=shop)[0]
    response = owner_page.post(
        reverse("segments:from_suggestion"), {"index": 0, "key": suggestion.key}
    )
    segment = Segment.objects.get(workspace=shop.workspace)
    assert response.status_code == 302
    assert response["Location"] == reverse("segments:detail", kwargs={"segment_id": segment.pk})
    assert segment.rules == suggestion.rule
    page = owner_page.get(response["Location"]).content.decode()
    assert f"Segment “{segment.name}” saved." in page


def test_save_needs_post_and_a_current_suggestion(owner_page: Client) -> None:
    url = reverse("segments:from_suggestion")
    assert owner_page.get(url, {"index": 0}).status_code == 405
    assert owner_page.post(url, {"index": "x"}).status_code == 404
    assert owner_page.post(url, {"index": 99}).status_code == 404
    response = owner_page.post(url, {"index": 0, "key": "stale"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("analytics:suggestions")
    assert "have changed since the page was opened" in response.content.decode()
    assert not Segment.objects.exists()


def test_another_workspace_cannot_save_these_suggestions(shop: Actor) -> None:
    other = cast(Membership, MembershipFactory())
    client = _client(other)
    key = workspace_suggestions(actor=shop)[0].key
    url = reverse("segments:from_suggestion")
    assert client.post(url, {"index": 0, "key": key}).status_code == 404
    count = reverse("segments:suggestion_count")
    assert client.get(count, {"index": "0", "key": key}).status_code == 404
    assert client.get(reverse("segments:new"), {"suggestion": 0}).status_code == 404
    assert not Segment.objects.exists()

    # With suggestions of its own, the other shop still never gets this shop's rule.
    _shop(other.workspace, loyal=7, lapsed=7)
    response = client.post(url, {"index": 0, "key": key}, follow=True)
    assert "have changed since the page was opened" in response.content.decode()
    assert not Segment.objects.filter(workspace=shop.workspace).exists()


def test_staff_cannot_save(shop: Actor) -> None:
    staff = cast(Membership, MembershipFactory(workspace=shop.workspace, role=Role.STAFF))
    response = _client(staff).post(reverse("segments:from_suggestion"), {"index": 0})
    assert response.status_code == 403
    assert not Segment.objects.exists()


def test_count_shows_what_the_rule_selects_now(owner_page: Client, shop: Actor) -> None:
    suggestion = workspace_suggestions(actor=shop)[0]
    response = owner_page.get(
        reverse("segments:suggestion_count"), {"index": "0", "key": suggestion.key}
    )
    html = response.content.decode()
    expected = selectors.segment_count(actor=shop, tree=suggestion.rule)
    assert f'data-count="{expected}"' in html
    assert "match this rule now" in html
    assert "Rule:" in html


def test_builder_opens_prefilled_with_the_suggestion(owner_page: Client, shop: Actor) -> None:
    suggestion = workspace_suggestions(actor=shop)[0]
    response = owner_page.get(reverse("segments:new"), {"suggestion": "0", "key": suggestion.key})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="Suggested: {suggestion.explanation_en}"' in html
    first = suggestion.rule["items"][0]
    assert f'<option value="{first["field"]}" selected' in html
    assert 'name="r.1.field"' in html or len(suggestion.rule["items"]) == 1


def test_builder_opens_prefilled_with_rules_from_the_link(owner_page: Client) -> None:
    rules: dict[str, Any] = {
        "op": "or",
        "items": [
            {"field": "orders_count", "operator": "gte", "value": 3},
            {"field": "province", "operator": "eq", "value": "ไม่มีจังหวัดนี้"},
        ],
    }
    url = f"{reverse('segments:new')}?rules={quote(json.dumps(rules))}&name=VIP"
    html = owner_page.get(url).content.decode()
    assert 'value="VIP"' in html
    assert '<option value="or" selected' in html
    assert 'name="r.0.value" value="3"' in html
    # The bad value is marked in place, as after a failed save.
    assert "unknown value" in html
    html = owner_page.get(f"{reverse('segments:new')}?rules=%7Bnot-json").content.decode()
    assert "not valid JSON" in html


# --- the API ------------------------------------------------------------------------------------


def test_api_lists_suggestions_with_rules_and_saves_one(api_rw: ApiClient, shop: Actor) -> None:
    listed = api_rw.get("/api/v1/segments/suggestions")
    assert listed.status_code == 200, listed.content
    body = listed.json()
    found = workspace_suggestions(actor=shop)
    assert [s["rules"] for s in body] == [s.rule for s in found]
    assert body[0]["count"] == selectors.segment_count(actor=shop, tree=found[0].rule)
    assert body[0]["summary"] and body[0]["explanation"] and body[0]["key"] == found[0].key

    created = api_rw.post("/api/v1/segments/from-suggestion", {"index": 0, "key": body[0]["key"]})
    assert created.status_code == 201, created.content
    assert created.json()["rules"] == found[0].rule
    stale = api_rw.post("/api/v1/segments/from-suggestion", {"index": 0, "key": "stale"})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "suggestion_changed"
    missing = api_rw.post("/api/v1/segments/from-suggestion", {"index": 42})
    assert missing.status_code == 404


def test_api_read_only_key_cannot_save(api_ro: ApiClient, shop: Actor) -> None:
    assert api_ro.get("/api/v1/segments/suggestions").status_code == 200
    assert api_ro.post("/api/v1/segments/from-suggestion", {"index": 0}).status_code == 403
    assert not Segment.objects.exists()
