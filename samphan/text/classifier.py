"""The shop's own sentiment classifier: TF-IDF over PyThaiNLP words (and word pairs) with a
logistic regression (scikit-learn), kept as plain JSON: the vocabulary, the IDF weights, the
coefficients and intercepts. Nothing is pickled; predicting needs only numpy, and reproduces
scikit-learn's ``predict_proba`` (checked in tests/text/test_classifier.py).
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from samphan.text import segment

FORMAT = "samphan.sentiment-tfidf-lr/1"
MAX_FEATURES = 20_000
NGRAMS = (1, 2)
C = 4.0
FOLDS = 5
SEED = 20260101


def _analyse(text: str) -> list[str]:
    """Words and adjacent word pairs of a text (the features)."""
    words = segment.tokens(text)
    grams = list(words)
    if NGRAMS[1] >= 2:
        grams += [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return grams


@dataclass(frozen=True)
class Model:
    classes: tuple[str, ...]
    vocabulary: tuple[str, ...]
    idf: np.ndarray
    coef: np.ndarray  # (n_classes or 1, n_features)
    intercept: np.ndarray

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "classes": list(self.classes),
            "vocabulary": list(self.vocabulary),
            "idf": [round(float(v), 6) for v in self.idf],
            "coef": [[round(float(v), 6) for v in row] for row in self.coef],
            "intercept": [round(float(v), 6) for v in self.intercept],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        if data.get("format") != FORMAT:
            raise ValueError("not a sentiment model")
        return cls(
            classes=tuple(str(c) for c in data["classes"]),
            vocabulary=tuple(str(v) for v in data["vocabulary"]),
            idf=np.asarray(data["idf"], dtype=float),
            coef=np.asarray(data["coef"], dtype=float),
            intercept=np.asarray(data["intercept"], dtype=float),
        )

    def _index(self) -> dict[str, int]:
        return {term: n for n, term in enumerate(self.vocabulary)}

    def features(self, texts: Sequence[str]) -> np.ndarray:
        """TF-IDF rows as scikit-learn makes them (sublinear tf, l2 norm)."""
        index = self._index()
        out = np.zeros((len(texts), len(self.vocabulary)))
        for row, text in enumerate(texts):
            for term, count in Counter(_analyse(text)).items():
                col = index.get(term)
                if col is not None:
                    out[row, col] = (1.0 + math.log(count)) * self.idf[col]
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
        return out

    def probabilities(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Each text's probability per class."""
        if not texts:
            return []
        logits = self.features(texts) @ self.coef.T + self.intercept
        if len(self.classes) == 2:
            p1 = 1.0 / (1.0 + np.exp(-logits[:, 0]))
            probs = np.stack([1.0 - p1, p1], axis=1)
        else:
            logits -= logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            probs = exp / exp.sum(axis=1, keepdims=True)
        return [dict(zip(self.classes, map(float, row), strict=True)) for row in probs]

    def words_of(self, text: str, label: str, top: int = 5) -> list[tuple[str, float]]:
        """The features of ``text`` that pushed most towards ``label`` (for the explanation)."""
        if label not in self.classes:
            return []
        row = self.features([text])[0]
        k = self.classes.index(label)
        weights = self.coef[0] * (1 if k == 1 else -1) if len(self.classes) == 2 else self.coef[k]
        contrib = row * weights
        order = np.argsort(-contrib)[:top]
        return [(self.vocabulary[i], round(float(contrib[i]), 3)) for i in order if contrib[i] > 0]


def fit(texts: Sequence[str], labels: Sequence[str]) -> Model:
    """Train on all the examples (at least two classes)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(
        analyzer=_analyse, sublinear_tf=True, max_features=MAX_FEATURES, norm="l2"
    )
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    model.fit(matrix, list(labels))
    vocab = sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[1])
    return Model(
        classes=tuple(str(c) for c in model.classes_),
        vocabulary=tuple(term for term, _col in vocab),
        idf=np.asarray(vectorizer.idf_, dtype=float),
        coef=np.asarray(model.coef_, dtype=float),
        intercept=np.asarray(model.intercept_, dtype=float),
    )


def predict(model: Model, texts: Sequence[str]) -> list[str]:
    return [max(p, key=lambda c: p[c]) for p in model.probabilities(texts)]


def cross_validate(texts: Sequence[str], labels: Sequence[str], folds: int = FOLDS) -> float:
    """Mean accuracy over ``folds`` folds, stratified by label (each class spread over the folds
    round-robin after a fixed shuffle). A training fold with a single class predicts it."""
    by_class: dict[str, list[int]] = {}
    for n, label in enumerate(labels):
        by_class.setdefault(label, []).append(n)
    rng = random.Random(SEED)
    fold_of = [0] * len(texts)
    offset = 0
    for label in sorted(by_class):
        members = by_class[label]
        rng.shuffle(members)
        for k, n in enumerate(members):
            fold_of[n] = (offset + k) % folds
        offset += len(members)
    scores: list[float] = []
    for fold in range(folds):
        test = [n for n in range(len(texts)) if fold_of[n] == fold]
        train = [n for n in range(len(texts)) if fold_of[n] != fold]
        if not test or not train:
            continue
        train_labels = [labels[n] for n in train]
        if len(set(train_labels)) < 2:
            guesses = [train_labels[0]] * len(test)
        else:
            model = fit([texts[n] for n in train], train_labels)
            guesses = predict(model, [texts[n] for n in test])
        right = sum(g == labels[n] for g, n in zip(guesses, test, strict=True))
        scores.append(right / len(test))
    return sum(scores) / len(scores) if scores else 0.0
