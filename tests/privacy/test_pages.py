"""The privacy pages: the customer page's panel, the download and the erasure, Settings →
Privacy (requests, breaches, retention, record of processing). Owners and managers only;
no-store; another workspace's objects are 404."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samphan.core.access import Actor
from samphan.core.models import AuditLog, Membership
from samphan.core.roles import Role
from samphan.customers.models import Customer
from samphan.privacy.models import Breach, DataSubjectRequest, ErasureRecord, PrivacySettings
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory
from tests.privacy.conftest import SENTINELS, Person

pytestmark = pytest.mark.django_db

PAGES = (
    "privacy:overview",
    "privacy:request_list",
    "privacy:request_new",
    "privacy:breach_list",
    "privacy:breach_new",
    "privacy:retention",
    "privacy:record",
)


def _no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def _client_for(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def test_every_privacy_page_opens_for_the_owner_and_is_not_cached(owner_client: Client) -> None:
    for name in PAGES:
        response = owner_client.get(reverse(name))
        assert response.status_code == 200, name
        assert _no_store(response), name
    settings_page = owner_client.get(reverse("web:settings")).content.decode()
    assert reverse("privacy:overview") in settings_page


def test_other_roles_are_refused(owner_membership: Membership) -> None:
    for role in (Role.STAFF, Role.MARKETER, Role.SUPPORT):
        member = MembershipFactory(workspace=owner_membership.workspace, role=role)
        client = _client_for(member)
        for name in PAGES:
            response = client.get(reverse(name))
            assert response.status_code == 403, (role, name)
            assert _no_store(response)
    manager = MembershipFactory(workspace=owner_membership.workspace, role=Role.MANAGER)
    assert _client_for(manager).get(reverse("privacy:overview")).status_code == 200


def test_the_customer_page_has_the_panel_for_owners_only(
    owner: Actor, owner_client: Client, owner_membership: Membership
) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    page = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'id="panel-privacy"' in page
    assert reverse("privacy:customer_export", args=[customer.pk]) in page
    assert reverse("privacy:customer_erase", args=[customer.pk]) in page
    staff = _client_for(MembershipFactory(workspace=owner.workspace, role=Role.STAFF))
    page = staff.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'id="panel-privacy"' not in page
    assert staff.get(reverse("privacy:customer_export", args=[customer.pk])).status_code == 403


def test_the_download_is_the_json_export(person: Person, owner_client: Client) -> None:
    response = owner_client.get(reverse("privacy:customer_export", args=[person.customer.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    assert _no_store(response)
    document = json.loads(response.content)
    assert document["customer_id"] == person.customer.pk
    assert SENTINELS["email"] in response.content.decode()
    assert AuditLog.objects.filter(action="privacy.exported").exists()


def test_erase_from_the_page(
    person: Person, owner_client: Client, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("privacy:customer_erase", args=[person.customer.pk])
    page = owner_client.get(url)
    assert page.status_code == 200 and _no_store(page)
    # Without ticking "cannot be undone", nothing happens.
    refused = owner_client.post(url, {"reason": "คำขอของลูกค้า"})
    assert refused.status_code == 200 and not ErasureRecord.objects.exists()
    request = DataSubjectRequest.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        done = owner_client.post(
            url, {"reason": "คำขอของลูกค้า", "request": request.pk, "confirm": "on"}
        )
    assert done.status_code == 302
    record = ErasureRecord.objects.get()
    assert record.request == request and record.reason == "คำขอของลูกค้า"
    customer_page = owner_client.get(reverse("customers:detail", args=[person.customer.pk]))
    html = customer_page.content.decode()
    assert SENTINELS["first_name"] not in html and SENTINELS["note"] not in html
    assert "คำขอของลูกค้า" in html  # the tombstone on the panel


def test_the_erase_page_shows_the_legal_hold(owner: Actor, owner_client: Client) -> None:
    customer = CustomerFactory(workspace=owner.workspace, first_name="ยังซื้ออยู่")
    OrderFactory(workspace=owner.workspace, customer=customer, placed_at=timezone.now())
    url = reverse("privacy:customer_erase", args=[customer.pk])
    page = owner_client.get(url).content.decode()
    assert 'role="alert"' in page and "5" in page
    response = owner_client.post(url, {"reason": "x", "confirm": "on"})
    assert response.status_code == 200
    assert not ErasureRecord.objects.exists()
    assert Customer.objects.get(pk=customer.pk).first_name == "ยังซื้ออยู่"


def test_requests_as_cases_with_the_overdue_ones(owner: Actor, owner_client: Client) -> None:
    customer = CustomerFactory(workspace=owner.workspace)
    new = reverse("privacy:request_new")
    response = owner_client.post(
        f"{new}?customer={customer.pk}",
        {"kind": "access", "received_on": (timezone.localdate() - dt.timedelta(days=31)).isoformat(),
         "customer_id": customer.pk},
    )  # fmt: skip
    assert response.status_code == 302
    late = DataSubjectRequest.objects.get()
    assert late.customer == customer and late.is_overdue()
    owner_client.post(
        new,
        {"kind": "correction", "received_on": timezone.localdate().isoformat(),
         "requester_name": "คุณบี", "requester_contact": "b@example.com"},
    )  # fmt: skip
    overdue = owner_client.get(reverse("privacy:request_list") + "?show=overdue").content.decode()
    assert reverse("privacy:request_detail", args=[late.pk]) in overdue
    assert "คุณบี" not in overdue
    detail = reverse("privacy:request_detail", args=[late.pk])
    owner_client.post(detail, {"status": "in_progress", "note": "โทรยืนยันตัวตนแล้ว"})
    owner_client.post(detail, {"status": "done", "outcome": "ส่งไฟล์ให้ทางอีเมล"})
    late.refresh_from_db()
    assert late.status == "done" and late.closed_at is not None
    assert [e.action for e in late.log.all()] == ["received", "status", "status", "outcome"]
    assert "โทรยืนยันตัวตนแล้ว" in owner_client.get(detail).content.decode()


def test_the_breach_register(owner: Actor, owner_client: Client) -> None:
    found = timezone.localtime() - dt.timedelta(hours=2)
    response = owner_client.post(
        reverse("privacy:breach_new"),
        {"title": "ส่งไฟล์ลูกค้าผิดคน", "found_at": found.strftime("%Y-%m-%dT%H:%M"),
         "categories": ["contact", "address"], "people_affected": "35", "risk": "high"},
    )  # fmt: skip
    assert response.status_code == 302
    breach = Breach.objects.get()
    assert breach.regulator_due_at - breach.found_at == dt.timedelta(hours=72)
    listing = owner_client.get(reverse("privacy:breach_list")).content.decode()
    assert "ส่งไฟล์ลูกค้าผิดคน" in listing
    detail = reverse("privacy:breach_detail", args=[breach.pk])
    owner_client.post(detail, {"action": "close"})
    breach.refresh_from_db()
    assert breach.closed_at is None  # notices are due
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    owner_client.post(
        detail,
        {"title": breach.title, "found_at": found.strftime("%Y-%m-%dT%H:%M"),
         "categories": ["contact"], "people_affected": "35", "risk": "high",
         "regulator_notified_at": now, "people_notified_at": now},
    )  # fmt: skip
    owner_client.post(detail, {"action": "close"})
    breach.refresh_from_db()
    assert breach.closed_at is not None and breach.regulator_notified_at is not None


def test_record_of_processing_page_and_downloads(owner: Actor, owner_client: Client) -> None:
    owner_client.post(
        reverse("privacy:record"),
        {"controller_contact": "99 ถนนนิมมาน เชียงใหม่", "dpo_contact": "",
         "recipients": "Kerry Express\nบริษัทบัญชี", "transfers_abroad": "",
         "security_measures": "2FA"},
    )  # fmt: skip
    page = owner_client.get(reverse("privacy:record")).content.decode()
    assert "Kerry Express" in page
    csv_response = owner_client.get(reverse("privacy:record_download", args=["csv"]))
    assert csv_response.status_code == 200 and _no_store(csv_response)
    text = csv_response.content.decode("utf-8-sig")
    assert "Kerry Express" in text and text.splitlines()[0].startswith("activity,purpose")
    data = json.loads(owner_client.get(reverse("privacy:record_download", args=["json"])).content)
    assert data["controller_contact"] == "99 ถนนนิมมาน เชียงใหม่"
    assert any("Kerry Express" in a["recipients"] for a in data["activities"])


def test_another_workspace_gets_404(person: Person, owner_membership: Membership) -> None:
    stranger = _client_for(MembershipFactory())  # owner of another shop
    request = DataSubjectRequest.objects.get()
    breach = Breach.objects.create(
        workspace=person.workspace,
        title="x",
        found_at=timezone.now(),
        regulator_due_at=timezone.now(),
    )
    for url in (
        reverse("privacy:customer_export", args=[person.customer.pk]),
        reverse("privacy:customer_erase", args=[person.customer.pk]),
        reverse("privacy:request_detail", args=[request.pk]),
        reverse("privacy:breach_detail", args=[breach.pk]),
        reverse("privacy:request_new") + f"?customer={person.customer.pk}",
    ):
        assert stranger.get(url).status_code == 404, url
    assert (
        stranger.post(
            reverse("privacy:customer_erase", args=[person.customer.pk]),
            {"reason": "x", "confirm": "on"},
        ).status_code
        == 404
    )
    assert not ErasureRecord.objects.exists()


def test_the_retention_page_shows_the_dry_run_before_switching_on(
    owner: Actor, owner_client: Client
) -> None:
    PrivacySettings.objects.update_or_create(workspace=owner.workspace)
    url = reverse("privacy:retention")
    owner_client.post(
        url,
        {"inactive_action": "anonymise", "inactive_years": "3", "import_files_days": "30",
         "tax_record_years": "5"},
    )  # fmt: skip
    long_ago = timezone.now().replace(year=2015)
    gone = CustomerFactory(workspace=owner.workspace, created_at=long_ago, first_name="หายไปนาน")
    gone.timeline.update(occurred_at=long_ago)
    page = owner_client.get(url).content.decode()
    assert 'id="dry-run"' in page and "หายไปนาน" in page
    settings = PrivacySettings.objects.get(workspace=owner.workspace)
    assert settings.inactive_action == "anonymise" and not settings.retention_enabled
    owner_client.post(reverse("privacy:retention_switch"), {"enable": "1"})
    settings.refresh_from_db()
    assert settings.retention_enabled
