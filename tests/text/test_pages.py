"""The Text insights page: paste, read, correct, train; another shop's labels are 404."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from samphan.core.access import Actor
from samphan.core.models import Membership
from samphan.text import services
from samphan.text.models import SentimentLabel, SentimentModel
from tests.factories import MembershipFactory
from tests.text.helpers import DEV, examples

pytestmark = pytest.mark.django_db


def test_page_reads_pasted_texts(owner_client: Client) -> None:
    url = reverse("text:insights")
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(url, {"texts": "อร่อยมากค่ะ\nส่งช้ามาก\n\nพนักงานไม่สุภาพ"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<li class="text-result') == 3
    assert '<mark class="pos"' in html and '<mark class="neg"' in html
    assert "sentiment-negative" in html and "sentiment-positive" in html
    # Themes are shown by name; nothing pasted is stored.
    assert not SentimentLabel.objects.exists()


def test_page_refuses_too_many_lines(owner_client: Client) -> None:
    response = owner_client.post(reverse("text:insights"), {"texts": "ดี\n" * 101})
    assert response.status_code == 422


def test_correct_then_train_from_the_page(owner_client: Client, owner: Actor) -> None:
    response = owner_client.post(
        reverse("text:label_save"), {"text": "ของถึงช้า แต่โอเค", "label": "neutral", "from": "result"}
    )
    assert response.status_code == 302
    row = SentimentLabel.objects.get(workspace=owner.workspace)
    assert row.source == "correction" and row.created_by == owner.label
    page = owner_client.get(reverse("text:insights")).content.decode()
    assert "ของถึงช้า แต่โอเค" in page
    # Not enough labels: a message, no model.
    owner_client.post(reverse("text:model_train"))
    assert not SentimentModel.objects.exists()
    for text, label, _domain in examples(DEV)[:40]:
        services.label_correct(actor=owner, text=text, label=label)
    response = owner_client.post(reverse("text:model_train"), follow=True)
    assert SentimentModel.objects.filter(workspace=owner.workspace).exists()
    assert 'id="model-accuracy"' in response.content.decode()


def test_delete_label(owner_client: Client, owner: Actor, owner_membership: Membership) -> None:
    row = services.label_correct(actor=owner, text="ห่วย", label="negative")
    other = MembershipFactory()
    theirs = SentimentLabel.objects.create(
        workspace=other.workspace, text="ดี", text_key="1" * 64, label="positive"
    )
    url = reverse("text:label_delete", args=[theirs.pk])
    assert owner_client.post(url).status_code == 404
    assert SentimentLabel.objects.filter(pk=theirs.pk).exists()
    assert owner_client.post(reverse("text:label_delete", args=[row.pk])).status_code == 302
    assert not SentimentLabel.objects.filter(pk=row.pk).exists()


def test_analytics_links_to_the_page(owner_client: Client) -> None:
    html = owner_client.get(reverse("analytics:index")).content.decode()
    assert reverse("text:insights") in html
