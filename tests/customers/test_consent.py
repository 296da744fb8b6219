"""The PDPA consent ledger: append-only, the latest row per purpose is the state, and
withdrawing is exactly as easy as granting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor, actor_for_membership
from samphan.core.errors import ApplicationError, PermissionDenied
from samphan.core.models import Membership
from samphan.core.roles import Role
from samphan.customers import consent_services
from samphan.customers.models import ConsentEvent, ConsentPurpose, Customer
from samphan.customers.selectors import consent_state
from samphan.timeline.models import TimelineEvent
from tests.factories import CustomerFactory, MembershipFactory


@pytest.fixture
def customer(owner: Actor) -> Customer:
    return CustomerFactory(workspace=owner.workspace)


def test_state_is_the_latest_row_per_purpose(owner: Actor, customer: Customer) -> None:
    assert consent_state(customer=customer) == dict.fromkeys(ConsentPurpose.values)
    earlier = timezone.now() - dt.timedelta(days=30)
    consent_services.consent_record(
        actor=owner, customer_id=customer.pk, purpose="marketing_line", granted=True,
        notice_version="2026-01", source="paper", evidence="แบบฟอร์มเลขที่ 12", recorded_at=earlier,
    )  # fmt: skip
    consent_services.consent_record(
        actor=owner, customer_id=customer.pk, purpose="marketing_line", granted=False
    )
    consent_services.consent_record(
        actor=owner, customer_id=customer.pk, purpose="marketing_email", granted=True
    )
    state = consent_state(customer=customer)
    assert state["marketing_line"] is not None and state["marketing_line"].granted is False
    assert state["marketing_email"] is not None and state["marketing_email"].granted is True
    assert state["marketing_sms"] is None
    # Nothing was overwritten: the ledger keeps every decision.
    rows = ConsentEvent.objects.filter(customer=customer, purpose="marketing_line")
    assert [r.granted for r in rows] == [False, True]  # newest first
    first = rows.last()
    assert first is not None
    assert (first.notice_version, first.source, first.evidence) == (
        "2026-01",
        "paper",
        "แบบฟอร์มเลขที่ 12",
    )
    assert first.actor_id == owner.user.pk  # type: ignore[union-attr]


def test_a_backdated_grant_does_not_override_a_later_withdrawal(
    owner: Actor, customer: Customer
) -> None:
    consent_services.consent_record(
        actor=owner, customer_id=customer.pk, purpose="profiling", granted=False
    )
    consent_services.consent_record(
        actor=owner,
        customer_id=customer.pk,
        purpose="profiling",
        granted=True,
        recorded_at=timezone.now() - dt.timedelta(days=1),
    )
    state = consent_state(customer=customer)
    assert state["profiling"] is not None and state["profiling"].granted is False


def test_each_decision_is_on_the_timeline(owner: Actor, customer: Customer) -> None:
    consent = consent_services.consent_record(
        actor=owner, customer_id=customer.pk, purpose="sharing", granted=True, source="line"
    )
    event = TimelineEvent.objects.get(customer=customer, type="consent.changed")
    assert event.payload["purpose"] == "sharing" and event.payload["granted"] is True
    assert event.links == {"consent": consent.pk}
    assert event.occurred_at == consent.recorded_at


def test_bad_purpose_and_future_time_are_refused(owner: Actor, customer: Customer) -> None:
    with pytest.raises(ApplicationError) as exc:
        consent_services.consent_record(
            actor=owner, customer_id=customer.pk, purpose="spam", granted=True
        )
    assert exc.value.details["field"] == "purpose"
    with pytest.raises(ApplicationError) as exc:
        consent_services.consent_record(
            actor=owner,
            customer_id=customer.pk,
            purpose="marketing_sms",
            granted=True,
            recorded_at=timezone.now() + dt.timedelta(days=1),
        )
    assert exc.value.details["field"] == "recorded_at"
    assert not ConsentEvent.objects.exists()


def test_only_roles_that_edit_customers_record_consent(
    owner_membership: Membership, customer: Customer
) -> None:
    marketer = actor_for_membership(
        MembershipFactory(workspace=owner_membership.workspace, role=Role.MARKETER)
    )
    with pytest.raises(PermissionDenied):
        consent_services.consent_record(
            actor=marketer, customer_id=customer.pk, purpose="marketing_line", granted=True
        )


def test_one_tap_grant_and_withdraw_on_the_customer_page(
    owner_client: Client, customer: Customer
) -> None:
    url = reverse("customers:consents", args=[customer.pk])
    headers = {"HX-Request": "true"}
    granted = owner_client.post(
        url, {"purpose": "marketing_line", "granted": "1", "source": "counter"}, headers=headers
    )
    assert granted.status_code == 200
    html = granted.content.decode()
    assert 'id="consents"' in html and 'name="granted" value="0"' in html  # now: withdraw
    withdrawn = owner_client.post(
        url, {"purpose": "marketing_line", "granted": "0", "source": "counter"}, headers=headers
    )
    assert 'name="granted" value="1"' in withdrawn.content.decode()
    assert [e.granted for e in ConsentEvent.objects.filter(customer=customer)] == [False, True]
    assert {e.source for e in ConsentEvent.objects.filter(customer=customer)} == {"counter"}


def test_consent_page_records_with_evidence_and_lists_the_ledger(
    owner_client: Client, customer: Customer
) -> None:
    url = reverse("customers:consents", args=[customer.pk])
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(
        url,
        {
            "purpose": "marketing_email",
            "granted": "1",
            "source": "web",
            "notice_version": "v3",
            "evidence": "ติ๊กช่องยินยอมในหน้าสมัครสมาชิก",
        },
    )
    assert response.status_code == 302
    page = owner_client.get(url).content.decode()
    assert "ติ๊กช่องยินยอมในหน้าสมัครสมาชิก" in page and "v3" in page
    bad = owner_client.post(url, {"purpose": "spam", "granted": "1"})
    assert bad.status_code == 200 and bad.context["form"].errors["purpose"]


def test_marketer_sees_consent_but_cannot_change_it(
    owner_membership: Membership, customer: Customer
) -> None:
    membership = MembershipFactory(workspace=owner_membership.workspace, role=Role.MARKETER)
    client = Client()
    client.force_login(membership.user)
    url = reverse("customers:consents", args=[customer.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="granted"' not in page.content.decode()
    response = client.post(url, {"purpose": "marketing_line", "granted": "1"})
    assert response.status_code == 403
    assert not ConsentEvent.objects.exists()


def test_a_paper_form_signed_earlier_keeps_its_date(
    owner_client: Client, customer: Customer
) -> None:
    response = owner_client.post(
        reverse("customers:consents", args=[customer.pk]),
        {
            "purpose": "marketing_sms",
            "granted": "1",
            "source": "paper",
            "recorded_at": "2025-01-05T14:30",
        },
    )
    assert response.status_code == 302
    row = ConsentEvent.objects.get(customer=customer)
    assert timezone.localtime(row.recorded_at).strftime("%Y-%m-%d %H:%M") == "2025-01-05 14:30"
