"""POST /api/v1/text/sentiment, /text/labels and /text/model/train: shapes, limits, training
rules, and each workspace's labels and model kept to itself."""

from __future__ import annotations

import json

import pytest

from samphan.core.access import Actor, actor_for_membership
from samphan.core.models import ApiKey
from samphan.core.services import api_key_create
from samphan.text import selectors, services
from samphan.text.models import SentimentLabel, SentimentModel
from tests.conftest import ApiClient
from tests.factories import MembershipFactory
from tests.text.helpers import DEV, examples

BASE = "/api/v1/text"


def _label_dev(actor: Actor, n: int) -> None:
    for text, label, _domain in examples(DEV)[:n]:
        services.label_correct(actor=actor, text=text, label=label)


def test_sentiment_answers_label_and_score_per_text(api_rw: ApiClient) -> None:
    response = api_rw.post(f"{BASE}/sentiment", {"texts": ["อร่อยมากค่ะ", "ส่งช้ามาก", "ส่งแล้ว"]})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert [r["label"] for r in body] == ["positive", "negative", "neutral"]
    for item in body:
        assert -1 <= item["score"] <= 1
        assert item["source"] == "lexicon" and item["model_score"] is None
    assert body[1]["themes"] == ["delivery"]
    assert body[0]["words"][0]["word"] == "อร่อยมาก"


def test_sentiment_of_no_texts_is_an_empty_list(api_rw: ApiClient) -> None:
    response = api_rw.post(f"{BASE}/sentiment", {"texts": []})
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize(
    "payload",
    [
        {"texts": ["ดี"] * 101},
        {"texts": ["ก" * 5001]},
        {"texts": "ดีมาก"},
        {"texts": [1, 2]},
        {},
    ],
)
def test_sentiment_limits_are_422(api_rw: ApiClient, payload: dict) -> None:
    response = api_rw.post(f"{BASE}/sentiment", payload)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_sentiment_at_the_limits_is_fine(api_rw: ApiClient) -> None:
    response = api_rw.post(f"{BASE}/sentiment", {"texts": ["ดีมาก " * 833 + "ดี"]})
    assert response.status_code == 200 and response.json()[0]["label"] == "positive"
    # 100 long Thai texts, within the 1 MiB body (3 bytes a Thai letter in UTF-8 JSON).
    body = json.dumps({"texts": ["ส่งช้ามาก " * 300] * 100}, ensure_ascii=False)
    assert len(body.encode()) < 1024 * 1024
    response = api_rw.client.post(
        f"{BASE}/sentiment", body, content_type="application/json", headers=api_rw.headers
    )
    assert response.status_code == 200 and len(response.json()) == 100
    assert {r["label"] for r in response.json()} == {"negative"}


def test_the_largest_valid_body_is_read_and_more_is_413(api_rw: ApiClient) -> None:
    # 100 texts of 5,000 Thai letters, each escaped as \uXXXX: about 3 MB, allowed here.
    largest = api_rw.post(f"{BASE}/sentiment", {"texts": ["ก" * 5000] * 100})
    assert largest.status_code == 200 and len(largest.json()) == 100
    too_big = api_rw.client.post(
        f"{BASE}/sentiment",
        '{"texts": ["' + "x" * 3_600_000 + '"]}',
        content_type="application/json",
        headers=api_rw.headers,
    )
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "request_too_large"
    # Other routes keep the 1 MiB limit.
    other = api_rw.post("/api/v1/customers", {"first_name": "ก" * 400_000})
    assert other.status_code == 413


def test_read_only_key_is_refused(api_ro: ApiClient) -> None:
    response = api_ro.post(f"{BASE}/sentiment", {"texts": ["ดี"]})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "read_only_key"


