"""Thai sentiment (samphan.text): the lexicon scorer's accuracy and confusion matrix on the
held-out reviews, per domain; the shop classifier's cross-validated accuracy; the blend; speed.

No database. The held-out file (tests/fixtures/text/sentiment_heldout.tsv) was written apart
from the word list and is not used to tune it; tuning used samphan/text/data/dev_examples.tsv.

    .venv/bin/python benchmarks/text_sentiment.py
"""

from __future__ import annotations

import platform
import time
from collections import Counter
from pathlib import Path

from samphan.text import classifier, sentiment

ROOT = Path(__file__).resolve().parents[1]
HELDOUT = ROOT / "tests" / "fixtures" / "text" / "sentiment_heldout.tsv"
DEV = ROOT / "samphan" / "text" / "data" / "dev_examples.tsv"
BLEND_WEIGHT = 0.2  # selectors.MODEL_WEIGHT_MIN: a model that does not beat the word list


def _rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]


def main() -> None:
    heldout, dev = _rows(HELDOUT), _rows(DEV)
    print(f"python {platform.python_version()} on {platform.machine()}, {len(heldout)} held out")
    confusion: Counter[tuple[str, str]] = Counter()
    domains: Counter[str] = Counter()
    right_by_domain: Counter[str] = Counter()
    for text, label, domain in heldout:
        got = sentiment.score(text).label
        confusion[(label, got)] += 1
        domains[domain] += 1
        right_by_domain[domain] += got == label
    right = sum(confusion[(lb, lb)] for lb in sentiment.LABELS)
    print(f"lexicon: {right}/{len(heldout)} = {right / len(heldout):.1%}")
    print("true \\ predicted:", " ".join(sentiment.LABELS))
    for want in sentiment.LABELS:
        print(f"  {want:8}", [confusion[(want, got)] for got in sentiment.LABELS])
    for domain, n in sorted(domains.items()):
        print(f"  {domain:10} {right_by_domain[domain]}/{n}")

    texts, labels = [r[0] for r in dev], [r[1] for r in dev]
    print(f"classifier, 5-fold CV on the dev set: {classifier.cross_validate(texts, labels):.1%}")
    model = classifier.fit(texts, labels)
    probs = model.probabilities([r[0] for r in heldout])
    alone = sum(max(p, key=lambda c: p[c]) == r[1] for p, r in zip(probs, heldout, strict=True))
    print(f"classifier trained on dev, on held out: {alone / len(heldout):.1%}")
    blended = 0
    for p, (text, label, _d) in zip(probs, heldout, strict=True):
        model_score = p.get("positive", 0.0) - p.get("negative", 0.0)
        value = BLEND_WEIGHT * model_score + (1 - BLEND_WEIGHT) * sentiment.score(text).score
        blended += sentiment.label_of(value) == label
    print(f"blend (model weight {BLEND_WEIGHT}), on held out: {blended / len(heldout):.1%}")
    every = heldout + dev
    cv_all = classifier.cross_validate([r[0] for r in every], [r[1] for r in every])
    print(f"classifier, 5-fold CV on held out + dev ({len(every)}): {cv_all:.1%}")

    start = time.perf_counter()
    for _ in range(20):
        for text, _label, _domain in heldout:
            sentiment.score(text)
    per = (time.perf_counter() - start) / (20 * len(heldout))
    print(f"lexicon speed: {per * 1e3:.2f} ms per review")


if __name__ == "__main__":
    main()
