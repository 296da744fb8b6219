"""Free-text answers through the Thai text app (samphan.text): sentiment per answer, and the
themes and keywords of many. Feedback never scores text itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from samphan.text.selectors import texts_analyse, texts_summarise
from samphan.text.themes import theme_label

# Answers summarised on a results page (the newest).
SUMMARY_TEXTS = 500


def sentiments(texts: Sequence[str], *, workspace_id: int) -> list[tuple[str, float] | None]:
    """(label, score) per text: the shop's own model blended in when it has trained one."""
    return [(a.label, a.score) for a in texts_analyse(texts, workspace=workspace_id, explain=False)]


@dataclass(frozen=True)
class TextsOverview:
    labels: dict[str, int]
    themes: list[tuple[str, str, int]]  # (code, label, answers)
    keywords: list[tuple[str, int]]


def overview(texts: Sequence[str], *, workspace_id: int) -> TextsOverview | None:
    if not texts:
        return None
    summary = texts_summarise(list(texts)[:SUMMARY_TEXTS], workspace=workspace_id)
    return TextsOverview(
        labels=summary.labels,
        themes=[(code, theme_label(code), n) for code, n in summary.themes[:10]],
        keywords=summary.keywords[:15],
    )
