"""The shop classifier: its JSON form predicts exactly as scikit-learn does, and it learns."""

from __future__ import annotations

import json

import numpy as np

from samphan.text import classifier
from tests.text.helpers import DEV, HELDOUT, examples


def test_json_model_reproduces_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = examples(DEV)
    texts, labels = [t for t, _l, _d in rows], [label for _t, label, _d in rows]
    model = classifier.fit(texts, labels)
    again = classifier.Model.from_json(json.loads(json.dumps(model.as_json())))

    vectorizer = TfidfVectorizer(analyzer=classifier._analyse, sublinear_tf=True,
                                 max_features=classifier.MAX_FEATURES)  # fmt: skip
    matrix = vectorizer.fit_transform(texts)
    reference = LogisticRegression(C=classifier.C, max_iter=2000, class_weight="balanced")
    reference.fit(matrix, labels)
    probe = [t for t, _l, _d in examples(HELDOUT)[:40]]
    expected = reference.predict_proba(vectorizer.transform(probe))
    got = np.array([[p[c] for c in reference.classes_] for p in again.probabilities(probe)])
    assert np.allclose(got, expected, atol=1e-4)


def test_two_classes_work_too() -> None:
    texts = ["ดีมาก", "อร่อย", "ชอบ", "แย่", "ห่วย", "ช้า"] * 3
    labels = ["positive"] * 3 + ["negative"] * 3
    model = classifier.fit(texts, labels * 3)
    assert classifier.predict(model, ["อร่อยดี", "ห่วยมาก"]) == ["positive", "negative"]
    assert model.words_of("อร่อยดี", "positive")


def test_cross_validation_learns_from_the_dev_set() -> None:
    rows = examples(DEV)
    accuracy = classifier.cross_validate([t for t, _l, _d in rows], [lb for _t, lb, _d in rows])
    assert 0.5 < accuracy <= 1.0


def test_a_fold_with_one_class_guesses_it() -> None:
    texts = [f"ข้อความ {n}" for n in range(31)]
    labels = ["neutral"] * 30 + ["positive"]
    assert 0.0 <= classifier.cross_validate(texts, labels) <= 1.0
