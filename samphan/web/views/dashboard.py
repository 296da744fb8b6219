"""The home page: the shop's headline figures."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext

from samphan.analytics.dashboard import dashboard_figures
from samphan.core.display import money_decimals
from samphan.core.money import satang_to_baht
from samphan.core.roles import Perm
from samphan.core.thai.dates import format_month
from samphan.core.web import current_actor, member_required


@member_required(Perm.DASHBOARD_VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    workspace = actor.workspace
    kpis = dashboard_figures(workspace=workspace)
    language = translation.get_language() or "th"
    labels = [format_month(m.year, m.month, language=language) for m in kpis.revenue_by_month]
    chart = {
        "labels": labels,
        "values": [float(satang_to_baht(m.revenue_satang)) for m in kpis.revenue_by_month],
        "currency": "฿",
        # The tooltip shows amounts as the rest of the page does (the shop's choice).
        "decimals": 2 if money_decimals() else 0,
        "label": gettext("Revenue (paid orders)"),
    }
    repeat_rate = kpis.customers.repeat_rate
    return render(
        request,
        "web/dashboard.html",
        {
            "kpis": kpis,
            "repeat_rate_percent": None if repeat_rate is None else round(repeat_rate * 100, 1),
            "chart": chart,
            "chart_rows": list(zip(labels, kpis.revenue_by_month, strict=True)),
            "can_manage_keys": actor.can(Perm.APIKEY_MANAGE),
        },
    )
