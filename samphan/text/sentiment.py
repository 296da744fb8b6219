"""A transparent lexicon sentiment scorer for Thai shop reviews.

Every point of a score can be traced to a word: ``lexicon_th.tsv`` gives each word or phrase a
weight (−3 … +3) and the rules below change it where it stands:

- **Negation** (``ไม่``, ``ไม่ได้``, ``ไม่มี``, ``ไม่เคย``, ``ไม่ค่อย``, ``ยังไม่``): the next sentiment
  word within ``NEGATION_WINDOW`` tokens (in the same clause) is flipped and weakened:
  ``ไม่อร่อย`` is negative, ``ไม่แพง`` mildly positive. ``ไม่ค่อย`` ("not very") dampens more than
  it flips: ``ไม่ค่อยอร่อย`` is less negative than ``ไม่อร่อย``.
- **Intensifiers** after a word (``มาก``, ``มากๆ``, ``สุดๆ``, ``ที่สุด``, ``จริงๆ``, ``เลย``) or before
  it (``โคตร``, ``แสน``) scale it; softeners (``นิดหน่อย``, ``ค่อนข้าง``) shrink it. ``เกินไป`` ("too")
  and ``ไปหน่อย`` ("a bit too") make the word before them a complaint (``หวานเกินไป``).
- **Contrast**: after ``แต่`` ("but") words count more than before it.
- **Stretched letters** (``ดีมากกกก``) count a little more; **emoji** and laughter (``555``) have
  weights of their own; a question (``ไหม``, ``?``) counts for half.

The sum ``s`` becomes a score in (−1, 1) as ``s / sqrt(s² + ALPHA)``; the label is positive or
negative beyond ±``THRESHOLD``, neutral between.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

from samphan.text import segment

LEXICON_PATH = Path(__file__).with_name("lexicon_th.tsv")

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"
LABELS = (POSITIVE, NEUTRAL, NEGATIVE)

ALPHA = 4.0
THRESHOLD = 0.25
NEGATION_WINDOW = 3

# negator → (factor for a positive word, factor for a negative word)
NEGATORS: dict[str, tuple[float, float]] = {
    "ไม่": (-0.8, -0.5),
    "ไม่ได้": (-0.5, -0.4),
    "ไม่เคย": (-0.8, -0.6),
    "ไม่มี": (-0.8, -0.8),
    "ไม่เป็น": (-0.8, -0.5),
    "ไร้": (-0.8, -0.8),
    "ไม่ค่อย": (-0.5, -0.3),
    "ยังไม่": (-0.3, -0.3),
    "ไม่ใช่": (-0.6, -0.4),
}
# Two tokens that make one negator when the segmenter splits them.
NEGATOR_PAIRS: dict[tuple[str, str], str] = {
    ("ไม่", "ค่อย"): "ไม่ค่อย",
    ("ยัง", "ไม่"): "ยังไม่",
    ("ไม่", "ได้"): "ไม่ได้",
    ("ไม่", "มี"): "ไม่มี",
    ("ไม่", "เคย"): "ไม่เคย",
}
PRE_BOOSTERS: dict[str, float] = {
    "โคตร": 1.6,
    "แสน": 1.4,
    "สุดแสน": 1.6,
    "ค่อนข้าง": 0.7,
    "ออกจะ": 0.8,
    "เกือบ": 0.7,
    "อย่าง": 1.1,
}
POST_BOOSTERS: dict[str, float] = {
    "มาก": 1.4,
    "มากๆ": 1.6,
    "มากมาย": 1.4,
    "สุดๆ": 1.7,
    "สุด": 1.5,
    "ที่สุด": 1.8,
    "โคตรๆ": 1.7,
    "จริงๆ": 1.3,
    "จริง": 1.2,
    "เลย": 1.2,
    "ไปเลย": 1.3,
    "จัง": 1.3,
    "เว่อร์": 1.4,
    "ๆ": 1.15,
    "สุดยอด": 1.5,
    "นิดหน่อย": 0.6,
    "นิดนึง": 0.6,
    "นิด": 0.6,
    "หน่อย": 0.7,
    "บ้าง": 0.7,
    "ขนาดนั้น": 0.6,
    "เท่าไหร่": 0.6,
    "เท่าไร": 0.6,
}
# "Too …": the word before becomes a complaint (strong), or a mild one ("a bit too").
TOO = {"เกินไป": -1.2, "ไป": 0.0}
TOO_SOFT_AFTER_PAI = {"หน่อย", "นิด", "นิดนึง", "นิดหน่อย"}
TOO_SOFT = -0.4
CONTRAST = {"แต่", "แต่ว่า", "แต่ก็"}
BEFORE_CONTRAST, AFTER_CONTRAST = 0.7, 1.1
QUESTION = {"ไหม", "มั้ย", "หรือเปล่า", "ป่าว", "รึเปล่า", "หรือไม่", "?"}
QUESTION_FACTOR = 0.5
STRETCH = 1.3
LAUGH_WEIGHT = 0.8
REPEATED_EMOJI = 1.2
# How far back (in tokens, spaces not counted) an intensifier reaches for its word.
BOOST_REACH = 2


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, float]:
    """The word list: term → weight. Lines starting with ``#`` are comments."""
    out: dict[str, float] = {}
    for line in LEXICON_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, weight = line.split("\t")[:2]
        out[term.strip().casefold()] = float(weight)
    return out


