"""The lexicon scorer's accuracy on the held-out Thai reviews (written apart from the word list
and never used to tune it; tuning used the development set)."""

from __future__ import annotations

from collections import Counter

from samphan.text.sentiment import LABELS, score
from tests.text.helpers import DEV, HELDOUT, examples

FLOOR = 0.80


def _accuracy(rows: list[tuple[str, str, str]]) -> tuple[float, Counter[tuple[str, str]]]:
    confusion: Counter[tuple[str, str]] = Counter()
    for text, label, _domain in rows:
        confusion[(label, score(text).label)] += 1
    right = sum(n for (want, got), n in confusion.items() if want == got)
    return right / len(rows), confusion


def test_heldout_set_is_large_mixed_and_apart_from_the_dev_set() -> None:
    heldout, dev = examples(HELDOUT), examples(DEV)
    assert len(heldout) >= 200 and len(dev) >= 100
    assert {label for _t, label, _d in heldout} == set(LABELS)
    assert {d for _t, _l, d in heldout} == {"food", "clothes", "cosmetics", "delivery", "service"}
    assert not {t for t, _l, _d in heldout} & {t for t, _l, _d in dev}


def test_heldout_accuracy_is_at_least_80_percent() -> None:
    accuracy, confusion = _accuracy(examples(HELDOUT))
    matrix = {want: [confusion[(want, got)] for got in LABELS] for want in LABELS}
    assert accuracy >= FLOOR, (accuracy, matrix)


def test_no_class_is_mostly_wrong() -> None:
    _, confusion = _accuracy(examples(HELDOUT))
    for want in LABELS:
        total = sum(confusion[(want, got)] for got in LABELS)
        assert confusion[(want, want)] / total >= 0.6, (want, confusion)
