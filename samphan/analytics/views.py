"""The analytics page: RFM segments, CLV, model card, churn, cohorts, repeat rate, CAC."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from samphan.analytics import clustering, selectors
from samphan.analytics.forms import MarketingSpendForm
from samphan.analytics.models import ModelRun, RfmSegment
from samphan.analytics.personas import persona
from samphan.analytics.services import marketing_spend_add, metrics_recompute_request
from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.money import format_baht, format_baht_range, satang_to_baht
from samphan.core.roles import Perm
from samphan.core.thai.dates import format_month
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.customers.models import Customer


def _warning_text(code: str) -> str:
    """The model card's warnings in the user's language (the library's sentences are English)."""
    texts = {
        "few_repeat_customers": _(
            "Too few customers have bought more than once, so the predictions rest on too "
            "little evidence. Treat the predicted values as rough guesses."
        ),
        "no_churn": _(
            "No customer has dropped out in this data yet, so the model reduces to a simpler "
            "one (purchases at a steady rate); the likelihood of still being a customer is "
            "close to %(share)s for everyone."
        )
        % {"share": "100%"},
        "fit_not_converged": _(
            "The model could not be fitted properly to your data. Do not rely on the "
            "predicted values."
        ),
        "infinite_mean_order_value": _(
            "Order values vary too much between customers to predict a typical order value; "
            "each customer's own average is used instead."
        ),
        "frequency_monetary_correlation": _(
            "Customers who buy more often also spend more (or less) per order; the order-value "
            "model assumes they don't, so expected order values are biased."
        ),
        "holdout_error": _(
            "In the check against the last 90 days, the model was far off from what customers "
            "actually bought."
        ),
    }
    return texts.get(code, _("The model reported a problem (%(code)s).") % {"code": code})


def _skip_text(reason: str) -> str:
    if reason == "history_too_short":
        return _("The check needs at least 180 days of sales history.")
    if reason == "few_repeat_customers":
        return _("Too few customers bought twice before the last 90 days to run the check.")
    if reason == "no_holdout_purchases":
        return _("Nobody bought in the last 90 days, so there is nothing to check against.")
    return _("The check could not be run.")


def _month_label(year: int, month: int, actor: Actor) -> str:
    return format_month(year, month, language=translation.get_language() or "th")


def _baht(satang: int | None) -> float:
    return float(satang_to_baht(satang))


def _context(actor: Actor, spend_form: MarketingSpendForm | None = None) -> dict[str, Any]:
    workspace = actor.workspace
    run = selectors.latest_run(workspace=workspace)
    done = selectors.latest_done_run(workspace=workspace)
    charts: dict[str, Any] = {}
    context: dict[str, Any] = {
        "run": run,
        "done_run": done,
        "running": run is not None and run.status == ModelRun.Status.RUNNING,
        "spend_form": spend_form or MarketingSpendForm(workspace=workspace),
        "spends": selectors.marketing_spend_list(workspace=workspace, limit=24),
        "charts": charts,
    }
    if done is None:
        return context

    card = done.model_card or {}
    calibration = done.calibration or {}
    context["card"] = card
    context["trustworthy"] = bool(card.get("trustworthy"))
    context["warnings"] = [_warning_text(w.get("code", "")) for w in card.get("warnings", [])]
    context["calibration"] = calibration
    if calibration.get("skipped"):
        context["calibration_skipped"] = _skip_text(calibration.get("reason", ""))
    elif calibration.get("chart"):
        chart = calibration["chart"]
        charts["calibration"] = {
            "type": "bar",
            "labels": chart["labels"],
            "datasets": [
                {"label": _("Actual"), "data": chart["actual"]},
                {"label": _("Predicted"), "data": chart["predicted"]},
            ],
            "xTitle": _("Repeat purchases before the check period"),
            "yTitle": _("Purchases per customer in the last 90 days"),
        }
        error = calibration.get("total_relative_error")
        context["calibration_error_percent"] = None if error is None else round(error * 100, 1)

    grid = selectors.rfm_grid(workspace=workspace)
    context["grid"] = grid
    top = grid.max_cell or 1
    context["grid_rows"] = [
        (r, [(count, round(count / top, 2)) for count in grid.cells[r - 1]])
        for r in (5, 4, 3, 2, 1)
    ]
    charts["segments"] = {
        "type": "bar",
        "horizontal": True,
        "labels": [s.label for s in grid.segments],
        "datasets": [{"label": _("Customers"), "data": [s.customers for s in grid.segments]}],
        "whole": True,
    }

    buckets = selectors.clv_distribution(workspace=workspace)
    context["buckets"] = buckets
    charts["clv"] = {
        "type": "bar",
        "labels": [
            format_baht_range(b.low_satang, b.high_satang, decimals=False)
            if b.high_satang is not None
            else f"{format_baht(b.low_satang, decimals=False)}+"
            for b in buckets
        ],
        "datasets": [{"label": _("Customers"), "data": [b.customers for b in buckets]}],
        "whole": True,
    }
    context["top"] = selectors.top_customers(workspace=workspace, limit=20)
    context["churn"] = selectors.churn_risk(workspace=workspace, limit=30)

    report = selectors.cohorts(workspace=workspace, months=12)
    context["cohort_rows"] = [
        (
            _month_label(c.year, c.month, actor),
            c.size,
            [(round(v * 100, 1), round(v, 2)) for v in c.retention[1:]],
        )
        for c in report.cohorts
    ]
    context["cohort_offsets"] = list(range(1, report.months))
    trend = report.repeat_trend
    charts["repeat"] = {
        "type": "line",
        "labels": [_month_label(m.year, m.month, actor) for m in trend],
        "datasets": [
            {
                "label": _("Repeat-purchase rate (%)"),
                "data": [None if m.rate is None else round(m.rate * 100, 1) for m in trend],
            }
        ],
        "percent": True,
    }
    gaps = selectors.purchase_gaps(workspace=workspace)
    context["gaps"] = gaps
    if gaps and gaps.get("histogram"):
        charts["gaps"] = {
            "type": "bar",
            "labels": [h["label"] for h in gaps["histogram"]],
            "datasets": [
                {
                    "label": _("Gaps between purchases"),
                    "data": [h["count"] for h in gaps["histogram"]],
                }
            ],
            "xTitle": _("Days"),
            "whole": True,
        }
    cac = selectors.cac_by_channel(workspace=workspace, months=12)
    context["cac"] = cac
    if any(c.cac_satang for c in cac):
        charts["cac"] = {
            "type": "bar",
            "labels": [c.channel for c in cac],
            "datasets": [
                {"label": _("CAC (฿)"), "data": [_baht(c.cac_satang) for c in cac]},
                {
                    "label": _("Average predicted CLV, 12 months (฿)"),
                    "data": [_baht(c.avg_clv_12m_satang) for c in cac],
                },
            ],
            "money": True,
        }
    return context


@member_required(Perm.ANALYTICS_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    return render(request, "analytics/index.html", _context(actor))


@member_required(Perm.ANALYTICS_VIEW)
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    try:
        metrics_recompute_request(actor=actor)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Recompute started. The figures below update when it finishes."),
        )
    return redirect("analytics:index")


@member_required(Perm.ANALYTICS_VIEW)
@require_http_methods(["POST"])
def spend_add(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    form = MarketingSpendForm(request.POST, workspace=actor.workspace)
    if form.is_valid():
        data = form.cleaned_data
        try:
            marketing_spend_add(
                actor=actor,
                channel_id=data["channel"].pk,
                month=data["month"],
                amount_baht=data["amount"],
                campaign=data["campaign"],
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Marketing spend saved."))
            return redirect("analytics:index")
    return render(request, "analytics/index.html", _context(actor, form), status=400)


# --- suggested segments (clustering) and persona cards (6W1H) -----------------------------------

FEATURE_LABELS = {
    "recency_days": gettext_lazy("Days since last purchase"),
    "frequency": gettext_lazy("Repeat purchases"),
    "monetary_baht": gettext_lazy("Average order (฿)"),
    "total_baht": gettext_lazy("Total spent (฿)"),
    "p_alive": gettext_lazy("Likely still a customer"),
    "promo_share": gettext_lazy("Share of orders on promotion"),
}


def _range_text(name: str, low: float, high: float) -> str:
    """A feature's range as people read it: ``฿830–฿2,188``, ``12–90 days``, ``66%–91%``."""
    if name in ("monetary_baht", "total_baht"):
        return format_baht_range(round(low * 100), round(high * 100))
    if name in ("p_alive", "promo_share"):
        low_pct, high_pct = round(low * 100), round(high * 100)
        return f"{low_pct}%" if low_pct == high_pct else f"{low_pct}%–{high_pct}%"
    low_n, high_n = round(low), round(high)
    span = f"{low_n:,}" if low_n == high_n else f"{low_n:,}–{high_n:,}"
    if name == "recency_days":
        return ngettext("%(span)s day", "%(span)s days", high_n) % {"span": span}
    return span


@member_required(Perm.ANALYTICS_VIEW)
def suggestions(request: HttpRequest) -> HttpResponse:
    """The suggested segments. Saving one, its live count and "open in builder" belong to the
    segments app (which sits above analytics); the template links to them by URL name."""
    actor = current_actor(request)
    language = translation.get_language()
    found = clustering.workspace_suggestions(actor=actor)
    names = list(found[0].centroid) if found else []
    rows = [
        {
            "index": s.index,
            "size": s.size,
            "percent": round(s.share * 100, 1),
            "explanation": s.explanation(language),
            "centroid": [round(s.centroid[n], 2) for n in names],
            "ranges": [
                (FEATURE_LABELS[n], _range_text(n, low, high))
                for n, (low, high) in s.ranges.items()
            ],
            "rule": json.dumps(s.rule, ensure_ascii=False),
            "key": s.key,
            "precision": round(s.rule_precision * 100),
            "recall": round(s.rule_recall * 100),
        }
        for s in found
    ]
    return render(
        request,
        "analytics/suggestions.html",
        {
            "rows": rows,
            "features": [FEATURE_LABELS[n] for n in names],
            "can_save": actor.can(Perm.SEGMENT_MANAGE),
        },
    )


@member_required(Perm.ANALYTICS_VIEW)
def personas(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    workspace = actor.workspace
    rfm = request.GET.get("rfm", "")
    cluster = request.GET.get("cluster", "")
    customers: QuerySet[Customer] | list[int]
    if rfm:
        if rfm not in RfmSegment.values:
            raise Http404
        title = str(RfmSegment(rfm).label)
        customers = Customer.objects.filter(workspace=workspace, metrics__rfm_segment=rfm)
    elif cluster:
        found = clustering.workspace_suggestions(actor=actor)
        if not cluster.isdigit() or int(cluster) >= len(found):
            raise Http404
        chosen = found[int(cluster)]
        title = _("Suggested group %(n)s: %(text)s") % {
            "n": chosen.index + 1,
            "text": chosen.explanation(translation.get_language()),
        }
        customers = chosen.customer_ids
    else:
        title = _("All customers")
        customers = Customer.objects.filter(workspace=workspace)
    card = persona(workspace=workspace, customers=customers)
    return render(
        request,
        "analytics/persona.html",
        {
            "title": title,
            "card": card,
            "discount_percent": None
            if card.discount_share is None
            else round(card.discount_share * 100, 1),
            "referred_percent": None
            if card.referred_share is None
            else round(card.referred_share * 100, 1),
            "rfm_segments": RfmSegment.choices,
            "rfm": rfm,
            "cluster": cluster,
        },
    )
