"""Writing the shop's sentiment labels and training its classifier.

Analysis itself writes nothing: see ``selectors.texts_analyse`` (the function other apps call).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm
from samphan.text import classifier, sentiment
from samphan.text.models import (
    LABEL_TEXT_MAX,
    LabelSource,
    Polarity,
    SentimentLabel,
    SentimentModel,
)
from samphan.text.selectors import MIN_LABELS, label_counts, text_key

# Labels kept per workspace: training stays within seconds.
MAX_LABELS = 5000
# Who may read texts' sentiment, correct labels and train the model: the shop's analysts,
# and the people who answer customers (tickets).
TEXT_PERMS = (Perm.ANALYTICS_VIEW, Perm.TICKET_MANAGE)


def text_require(actor: Actor) -> None:
    """Analysts (``analytics.view``) and the people who answer customers (``ticket.manage``)."""
    if not any(actor.can(p) for p in TEXT_PERMS):
        require(actor, TEXT_PERMS[0])


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ApplicationError(
            "text_required", _("Type the text to label."), {"field": "text"}, status=422
        )
    if len(text) > LABEL_TEXT_MAX:
        raise ApplicationError(
            "text_too_long",
            _("A labelled text is at most %(max)s characters.") % {"max": LABEL_TEXT_MAX},
            {"field": "text", "max_length": LABEL_TEXT_MAX},
            status=422,
        )
    if "\x00" in text:
        raise ApplicationError(
            "invalid_text", _("The text contains a NUL character."), {"field": "text"}, status=422
        )
    return text


def label_correct(
    *, actor: Actor, text: str, label: str, source: str = LabelSource.CORRECTION
) -> SentimentLabel:
    """Give ``text`` the label ``label`` in the actor's workspace: a new label, or a new label
    for a text labelled before (the same text up to case, spacing and stretched letters).
    The shop's model learns it at its next training; analysis uses it at once for this text."""
    text_require(actor)
    text = _clean_text(text)
    if label not in Polarity.values:
        raise ApplicationError(
            "invalid_label",
            _("The label is positive, neutral or negative."),
            {"field": "label", "allowed": list(Polarity.values)},
            status=422,
        )
    if source not in LabelSource.values:
        source = LabelSource.CORRECTION
    key = text_key(text)
    with transaction.atomic():
        existing = (
            SentimentLabel.objects.select_for_update()
            .filter(workspace=actor.workspace, text_key=key)
            .first()
        )
        if existing is not None:
            existing.text, existing.label, existing.source = text, label, source
            existing.created_by = actor.label
            existing.save(update_fields=["text", "label", "source", "created_by", "updated_at"])
            return existing
        if SentimentLabel.objects.filter(workspace=actor.workspace).count() >= MAX_LABELS:
            raise ApplicationError(
                "too_many_labels",
                _("This shop already has %(max)s labelled texts: delete some before adding more.")
                % {"max": MAX_LABELS},
                {"max": MAX_LABELS},
            )
        return SentimentLabel.objects.create(
            workspace=actor.workspace,
            text=text,
            text_key=key,
            label=label,
            source=source,
            created_by=actor.label,
        )


def label_delete(*, actor: Actor, label_id: int) -> None:
    text_require(actor)
    deleted, _rows = SentimentLabel.objects.filter(workspace=actor.workspace, pk=label_id).delete()
    if not deleted:
        raise NotFound("not_found", _("No such labelled text in this shop."))


def model_train(*, actor: Actor) -> SentimentModel:
    """Train the workspace's classifier on all its labels and keep it with its cross-validated
    accuracy. Needs at least ``MIN_LABELS`` labels in at least two classes."""
    text_require(actor)
    rows = list(
        SentimentLabel.objects.filter(workspace=actor.workspace)
        .order_by("pk")
        .values_list("text", "label")
    )
    counts = label_counts(actor=actor)
    classes = sorted(c for c, n in counts.items() if n)
    if len(rows) < MIN_LABELS or len(classes) < 2:
        raise ApplicationError(
            "not_enough_labels",
            _(
                "Training needs at least %(min)s labelled texts in at least two labels "
                "(this shop has %(have)s, in %(classes)s)."
            )
            % {"min": MIN_LABELS, "have": len(rows), "classes": len(classes)},
            {"min_labels": MIN_LABELS, "labels": len(rows), "classes": classes},
        )
    texts = [t for t, _label in rows]
    labels = [label for _t, label in rows]
    folds = min(classifier.FOLDS, len(rows))
    accuracy = classifier.cross_validate(texts, labels, folds=folds)
    lexicon_right = sum(sentiment.score(t).label == label for t, label in rows)
    model = classifier.fit(texts, labels)
    stored, _created = SentimentModel.objects.update_or_create(
        workspace=actor.workspace,
        defaults={
            "trained_at": timezone.now(),
            "trained_by": actor.label,
            "n_examples": len(rows),
            "accuracy": round(accuracy, 4),
            "lexicon_accuracy": round(lexicon_right / len(rows), 4),
            "folds": folds,
            "class_counts": counts,
            "params": model.as_json(),
        },
    )
    audit_record(
        action="text.model_trained",
        workspace=actor.workspace,
        actor=actor.user,
        actor_label=actor.label,
        target=f"sentiment_model:{stored.pk}",
        data={
            "examples": len(rows),
            "accuracy": stored.accuracy,
            "lexicon_accuracy": stored.lexicon_accuracy,
        },
    )
    return stored
