"""Analytics writes: marketing spend for CAC, and asking for a recompute."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.analytics.kpis import workspace_tz
from samphan.analytics.models import MarketingSpend, ModelRun
from samphan.commerce.models import SalesChannel
from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.money import baht_to_satang
from samphan.core.roles import Perm

MAX_SPEND_SATANG = 100_000_000_000  # ฿1,000 million in one month and channel: a typo above
RUNNING_GRACE = dt.timedelta(minutes=15)  # a run still "running" after this is presumed dead


def _month(value: dt.date | str, *, today: dt.date) -> dt.date:
    if isinstance(value, str):
        try:
            parsed = dt.date.fromisoformat(value.strip()[:7] + "-01")
        except ValueError:
            raise ApplicationError(
                "invalid_month", _("Enter a month as YYYY-MM."), {"field": "month"}
            ) from None
    else:
        parsed = value
    month = parsed.replace(day=1)
    if month > today.replace(day=1):
        raise ApplicationError(
            "future_month", _("Spend can only be entered for past months."), {"field": "month"}
        )
    if month.year < 2000:
        raise ApplicationError("invalid_month", _("Enter a month as YYYY-MM."), {"field": "month"})
    return month


def _amount_satang(amount_baht: Decimal | int | str) -> int:
    try:
        satang = baht_to_satang(amount_baht)
    except (InvalidOperation, ValueError):
        raise ApplicationError(
            "invalid_amount", _("Enter an amount in baht."), {"field": "amount"}
        ) from None
    if satang <= 0:
        raise ApplicationError(
            "invalid_amount", _("The amount must be more than zero."), {"field": "amount"}
        )
    if satang > MAX_SPEND_SATANG:
        raise ApplicationError(
            "invalid_amount", _("The amount is too large for one month."), {"field": "amount"}
        )
    return satang


def marketing_spend_add(
    *,
    actor: Actor,
    channel_id: int,
    month: dt.date | str,
    amount_baht: Decimal | int | str,
    campaign: str = "",
) -> MarketingSpend:
    """Record money spent on one channel (and optionally one campaign) in one month.

    ``month`` is a date (any day: the first of its month is stored) or ``"YYYY-MM"``; future
    months are refused. Owners, managers and marketers may enter spend (``ANALYTICS_VIEW``:
    the people who read CAC are the ones who know what was spent).
    """
    require(actor, Perm.ANALYTICS_VIEW)
    channel = SalesChannel.objects.filter(workspace=actor.workspace, pk=channel_id).first()
    if channel is None:
        raise NotFound("channel_not_found", _("Sales channel not found."), {"field": "channel"})
    today = timezone.now().astimezone(workspace_tz(actor.workspace)).date()
    return MarketingSpend.objects.create(
        workspace=actor.workspace,
        channel=channel,
        campaign=campaign.strip()[:120],
        month=_month(month, today=today),
        amount_satang=_amount_satang(amount_baht),
        created_by=actor.user,
    )


def metrics_recompute_request(*, actor: Actor) -> None:
    """Queue a recompute of the actor's workspace ("Recompute now").

    With a broker the Celery worker runs it; in the embedded (eager) mode it runs inline right
    after the request's transaction commits. Refused while a recent run is still running.
    """
    require(actor, Perm.ANALYTICS_VIEW)
    workspace = actor.workspace
    busy = ModelRun.objects.filter(
        workspace=workspace,
        status=ModelRun.Status.RUNNING,
        started_at__gte=timezone.now() - RUNNING_GRACE,
    ).exists()
    if busy:
        raise ApplicationError(
            "recompute_running", _("A recompute is already running. Try again in a few minutes.")
        )
    from samphan.analytics.tasks import metrics_recompute_task

    transaction.on_commit(lambda: metrics_recompute_task.delay(workspace.pk))
