"""Suggested segments: k-means on standardised behavioural features, each cluster explained.

Features per customer come from the CustomerMetrics snapshot (recency, repeat purchases, average
order value, total spent, P(alive) when the model computed it) plus the share of the customer's
paid orders bought with a promotion (a coupon code or a discount), one grouped query. Skewed
features are log-transformed, all are standardised, and k (3–6) is chosen by the silhouette
score on a sample. Large workspaces are clustered with MiniBatchKMeans on a sample and every
customer is then assigned to the nearest centre. Everything is deterministic for a seed.

Each cluster is explained in plain words (Thai and English) by comparing its centre with the
workspace median in standard deviations, and comes with a representative rule in the segments
rule format (10th–90th percentile ranges of its two most distinctive features that a segment
rule can express), so the owner can save it as a segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Q
from numpy.typing import NDArray
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from samphan.analytics.models import CustomerMetrics
from samphan.commerce.models import Order, OrderStatus
from samphan.core.models import Workspace

MIN_CUSTOMERS = 12  # fewer buyers than this: no suggestions
K_RANGE = (3, 4, 5, 6)
SILHOUETTE_SAMPLE = 3_000
Z_THRESHOLD = 0.5  # a centre this many standard deviations from the median is "different"
MAX_PHRASES = 3
SECONDARY = ("total_baht", "p_alive")

# feature key, log-transformed?
FEATURES: tuple[tuple[str, bool], ...] = (
    ("recency_days", True),
    ("frequency", True),
    ("monetary_baht", True),
    ("total_baht", True),
    ("p_alive", False),
    ("promo_share", False),
)

# (feature, direction) → (Thai, English); direction +1 means above the median.
PHRASES: dict[tuple[str, int], tuple[str, str]] = {
    ("recency_days", -1): ("ซื้อล่าสุดไม่นาน", "bought recently"),
    ("recency_days", 1): ("ไม่ได้ซื้อมานาน", "not bought for a long time"),
    ("frequency", 1): ("ซื้อบ่อย", "frequent"),
    ("frequency", -1): ("ซื้อนาน ๆ ครั้ง", "rarely buys again"),
    ("monetary_baht", 1): ("ยอดต่อบิลสูง", "high basket"),
    ("monetary_baht", -1): ("ยอดต่อบิลต่ำ", "small basket"),
    ("total_baht", 1): ("ยอดซื้อรวมสูง", "high total spend"),
    ("total_baht", -1): ("ยอดซื้อรวมต่ำ", "low total spend"),
    ("p_alive", 1): ("น่าจะยังซื้อต่อ", "likely to stay"),
    ("p_alive", -1): ("อาจเลิกซื้อแล้ว", "may have left"),
    ("promo_share", 1): ("ชอบซื้อตอนมีโปรโมชั่น", "buys on promotion"),
    ("promo_share", -1): ("ไม่ค่อยใช้โปรโมชั่น", "seldom uses promotions"),
}
TYPICAL = ("ลูกค้าทั่วไป", "typical customers")


@dataclass
class Suggestion:
    index: int
    size: int
    share: float
    centroid: dict[str, float]  # original units (baht, days, counts, shares)
    zscores: dict[str, float]  # centre vs. workspace median, in standard deviations
    explanation_th: str
    explanation_en: str
    ranges: dict[str, tuple[float, float]]  # 10th–90th percentile of the two top features
    rule: dict[str, Any]  # the segments rule format; empty items when nothing maps
    customer_ids: list[int] = field(repr=False, default_factory=list)

    def explanation(self, language: str | None) -> str:
        return self.explanation_en if (language or "th").startswith("en") else self.explanation_th


@dataclass
class _Data:
    ids: NDArray[np.int64]
    orders: NDArray[np.float64]
    raw: NDArray[np.float64]  # n × features, original units
    names: list[str]
    logged: list[bool]


def _load(workspace: Workspace) -> _Data | None:
    rows = list(
        CustomerMetrics.objects.filter(
            workspace=workspace,
            recency_days__isnull=False,
            customer__merged_into__isnull=True,
        )
        .order_by("customer_id")
        .values_list(
            "customer_id",
            "recency_days",
            "frequency",
            "monetary_satang",
            "total_satang",
            "p_alive",
            "orders",
        )
    )
    if len(rows) < MIN_CUSTOMERS:
        return None
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    p_alive = np.array([np.nan if r[5] is None else r[5] for r in rows], dtype=np.float64)
    columns: dict[str, NDArray[np.float64]] = {
        "recency_days": np.array([r[1] for r in rows], dtype=np.float64),
        "frequency": np.array([r[2] for r in rows], dtype=np.float64),
        "monetary_baht": np.array([r[3] for r in rows], dtype=np.float64) / 100,
        "total_baht": np.array([r[4] for r in rows], dtype=np.float64) / 100,
    }
    if np.isfinite(p_alive).any():
        columns["p_alive"] = np.where(np.isfinite(p_alive), p_alive, np.nanmedian(p_alive))
    promo = _promo_share(workspace, ids)
    if promo is not None:
        columns["promo_share"] = promo
    names = [name for name, _log in FEATURES if name in columns]
    logged = [log for name, log in FEATURES if name in columns]
    raw = np.column_stack([columns[name] for name in names])
    orders = np.array([r[6] for r in rows], dtype=np.float64)
    return _Data(ids=ids, orders=orders, raw=raw, names=names, logged=logged)


def _promo_share(workspace: Workspace, ids: NDArray[np.int64]) -> NDArray[np.float64] | None:
    """Share of each customer's paid orders with a coupon or a discount (None if nobody)."""
    promo = Q(discount_satang__gt=0) | ~Q(coupon_code="")
    rows = (
        Order.objects.filter(
            workspace=workspace, status=OrderStatus.PAID, customer_id__isnull=False
        )
        .values("customer_id")
        .annotate(n=Count("id"), p=Count("id", filter=promo))
        .filter(p__gt=0)
        .values_list("customer_id", "n", "p")
    )
    shares = {cid: p / n for cid, n, p in rows if n}
    if not shares:
        return None
    return np.array([shares.get(int(cid), 0.0) for cid in ids], dtype=np.float64)