def test_label_correction_changes_the_answer_at_once(api_rw: ApiClient, owner: Actor) -> None:
    text = "ส่งช้าไปวันนึง แต่ของดี"
    response = api_rw.post(f"{BASE}/labels", {"text": text, "label": "positive"})
    assert response.status_code == 200, response.json()
    assert response.json()["labels"] == 1 and response.json()["source"] == "api"
    # The same text, stretched and spaced differently, is the same label.
    again = api_rw.post(f"{BASE}/labels", {"text": " ส่งช้าไปวันนึง   แต่ของดีีีี ", "label": "negative"})
    assert again.json()["id"] == response.json()["id"] and again.json()["labels"] == 1
    answer = api_rw.post(f"{BASE}/sentiment", {"texts": [text]}).json()[0]
    assert answer["label"] == "negative" and answer["source"] == "correction"
    assert answer["score"] <= -0.25


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"text": "ดี", "label": "great"}, "invalid_label"),
        ({"text": "", "label": "positive"}, "validation_error"),
        ({"text": "   ", "label": "positive"}, "text_required"),
        ({"text": "ก" * 2001, "label": "positive"}, "validation_error"),
    ],
)
def test_label_errors(api_rw: ApiClient, payload: dict, code: str) -> None:
    response = api_rw.post(f"{BASE}/labels", payload)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_training_needs_30_labels_in_two_classes(api_rw: ApiClient, owner: Actor) -> None:
    _label_dev(owner, 29)
    response = api_rw.post(f"{BASE}/model/train")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "not_enough_labels" and error["details"]["labels"] == 29
    SentimentLabel.objects.filter(workspace=owner.workspace).update(label="positive")
    for n in range(5):
        services.label_correct(actor=owner, text=f"ดีมาก {n}", label="positive")
    assert api_rw.post(f"{BASE}/model/train").json()["error"]["details"]["classes"] == ["positive"]
    assert not SentimentModel.objects.exists()


def test_training_reports_accuracy_and_is_blended_in(api_rw: ApiClient, owner: Actor) -> None:
    _label_dev(owner, 142)
    labelled = SentimentLabel.objects.filter(workspace=owner.workspace).count()
    assert labelled == 141  # "ดีมาก" and "ดีมากกกก" are one text
    response = api_rw.post(f"{BASE}/model/train")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["n_examples"] == labelled and body["folds"] == 5
    assert 0.5 <= body["accuracy"] <= 1
    assert 0.5 <= body["lexicon_accuracy"] <= 1
    assert sum(body["class_counts"].values()) == labelled
    answer = api_rw.post(f"{BASE}/sentiment", {"texts": ["อาหารอร่อยมาก ส่งไวด้วย"]}).json()[0]
    assert answer["source"] == "blend" and answer["model_score"] is not None
    assert answer["label"] == "positive"


def test_labels_and_models_stay_in_their_workspace(api_rw: ApiClient, owner: Actor) -> None:
    other = actor_for_membership(MembershipFactory())
    other_api = ApiClient(
        api_key_create(actor=other, name="b", scope=ApiKey.Scope.READ_WRITE).secret
    )
    _label_dev(owner, 60)
    api_rw.post(f"{BASE}/labels", {"text": "ห่วยมาก", "label": "positive"})
    assert api_rw.post(f"{BASE}/model/train").status_code == 200
    # B sees neither A's correction nor A's model, and cannot train on A's labels.
    answer = other_api.post(f"{BASE}/sentiment", {"texts": ["ห่วยมาก"]}).json()[0]
    assert answer["label"] == "negative" and answer["source"] == "lexicon"
    assert other_api.post(f"{BASE}/model/train").status_code == 400
    assert selectors.label_counts(actor=other) == {"positive": 0, "neutral": 0, "negative": 0}
    # B's labels do not touch A's.
    other_api.post(f"{BASE}/labels", {"text": "ห่วยมาก", "label": "neutral"})
    assert SentimentLabel.objects.get(workspace=owner.workspace, text="ห่วยมาก").label == "positive"


def test_texts_analyse_for_other_apps(owner: Actor) -> None:
    summary = selectors.texts_summarise(
        ["ส่งช้ามาก", "อร่อยมาก ราคาถูก", "พนักงานไม่สุภาพ"], workspace=owner.workspace
    )
    assert summary.labels == {"positive": 1, "neutral": 0, "negative": 2}
    assert dict(summary.themes)["delivery"] == 1
    assert [i.label for i in selectors.texts_analyse(["ดีมาก"])] == ["positive"]


def test_too_many_labels(owner: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_LABELS", 2)
    services.label_correct(actor=owner, text="หนึ่ง", label="neutral")
    services.label_correct(actor=owner, text="สอง", label="neutral")
    services.label_correct(actor=owner, text="สอง", label="positive")  # a change: allowed
    with pytest.raises(services.ApplicationError) as caught:
        services.label_correct(actor=owner, text="สาม", label="neutral")
    assert caught.value.code == "too_many_labels"
