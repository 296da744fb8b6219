"""A sale at the counter with points and a coupon in one step: one order whose discount is both,
the redemptions recorded on it, all or nothing; a double press is one sale; the receipt line
shows what it earned and the new balance."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from samphan.commerce.models import Order
from samphan.core.access import Actor
from samphan.core.roles import Role
from samphan.loyalty.coupons.models import CouponRedemption
from samphan.loyalty.coupons.services import campaign_create
from samphan.loyalty.models import Account, Programme, Redemption
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory
from tests.loyalty.helpers import assert_consistent


def _member(owner: Actor, client: Client) -> tuple[object, str, str]:
    Programme.objects.create(workspace=owner.workspace, pending_days=0)
    customer = CustomerFactory(workspace=owner.workspace, contacts=[("phone", "081-359-6920")])
    OrderFactory(workspace=owner.workspace, customer=customer, total_satang=100_000)  # 40 points
    staff = MembershipFactory(workspace=owner.workspace, role=Role.STAFF)
    client.force_login(staff.user)
    kw = {"customer_id": customer.pk}
    return (
        customer,
        reverse("loyalty:counter_member", kwargs=kw),
        reverse("loyalty:counter_sale", kwargs=kw),
    )


def test_points_and_coupon_in_one_sale_once(owner: Actor, client: Client) -> None:
    customer, member_url, sale_url = _member(owner, client)
    campaign_create(
        actor=owner, name="ลด 50", kind="value", code_mode="shared", value_satang=5_000, code="LD50"
    )
    page = client.get(member_url).content.decode()
    assert 'id="till-sale"' in page and sale_url in page
    sale = {"amount": "500", "points": "20", "coupon": "ld50", "key": "screen-9", "note": "กาแฟ"}
    for _press in range(2):  # a double press (or a retried post) is one sale
        response = client.post(sale_url, sale)
        assert response.status_code == 302 and response["Location"] == member_url
    orders = Order.objects.filter(customer=customer, external_id__startswith="till:")
    assert orders.count() == 1
    order = orders.get()
    value = Redemption.objects.get(order=order).value_satang
    assert Redemption.objects.get(order=order).points == 20
    assert CouponRedemption.objects.get(order=order).discount_satang == 5_000
    assert order.subtotal_satang == 50_000 and order.coupon_code == "LD50"
    assert order.total_satang == 50_000 - 5_000 - value
    account = Account.objects.get(customer=customer)
    assert_consistent(account)
    earned = account.balance - (40 - 20)
    assert earned > 0  # the sale earned points, available at once (pending_days 0)
    receipt = [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert (
        order.number in receipt and f"{earned:,}" in receipt and f"{account.balance:,}" in receipt
    )


def test_nothing_is_recorded_when_a_part_fails(owner: Actor, client: Client) -> None:
    customer, _member_url, sale_url = _member(owner, client)
    before = Order.objects.count()
    too_many = client.post(sale_url, {"amount": "500", "points": "41", "key": "k1"})
    assert too_many.status_code == 409 and 'id="sale-error"' in too_many.content.decode()
    bad_coupon = client.post(sale_url, {"amount": "500", "coupon": "NOPE", "key": "k2"})
    assert bad_coupon.status_code == 409
    over = client.post(sale_url, {"amount": "0.50", "points": "30", "key": "k3"})
    assert over.status_code == 409 and 'id="sale-error"' in over.content.decode()
    junk = client.post(sale_url, {"amount": "ห้าร้อย", "key": "k4"})
    assert junk.status_code == 409
    assert Order.objects.count() == before
    account = Account.objects.get(customer=customer)
    assert account.balance == 40 and not Redemption.objects.exists()
    assert_consistent(account)
    # Another shop's member: not found, whatever is posted.
    stranger = CustomerFactory()
    assert (
        client.post(
            reverse("loyalty:counter_sale", kwargs={"customer_id": stranger.pk}),
            {"amount": "100", "key": "k5"},
        ).status_code
        == 404
    )