segment.add_words(
    [*lexicon(), *NEGATORS, *PRE_BOOSTERS, *(w for w in POST_BOOSTERS if len(w) > 1), "เกินไป"],
    split_ends=["มาก", "มากๆ", "สุดๆ", "ที่สุด", "จริงๆ", "จัง", "เลย", "เกินไป"],
    split_starts=["ไม่", "ก็"],
)


@dataclass
class Hit:
    """One word that counted: its weight in the lexicon, what the rules did, what it added."""

    word: str
    base: float
    weight: float
    rules: list[str] = field(default_factory=list)
    position: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"word": self.word, "base": self.base, "weight": round(self.weight, 3),
                "rules": list(self.rules)}  # fmt: skip


@dataclass(frozen=True)
class Sentiment:
    label: str
    score: float
    hits: tuple[Hit, ...]
    tokens: tuple[str, ...]
    # The text as segmented, spaces kept, each piece with what it added (None: nothing):
    # what a page highlights.
    marked: tuple[tuple[str, float | None], ...] = ()


def label_of(score: float) -> str:
    if score >= THRESHOLD:
        return POSITIVE
    if score <= -THRESHOLD:
        return NEGATIVE
    return NEUTRAL


def squash(total: float) -> float:
    return total / math.sqrt(total * total + ALPHA)


def _negated(hit: Hit, negator: str) -> None:
    on_positive, on_negative = NEGATORS[negator]
    hit.weight *= on_positive if hit.weight > 0 else on_negative
    hit.rules.append(f"negated:{negator}")


