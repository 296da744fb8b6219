"""The shop's own sentiment labels and the small classifier trained on them.

``SentimentLabel`` is one text with the label the shop gave it (a correction of the lexicon's
label, or a label typed in): one row per text per workspace (the same text again changes its
label). ``SentimentModel`` is the workspace's trained classifier: TF-IDF weights and logistic
regression coefficients as plain JSON (no pickle), with its cross-validated accuracy.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

LABEL_TEXT_MAX = 2000


class Polarity(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class LabelSource(models.TextChoices):
    CORRECTION = "correction", _("Correction")
    MANUAL = "manual", _("Typed in")
    API = "api", _("API")


class SentimentLabel(models.Model):
    workspace = models.ForeignKey(
        "core.Workspace", on_delete=models.CASCADE, related_name="sentiment_labels"
    )
    text = models.CharField(_("text"), max_length=LABEL_TEXT_MAX)
    # sha256 of the normalised text: the same text (up to case, spacing, stretched letters)
    # has one label.
    text_key = models.CharField(max_length=64)
    label = models.CharField(_("label"), max_length=8, choices=Polarity.choices)
    source = models.CharField(
        _("source"), max_length=16, choices=LabelSource.choices, default=LabelSource.CORRECTION
    )
    created_by = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "text_key"], name="text_label_unique"),
        ]
        indexes = [models.Index(fields=["workspace", "-updated_at"], name="text_label_recent")]

    def __str__(self) -> str:
        return f"{self.label}: {self.text[:40]}"


class SentimentModel(models.Model):
    workspace = models.OneToOneField(
        "core.Workspace", on_delete=models.CASCADE, related_name="sentiment_model"
    )
    trained_at = models.DateTimeField()
    trained_by = models.CharField(max_length=254, blank=True)
    n_examples = models.PositiveIntegerField()
    # Mean accuracy over the cross-validation folds (0–1).
    accuracy = models.FloatField()
    # The word list's accuracy on the same labels (it needs no training, so this is honest):
    # the model's share of a blended score depends on beating it.
    lexicon_accuracy = models.FloatField(default=0.0)
    folds = models.PositiveSmallIntegerField(default=5)
    class_counts = models.JSONField(default=dict)
    # classifier.Model.as_json(): classes, vocabulary, idf, coefficients, intercepts.
    params = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"sentiment model ({self.n_examples} examples, {self.accuracy:.0%})"
