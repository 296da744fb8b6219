"""Feedback's part of a person's data (``core.datasubject``): their survey answers, survey
links, the feelings noted about them and their interviews.

Erasure keeps the scores (the shop's survey statistics stay true, and without the person they
identify nobody), blanks the free text they wrote, closes their open survey links (the page
greets them by name), and deletes the feelings and interviews, which are about them through
and through."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from samphan.core.datasubject import DELETED, Holding, Subject, register_part, register_unrelated
from samphan.feedback.models import (
    Answer,
    EmotionalObservation,
    EPAnswer,
    Interview,
    SurveyInvitation,
    SurveyResponse,
)


def feedback_export(subject: Subject) -> dict[str, Any]:
    scope = {"workspace_id": subject.workspace_id, "customer_id__in": subject.customer_ids}
    responses = list(
        SurveyResponse.objects.filter(**scope).select_related("survey").order_by("submitted_at")
    )
    answers: dict[int, list[dict[str, Any]]] = {}
    for a in Answer.objects.filter(response__in=responses).select_related("question"):
        chosen = [a.question.choices[i] for i in a.choices if 0 <= i < len(a.question.choices)]
        if a.question.type == "single_choice" and a.value is not None:
            chosen = a.question.choices[a.value : a.value + 1]
        answers.setdefault(a.response_id, []).append(
            {
                "question": a.question.text,
                "value": a.value if not chosen else None,
                "choices": chosen,
                "text": a.text,
            }
        )
    for ep in EPAnswer.objects.filter(response__in=responses).select_related("attribute"):
        answers.setdefault(ep.response_id, []).append(
            {
                "quality": ep.attribute.name_en,
                "expectation": ep.expectation,
                "performance": ep.performance,
            }
        )
    return {
        "survey_responses": [
            {
                "survey": r.survey.title,
                "submitted_at": r.submitted_at.isoformat(),
                "answers": answers.get(r.pk, []),
            }
            for r in responses
        ],
        "survey_links": [
            {
                "survey": i.survey.title,
                "created_at": i.created_at.isoformat(),
                "expires_at": i.expires_at.isoformat(),
                "answered_at": i.answered_at.isoformat() if i.answered_at else None,
            }
            for i in SurveyInvitation.objects.filter(**scope).select_related("survey")
        ],
        "feelings": [
            {
                "kind": o.kind,
                "score": o.score,
                "note": o.note,
                "source": o.source,
                "observed_at": o.observed_at.isoformat(),
            }
            for o in EmotionalObservation.objects.filter(**scope).order_by("observed_at")
        ],
        "interviews": [
            {
                "held_on": i.held_on.isoformat(),
                "interviewer": i.interviewer_name,
                "summary": i.summary,
                "questions_and_answers": i.qa,
                "quotes": i.quotes,
                "themes": i.themes,
                "what_would_delight": i.delight,
            }
            for i in Interview.objects.filter(**scope).order_by("held_on")
        ],
    }


def feedback_erase(subjects: Sequence[Subject]) -> int:
    changed = 0
    now = timezone.now()
    for subject in subjects:
        scope = {"workspace_id": subject.workspace_id, "customer_id__in": subject.customer_ids}
        changed += (
            Answer.objects.filter(
                response__workspace_id=subject.workspace_id,
                response__customer_id__in=subject.customer_ids,
            )
            .exclude(text="")
            .update(text="", sentiment="", sentiment_score=None)
        )
        changed += SurveyInvitation.objects.filter(
            **scope, answered_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        changed += EmotionalObservation.objects.filter(**scope).delete()[0]
        changed += Interview.objects.filter(**scope).delete()[0]
    return changed


register_part(
    key="feedback.surveys",
    label=gettext_lazy("Survey answers, feelings and interviews"),
    holds=[
        Holding(
            "feedback.SurveyResponse",
            personal=(),
            kept=(
                "survey",
                "customer",
                "invitation",
                "order",
                "ticket",
                "channel",
                "branch",
                "sales_channel",
                "staff",
                "submitted_at",
            ),
        ),
        Holding(
            "feedback.Answer",
            personal=("text", "sentiment", "sentiment_score"),
            kept=("response", "question", "value", "choices"),
        ),
        Holding(
            "feedback.EPAnswer",
            personal=(),
            kept=("response", "question", "attribute", "expectation", "performance"),
        ),
        Holding(
            "feedback.SurveyInvitation",
            personal=(),
            kept=(
                "survey",
                "customer",
                "order",
                "ticket",
                "nonce",
                "source",
                "created_at",
                "created_by",
                "expires_at",
                "sent_at",
                "sent_via",
                "answered_at",
            ),
        ),
        Holding(
            "feedback.EmotionalObservation",
            personal=("kind", "score", "note", "observed_at"),
            kept=(
                "customer",
                "source",
                "response",
                "interaction",
                "recorded_by",
                "created_at",
            ),
            how=DELETED,
        ),
        Holding(
            "feedback.Interview",
            personal=(
                "summary",
                "qa",
                "quotes",
                "themes",
                "delight",
                "search_text",
                "interviewer_name",
                "held_on",
            ),
            kept=("customer", "interviewer", "created_at", "updated_at"),
            how=DELETED,
        ),
    ],
    export=feedback_export,
    erase=feedback_erase,
    order=60,
)

register_unrelated("feedback.Survey", "the shop's surveys (titles, settings)")
register_unrelated("feedback.Question", "the shop's survey questions and options")
register_unrelated("feedback.Attribute", "the qualities the shop's surveys ask about")