def score(text: str) -> Sentiment:
    """The lexicon's label and score for one text, with the words that counted."""
    lex = lexicon()
    norm = segment.normalise(text)
    raw = segment.words_with_spaces(norm.text)
    hits: list[Hit] = []
    negator: str | None = None
    negation_left = 0
    pre_boost = 1.0
    contrast_at: int | None = None
    question = False
    seen = 0  # tokens that are not spaces
    last_hit_at = -99
    tokens: list[str] = []
    display: list[tuple[str, Hit | None]] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        if not tok.strip():
            # A space ends a clause in Thai: negation and a pending booster stop there.
            negator, negation_left, pre_boost = None, 0, 1.0
            display.append((" ", None))
            i += 1
            continue
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        pair = NEGATOR_PAIRS.get((tok, nxt))
        if pair:
            tok, i = pair, i + 1
        tokens.append(tok)
        display.append((tok, None))
        seen += 1
        i += 1
        if tok in QUESTION or tok.endswith("ไหม") or tok.endswith("มั้ย"):
            question = True
        if tok in CONTRAST:
            contrast_at = len(hits)
            negator, negation_left = None, 0
            continue
        if tok in NEGATORS and tok not in lex:
            negator, negation_left = tok, NEGATION_WINDOW
            continue
        if tok in PRE_BOOSTERS and tok not in lex:
            pre_boost *= PRE_BOOSTERS[tok]
            continue
        if tok in TOO:
            soft = tok == "ไป" and raw[i] in TOO_SOFT_AFTER_PAI if i < len(raw) else False
            if tok == "ไป" and not soft:
                continue
            if soft:
                i += 1
            base = TOO_SOFT if soft else TOO[tok]
            # Only the word right before "เกินไป" is "too" much.
            recent = hits and hits[-1].position == len(tokens) - 2
            if recent and hits[-1].weight < 0:
                hits[-1].weight *= 1.0 - base / 3
                hits[-1].rules.append(f"too:{tok}")
            elif recent:
                hits[-1].weight = base * (1 + abs(hits[-1].base) / 3)
                hits[-1].rules.append(f"too:{tok}")
            else:
                prev = tokens[-2] if len(tokens) > 1 else tok
                hits.append(Hit(prev, 0.0, base, [f"too:{tok}"], len(tokens) - 2))
                last_hit_at = seen
                for back in range(len(display) - 2, -1, -1):
                    if display[back][0] == prev:
                        display[back] = (prev, hits[-1])
                        break
            continue
        if tok in POST_BOOSTERS and tok not in lex:
            if hits and seen - last_hit_at <= BOOST_REACH:
                hits[-1].weight *= POST_BOOSTERS[tok]
                hits[-1].rules.append(f"x{POST_BOOSTERS[tok]}:{tok}")
                last_hit_at = seen
            continue
        if tok in lex:
            hit = Hit(tok, lex[tok], lex[tok], position=len(tokens) - 1)
            if pre_boost != 1.0:
                hit.weight *= pre_boost
                hit.rules.append(f"x{round(pre_boost, 2)}:before")
            if any(tok in chunk for chunk in norm.stretched):
                hit.weight *= STRETCH
                hit.rules.append("stretched")
            if negator and negation_left > 0:
                _negated(hit, negator)
            hits.append(hit)
            display[-1] = (tok, hit)
            last_hit_at = seen
            negator, negation_left, pre_boost = None, 0, 1.0
            continue
        if negation_left:
            negation_left -= 1
            if not negation_left:
                negator = None
        pre_boost = 1.0

    if contrast_at is not None:
        for n, hit in enumerate(hits):
            factor = BEFORE_CONTRAST if n < contrast_at else AFTER_CONTRAST
            hit.weight *= factor
            hit.rules.append("before:แต่" if n < contrast_at else "after:แต่")
    for emoji in dict.fromkeys(norm.emoji):
        if emoji in lex:
            times = norm.emoji.count(emoji)
            weight = lex[emoji] * (REPEATED_EMOJI if times > 1 else 1.0)
            hits.append(Hit(emoji, lex[emoji], weight, ["repeated"] if times > 1 else []))
            display += [(" ", None), (emoji, hits[-1])]
    if norm.laughs:
        hits.append(Hit(segment.LAUGH_TOKEN, LAUGH_WEIGHT, LAUGH_WEIGHT))
    if question or "?" in text:
        for hit in hits:
            hit.weight *= QUESTION_FACTOR
            hit.rules.append("question")
    total = sum(h.weight for h in hits)
    value = round(squash(total), 4)
    marked = tuple((tok, round(h.weight, 3) if h else None) for tok, h in display)
    return Sentiment(label_of(value), value, tuple(hits), tuple(tokens), marked)
