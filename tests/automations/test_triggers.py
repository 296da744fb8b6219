"""The triggers beyond the first four: a purchase in a category, a tier change, a LINE follow and
postback (events), birthdays, no purchase for N days and P(alive) below a threshold (the hourly
sweep, once per occasion); the coupon action and the stop-if-they-bought condition."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.analytics.models import CustomerMetrics
from samphan.automations.models import Journey, JourneyRun, RunStatus
from samphan.automations.services import journey_create, runs_due, runs_sweep
from samphan.commerce.models import ProductCategory
from samphan.core.access import Actor
from samphan.customers.consent_services import consent_record
from samphan.customers.models import Customer
from samphan.loyalty.coupons.models import CouponCode
from samphan.loyalty.coupons.services import campaign_create
from samphan.loyalty.models import Programme
from samphan.loyalty.tiers import tiers_replace
from samphan.messaging.models import LineChannel
from tests.conftest import ApiClient
from tests.factories import CustomerFactory, OrderFactory, ProductFactory, line
from tests.messaging.conftest import USER, LineStub, channel, deliver, event, line_stub  # noqa: F401

pytestmark = pytest.mark.django_db
PUSH = "/v2/bot/message/push"
BANGKOK = dt.timezone(dt.timedelta(hours=7))


def _journey(owner: Actor, trigger: str, **fields: Any) -> Journey:
    return journey_create(
        actor=owner, fields={"name": trigger, "trigger": trigger, "tag": "t", **fields}
    )


def _entered(journey: Journey) -> list[int]:
    return sorted(JourneyRun.objects.filter(journey=journey).values_list("customer_id", flat=True))


def test_purchase_in_a_category_starts_only_its_journey(
    owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    ws = owner.workspace
    drinks = ProductCategory.objects.create(workspace=ws, name="เครื่องดื่ม")
    snacks = ProductCategory.objects.create(workspace=ws, name="ขนม")
    journey = _journey(owner, "category_purchase", category_id=drinks.pk)
    tea, cake = (
        ProductFactory(workspace=ws, category=drinks),
        ProductFactory(workspace=ws, category=snacks),
    )
    buyer, other, old = (CustomerFactory(workspace=ws) for _ in range(3))
    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(workspace=ws, customer=buyer, lines=[line(tea), line(cake)])
        OrderFactory(workspace=ws, customer=other, lines=[line(cake)])
        # Last year's order from a file starts nothing.
        OrderFactory(
            workspace=ws,
            customer=old,
            lines=[line(tea)],
            placed_at=timezone.now() - dt.timedelta(days=300),
        )
    assert _entered(journey) == [buyer.pk]


def test_tier_change_with_and_without_a_tier_to_match(
    owner: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    Programme.objects.create(workspace=owner.workspace, pending_days=0, tier_hold_months=12)
    tiers_replace(
        actor=owner,
        tiers=[
            {"name": "Member", "code": "member", "threshold": 0},
            {"name": "Silver", "code": "silver", "threshold": 500_000},
        ],
    )
    any_tier = _journey(owner, "tier_changed")
    silver = _journey(owner, "tier_changed", match="silver")  # case does not matter
    customer = CustomerFactory(workspace=owner.workspace)
    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)
    assert _entered(any_tier) == [customer.pk] and _entered(silver) == []
    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(workspace=owner.workspace, customer=customer, total_satang=400_000)
    assert _entered(silver) == [customer.pk]
    # No wait: both ran at once; the first ended before the second change, so it ran again.
    assert JourneyRun.objects.filter(journey=any_tier, status=RunStatus.DONE).count() == 2


def test_line_follow_and_postback(
    client: Client,
    owner: Actor,
    channel: LineChannel,  # noqa: F811
    line_stub: LineStub,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    follow = _journey(owner, "line_follow", message="ยินดีต้อนรับ {{ shop_name }}")
    menu = _journey(owner, "line_postback", match="action=menu")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, channel, event("follow"))
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            client,
            channel,
            event("postback", postback={"data": "action=other"}),
            event("postback", postback={"data": "action=menu"}),
        )
    customer = Customer.objects.get(workspace=owner.workspace)
    assert _entered(follow) == [customer.pk] and _entered(menu) == [customer.pk]
    # The follow recorded LINE consent, so the welcome goes out by LINE (at once, or at the
    # end of the quiet hours).
    runs_due(now=JourneyRun.objects.get(journey=follow).due_at)
    pushes = line_stub.calls(PUSH)
    assert len(pushes) == 1 and pushes[0].body["to"] == USER
    assert owner.workspace.name in pushes[0].body["messages"][0]["text"]


def test_birthday_sweep_once_a_year_and_29_february(owner: Actor) -> None:
    journey = _journey(owner, "birthday", days=0)
    ahead = _journey(owner, "birthday", days=7)
    today = CustomerFactory(workspace=owner.workspace, birthday=dt.date(1990, 2, 28))
    leap = CustomerFactory(workspace=owner.workspace, birthday=dt.date(1992, 2, 29))
    week = CustomerFactory(workspace=owner.workspace, birthday=dt.date(1985, 3, 7))
    CustomerFactory(workspace=owner.workspace, birthday=dt.date(1990, 3, 1))
    now = dt.datetime(2027, 2, 28, 0, 5, tzinfo=BANGKOK)  # 2027 is not a leap year
    assert runs_sweep(now=now) == 3
    assert _entered(journey) == sorted([today.pk, leap.pk]) and _entered(ahead) == [week.pk]
    # Run again later that day (and after the runs are done): no one enters twice.
    runs_due(now=now + dt.timedelta(hours=9))
    assert runs_sweep(now=now + dt.timedelta(hours=1)) == 0
    assert JourneyRun.objects.filter(journey=journey).count() == 2
    # Next year, again.
    assert runs_sweep(now=now.replace(year=2028)) == 1  # 2028-02-28: leap year, 29th is its own day
    # A message waits past the quiet hours: 00:05 → 08:00.
    msg = _journey(owner, "birthday", message="สุขสันต์วันเกิด {{ first_name }}")
    runs_sweep(now=now)
    assert JourneyRun.objects.filter(journey=msg).first().due_at == now.replace(  # type: ignore[union-attr]
        hour=8, minute=0
    )


def test_no_purchase_for_n_days_once_per_lapse(owner: Actor) -> None:
    journey = _journey(owner, "no_purchase", days=60, wait_minutes=0)
    now = timezone.now()
    lapsed, recent, long_gone = (CustomerFactory(workspace=owner.workspace) for _ in range(3))
    OrderFactory(workspace=owner.workspace, customer=lapsed, placed_at=now - dt.timedelta(days=61))
    OrderFactory(workspace=owner.workspace, customer=recent, placed_at=now - dt.timedelta(days=10))
    # Gone for years: a win-back list, not a journey that wakes for everyone at once.
    OrderFactory(
        workspace=owner.workspace, customer=long_gone, placed_at=now - dt.timedelta(days=400)
    )
    CustomerFactory(workspace=owner.workspace)  # never bought
    assert runs_sweep(now=now) == 1 and _entered(journey) == [lapsed.pk]
    runs_due(now=now)
    assert runs_sweep(now=now + dt.timedelta(days=1)) == 0  # the same lapse
    # They buy, then lapse again: a new occasion.
    later = now + dt.timedelta(days=30)
    OrderFactory(workspace=owner.workspace, customer=lapsed, placed_at=later)
    assert runs_sweep(now=later + dt.timedelta(days=61)) == 1
    keys = set(JourneyRun.objects.filter(journey=journey).values_list("key", flat=True))
    assert len(keys) == 2 and all(k.startswith("lapse-") for k in keys)


def test_p_alive_below_threshold(owner: Actor) -> None:
    journey = _journey(owner, "p_alive_below", threshold=0.3)
    now = timezone.now()
    slipping, fine = (CustomerFactory(workspace=owner.workspace) for _ in range(2))
    for customer, p_alive in ((slipping, 0.12), (fine, 0.8)):
        OrderFactory(
            workspace=owner.workspace, customer=customer, placed_at=now - dt.timedelta(days=90)
        )
        CustomerMetrics.objects.update_or_create(
            customer=customer,
            defaults={"workspace": owner.workspace, "computed_at": now, "p_alive": p_alive},
        )
    assert runs_sweep(now=now) == 1 and _entered(journey) == [slipping.pk]
    assert runs_sweep(now=now) == 0
    assert JourneyRun.objects.get(journey=journey).reason == "P(alive) 0.12"


def test_coupon_action_and_stop_if_they_bought(
    owner: Actor,
    line_stub: LineStub,  # noqa: F811
    channel: LineChannel,  # noqa: F811
) -> None:
    coupon = campaign_create(
        actor=owner, name="กลับมาเถอะ", kind="value", code_mode="unique", value_satang=5_000
    )
    journey = journey_create(
        actor=owner,
        recipe="win_back",
        fields={
            "coupon_campaign_id": coupon.pk,
            "message": "{{ first_name }} ใช้โค้ด {{ coupon_code }}",
        },
    )
    assert journey.stop_if_purchased and journey.days == 60
    now = timezone.now()
    back, away = (
        CustomerFactory(workspace=owner.workspace, first_name=n, contacts=[("line", u)])
        for n, u in (("กลับ", "U" + "e" * 32), ("หาย", USER))
    )
    for customer in (back, away):
        consent_record(
            actor=owner,
            customer_id=customer.pk,
            purpose="marketing_line",
            granted=True,
            source="form",
        )
        OrderFactory(
            workspace=owner.workspace, customer=customer, placed_at=now - dt.timedelta(days=61)
        )
    journey.wait_minutes = 60 * 24
    journey.save()
    assert runs_sweep(now=now) == 2
    OrderFactory(workspace=owner.workspace, customer=back)  # bought during the wait
    assert runs_due(now=now + dt.timedelta(days=2)) == 2
    code = CouponCode.objects.get(campaign=coupon)
    assert code.customer_id == away.pk
    pushes = line_stub.calls(PUSH)
    assert len(pushes) == 1 and pushes[0].body["to"] == USER
    assert code.code in pushes[0].body["messages"][0]["text"]
    stopped = JourneyRun.objects.get(journey=journey, customer=back)
    assert [(s.action, s.outcome) for s in stopped.log.all()] == [("condition", "stopped")]
    done = JourneyRun.objects.get(journey=journey, customer=away)
    assert [(s.action, s.outcome) for s in done.log.all()][:2] == [
        ("coupon", "done"),
        ("message", "done"),
    ]


def test_settings_are_checked(api_rw: ApiClient, owner: Actor) -> None:
    def error(body: dict[str, Any]) -> str:
        answer = api_rw.post("/api/v1/journeys", {"name": "x", "tag": "t", **body})
        assert answer.status_code == 422, answer.json()
        return str(answer.json()["error"]["code"])

    assert error({"trigger": "no_purchase"}) == "setting_required"
    assert error({"trigger": "no_purchase", "days": 0}) == "invalid_days"
    assert error({"trigger": "category_purchase"}) == "setting_required"
    elsewhere = ProductCategory.objects.create(workspace=CustomerFactory().workspace, name="อื่น")
    assert error({"trigger": "category_purchase", "category_id": elsewhere.pk}) == (
        "category_not_found"
    )
    assert error({"trigger": "p_alive_below"}) == "setting_required"
    assert error({"trigger": "birthday", "days": 61}) == "invalid_days"
    made = api_rw.post(
        "/api/v1/journeys", {"recipe": "birthday", "days": 3, "coupon_campaign_id": None}
    )
    assert made.status_code == 201 and made.json()["days"] == 3
    assert made.json()["trigger"] == "birthday" and made.json()["coupon_campaign_id"] is None
    cleared = api_rw.request(
        "PATCH", f"/api/v1/journeys/{made.json()['id']}", {"threshold": 0.5, "match": "Gold"}
    )
    assert cleared.status_code == 200 and cleared.json()["match"] == "Gold"


def test_page_makes_a_category_journey(owner_client: Client, owner: Actor) -> None:
    drinks = ProductCategory.objects.create(workspace=owner.workspace, name="เครื่องดื่ม")
    made = owner_client.post(
        reverse("automations:list"),
        {
            "name": "คนชอบเครื่องดื่ม",
            "trigger": "category_purchase",
            "category": str(drinks.pk),
            "wait_minutes": "0",
            "tag": "สายเครื่องดื่ม",
            "is_active": "on",
        },
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    journey = Journey.objects.get(workspace=owner.workspace)
    assert journey.category_id == drinks.pk
    missing = owner_client.post(
        reverse("automations:list"),
        {"name": "x", "trigger": "no_purchase", "wait_minutes": "0", "tag": "t"},
    )
    assert missing.status_code == 422


def test_a_series_starts_each_step_when_the_one_before_is_done(
    owner: Actor, api_rw: ApiClient
) -> None:
    first = _journey(owner, "customer_created", wait_minutes=0)
    made = api_rw.post(
        "/api/v1/journeys",
        {"name": "ขั้นที่ 2", "trigger": "after_journey", "after_id": first.pk,
         "wait_minutes": 3 * 24 * 60, "follow_up": "โทรถามว่าใช้เป็นไหม", "stop_if_purchased": True},
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    second = Journey.objects.get(pk=made.json()["id"])
    third = _journey(owner, "after_journey", after_id=second.pk)
    # A cycle, or following another shop's journey, is refused.
    cycle = api_rw.request("PATCH", f"/api/v1/journeys/{first.pk}", {"after_id": third.pk})
    assert cycle.status_code == 422  # customer_created does not follow anything
    loop = api_rw.request("PATCH", f"/api/v1/journeys/{second.pk}", {"after_id": third.pk})
    assert loop.status_code == 422 and loop.json()["error"]["code"] == "journey_cycle"
    foreign = Journey.objects.create(
        workspace=CustomerFactory().workspace, name="อื่น", trigger="low_score", tag="x"
    )
    elsewhere = api_rw.post(
        "/api/v1/journeys",
        {"name": "x", "trigger": "after_journey", "after_id": foreign.pk, "tag": "t"},
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["error"]["code"] == (
        "journey_not_found"
    )
    stays, buys = (CustomerFactory(workspace=owner.workspace) for _ in range(2))
    now = timezone.now()
    from samphan.automations.services import runs_start

    runs_start(
        workspace_id=owner.workspace.pk,
        trigger="customer_created",
        customers=[(stays.pk, "new"), (buys.pk, "new")],
        now=now,
    )
    assert runs_due(now=now) == 2
    assert _entered(second) == sorted([stays.pk, buys.pk]) and _entered(third) == []
    OrderFactory(workspace=owner.workspace, customer=buys)
    assert runs_due(now=now + dt.timedelta(days=3, minutes=1)) == 2
    # The buyer's step 2 stopped at its condition: the series ends there for them.
    assert _entered(third) == [stays.pk]


def test_remove_a_tag(owner: Actor, django_capture_on_commit_callbacks: Any) -> None:
    from samphan.customers.services.tags import tag_set

    journey = journey_create(
        actor=owner,
        fields={"name": "กลับมาแล้ว", "trigger": "first_purchase", "untag": "ลูกค้าหาย"},
    )
    customer = CustomerFactory(workspace=owner.workspace)
    tag_set(actor=owner, customer_id=customer.pk, names=["ลูกค้าหาย", "VIP"])
    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(workspace=owner.workspace, customer=customer)
    run = JourneyRun.objects.get(journey=journey)
    assert run.status == RunStatus.DONE
    assert list(customer.tags.values_list("name", flat=True)) == ["VIP"]
    assert [(s.action, s.outcome) for s in run.log.all()] == [("untag", "done")]