def _transform(data: _Data) -> NDArray[np.float64]:
    x = data.raw.copy()
    for j, log in enumerate(data.logged):
        if log:
            x[:, j] = np.log1p(np.clip(x[:, j], 0, None))
    return x


def _fit(x: NDArray[np.float64], *, k: int, seed: int, large: bool) -> KMeans | MiniBatchKMeans:
    if large:
        return MiniBatchKMeans(n_clusters=k, n_init=3, random_state=seed, batch_size=2048).fit(x)
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit(x)


def _explain(z: dict[str, float]) -> tuple[str, str]:
    # The RFM-style features speak first; total spend and P(alive) follow from them, so they
    # only fill the remaining places.
    ranked = sorted(
        ((name, value) for name, value in z.items() if abs(value) >= Z_THRESHOLD),
        key=lambda item: (item[0] in SECONDARY, -abs(item[1])),
    )
    phrases = [PHRASES[(name, 1 if value > 0 else -1)] for name, value in ranked]
    phrases = phrases[:MAX_PHRASES]
    if not phrases:
        return TYPICAL
    return " ".join(p[0] for p in phrases), ", ".join(p[1] for p in phrases)


def _rule_item(name: str, low: float, high: float) -> dict[str, Any] | None:
    """One condition in the segments rule format for a feature that a rule can express."""
    if name == "frequency":  # repeat purchases = orders − 1 (per purchase day)
        return {
            "field": "orders_count",
            "operator": "between",
            "value": [int(np.floor(low)) + 1, int(np.ceil(high)) + 1],
        }
    if name == "total_baht":
        return {
            "field": "total_spent",
            "operator": "between",
            "value": [int(np.floor(low)), int(np.ceil(high))],
        }
    if name == "p_alive":
        return {
            "field": "p_alive",
            "operator": "between",
            "value": [round(float(low), 2), round(float(high), 2)],
        }
    if name == "recency_days":
        return {"field": "last_purchase", "operator": "within_days", "value": int(np.ceil(high))}
    return None


def suggest_segments(
    *, workspace: Workspace, k: int | None = None, sample: int = 50_000, seed: int = 0
) -> list[Suggestion]:
    """Clusters of the workspace's buyers, largest total spend first (empty if too few)."""
    data = _load(workspace)
    if data is None:
        return []
    x = _transform(data)
    scaler = StandardScaler().fit(x)
    z_all = scaler.transform(x)
    # constant columns (all zero spread) carry no information
    z_all = np.nan_to_num(z_all)
    n = len(data.ids)
    rng = np.random.default_rng(seed)
    large = n > sample
    fit_rows = np.sort(rng.choice(n, size=sample, replace=False)) if large else np.arange(n)
    z_fit = z_all[fit_rows]
    candidates = [k] if k is not None else [c for c in K_RANGE if c < len(np.unique(z_fit, axis=0))]
    if not candidates:
        return []
    best: KMeans | MiniBatchKMeans | None = None
    best_score = -np.inf
    for c in candidates:
        model = _fit(z_fit, k=c, seed=seed, large=large)
        if len(candidates) == 1:
            best = model
            break
        labels = model.labels_
        if len(np.unique(labels)) < 2:
            continue
        score = float(
            silhouette_score(
                z_fit, labels, sample_size=min(len(z_fit), SILHOUETTE_SAMPLE), random_state=seed
            )
        )
        if score > best_score + 1e-9:
            best, best_score = model, score
    if best is None:
        return []
    labels = best.predict(z_all) if large else best.labels_
    median_z = np.median(z_all, axis=0)
    totals_col = data.names.index("total_baht")

    clusters = [c for c in range(best.n_clusters) if np.any(labels == c)]
    clusters.sort(key=lambda c: (-float(np.mean(data.raw[labels == c, totals_col])), c))
    suggestions: list[Suggestion] = []
    for index, c in enumerate(clusters):
        members = labels == c
        raw = data.raw[members]
        centre_z = z_all[members].mean(axis=0)
        z = {name: round(float(centre_z[j] - median_z[j]), 2) for j, name in enumerate(data.names)}
        centroid = {name: float(np.mean(raw[:, j])) for j, name in enumerate(data.names)}
        th, en = _explain(z)
        by_weight = sorted(data.names, key=lambda name: -abs(z[name]))
        ranges: dict[str, tuple[float, float]] = {}
        items: list[dict[str, Any]] = []
        for name in by_weight:
            j = data.names.index(name)
            low, high = (float(v) for v in np.percentile(raw[:, j], [10, 90]))
            if len(ranges) < 2:
                ranges[name] = (low, high)
            item = _rule_item(name, low, high)
            if item is not None and len(items) < 2:
                items.append(item)
        suggestions.append(
            Suggestion(
                index=index,
                size=int(members.sum()),
                share=float(members.mean()),
                centroid=centroid,
                zscores=z,
                explanation_th=th,
                explanation_en=en,
                ranges=ranges,
                rule={"op": "and", "items": items},
                customer_ids=[int(i) for i in data.ids[members]],
            )
        )
    return suggestions
