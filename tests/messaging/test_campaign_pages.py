"""Campaign pages: the list, a new campaign with its preview and estimate fragments, the
campaign page with its counts, sending from the page, and the sending rules."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor
from samphan.messaging.models import Campaign, Delivery, LineChannel, MessagingSettings
from samphan.segments.models import Segment
from tests.messaging.campaign_helpers import member, no_quiet_hours
from tests.messaging.conftest import LineStub

pytestmark = pytest.mark.django_db


def test_new_campaign_preview_estimate_send_and_counts(
    owner: Actor,
    owner_client: Client,
    channel: LineChannel,
    line_stub: LineStub,
    django_capture_on_commit_callbacks: Any,
) -> None:
    no_quiet_hours(owner)
    malee = member(owner, name="มาลี")
    member(owner, consent=())
    segment = Segment.objects.create(
        workspace=owner.workspace, name="ทุกคน", rules={"op": "and", "items": []}
    )
    assert owner_client.get(reverse("messaging:campaign_list")).status_code == 200
    page = owner_client.get(reverse("messaging:campaign_new")).content.decode()
    assert "{{ name }}" in page and "coupon_code" in page
    form = {
        "name": "ลดวันแม่", "segment": segment.pk, "channel": "line",
        "text": "คุณ{{ name }} มี {{ points }} แต้ม", "control_percent": 0,
    }  # fmt: skip
    preview = owner_client.post(
        reverse("messaging:campaign_preview"), {**form, "preview_customer": "มาลี"}
    ).content.decode()
    assert "คุณมาลี มี 0 แต้ม" in preview
    bad = owner_client.post(
        reverse("messaging:campaign_preview"), {**form, "text": "{{ nmae }}"}
    ).content.decode()
    assert "nmae" in bad
    estimate = owner_client.post(reverse("messaging:campaign_estimate"), form).content.decode()
    assert "2" in estimate and 'id="quota-check"' in estimate
    refused = owner_client.post(reverse("messaging:campaign_new"), {**form, "text": "{{ nmae }}"})
    assert refused.status_code == 200 and "nmae" in refused.content.decode()
    created = owner_client.post(reverse("messaging:campaign_new"), form)
    campaign = Campaign.objects.get()
    assert created["Location"] == reverse("messaging:campaign_detail", args=[campaign.pk])
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("messaging:campaign_send", args=[campaign.pk]))
    detail = owner_client.get(reverse("messaging:campaign_detail", args=[campaign.pk]))
    html = detail.content.decode()
    assert 'data-status="sent"' in html and 'data-status="skipped_consent"' in html
    progress = owner_client.get(reverse("messaging:campaign_progress", args=[campaign.pk]))
    assert progress.status_code == 200
    assert Delivery.objects.get(customer=malee).status == "sent"


def test_sending_rules_page(owner: Actor, owner_client: Client) -> None:
    url = reverse("messaging:campaign_rules")
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(url, {"quiet_start": "22:00", "quiet_end": "07:30",
                                       "weekly_cap": 3})  # fmt: skip
    assert response.status_code == 302
    rules = MessagingSettings.objects.get(workspace=owner.workspace)
    assert (rules.quiet_start.hour, rules.quiet_end.minute, rules.weekly_cap) == (22, 30, 3)


def test_unknown_unsubscribe_link_is_404(client: Client) -> None:
    assert client.get("/u/bogus/").status_code == 404
