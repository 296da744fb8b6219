"""Coupon pages: list, new campaign, detail with redemptions and uses left, codes as CSV,
switching off; other workspaces' campaigns are 404; counter staff can't open them."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from samphan.core.access import Actor, actor_for_membership
from samphan.core.models import AuditLog, Membership
from samphan.core.roles import Role
from samphan.loyalty.coupons.models import CouponCampaign, CouponCode
from samphan.loyalty.coupons.services import codes_generate, coupon_redeem
from tests.coupons.factories import campaign
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory

pytestmark = pytest.mark.django_db


def test_list_and_detail(owner_client: Client, owner: Actor) -> None:
    empty = owner_client.get("/loyalty/coupons/")
    assert empty.status_code == 200 and 'href="/loyalty/coupons/new/"' in empty.content.decode()
    c = campaign(owner, name="ลดสงกรานต์", code="SONGKRAN", total_limit=10)
    customer = CustomerFactory(workspace=owner.workspace, first_name="มานี")
    order = OrderFactory(customer=customer, subtotal_satang=30000)
    coupon_redeem(actor=owner, code="songkran", order_id=order.pk)
    page = owner_client.get("/loyalty/coupons/").content.decode()
    assert "ลดสงกรานต์" in page
    r = owner_client.get(f"/loyalty/coupons/{c.pk}/")
    assert r.status_code == 200 and r["Cache-Control"].count("no-store")
    html = r.content.decode()
    assert order.number in html and "มานี" in html and "SONGKRAN" in html
    assert "9 / 10" in html  # uses left


def test_create_a_campaign_from_the_form(owner_client: Client, owner: Actor) -> None:
    form = {
        "name": "ลด 10%",
        "kind": "percent",
        "percent": "12.5",
        "max_discount_baht": "200",
        "min_spend_baht": "500",
        "starts_on": "1/4/2570",
        "ends_on": "30/4/2570",
        "total_limit": "100",
        "per_customer_limit": "1",
        "code_mode": "shared",
        "code": "april 10",
        "targeting": "none",
    }
    r = owner_client.post("/loyalty/coupons/new/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    c = CouponCampaign.objects.get()
    assert (c.percent_bp, c.max_discount_satang, c.min_spend_satang) == (1250, 20000, 50000)
    assert c.codes.get().code == "APRIL10"
    assert (c.ends_at - c.starts_at).days == 30  # the last day counts whole
    assert c.percent_text == "12.5"
    # A taken code is said at the field.
    r = owner_client.post("/loyalty/coupons/new/", form)
    assert r.status_code == 200 and "APRIL10" in r.content.decode()
    bad = owner_client.post("/loyalty/coupons/new/", {**form, "kind": "value", "code": "A2"})
    assert bad.status_code == 200 and CouponCampaign.objects.count() == 1


def test_make_codes_and_export_them_formula_safe(owner_client: Client, owner: Actor) -> None:
    c = campaign(owner, code_mode="unique")
    risky = CustomerFactory(workspace=owner.workspace, first_name="=HYPERLINK(1)")
    codes_generate(actor=owner, campaign_id=c.pk, customer_ids=[risky.pk])
    r = owner_client.post(f"/loyalty/coupons/{c.pk}/codes/", {"count": "3"})
    assert r.status_code == 302 and CouponCode.objects.filter(campaign=c).count() == 4
    r = owner_client.get(f"/loyalty/coupons/{c.pk}/codes.csv")
    assert r.status_code == 200
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 5
    assert any(row[2].startswith("'=HYPERLINK") for row in rows[1:])
    assert AuditLog.objects.filter(action="coupon.codes_exported").exists()


def test_switch_off(owner_client: Client, owner: Actor) -> None:
    c = campaign(owner)
    owner_client.post(f"/loyalty/coupons/{c.pk}/active/", {"active": "0"})
    c.refresh_from_db()
    assert not c.is_active


def test_other_workspace_is_404_and_staff_get_403(
    owner_client: Client, owner_membership: Membership
) -> None:
    stranger = actor_for_membership(MembershipFactory())
    theirs = campaign(stranger)
    for path in ("", "codes.csv"):
        assert owner_client.get(f"/loyalty/coupons/{theirs.pk}/{path}").status_code == 404
    assert (
        owner_client.post(f"/loyalty/coupons/{theirs.pk}/active/", {"active": "0"}).status_code
        == 404
    )
    staff = MembershipFactory(workspace=owner_membership.workspace, role=Role.STAFF)
    client = Client()
    client.force_login(staff.user)
    assert client.get("/loyalty/coupons/").status_code == 403
    # The menu shows coupons to those who can open them.
    assert 'href="/loyalty/coupons/"' in owner_client.get("/loyalty/coupons/").content.decode()
    assert 'href="/loyalty/coupons/"' not in client.get("/").content.decode()
