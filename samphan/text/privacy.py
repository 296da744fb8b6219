"""Thai text's part of a person's data (``core.datasubject``). Labelled texts are not linked to
a customer, but a customer's words may quote their name or phone: texts that mention the person
are exported, and deleted at erasure, with the shop's model trained on them (the shop trains
again). A model trained before such a label was deleted by hand keeps words of it in its
vocabulary: words that mention the person are taken out of it (with their weights)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.datasubject import (
    DELETED,
    SCRUBBED,
    Holding,
    Subject,
    Sweeper,
    combined,
    register_part,
    subject_identifiers,
)
from samphan.text.models import SentimentLabel, SentimentModel

BATCH = 500


def _sweeper(subject: Subject) -> Sweeper:
    identifiers = subject.identifiers or subject_identifiers(
        subject.workspace_id, subject.customer_ids
    )
    return Sweeper.of(identifiers)


def _mentioning(subject: Subject, sweeper: Sweeper) -> list[SentimentLabel]:
    if not sweeper:
        return []
    rows = SentimentLabel.objects.filter(workspace_id=subject.workspace_id).order_by("pk")
    return [r for r in rows.iterator(chunk_size=BATCH) if sweeper.mentions(r.text)]


def labels_export(subject: Subject) -> list[dict[str, Any]]:
    return [
        {"text": r.text, "label": r.label, "labelled_at": r.updated_at.isoformat()}
        for r in _mentioning(subject, _sweeper(subject))
    ]


def _vocabulary_scrub(params: dict[str, Any], sweeper: Sweeper) -> tuple[dict[str, Any], bool]:
    vocabulary = params.get("vocabulary")
    if not isinstance(vocabulary, list):
        return params, False
    keep = [n for n, term in enumerate(vocabulary) if not sweeper.mentions(str(term))]
    if len(keep) == len(vocabulary):
        return params, False
    out = dict(params)
    out["vocabulary"] = [vocabulary[n] for n in keep]
    out["idf"] = [params["idf"][n] for n in keep]
    out["coef"] = [[row[n] for n in keep] for row in params["coef"]]
    return out, True


def labels_erase(subjects: Sequence[Subject]) -> int:
    subject = combined(subjects)
    sweeper = Sweeper.of(subject.identifiers)
    if not sweeper:
        return 0
    ids = [r.pk for r in _mentioning(subject, sweeper)]
    changed = SentimentLabel.objects.filter(pk__in=ids).delete()[0]
    if changed:
        # The model learnt from their words (split into pieces the sweep cannot recognise):
        # it goes too; the shop trains again on what is left.
        changed += SentimentModel.objects.filter(workspace_id=subject.workspace_id).delete()[0]
    for model in SentimentModel.objects.filter(workspace_id=subject.workspace_id):
        params, did = _vocabulary_scrub(model.params or {}, sweeper)
        if did:
            SentimentModel.objects.filter(pk=model.pk).update(params=params)
            changed += 1
    return changed


register_part(
    key="text.labels",
    label=gettext_lazy("Labelled texts (sentiment)"),
    holds=[
        Holding(
            "text.SentimentLabel",
            personal=("text", "text_key"),
            kept=("label", "source", "created_by", "created_at", "updated_at"),
            how=DELETED,
        ),
        Holding(
            "text.SentimentModel",
            personal=("params",),
            kept=(
                "trained_at",
                "trained_by",
                "n_examples",
                "accuracy",
                "lexicon_accuracy",
                "folds",
                "class_counts",
            ),
            how=SCRUBBED,
        ),
    ],
    export=labels_export,
    erase=labels_erase,
    order=95,
)
