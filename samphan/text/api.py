"""API: Thai free text: sentiment and themes of texts, the shop's label corrections, and
training the shop's own classifier."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, column
from samphan.text import selectors, services
from samphan.text.models import LabelSource, Polarity, SentimentLabel

router = ApiRouter(tags=["text"])

LABELS: list[Any] = list(Polarity.values)


class TextSentimentIn(Schema):
    model_config = {
        "json_schema_extra": {"examples": [{"texts": ["อร่อยมากค่ะ ส่งไวด้วย", "ไม่ค่อยอร่อย แพงไปหน่อย"]}]}
    }

    texts: list[Annotated[str, Field(max_length=selectors.MAX_TEXT_CHARS)]] = Field(
        max_length=selectors.MAX_TEXTS,
        description=(
            f"at most {selectors.MAX_TEXTS} texts, each at most "
            f"{selectors.MAX_TEXT_CHARS} characters"
        ),
    )


class TextWordOut(Schema):
    word: str
    base: float = Field(description="the word's weight in the lexicon (−3 … +3)")
    weight: float = Field(description="what it added after negation, intensifiers, contrast")
    rules: list[str] = Field(description="e.g. negated:ไม่, x1.4:มาก, too:เกินไป, after:แต่")


class TextSentimentOut(Schema):
    label: str = Field(json_schema_extra={"enum": LABELS})
    score: float = Field(ge=-1, le=1, description="−1 (negative) … 1 (positive)")
    source: str = Field(
        json_schema_extra={"enum": ["lexicon", "blend", "correction"]},
        description="lexicon alone, blended with the shop's model, or the shop's own label",
    )
    lexicon_score: float
    model_score: float | None = Field(description="p(positive) − p(negative) of the shop model")
    words: list[TextWordOut] = Field(description="the lexicon words that counted")
    themes: list[str] = Field(description="theme codes: delivery, price, quality, staff, …")


@router.post(
    "/text/sentiment",
    response=list[TextSentimentOut],
    summary="Sentiment and themes of Thai texts",
    description=(
        "One answer per text, in order: `label` (positive, neutral, negative) and `score` "
        "(−1 … 1), from the transparent lexicon, blended with the shop's own model once it is "
        "trained (`POST /text/model/train`); a text the shop labelled takes its label. "
        "`words` says which words counted. Texts are not stored. Errors: 422 "
        "`validation_error` (more than 100 texts, or a text over 5,000 characters); 403 "
        "`permission_denied` (a role without `analytics.view` or `ticket.manage`) or "
        "`read_only_key`."
    ),
)
def sentiment(request: HttpRequest, payload: TextSentimentIn) -> list[dict[str, Any]]:
    actor = actor_of(request)
    services.text_require(actor)
    results = selectors.texts_analyse(payload.texts, workspace=actor.workspace)
    return [
        {
            "label": r.label,
            "score": r.score,
            "source": r.source,
            "lexicon_score": r.lexicon_score,
            "model_score": r.model_score,
            "words": r.words,
            "themes": r.themes,
        }
        for r in results
    ]


class TextLabelIn(Schema):
    model_config = {
        "json_schema_extra": {"examples": [{"text": "ส่งช้า แต่ของดี", "label": "neutral"}]}
    }

    text: str = column(SentimentLabel, "text", min_length=1)
    label: str = Field(json_schema_extra={"enum": LABELS})


class TextLabelOut(Schema):
    id: int
    text: str
    label: str = Field(json_schema_extra={"enum": LABELS})
    source: str = Field(json_schema_extra={"enum": list(LabelSource.values)})
    updated_at: dt.datetime
    labels: int = Field(description="labelled texts in the shop now")


@router.post(
    "/text/labels",
    response=TextLabelOut,
    summary="Label a text (correct the sentiment)",
    description=(
        "Gives the text the label: the same text (up to case, spacing and stretched letters) "
        "labelled before gets the new label. Analysis uses it at once for this text; the shop's "
        "model learns it at its next training. Errors: 422 `validation_error`, `invalid_label`, "
        "`text_required`, `invalid_text`; 400 `too_many_labels` (5,000 per shop); 403 "
        "`permission_denied` or `read_only_key`."
    ),
)
def label_create(request: HttpRequest, payload: TextLabelIn) -> dict[str, Any]:
    actor = actor_of(request)
    row = services.label_correct(
        actor=actor, text=payload.text, label=payload.label, source=LabelSource.API
    )
    return {
        "id": row.pk,
        "text": row.text,
        "label": row.label,
        "source": row.source,
        "updated_at": row.updated_at,
        "labels": sum(selectors.label_counts(actor=actor).values()),
    }


class TextModelOut(Schema):
    trained_at: dt.datetime
    n_examples: int
    accuracy: float = Field(ge=0, le=1, description="mean accuracy over the folds")
    lexicon_accuracy: float = Field(
        ge=0, le=1, description="the word list's accuracy on the same labels"
    )
    folds: int
    class_counts: dict[str, int]


@router.post(
    "/text/model/train",
    response=TextModelOut,
    summary="Train the shop's sentiment model on its labels",
    description=(
        "Trains a TF-IDF + logistic-regression classifier on every labelled text and reports "
        "its cross-validated accuracy; sentiment answers blend it in from then on. Errors: "
        "400 `not_enough_labels` (needs 30 labels in at least two labels); 403 "
        "`permission_denied` or `read_only_key`."
    ),
)
def model_train(request: HttpRequest) -> Any:
    return services.model_train(actor=actor_of(request))
