"""Coupons: the checks a code goes through, what it takes off a basket, limits, redemption
recorded once per order and attributed to its campaign."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, NotFound, PermissionDenied
from samphan.core.roles import Role
from samphan.loyalty.coupons import checks, tiers
from samphan.loyalty.coupons.codes import ALPHABET, GENERATED_LENGTH, code_normalise
from samphan.loyalty.coupons.models import CouponCampaign, CouponCode, CouponRedemption
from samphan.loyalty.coupons.selectors import coupon_quote, remaining_uses
from samphan.loyalty.coupons.services import (
    CODES_PER_REQUEST_MAX,
    codes_generate,
    coupon_redeem,
)
from samphan.segments.services import segment_create
from samphan.timeline.models import TimelineEvent
from tests.coupons.factories import campaign
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory

pytestmark = pytest.mark.django_db


def _quote(actor: Actor, code: str, subtotal: int, customer_id: int | None = None, **kw):  # type: ignore[no-untyped-def]
    return coupon_quote(
        actor=actor, code=code, subtotal_satang=subtotal, customer_id=customer_id, **kw
    )


def test_value_coupon_quotes_its_amount_and_never_more_than_the_basket(owner: Actor) -> None:
    campaign(owner, code="save50")
    assert _quote(owner, "SAVE50", 20000).discount_satang == 5000
    # Codes are compared without case and spaces.
    assert _quote(owner, " save 50 ", 20000).valid
    small = _quote(owner, "save50", 3000)
    assert small.valid and small.discount_satang == 3000
    assert _quote(owner, "save50", 0).discount_satang == 0


def test_percent_rounds_down_and_respects_the_cap(owner: Actor) -> None:
    campaign(owner, kind="percent", percent_bp=1250, code="TWELVE")
    assert _quote(owner, "TWELVE", 10001).discount_satang == 1250  # 1250.125 → 1250
    campaign(owner, kind="percent", percent_bp=2000, max_discount_satang=10000, code="CAPPED")
    assert _quote(owner, "CAPPED", 30000).discount_satang == 6000
    assert _quote(owner, "CAPPED", 100000).discount_satang == 10000
    campaign(owner, kind="percent", percent_bp=10000, code="FREE")
    assert _quote(owner, "FREE", 12345).discount_satang == 12345


@given(
    basket=st.integers(min_value=0, max_value=10**12),
    kind=st.sampled_from(["value", "percent"]),
    value=st.integers(min_value=1, max_value=10**12),
    percent_bp=st.integers(min_value=1, max_value=10_000),
    cap=st.none() | st.integers(min_value=1, max_value=10**12),
)
def test_discount_never_exceeds_the_basket_or_the_cap(
    basket: int, kind: str, value: int, percent_bp: int, cap: int | None
) -> None:
    c = CouponCampaign(
        kind=kind, value_satang=value, percent_bp=percent_bp, max_discount_satang=cap
    )
    discount = checks.discount_for(c, basket)
    assert 0 <= discount <= basket
    assert cap is None or discount <= cap
    if kind == "percent":
        assert discount <= basket * percent_bp / 10_000


def test_each_reason_is_given(owner: Actor) -> None:
    now = timezone.now()
    customer = CustomerFactory(workspace=owner.workspace)
    assert _quote(owner, "NOPE", 100).reason == checks.UNKNOWN
    campaign(owner, code="LATER", starts_at=now + dt.timedelta(days=1))
    assert _quote(owner, "LATER", 10000).reason == checks.NOT_STARTED
    campaign(owner, code="OVER", ends_at=now - dt.timedelta(seconds=1))
    assert _quote(owner, "OVER", 10000).reason == checks.EXPIRED
    campaign(owner, code="MIN", min_spend_satang=50000)
    short = _quote(owner, "MIN", 49999)
    assert short.reason == checks.MIN_SPEND and short.details == {
        "min_spend_satang": 50000,
        "short_by_satang": 1,
    }
    assert _quote(owner, "MIN", 50000).valid
    campaign(owner, code="OFF", is_active=False)
    assert _quote(owner, "OFF", 10000).reason == checks.INACTIVE
    campaign(owner, code="ONCE", per_customer_limit=1)
    assert _quote(owner, "ONCE", 10000).reason == checks.CUSTOMER_REQUIRED
    assert _quote(owner, "ONCE", 10000, customer.pk).valid
    with pytest.raises(NotFound):
        _quote(owner, "ONCE", 10000, 10**12)


def test_a_bound_code_is_only_for_its_customer(owner: Actor) -> None:
    alice, bob = CustomerFactory.create_batch(2, workspace=owner.workspace)
    c = campaign(owner, code_mode="unique")
    (code,) = codes_generate(actor=owner, campaign_id=c.pk, customer_ids=[alice.pk])
    assert code.customer_id == alice.pk
    assert _quote(owner, code.code, 10000, alice.pk).valid
    assert _quote(owner, code.code, 10000, bob.pk).reason == checks.NOT_FOR_CUSTOMER
    assert _quote(owner, code.code, 10000).reason == checks.CUSTOMER_REQUIRED
    # Asked again for the same customer: they already have one.
    assert (
        codes_generate(actor=owner, campaign_id=c.pk, customer_ids=[alice.pk, bob.pk])[
            0
        ].customer_id
        == bob.pk
    )


def test_segment_targeting(owner: Actor) -> None:
    bangkok = CustomerFactory(workspace=owner.workspace, province="กรุงเทพมหานคร")
    elsewhere = CustomerFactory(workspace=owner.workspace, province="เชียงใหม่")
    rules = {
        "op": "and",
        "items": [{"field": "province", "operator": "eq", "value": "กรุงเทพมหานคร"}],
    }
    segment = segment_create(actor=owner, name="กทม", rules=rules)
    campaign(owner, code="BKK", targeting="segment", segment_id=segment.pk)
    # Counter staff can't open segments, and still may use the coupon for its members.
    staff = actor_for_membership(MembershipFactory(workspace=owner.workspace, role=Role.STAFF))
    assert _quote(staff, "BKK", 10000, bangkok.pk).valid
    assert _quote(staff, "BKK", 10000, elsewhere.pk).reason == checks.NOT_IN_SEGMENT
    assert _quote(staff, "BKK", 10000).reason == checks.CUSTOMER_REQUIRED
    segment.delete()  # the campaign is for nobody now, not for everyone
    assert _quote(staff, "BKK", 10000, bangkok.pk).reason == checks.NOT_IN_SEGMENT


def test_tier_targeting_waits_for_loyalty_tiers(owner: Actor) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    c = campaign(owner, code="GOLD", targeting="tier", tier_code=" Gold ")
    assert c.tier_code == "gold"
    previous = tiers.tier_resolver_get()
    tiers.tier_resolver_set(lambda ws, cid: None)  # the shop has no tiers
    try:
        assert _quote(owner, "GOLD", 10000, customer.pk).reason == checks.TIER_UNKNOWN
        tiers.tier_resolver_set(lambda ws, cid: "gold" if cid == customer.pk else "member")
        assert _quote(owner, "GOLD", 10000, customer.pk).valid
        other = CustomerFactory(workspace=owner.workspace)
        assert _quote(owner, "GOLD", 10000, other.pk).reason == checks.NOT_IN_TIER
    finally:
        tiers.tier_resolver_set(previous)


def test_redeem_records_the_attribution_and_the_timeline(owner: Actor) -> None:
    c = campaign(owner, kind="percent", percent_bp=1000, code="TEN")
    order = OrderFactory(workspace=owner.workspace, subtotal_satang=25000, coupon_code="ten")
    result = coupon_redeem(actor=owner, code="ten", order_id=order.pk)
    r = result.redemption
    assert result.created and r.campaign_id == c.pk and r.order_id == order.pk
    assert (r.discount_satang, r.basket_satang, r.customer_id) == (2500, 25000, order.customer_id)
    c.refresh_from_db()
    assert (c.redeemed_count, c.discount_total_satang) == (1, 2500)
    event = TimelineEvent.objects.get(type="coupon.redeemed")
    assert (event.customer_id, event.order_id) == (order.customer_id, order.pk)
    assert event.payload["code"] == "TEN" and event.links["coupon_campaign"] == c.pk
    # Again on the same order: the same redemption, nothing counted twice.
    again = coupon_redeem(actor=owner, code="TEN", order_id=order.pk)
    assert not again.created and again.redemption.pk == r.pk
    c.refresh_from_db()
    assert c.redeemed_count == 1
    campaign(owner, code="OTHER")
    with pytest.raises(ApplicationError) as exc:
        coupon_redeem(actor=owner, code="OTHER", order_id=order.pk)
    assert exc.value.code == "order_has_coupon" and exc.value.status == 409


def test_redeem_refuses_orders_it_must_not_touch(owner: Actor) -> None:
    campaign(owner, code="SAVE50")
    cancelled = OrderFactory(workspace=owner.workspace, status="cancelled")
    with pytest.raises(ApplicationError) as exc:
        coupon_redeem(actor=owner, code="SAVE50", order_id=cancelled.pk)
    assert exc.value.code == "order_not_paid"
    other_code = OrderFactory(workspace=owner.workspace, coupon_code="XMAS")
    with pytest.raises(ApplicationError) as exc:
        coupon_redeem(actor=owner, code="SAVE50", order_id=other_code.pk)
    assert exc.value.code == "order_coupon_mismatch"
    elsewhere = OrderFactory()
    with pytest.raises(NotFound):
        coupon_redeem(actor=owner, code="SAVE50", order_id=elsewhere.pk)


def test_total_and_per_customer_limits(owner: Actor) -> None:
    c = campaign(owner, code="TWO", total_limit=3, per_customer_limit=2)
    alice, bob = CustomerFactory.create_batch(2, workspace=owner.workspace)
    for _ in range(2):
        coupon_redeem(actor=owner, code="TWO", order_id=OrderFactory(customer=alice).pk)
    with pytest.raises(ApplicationError) as exc:
        coupon_redeem(actor=owner, code="TWO", order_id=OrderFactory(customer=alice).pk)
    assert (exc.value.code, exc.value.status) == (checks.CUSTOMER_LIMIT_REACHED, 409)
    assert _quote(owner, "TWO", 10000, alice.pk).reason == checks.CUSTOMER_LIMIT_REACHED
    coupon_redeem(actor=owner, code="TWO", order_id=OrderFactory(customer=bob).pk)
    c.refresh_from_db()
    assert remaining_uses(c) == 0
    with pytest.raises(ApplicationError) as exc:
        coupon_redeem(actor=owner, code="TWO", order_id=OrderFactory(customer=bob).pk)
    assert exc.value.code == checks.LIMIT_REACHED
    assert CouponRedemption.objects.filter(campaign=c).count() == 3


def test_the_limit_holds_when_the_validation_is_stale(owner: Actor) -> None:
    """Checked before the counters are raised: the conditional UPDATE still says no."""
    c = campaign(owner, code="LAST", total_limit=1)
    coupon_redeem(actor=owner, code="LAST", order_id=OrderFactory(workspace=owner.workspace).pk)
    stale = CouponCode.objects.select_related("campaign").get(code="LAST")
    stale.campaign.redeemed_count = 0  # as a request that read before the first one committed
    from samphan.loyalty.coupons import services

    with pytest.raises(ApplicationError) as exc:
        services._count_use(stale.campaign, stale, None, 100)
    assert exc.value.code == checks.LIMIT_REACHED
    c.refresh_from_db()
    assert c.redeemed_count == 1


def test_unique_codes_are_single_use(owner: Actor) -> None:
    c = campaign(owner, code_mode="unique", code_count=2)
    a, b = CouponCode.objects.filter(campaign=c)
    coupon_redeem(actor=owner, code=a.code, order_id=OrderFactory(workspace=owner.workspace).pk)
    with pytest.raises(ApplicationError) as exc:
        coupon_redeem(actor=owner, code=a.code, order_id=OrderFactory(workspace=owner.workspace).pk)
    assert exc.value.code == checks.CODE_USED
    assert coupon_redeem(
        actor=owner, code=b.code.lower(), order_id=OrderFactory(workspace=owner.workspace).pk
    ).created


def test_idempotency_key(owner: Actor) -> None:
    campaign(owner, code="SAVE50", total_limit=5)
    first = OrderFactory(workspace=owner.workspace)
    second = OrderFactory(workspace=owner.workspace)
    one = coupon_redeem(actor=owner, code="SAVE50", order_id=first.pk, idempotency_key="k-1")
    two = coupon_redeem(actor=owner, code="save50", order_id=first.pk, idempotency_key="k-1")
    assert one.created and not two.created and one.redemption.pk == two.redemption.pk
    with pytest.raises(ApplicationError) as exc:
        coupon_redeem(actor=owner, code="SAVE50", order_id=second.pk, idempotency_key="k-1")
    assert (exc.value.code, exc.value.status) == ("idempotency_key_reused", 422)
    assert CouponCampaign.objects.get().redeemed_count == 1


def test_generated_codes_are_unguessable(owner: Actor) -> None:
    c = campaign(owner, code_mode="unique", code_count=2000)
    codes = list(CouponCode.objects.filter(campaign=c).values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 2000
    assert all(len(x) == GENERATED_LENGTH and set(x) <= set(ALPHABET) for x in codes)
    assert not set("01OIL") & set(ALPHABET)
    # Each position draws on the whole alphabet (a counter or a timestamp would not).
    for i in range(GENERATED_LENGTH):
        assert len({x[i] for x in codes}) == len(ALPHABET)


def test_code_limits_and_checks(owner: Actor) -> None:
    c = campaign(owner, code_mode="unique")
    with pytest.raises(ApplicationError) as exc:
        codes_generate(actor=owner, campaign_id=c.pk, count=CODES_PER_REQUEST_MAX + 1)
    assert exc.value.code == "too_many_codes"
    shared = campaign(owner, code="SHARED1")
    with pytest.raises(ApplicationError) as exc:
        codes_generate(actor=owner, campaign_id=shared.pk, count=1)
    assert exc.value.status == 409
    with pytest.raises(ApplicationError) as exc:
        campaign(owner, code="shared1")
    assert exc.value.code == "coupon_code_exists"
    for bad in ("ab", "-AB", "โค้ด", "A" * 33):
        with pytest.raises(ApplicationError) as exc:
            campaign(owner, code=bad)
        assert exc.value.code == "invalid_code"
    assert code_normalise("ｓａｖｅ　５０") == "SAVE50"


def test_permissions(owner: Actor) -> None:
    staff = actor_for_membership(MembershipFactory(workspace=owner.workspace, role=Role.STAFF))
    with pytest.raises(PermissionDenied):
        campaign(staff)
    campaign(owner)
    assert _quote(staff, "SAVE50", 10000).valid
    marketer = actor_for_membership(
        MembershipFactory(workspace=owner.workspace, role=Role.MARKETER)
    )
    with pytest.raises(PermissionDenied):
        _quote(marketer, "SAVE50", 10000)


def test_codes_are_per_workspace(owner: Actor) -> None:
    campaign(owner, code="SAVE50")
    other = actor_for_membership(MembershipFactory())
    assert _quote(other, "SAVE50", 10000).reason == checks.UNKNOWN
    campaign(other, code="SAVE50")  # the same code in another shop is another coupon
    assert _quote(other, "SAVE50", 10000).valid


def test_a_persons_coupons_are_in_their_data_export(owner: Actor) -> None:
    from samphan.core.datasubject import Subject
    from samphan.loyalty.coupons.privacy import coupons_export

    customer = CustomerFactory(workspace=owner.workspace)
    c = campaign(owner, code_mode="unique")
    (code,) = codes_generate(actor=owner, campaign_id=c.pk, customer_ids=[customer.pk])
    order = OrderFactory(customer=customer, subtotal_satang=20000)
    coupon_redeem(actor=owner, code=code.code, order_id=order.pk)
    data = coupons_export(
        Subject(
            workspace_id=owner.workspace.pk,
            customer_id=customer.pk,
            customer_ids=(customer.pk,),
        )
    )
    assert [x["code"] for x in data["codes"]] == [code.code]
    assert data["redemptions"][0]["order"] == order.number
    assert data["redemptions"][0]["discount_satang"] == 5000
    assert data["uses_per_campaign"] == [{"campaign": c.name, "used": 1}]


def test_a_redeemed_order_or_campaign_stays(owner: Actor) -> None:
    from django.db.models import RestrictedError

    c = campaign(owner)
    order = OrderFactory(workspace=owner.workspace)
    coupon_redeem(actor=owner, code="SAVE50", order_id=order.pk)
    with pytest.raises(RestrictedError):
        order.delete()
    with pytest.raises(RestrictedError):
        c.delete()
    assert CouponRedemption.objects.count() == 1


def test_two_records_of_one_person_share_their_uses_after_a_merge(owner: Actor) -> None:
    from samphan.customers.merge import customer_merge
    from samphan.loyalty.coupons.models import CouponCustomerUsage

    twice = campaign(owner, code="TWICE", per_customer_limit=2)
    other = campaign(owner, code="OTHER")
    first, second = CustomerFactory.create_batch(2, workspace=owner.workspace)
    coupon_redeem(actor=owner, code="TWICE", order_id=OrderFactory(customer=first).pk)
    coupon_redeem(actor=owner, code="TWICE", order_id=OrderFactory(customer=second).pk)
    coupon_redeem(actor=owner, code="OTHER", order_id=OrderFactory(customer=second).pk)
    customer_merge(actor=owner, survivor_id=first.pk, merged_id=second.pk)
    # Each record used TWICE once (under its limit of 2); one person has now used it twice.
    assert _quote(owner, "TWICE", 10000, first.pk).reason == checks.CUSTOMER_LIMIT_REACHED
    uses = dict(
        CouponCustomerUsage.objects.filter(customer=first).values_list("campaign_id", "used")
    )
    assert uses == {twice.pk: 2, other.pk: 1}
