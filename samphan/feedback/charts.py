"""Small charts drawn as SVG on the server (no script, no CDN): the importance–performance
grid, a trend line with its 95% band, and a sparkline. Functions return coordinates; the
templates draw them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from samphan.feedback import stats
from samphan.feedback.models import QuestionType

W, H, PAD = 320, 240, 28


def _scale(value: float, low: float, high: float, out_low: float, out_high: float) -> float:
    if high == low:
        return (out_low + out_high) / 2
    return out_low + (value - low) / (high - low) * (out_high - out_low)


def ipa_grid(rows: Sequence[Any]) -> dict[str, Any] | None:
    """Points of the importance–performance grid (x = performance, y = importance), split at
    the means into the four quadrants."""
    points = [
        r
        for r in rows
        if r.importance is not None and r.summary.performance is not None and r.quadrant
    ]
    if not points:
        return None
    xs = [r.summary.performance for r in points]
    ys = [r.importance for r in points]
    x_low, x_high = min(xs), max(xs)
    y_low, y_high = min(ys), max(ys)
    x_pad = (x_high - x_low) * 0.1 or 0.5
    y_pad = (y_high - y_low) * 0.1 or 0.5
    x_low, x_high, y_low, y_high = x_low - x_pad, x_high + x_pad, y_low - y_pad, y_high + y_pad
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return {
        "width": W,
        "height": H,
        "pad": PAD,
        "right": W - PAD,
        "bottom": H - PAD,
        "split_x": round(_scale(mx, x_low, x_high, PAD, W - PAD), 1),
        "split_y": round(_scale(my, y_low, y_high, H - PAD, PAD), 1),
        "points": [
            {
                "x": round(_scale(r.summary.performance, x_low, x_high, PAD, W - PAD), 1),
                "y": round(_scale(r.importance, y_low, y_high, H - PAD, PAD), 1),
                "label": r.name,
                "number": i + 1,
                "quadrant": r.quadrant,
            }
            for i, r in enumerate(points)
        ],
        "labels": {
            "concentrate": _("Concentrate here"),
            "keep_up": _("Keep up the good work"),
            "low_priority": _("Low priority"),
            "overkill": _("Possible overkill"),
        },
    }


def trend_line(trend: Sequence[tuple[str, stats.Estimate]], type_: str) -> dict[str, Any] | None:
    """A line through the monthly values with the 95% band around it."""
    shown = [(m, e) for m, e in trend if e.value is not None]
    if len(shown) < 2:
        return None
    ranges: dict[str, tuple[float, float]] = {
        QuestionType.NPS: (-100.0, 100.0),
        QuestionType.CSAT: (0.0, 100.0),
        QuestionType.CES: (1.0, 7.0),
        QuestionType.RATING: (1.0, 5.0),
    }
    low, high = ranges.get(type_, (0.0, 100.0))
    width, height, pad = 320, 120, 16
    step = (width - 2 * pad) / (len(shown) - 1)

    def y(v: float) -> float:
        return round(_scale(max(low, min(high, v)), low, high, height - pad, pad), 1)

    line = [(round(pad + i * step, 1), y(e.value or 0)) for i, (_m, e) in enumerate(shown)]
    upper = [
        (round(pad + i * step, 1), y(e.high if e.high is not None else e.value or 0))
        for i, (_m, e) in enumerate(shown)
    ]
    lower = [
        (round(pad + i * step, 1), y(e.low if e.low is not None else e.value or 0))
        for i, (_m, e) in enumerate(shown)
    ]
    band = upper + list(reversed(lower))
    return {
        "width": width,
        "height": height,
        "line": " ".join(f"{x},{yy}" for x, yy in line),
        "band": " ".join(f"{x},{yy}" for x, yy in band),
        "dots": [{"x": x, "y": yy} for x, yy in line],
        "first": shown[0][0],
        "last": shown[-1][0],
    }


def sparkline(values: Sequence[float | None]) -> str:
    """Polyline points of a small trend (gaps skipped), scaled to 100 × 24."""
    present = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(present) < 2:
        return ""
    low = min(v for _i, v in present)
    high = max(v for _i, v in present)
    n = max(len(values) - 1, 1)
    return " ".join(
        f"{round(i / n * 100, 1)},{round(_scale(v, low, high, 22, 2), 1)}" for i, v in present
    )
