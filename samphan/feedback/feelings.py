"""What a survey answer says about how the customer feels (``EmotionalObservation``s).

A question's ``feeling`` names the kind it measures; without one, the overall scores speak
for themselves:

- NPS 9–10: pride and advocacy (+2); 0–4: a negative experience (−2); 5–6 (−1).
- CSAT or rating 5: a positive experience (+2), 4 (+1); 2: negative (−1), 1 (−2).
- A question with a ``feeling``: a score is placed on −2…+2 around its scale's middle; a
  choice records the feeling when the first option ("yes") is chosen; free text records it
  with the text as the note (its sentiment's sign, when the text app found one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from samphan.feedback.models import FeelingKind, QuestionType

SCALES: dict[str, tuple[int, int]] = {
    QuestionType.RATING: (1, 5),
    QuestionType.CSAT: (1, 5),
    QuestionType.NPS: (0, 10),
    QuestionType.CES: (1, 7),
}


@dataclass(frozen=True)
class Feeling:
    kind: str
    score: int
    note: str = ""


@dataclass(frozen=True)
class Given:
    """One cleaned answer as the mapping sees it."""

    type: str
    feeling: str
    value: int | None = None
    choices: tuple[int, ...] = ()
    text: str = ""
    sentiment_score: float | None = None


def _scaled(value: int, low: int, high: int) -> int:
    """A score placed on −2…+2 around the scale's middle."""
    middle = (low + high) / 2
    half = (high - low) / 2
    return max(-2, min(2, round((value - middle) / half * 2)))


def _default(answer: Given) -> Feeling | None:
    if answer.value is None:
        return None
    if answer.type == QuestionType.NPS:
        if answer.value >= 9:
            return Feeling(FeelingKind.PRIDE, 2)
        if answer.value <= 4:
            return Feeling(FeelingKind.NEGATIVE, -2)
        if answer.value <= 6:
            return Feeling(FeelingKind.NEGATIVE, -1)
        return None
    if answer.type in (QuestionType.CSAT, QuestionType.RATING):
        return {
            5: Feeling(FeelingKind.POSITIVE, 2),
            4: Feeling(FeelingKind.POSITIVE, 1),
            2: Feeling(FeelingKind.NEGATIVE, -1),
            1: Feeling(FeelingKind.NEGATIVE, -2),
        }.get(answer.value)
    return None


def feelings_of(answers: Sequence[Given]) -> list[Feeling]:
    found: list[Feeling] = []
    for answer in answers:
        if not answer.feeling:
            default = _default(answer)
            if default is not None:
                found.append(default)
            continue
        if answer.type in SCALES and answer.value is not None:
            low, high = SCALES[answer.type]
            found.append(Feeling(answer.feeling, _scaled(answer.value, low, high)))
        elif (answer.type == QuestionType.SINGLE and answer.value == 0) or (
            answer.type == QuestionType.MULTIPLE and 0 in answer.choices
        ):
            found.append(Feeling(answer.feeling, 1))
        elif answer.type == QuestionType.TEXT and answer.text.strip():
            score = 1
            if answer.sentiment_score is not None and answer.sentiment_score < 0:
                score = -1
            found.append(Feeling(answer.feeling, score, answer.text.strip()[:500]))
    return found


def is_low(type_: str, value: int | None) -> bool:
    """A score worth a follow-up: a detractor, a CSAT/rating of 1–2, an effort score of 1–3."""
    if value is None:
        return False
    if type_ == QuestionType.NPS:
        return value <= 6
    if type_ in (QuestionType.CSAT, QuestionType.RATING):
        return value <= 2
    if type_ == QuestionType.CES:
        return value <= 3
    return False
