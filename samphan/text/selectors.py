"""Reading Thai free text: sentiment, themes and keywords for any app's texts (survey answers,
tickets, interaction notes), and the shop's labels and model.

Other apps call :func:`texts_analyse` (one result per text) or :func:`texts_summarise` (the
same plus keyword and theme frequencies over the batch)::

    from samphan.text.selectors import texts_analyse
    results = texts_analyse(["ส่งช้ามาก", "อร่อยมากค่ะ"], workspace=actor.workspace)
    results[0].label, results[0].score, results[0].themes   # "negative", -0.62, ["delivery"]
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from samphan.core.access import Actor
from samphan.core.errors import NotFound
from samphan.core.models import Workspace
from samphan.text import classifier, segment, sentiment
from samphan.text.models import SentimentLabel, SentimentModel
from samphan.text.themes import theme_counts, themes_of

# A shop model is used once it was trained on at least this many labels.
MIN_LABELS = 30
# The model's share of a blended score: small while it does no better than the word list on
# the shop's own labels (cross-validated), growing with the margin by which it beats it.
MODEL_WEIGHT_MIN, MODEL_WEIGHT_MAX, MODEL_WEIGHT_SLOPE = 0.2, 0.8, 3.0
# Analysis limits (the API refuses beyond them with a 422).
MAX_TEXTS = 100
MAX_TEXT_CHARS = 5000
KEYWORDS_TOP = 20

SOURCE_LEXICON, SOURCE_BLEND, SOURCE_CORRECTION = "lexicon", "blend", "correction"


@dataclass(frozen=True)
class TextAnalysis:
    """One text's reading.

    - ``label``: "positive" | "neutral" | "negative"; ``score`` in [-1, 1].
    - ``source``: "lexicon" (the word list alone), "blend" (with the shop's model) or
      "correction" (the shop labelled this very text).
    - ``words``: the lexicon words that counted, each ``{word, base, weight, rules}``.
    - ``themes``: theme codes (``samphan.text.themes.THEMES``); ``keywords``: content words.
    - ``lexicon_score``, ``model_score`` (p(positive) − p(negative), or None without a model).
    """

    label: str
    score: float
    source: str
    lexicon_score: float
    model_score: float | None
    words: list[dict[str, Any]]
    themes: list[str]
    keywords: list[str]
    model_words: list[tuple[str, float]] = field(default_factory=list)
    # The segmented text, each piece with what it added (for highlighting).
    marked: tuple[tuple[str, float | None], ...] = ()


@dataclass(frozen=True)
class TextSummary:
    """A batch: each text's analysis, how many texts carry each label, theme and keyword."""

    items: list[TextAnalysis]
    labels: dict[str, int]
    themes: list[tuple[str, int]]
    keywords: list[tuple[str, int]]


def text_key(text: str) -> str:
    """The same text up to case, spacing and stretched letters has one key."""
    return hashlib.sha256(segment.key_form(text).encode("utf-8")).hexdigest()


def model_get(*, workspace: Workspace | int) -> SentimentModel | None:
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return SentimentModel.objects.filter(workspace_id=workspace_id).first()


def model_weight(model_accuracy: float, lexicon_accuracy: float) -> float:
    margin = model_accuracy - lexicon_accuracy
    if margin <= 0:
        return MODEL_WEIGHT_MIN
    return min(MODEL_WEIGHT_MAX, MODEL_WEIGHT_MIN + MODEL_WEIGHT_SLOPE * margin)


def _clamp_to(label: str, value: float) -> float:
    if label == sentiment.POSITIVE:
        return max(value, sentiment.THRESHOLD)
    if label == sentiment.NEGATIVE:
        return min(value, -sentiment.THRESHOLD)
    limit = sentiment.THRESHOLD - 0.01
    return max(-limit, min(limit, value))


def texts_analyse(
    texts: Sequence[str], *, workspace: Workspace | int | None = None, explain: bool = True
) -> list[TextAnalysis]:
    """Sentiment, themes and keywords of each text, in order.

    Without ``workspace`` (or when the workspace has no model trained on at least
    ``MIN_LABELS`` labels) the lexicon alone decides. With one, the score is a blend of the
    lexicon's and the model's: the model's share is small (``MODEL_WEIGHT_MIN``) unless its
    cross-validated accuracy beats the lexicon's on the shop's labels, and grows with the
    margin. A text the shop labelled itself takes that label. Texts are not stored. Callers bound the batch
    (``MAX_TEXTS`` texts of ``MAX_TEXT_CHARS`` characters is what the API allows).
    """
    texts = list(texts)
    model: classifier.Model | None = None
    weight = 0.0
    corrections: dict[str, str] = {}
    if workspace is not None:
        stored = model_get(workspace=workspace)
        if stored is not None and stored.n_examples >= MIN_LABELS:
            try:
                model = classifier.Model.from_json(stored.params)
            except (ValueError, KeyError, TypeError):
                model = None
            weight = model_weight(stored.accuracy, stored.lexicon_accuracy)
        workspace_id = workspace if isinstance(workspace, int) else workspace.pk
        keys = {text_key(t) for t in texts}
        corrections = dict(
            SentimentLabel.objects.filter(workspace_id=workspace_id, text_key__in=keys).values_list(
                "text_key", "label"
            )
        )
    probabilities = model.probabilities(texts) if model is not None else []
    out: list[TextAnalysis] = []
    for n, text in enumerate(texts):
        lex = sentiment.score(text)
        value, source, model_score = lex.score, SOURCE_LEXICON, None
        if model is not None:
            p = probabilities[n]
            model_score = round(p.get(sentiment.POSITIVE, 0.0) - p.get(sentiment.NEGATIVE, 0.0), 4)
            value, source = round(weight * model_score + (1 - weight) * lex.score, 4), SOURCE_BLEND
        label = sentiment.label_of(value)
        corrected = corrections.get(text_key(text)) if corrections else None
        if corrected:
            label, source = corrected, SOURCE_CORRECTION
            value = round(_clamp_to(label, value), 4)
        out.append(
            TextAnalysis(
                label=label,
                score=value,
                source=source,
                lexicon_score=lex.score,
                model_score=model_score,
                words=[h.as_dict() for h in lex.hits] if explain else [],
                themes=themes_of(lex.tokens),
                keywords=segment.keywords_of(lex.tokens),
                model_words=(model.words_of(text, label) if model is not None and explain else []),
                marked=lex.marked if explain else (),
            )
        )
    return out


def texts_summarise(
    texts: Sequence[str], *, workspace: Workspace | int | None = None
) -> TextSummary:
    """:func:`texts_analyse` plus how many texts have each label, theme and keyword (a word or
    theme counts once per text), most frequent first."""
    items = texts_analyse(texts, workspace=workspace)
    labels = Counter(i.label for i in items)
    keywords: Counter[str] = Counter()
    for item in items:
        keywords.update(set(item.keywords))
    return TextSummary(
        items=items,
        labels={label: labels.get(label, 0) for label in sentiment.LABELS},
        themes=theme_counts(i.themes for i in items).most_common(),
        keywords=keywords.most_common(KEYWORDS_TOP),
    )


def labels_list(*, actor: Actor) -> QuerySet[SentimentLabel]:
    return SentimentLabel.objects.filter(workspace=actor.workspace).order_by("-updated_at", "-pk")


def label_get(*, actor: Actor, label_id: int) -> SentimentLabel:
    row = SentimentLabel.objects.filter(workspace=actor.workspace, pk=label_id).first()
    if row is None:
        raise NotFound("not_found", _("No such labelled text in this shop."))
    return row


def label_counts(*, actor: Actor) -> dict[str, int]:
    rows = (
        SentimentLabel.objects.filter(workspace=actor.workspace)
        .values("label")
        .annotate(n=Count("pk"))
    )
    counts = {row["label"]: row["n"] for row in rows}
    return {label: counts.get(label, 0) for label in sentiment.LABELS}
