from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from samphan.core.access import Actor
from samphan.feedback import services
from samphan.feedback.models import Survey

QUESTIONS: list[dict[str, Any]] = [
    {"type": "nps_0_10", "text": "แนะนำร้านให้เพื่อนไหม"},
    {"type": "csat", "text": "พอใจแค่ไหน", "required": False},
    {"type": "ces", "text": "ง่ายไหม", "required": False},
    {
        "type": "ep_pair",
        "text": "คาดหวัง/ได้รับ",
        "attributes": ["responsiveness", "accuracy"],
        "required": False,
    },
    {
        "type": "single_choice",
        "text": "เพื่อนแนะนำมาไหม",
        "choices": ["ใช่", "ไม่ใช่"],
        "feeling": "referred_by_friend",
        "required": False,
    },
    {
        "type": "multiple_choice",
        "text": "ชอบอะไร",
        "choices": ["ราคา", "บริการ", "ของ"],
        "required": False,
    },
    {"type": "free_text", "text": "อยากบอกอะไร", "required": False},
]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def make_survey(actor: Actor, **fields: Any) -> Survey:
    return services.survey_create(
        actor=actor,
        fields={"title": "หลังซื้อ", "kind": "post_purchase", **fields},
        questions=QUESTIONS,
    )


@pytest.fixture
def survey(owner: Actor) -> Survey:
    return make_survey(owner)


def answers(survey: Survey, *, nps: int = 9, csat: int | None = 5, text: str = "") -> list[dict]:
    qs = {q.type: q for q in survey.questions.all()}
    out: list[dict[str, Any]] = [{"question_id": qs["nps_0_10"].pk, "value": nps}]
    if csat is not None:
        out.append({"question_id": qs["csat"].pk, "value": csat})
    if text:
        out.append({"question_id": qs["free_text"].pk, "text": text})
    return out


def form_data(survey: Survey, *, nps: int = 9, extra: dict[str, str] | None = None) -> dict:
    qs = {q.type: q for q in survey.questions.all()}
    data = {f"q{qs['nps_0_10'].pk}": str(nps)}
    data.update(extra or {})
    return data
