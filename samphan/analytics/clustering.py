"""Suggested segments: k-means on standardised behavioural features, each cluster explained.

Features per customer come from the CustomerMetrics snapshot (recency, repeat purchases, average
order value, total spent, P(alive) when the model computed it) plus the share of the customer's
paid orders bought with a promotion (a coupon code or a discount), one grouped query. Skewed
features are log-transformed, all are standardised, and k (3–6) is chosen by the silhouette
score on a sample. Large workspaces are clustered with MiniBatchKMeans on a sample and every
customer is then assigned to the nearest centre. Everything is deterministic for a seed.

Each cluster is explained in plain words (Thai and English) by comparing its centre with the
workspace median in standard deviations, and comes with a representative rule in the segments
rule format, so the owner can save it as a segment. A cluster is a region in six standardised
dimensions and a segment rule is a conjunction of ranges on customer fields, so the rule
approximates the cluster: up to three ranges (last purchase, number of orders, total spent,
P(alive)) are chosen greedily to best match the cluster's members (by F1 score on the buyers),
and the estimated precision and recall travel with the rule so the page can say how close it is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from samphan.analytics.models import CustomerMetrics
from samphan.analytics.selectors import _cached
from samphan.commerce.models import Order
from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Workspace
from samphan.core.roles import Perm

if TYPE_CHECKING:
    from sklearn.cluster import KMeans, MiniBatchKMeans

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
    rule: dict[str, Any]  # a rule tree in the segments format that approximates the cluster
    customer_ids: list[int] = field(repr=False, default_factory=list)
    # How well ``rule`` matches the cluster on the metrics snapshot (0–1): the share of the
    # customers it selects that are in the cluster, and the share of the cluster it selects.
    rule_precision: float = 0.0
    rule_recall: float = 0.0

    def explanation(self, language: str | None) -> str:
        return self.explanation_en if (language or "th").startswith("en") else self.explanation_th

    @property
    def key(self) -> str:
        """A fingerprint of what the page showed: a form that posts it back is refused when a
        recompute has changed the suggestion at that index in the meantime."""
        text = json.dumps([self.index, self.size, self.rule], sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class _Data:
    ids: NDArray[np.int64]
    orders: NDArray[np.float64]
    raw: NDArray[np.float64]  # n × features, original units
    names: list[str]
    logged: list[bool]
    p_alive: NDArray[np.float64]  # NaN where the model gave none (a rule never matches those)


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
    return _Data(ids=ids, orders=orders, raw=raw, names=names, logged=logged, p_alive=p_alive)


def _promo_share(workspace: Workspace, ids: NDArray[np.int64]) -> NDArray[np.float64] | None:
    """Share of each customer's paid orders with a coupon or a discount (None if nobody)."""
    promo = Q(discount_satang__gt=0) | ~Q(coupon_code="")
    rows = (
        Order.objects.paid()
        .filter(workspace=workspace, customer_id__isnull=False)
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
    # scikit-learn takes 2 s to import: only the processes that fit clusters pay for it.
    from sklearn.cluster import KMeans, MiniBatchKMeans

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


# --- the representative rule ------------------------------------------------------------------

RULE_QUANTILES = ((0, 100), (5, 95), (10, 90), (25, 75))  # cut points tried per field
MAX_RULE_FIELDS = 3
MIN_RULE_GAIN = 0.01  # a further condition must raise the F1 score by at least this much
MAX_RULE_DAYS = 36_500  # the segments format's limit for "in the last N days"
HAS_BOUGHT: dict[str, Any] = {"field": "last_purchase", "operator": "is_set", "value": None}
# segment field → the clustering feature it stands for
RULE_FEATURES = {
    "last_purchase": "recency_days",
    "orders_count": "frequency",
    "total_spent": "total_baht",
    "p_alive": "p_alive",
}


@dataclass(frozen=True)
class _Condition:
    items: tuple[dict[str, Any], ...]  # one or two conditions on one segment field
    mask: NDArray[np.bool_]  # which buyers it selects
    buyers_only: bool  # it never selects a customer who has not bought


def _rule_columns(data: _Data, rows: NDArray[np.int64], elapsed_days: int) -> dict[str, Any]:
    """Per segment field, the values a rule on it compares (for the buyers in ``rows``).

    ``recency_days`` was measured at the recompute; a rule runs later ("in the last N days" of
    today), so the days elapsed since are added. ``frequency`` counts repeat purchase days;
    the segment field counts paid orders, which the metrics row also holds."""
    columns: dict[str, Any] = {
        "last_purchase": data.raw[rows, data.names.index("recency_days")] + elapsed_days,
        "orders_count": data.orders[rows],
        "total_spent": data.raw[rows, data.names.index("total_baht")],
    }
    if "p_alive" in data.names:
        columns["p_alive"] = data.p_alive[rows]
    return columns


def _between(
    name: str, values: NDArray[np.float64], low: float | None, high: float | None
) -> _Condition | None:
    """A condition on segment field ``name`` keeping values in [low, high] (either may be
    open), rounded to what the field accepts; None when it would keep every buyer."""
    if name == "last_purchase":
        return _days_condition(values, low, high)
    least: float
    most: float | None
    if name == "orders_count":  # from 1 up, so that no one who never bought is selected
        least = max(math.floor(low), 1) if low is not None else 1
        most = math.ceil(high) if high is not None else None
        return _range_condition(name, values, least, most, floor=0, ceiling=None)
    if name == "total_spent":  # whole baht
        least = max(math.floor(low), 0) if low is not None else 0
        most = math.ceil(high) if high is not None else None
        return _range_condition(name, values, least, most, floor=0, ceiling=None)
    if name == "p_alive":  # 0–1 with two decimals
        least = _clamp(math.floor(low * 100) / 100) if low is not None else 0.0
        most = _clamp(math.ceil(high * 100) / 100) if high is not None else 1.0
        return _range_condition(name, values, least, most, floor=0, ceiling=1)
    raise AssertionError(name)


def _clamp(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def _days_condition(
    values: NDArray[np.float64], low: float | None, high: float | None
) -> _Condition | None:
    """Days since the last purchase in [low, high] as "in the last high + 1 days" and "not in
    the last low − 1 days". The metrics count calendar days to today and a rule counts
    24-hour days back from this moment, so the two differ by less than a day: these bounds
    keep every value in [low, high], and may take in part of the day just outside."""
    items: list[dict[str, Any]] = []
    mask = np.ones(len(values), dtype=bool)
    if high is not None and math.ceil(high) + 1 <= MAX_RULE_DAYS:
        days = math.ceil(high) + 1
        items.append({"field": "last_purchase", "operator": "within_days", "value": days})
        mask &= values <= days - 1
    if low is not None and math.floor(low) - 1 >= 1:
        days = math.floor(low) - 1
        items.append({"field": "last_purchase", "operator": "not_within_days", "value": days})
        mask &= values >= days + 1
    return _Condition(tuple(items), mask, True) if items else None


def _range_condition(
    name: str,
    values: NDArray[np.float64],
    least: float,
    most: float | None,
    *,
    floor: float,
    ceiling: float | None,
) -> _Condition | None:
    """``least`` ≤ value ≤ ``most`` as "at least", "at most", "is" or "between", leaving out a
    bound at the field's floor or ceiling; None when both are left out. A missing value (NaN:
    no P(alive)) never matches, as in a segment rule."""
    most = None if most is None else max(most, least)
    has_low = least > floor
    has_high = most is not None and (ceiling is None or most < ceiling)
    mask = np.isfinite(values)
    if has_low:
        mask &= values >= least
    if has_high and most is not None:
        mask &= values <= most
    if has_low and has_high:
        item: dict[str, Any] = (
            {"field": name, "operator": "eq", "value": least}
            if least == most
            else {"field": name, "operator": "between", "value": [least, most]}
        )
    elif has_low:
        item = {"field": name, "operator": "gte", "value": least}
    elif has_high:
        item = {"field": name, "operator": "lte", "value": most}
    else:
        return None
    # Customers who never bought have no P(alive) and no orders, but a total spent of 0.
    buyers_only = name != "total_spent" or has_low
    return _Condition((item,), mask, buyers_only)


def _candidates(
    name: str, values: NDArray[np.float64], members: NDArray[np.bool_]
) -> list[_Condition]:
    known = values[members]
    known = known[np.isfinite(known)]
    if not known.size:
        return []
    found: list[_Condition] = []
    for low_q, high_q in RULE_QUANTILES:
        low, high = (float(v) for v in np.percentile(known, [low_q, high_q]))
        for bounds in ((low, None), (None, high), (low, high)):
            condition = _between(name, values, *bounds)
            if condition is not None and all(c.items != condition.items for c in found):
                found.append(condition)
    return found


def _f1(selected: NDArray[np.bool_], members: NDArray[np.bool_], size: int) -> float:
    both = int(np.count_nonzero(selected & members))
    return 2 * both / (int(np.count_nonzero(selected)) + size) if both else 0.0


def _representative_rule(
    columns: dict[str, Any], members: NDArray[np.bool_], zscores: dict[str, float]
) -> tuple[dict[str, Any], float, float]:
    """A rule tree approximating the cluster ``members`` (a mask over the buyers in
    ``columns``), with its precision and recall on them. Greedy: start from every buyer, add
    the range on a new field that raises the F1 score most, stop at three fields or when no
    range helps by ``MIN_RULE_GAIN``. On a tie the field of the cluster's most distinctive
    feature wins, so the rule reads like the explanation."""
    size = int(np.count_nonzero(members))
    order = sorted(
        columns,
        key=lambda name: (
            RULE_FEATURES[name] in SECONDARY,  # as in the explanation: RFM fields first
            -abs(zscores.get(RULE_FEATURES[name], 0.0)),
        ),
    )
    options = {name: _candidates(name, columns[name], members) for name in order}
    chosen: list[_Condition] = []
    used: set[str] = set()
    selected = np.ones(len(members), dtype=bool)
    score = _f1(selected, members, size)
    while len(chosen) < MAX_RULE_FIELDS:
        best: tuple[float, str, _Condition] | None = None
        for name, conditions in options.items():
            if name in used:
                continue
            for condition in conditions:
                value = _f1(selected & condition.mask, members, size)
                if best is None or value > best[0] + 1e-12:
                    best = (value, name, condition)
        if best is None or best[0] < score + MIN_RULE_GAIN:
            break
        score, name, condition = best
        chosen.append(condition)
        used.add(name)
        selected &= condition.mask
    items = [dict(item) for condition in chosen for item in condition.items]
    if not any(condition.buyers_only for condition in chosen):
        # The clustering only saw buyers; the segment must not take in everyone else.
        items.insert(0, dict(HAS_BOUGHT))
    both = int(np.count_nonzero(selected & members))
    picked = int(np.count_nonzero(selected))
    precision = both / picked if picked else 0.0
    recall = both / size if size else 0.0
    return {"op": "and", "items": items}, round(precision, 3), round(recall, 3)


def _elapsed_days(workspace: Workspace, now: dt.datetime | None) -> int:
    """Whole days since the metrics snapshot was computed."""
    computed = CustomerMetrics.objects.filter(workspace=workspace).aggregate(at=Max("computed_at"))
    if computed["at"] is None:
        return 0
    return max(0, ((now or timezone.now()) - computed["at"]).days)


def suggest_segments(
    *,
    workspace: Workspace,
    k: int | None = None,
    sample: int = 50_000,
    seed: int = 0,
    now: dt.datetime | None = None,
) -> list[Suggestion]:
    """Clusters of the workspace's buyers, largest total spend first (empty if too few).
    ``now`` is when the rules will run (for "bought in the last N days"; default: now)."""
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

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

    # Rules are fitted on the same rows the clustering was (a sample in large workspaces).
    columns = _rule_columns(data, fit_rows, _elapsed_days(workspace, now))
    fit_labels = labels[fit_rows]
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
        for name in by_weight[:2]:
            j = data.names.index(name)
            low, high = (float(v) for v in np.percentile(raw[:, j], [10, 90]))
            ranges[name] = (low, high)
        rule, precision, recall = _representative_rule(columns, fit_labels == c, z)
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
                rule=rule,
                customer_ids=[int(i) for i in data.ids[members]],
                rule_precision=precision,
                rule_recall=recall,
            )
        )
    return suggestions


# --- reading the suggestions --------------------------------------------------------------------


def workspace_suggestions(*, actor: Actor) -> list[Suggestion]:
    """The workspace's suggestions, kept per finished recompute (k-means takes seconds on a
    large shop, and the page, its counts and the "save" button must see the same list)."""
    require(actor, Perm.ANALYTICS_VIEW)
    workspace = actor.workspace
    return _cached(
        workspace=workspace,
        name="suggestions:v2",
        now=None,
        compute=lambda: suggest_segments(workspace=workspace),
    )


def suggestion_get(*, actor: Actor, index: int, key: str = "") -> Suggestion:
    """One suggestion of the actor's workspace. ``key`` (the one the page showed) guards
    against a recompute having replaced the list since: a different suggestion is refused."""
    found = workspace_suggestions(actor=actor)
    if not 0 <= index < len(found):
        raise NotFound("suggestion_not_found", _("Suggested segment not found."))
    suggestion = found[index]
    if key and key != suggestion.key:
        raise ApplicationError(
            "suggestion_changed",
            _(
                "The suggested segments have changed since the page was opened (the analytics "
                "were recomputed). Check the suggestion again."
            ),
            {"field": "key"},
            status=409,
        )
    return suggestion
