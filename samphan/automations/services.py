"""Writes of automations: journeys (from a recipe or by hand), runs started by triggers, and
due runs carried out through the other apps' services (a LINE message through messaging, a
tag and a follow-up task through customers).

How a run never repeats or skips an action: a due run is claimed with one conditional UPDATE
(waiting → running); a tag and a follow-up are written in one transaction with their log row,
so a repeat finds the log and skips them; a LINE message is pushed with a retry key derived
from the run, so a repeat after a crash is one message. A run whose worker died (claimed more
than ``LEASE`` ago) is handed out again."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samphan.automations.models import SWEPT, Journey, JourneyLog, JourneyRun, RunStatus, Trigger
from samphan.automations.recipes import recipes
from samphan.commerce.models import PAID_STATUS, Order, ProductCategory
from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm, Role
from samphan.customers.interaction_services import followup_create
from samphan.customers.models import ConsentPurpose, Customer
from samphan.customers.selectors import consent_granted
from samphan.customers.services.tags import tag_set
from samphan.loyalty.coupons.models import CouponCampaign
from samphan.messaging.campaigns import rules_of
from samphan.messaging.channels.line import Text
from samphan.messaging.personal import personal_values
from samphan.messaging.quiet import next_allowed
from samphan.messaging.services import line_send_to_customer
from samphan.messaging.templating import template_parse

logger = logging.getLogger(__name__)
NAME_MAX = 120
MESSAGE_MAX = 2000
WAIT_MAX = 90 * 24 * 60  # 90 days
JOURNEYS_MAX = 50
DAYS_MAX = 3650
BIRTHDAY_AHEAD_MAX = 60
DUE_BATCH = 200
LEASE = dt.timedelta(minutes=10)
SWEEP_CHUNK = 1000
LAPSE_GRACE = dt.timedelta(days=7)
ALIVE_LOOKBACK = dt.timedelta(days=365)
OPEN = (RunStatus.WAITING, RunStatus.RUNNING)
_KEYS = uuid.UUID("1b3f5e0c-8a7d-4c52-9e61-0d2b4f6a8c93")


class AutomationActor(Actor):
    """The shop's journeys acting on their own; named "automation" on what they write."""

    @property
    def label(self) -> str:
        return "automation"


def _invalid(code: str, message: str, field: str) -> ApplicationError:
    return ApplicationError(code, message, {"field": field}, status=422)


def _clean(fields: dict[str, object], *, partial: bool) -> dict[str, object]:
    out: dict[str, object] = {}
    if not partial or "name" in fields:
        name = " ".join(str(fields.get("name") or "").split())
        if not name or len(name) > NAME_MAX:
            raise _invalid(
                "invalid_name", _("Give the journey a name (at most 120 characters)."), "name"
            )
        out["name"] = name
    if not partial or "trigger" in fields:
        trigger = fields.get("trigger")
        if trigger not in Trigger.values:
            raise _invalid(
                "invalid_trigger",
                _("Choose a trigger: %(choices)s.") % {"choices": ", ".join(Trigger.values)},
                "trigger",
            )
        out["trigger"] = trigger
    if "wait_minutes" in fields:
        wait = fields["wait_minutes"]
        if isinstance(wait, bool) or not isinstance(wait, int) or not 0 <= wait <= WAIT_MAX:
            raise _invalid("invalid_wait", _("Wait from 0 minutes to 90 days."), "wait_minutes")
        out["wait_minutes"] = wait
    if "message" in fields:
        message = str(fields.get("message") or "").strip()
        if len(message) > MESSAGE_MAX:
            raise _invalid("too_long", _("The message is at most 2,000 characters."), "message")
        if message:
            template_parse(message, field="message")  # an unknown field is named now
        out["message"] = message
    for key in ("tag", "untag"):  # one tag to add, one to remove
        if key in fields:
            tag = " ".join(str(fields.get(key) or "").split())
            if len(tag) > 50 or "," in tag:
                raise _invalid("invalid_tag", _("One tag, at most 50 characters."), key)
            out[key] = tag
    if "follow_up" in fields:
        task = " ".join(str(fields.get("follow_up") or "").split())
        if len(task) > 200:
            raise _invalid("too_long", _("The task is at most 200 characters."), "follow_up")
        out["follow_up"] = task
    if "is_active" in fields:
        out["is_active"] = bool(fields["is_active"])
    if "stop_if_purchased" in fields:
        out["stop_if_purchased"] = bool(fields["stop_if_purchased"])
    out.update(_clean_setting(fields))
    return out


def _clean_setting(fields: dict[str, object]) -> dict[str, object]:
    """The trigger's setting and the coupon, as given (checked against the trigger later)."""
    out: dict[str, object] = {}
    if "days" in fields:
        days = fields["days"]
        if days is not None and (
            isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= DAYS_MAX
        ):
            raise _invalid("invalid_days", _("Days from 0 to 3,650."), "days")
        out["days"] = days
    if "threshold" in fields:
        threshold = fields["threshold"]
        if threshold is not None and (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not 0 < threshold < 1
        ):
            raise _invalid(
                "invalid_threshold", _("A threshold between 0 and 1, e.g. 0.3."), "threshold"
            )
        out["threshold"] = None if threshold is None else float(threshold)
    if "match" in fields:
        match = " ".join(str(fields.get("match") or "").split())
        if len(match) > 100:
            raise _invalid("too_long", _("At most 100 characters."), "match")
        out["match"] = match
    for key in ("category_id", "coupon_campaign_id", "after_id"):
        if key in fields:
            value = fields[key]
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise _invalid("invalid_id", _("An id is a whole number."), key)
            out[key] = value
    return out


def _check(journey: Journey) -> None:
    """What the journey's trigger needs, in this workspace, and something to do."""
    needs: dict[str, tuple[str, str]] = {
        Trigger.CATEGORY_PURCHASE: ("category_id", _("Choose the category.")),
        Trigger.NO_PURCHASE: ("days", _("Give the number of days without a purchase.")),
        Trigger.P_ALIVE_BELOW: ("threshold", _("Give the threshold, e.g. 0.3.")),
        Trigger.AFTER_JOURNEY: ("after_id", _("Choose the journey this one follows.")),
    }
    if journey.trigger in needs:
        field, message = needs[journey.trigger]
        if getattr(journey, field) is None:
            raise _invalid("setting_required", message, field)
    if journey.trigger == Trigger.NO_PURCHASE and not journey.days:
        raise _invalid("invalid_days", _("At least 1 day without a purchase."), "days")
    if journey.trigger == Trigger.BIRTHDAY and (journey.days or 0) > BIRTHDAY_AHEAD_MAX:
        raise _invalid("invalid_days", _("A birthday message goes at most 60 days ahead."), "days")
    if (
        journey.category_id is not None
        and not ProductCategory.objects.filter(
            workspace_id=journey.workspace_id, pk=journey.category_id
        ).exists()
    ):
        raise _invalid("category_not_found", _("Category not found."), "category_id")
    if journey.after_id is not None:
        if journey.trigger != Trigger.AFTER_JOURNEY:
            raise _invalid(
                "after_needs_series_trigger",
                _("Only a journey with the trigger “after another journey” follows one."),
                "after_id",
            )
        _check_series(journey)
    if (
        journey.coupon_campaign_id is not None
        and not CouponCampaign.objects.filter(
            workspace_id=journey.workspace_id, pk=journey.coupon_campaign_id
        ).exists()
    ):
        raise _invalid(
            "coupon_campaign_not_found", _("Coupon campaign not found."), "coupon_campaign_id"
        )
    if not (
        journey.message
        or journey.tag
        or journey.untag
        or journey.follow_up
        or journey.coupon_campaign_id
    ):
        raise _invalid(
            "no_action",
            _("Give the journey something to do: a message, a coupon, a tag or a follow-up task."),
            "message",
        )


SERIES_MAX = 20


def _check_series(journey: Journey) -> None:
    """The journey it follows is this shop's, and the chain back from it never comes round
    to this journey (nor runs longer than ``SERIES_MAX`` steps)."""
    seen = {journey.pk} if journey.pk else set()
    current = journey.after_id
    while current is not None:
        if current in seen:
            raise _invalid(
                "journey_cycle", _("A series can't come back to a journey in it."), "after_id"
            )
        if len(seen) > SERIES_MAX:
            raise _invalid("series_too_long", _("A series has at most 20 journeys."), "after_id")
        seen.add(current)
        found = list(
            Journey.objects.filter(workspace_id=journey.workspace_id, pk=current).values_list(
                "after_id", flat=True
            )[:1]
        )
        if not found:
            raise _invalid("journey_not_found", _("Journey not found."), "after_id")
        current = found[0]


def journey_create(
    *, actor: Actor, fields: dict[str, object] | None = None, recipe: str = ""
) -> Journey:
    """A journey from a ready-made ``recipe`` (its fields can be overridden) or by hand."""
    require(actor, Perm.CAMPAIGN_MANAGE)
    given = dict(fields or {})
    if recipe:
        found = recipes().get(recipe)
        if found is None:
            raise _invalid(
                "unknown_recipe",
                _("Choose a recipe: %(choices)s.") % {"choices": ", ".join(recipes())},
                "recipe",
            )
        given = {**found, **given}
    values = _clean(given, partial=False)
    if Journey.objects.filter(workspace=actor.workspace).count() >= JOURNEYS_MAX:
        raise ApplicationError(
            "too_many_journeys", _("A shop can keep at most 50 journeys."), status=422
        )
    journey = Journey(workspace=actor.workspace, recipe=recipe, **values)
    _check(journey)
    journey.save()
    return journey


def journey_of(actor: Actor, journey_id: int) -> Journey:
    journey = Journey.objects.filter(workspace=actor.workspace, pk=journey_id).first()
    if journey is None:
        raise NotFound("journey_not_found", _("Journey not found."))
    return journey


def journey_update(*, actor: Actor, journey_id: int, fields: dict[str, object]) -> Journey:
    """Change a journey; switching it off cancels its waiting runs."""
    require(actor, Perm.CAMPAIGN_MANAGE)
    values = _clean(fields, partial=True)
    with transaction.atomic():
        journey = journey_of(actor, journey_id)
        for key, value in values.items():
            setattr(journey, key, value)
        _check(journey)
        journey.save()
        if not journey.is_active:
            JourneyRun.objects.filter(journey=journey, status=RunStatus.WAITING).update(
                status=RunStatus.CANCELLED, finished_at=timezone.now()
            )
    return journey


# --- runs --------------------------------------------------------------------------------------


def _due(journey: Journey, now: dt.datetime) -> dt.datetime:
    """After the wait; a message never goes out in the shop's quiet hours."""
    due = now + dt.timedelta(minutes=journey.wait_minutes)
    if journey.message:
        rules = rules_of(journey.workspace_id)
        due = next_allowed(due, rules.quiet_start, rules.quiet_end)
    return due


def journeys_listening(*, workspace_id: int, trigger: str) -> bool:
    return Journey.objects.filter(
        workspace_id=workspace_id, trigger=trigger, is_active=True
    ).exists()


class Entry(NamedTuple):
    """A customer entering a journey: why (for the log), the occasion (once per key) and what
    the trigger saw (the category, tier or postback data a journey may wait for)."""

    customer_id: int
    reason: str
    key: str = ""
    value: str = ""


def _matches(journey: Journey, value: str) -> bool:
    if journey.trigger == Trigger.CATEGORY_PURCHASE:
        return value == str(journey.category_id)
    return not journey.match or journey.match.casefold() == value.casefold()


def runs_start(
    *,
    workspace_id: int,
    trigger: str,
    customers: Sequence[tuple[int, str] | Entry],
    now: dt.datetime | None = None,
) -> int:
    """Start each active journey of ``trigger`` for the customers that it waits for; a customer
    already in that journey stays in the run they are in, and enters once per occasion."""
    now = now or timezone.now()
    journeys = list(
        Journey.objects.filter(workspace_id=workspace_id, trigger=trigger, is_active=True)
    )
    if not journeys or not customers:
        return 0
    entries = [Entry(*c) for c in customers]
    live = set(
        Customer.objects.filter(
            workspace_id=workspace_id,
            pk__in=[e.customer_id for e in entries],
            merged_into__isnull=True,
        ).values_list("pk", flat=True)
    )
    started = 0
    for journey in journeys:
        due = _due(journey, now)
        for entry in entries:
            if entry.customer_id not in live or not _matches(journey, entry.value):
                continue
            started += _run_start(journey, entry, now, due)
    return started


def _new_run(journey: Journey, entry: Entry, now: dt.datetime, due: dt.datetime) -> JourneyRun:
    return JourneyRun(
        workspace_id=journey.workspace_id,
        journey=journey,
        customer_id=entry.customer_id,
        reason=entry.reason[:60],
        key=entry.key[:40],
        started_at=now,
        due_at=due,
    )


def _run_start(journey: Journey, entry: Entry, now: dt.datetime, due: dt.datetime) -> bool:
    """One run of ``journey`` for the entry's customer; False when they are in it now, or
    were already for this occasion."""
    try:
        with transaction.atomic():
            _new_run(journey, entry, now, due).save(force_insert=True)
    except IntegrityError:
        return False
    return True


# --- sweeps: triggers found by time rather than by an event ------------------------------------


def _birthdays(journey: Journey, now: dt.datetime) -> Iterator[Entry]:
    day = timezone.localdate(now) + dt.timedelta(days=journey.days or 0)
    born = Q(birthday__month=day.month, birthday__day=day.day)
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        born |= Q(birthday__month=2, birthday__day=29)  # born on 29 February
    rows = _live(journey).filter(born).values_list("pk", flat=True)
    for customer_id in rows.iterator(chunk_size=SWEEP_CHUNK):
        yield Entry(customer_id, f"birthday {day.isoformat()}", f"birthday-{day.year}")


def _lapsed(journey: Journey, now: dt.datetime) -> Iterator[Entry]:
    """Customers whose last purchase was ``days`` ago (up to ``LAPSE_GRACE`` more, so a sweep
    that did not run for a few days misses no one), once per last purchase."""
    days = dt.timedelta(days=journey.days or 0)
    rows = (
        _live(journey)
        .filter(last_order_at__lte=now - days, last_order_at__gt=now - days - LAPSE_GRACE)
        .values_list("pk", "last_order_at")
    )
    for customer_id, last in rows.iterator(chunk_size=SWEEP_CHUNK):
        since = timezone.localdate(last).isoformat()
        yield Entry(customer_id, f"no purchase since {since}", f"lapse-{since}")


def _slipping(journey: Journey, now: dt.datetime) -> Iterator[Entry]:
    """Customers the model now gives less than ``threshold`` chance of being active, who
    bought in the past year (the long gone are win-back lists, not a journey), once per last
    purchase."""
    rows = (
        _live(journey)
        .filter(
            metrics__p_alive__lt=journey.threshold,
            last_order_at__gt=now - ALIVE_LOOKBACK,
        )
        .values_list("pk", "last_order_at", "metrics__p_alive")
    )
    for customer_id, last, p_alive in rows.iterator(chunk_size=SWEEP_CHUNK):
        since = timezone.localdate(last).isoformat()
        yield Entry(customer_id, f"P(alive) {p_alive:.2f}", f"alive-{since}")


def _live(journey: Journey) -> QuerySet[Customer]:
    return Customer.objects.filter(
        workspace_id=journey.workspace_id, merged_into__isnull=True
    ).order_by("pk")


SWEEPS: dict[str, Callable[[Journey, dt.datetime], Iterator[Entry]]] = {
    Trigger.BIRTHDAY: _birthdays,
    Trigger.NO_PURCHASE: _lapsed,
    Trigger.P_ALIVE_BELOW: _slipping,
}


def runs_sweep(*, workspace_id: int | None = None, now: dt.datetime | None = None) -> int:
    """Enter the customers that the time-based triggers find now (every active birthday,
    no-purchase and P(alive) journey), each once per occasion: run again, it starts no one
    twice. Answers how many runs it started."""
    now = now or timezone.now()
    journeys = Journey.objects.filter(trigger__in=SWEPT, is_active=True).order_by("pk")
    if workspace_id is not None:
        journeys = journeys.filter(workspace_id=workspace_id)
    started = 0
    for journey in journeys:
        due = _due(journey, now)
        found = SWEEPS[journey.trigger](journey, now)
        while chunk := list(islice(found, SWEEP_CHUNK)):
            had = set(
                JourneyRun.objects.filter(
                    journey=journey, customer_id__in=[e.customer_id for e in chunk]
                )
                .filter(Q(key__in={e.key for e in chunk}) | Q(status__in=OPEN))
                .values_list("customer_id", "key", "status")
            )
            busy = {c for c, _k, status in had if status in OPEN}
            seen = {(c, k) for c, k, _s in had}
            fresh = [
                _new_run(journey, e, now, due)
                for e in chunk
                if e.customer_id not in busy and (e.customer_id, e.key) not in seen
            ]
            # A run started meanwhile by another sweep is left to it.
            JourneyRun.objects.bulk_create(fresh, ignore_conflicts=True)
            started += len(fresh)
    return started


def _logged(run: JourneyRun, action: str) -> bool:
    return run.log.filter(action=action, outcome__in=("done", "skipped")).exists()


def _log(run: JourneyRun, action: str, outcome: str, note: str = "") -> None:
    JourneyLog.objects.create(
        run=run, at=timezone.now(), action=action, outcome=outcome, note=note[:200]
    )


def _message(actor: Actor, run: JourneyRun) -> None:
    journey = run.journey
    if _logged(run, "message"):
        return
    allowed = consent_granted(customer_ids=[run.customer_id], purpose=ConsentPurpose.MARKETING_LINE)
    if run.customer_id not in allowed:
        _log(run, "message", "skipped", "no LINE consent")
        return
    template = template_parse(journey.message, field="message")
    customer = run.customer
    language = customer.preferred_language or "th"
    values = personal_values(
        workspace=journey.workspace,
        customers=[customer],
        fields=template.fields,
        coupon_campaign_id=journey.coupon_campaign_id,
        language=language,
        make_coupons=False,  # the coupon step issued it (or could not)
    )[customer.pk]
    with translation.override(language):
        text = template.render(values)
    try:
        line_send_to_customer(
            actor=actor,
            customer_id=customer.pk,
            messages=[Text(text)],
            retry_key=str(uuid.uuid5(_KEYS, f"{run.pk}:message")),
            reply=False,
        )
    except ApplicationError as exc:
        _log(run, "message", "skipped" if exc.status < 500 else "failed", exc.code)
        if exc.status >= 500:
            raise
        return
    _log(run, "message", "done")


def _coupon(run: JourneyRun) -> None:
    """Issue the customer a code of the journey's coupon campaign (the shared code, or a code of
    their own, made once), before the message that may show it as {{ coupon_code }}."""
    journey = run.journey
    with transaction.atomic():
        if _logged(run, "coupon"):
            return
        try:
            code = personal_values(
                workspace=journey.workspace,
                customers=[run.customer],
                fields=frozenset({"coupon_code"}),
                coupon_campaign_id=journey.coupon_campaign_id,
            )[run.customer_id].get("coupon_code", "")
        except ApplicationError as exc:  # the campaign ended, or has no codes left
            _log(run, "coupon", "skipped", exc.code)
            return
        _log(run, "coupon", "done" if code else "skipped", code or "no code")


def _bought_since(run: JourneyRun) -> bool:
    return Order.objects.filter(
        customer_id=run.customer_id, status=PAID_STATUS, placed_at__gt=run.started_at
    ).exists()


def _tag(actor: Actor, run: JourneyRun) -> None:
    with transaction.atomic():
        if _logged(run, "tag"):
            return
        current = list(run.customer.tags.values_list("name", flat=True))
        if run.journey.tag.casefold() not in {t.casefold() for t in current}:
            tag_set(actor=actor, customer_id=run.customer_id, names=[*current, run.journey.tag])
        _log(run, "tag", "done", run.journey.tag)


def _untag(actor: Actor, run: JourneyRun) -> None:
    with transaction.atomic():
        if _logged(run, "untag"):
            return
        current = list(run.customer.tags.values_list("name", flat=True))
        gone = run.journey.untag.casefold()
        kept = [t for t in current if t.casefold() != gone]
        if len(kept) != len(current):
            tag_set(actor=actor, customer_id=run.customer_id, names=kept)
        _log(run, "untag", "done", run.journey.untag)


def _follow_up(actor: Actor, run: JourneyRun, now: dt.datetime) -> None:
    with transaction.atomic():
        if _logged(run, "follow_up"):
            return
        followup_create(
            actor=actor,
            customer_id=run.customer_id,
            title=run.journey.follow_up,
            due_at=now + dt.timedelta(days=1),
        )
        _log(run, "follow_up", "done", run.journey.follow_up)


def run_execute(*, run_id: int, now: dt.datetime | None = None) -> str:
    """Carry out a claimed run's actions (each once) and finish it; answers its status."""
    now = now or timezone.now()
    run = (
        JourneyRun.objects.select_related("journey", "journey__workspace", "customer")
        .filter(pk=run_id, status=RunStatus.RUNNING)
        .first()
    )
    if run is None:
        return ""
    actor = AutomationActor(workspace=run.journey.workspace, role=Role.MANAGER)
    carried = False
    if run.customer.merged_into_id is not None:
        _log(run, "run", "skipped", "customer merged")
    elif run.journey.stop_if_purchased and _bought_since(run):
        _log(run, "condition", "stopped", "bought during the wait")
    else:
        carried = True
        if run.journey.coupon_campaign_id:
            _coupon(run)
        if run.journey.message:
            _message(actor, run)
        if run.journey.tag:
            _tag(actor, run)
        if run.journey.untag:
            _untag(actor, run)
        if run.journey.follow_up:
            _follow_up(actor, run, now)
    with transaction.atomic():  # finished and handed to the series' next steps together
        finished = JourneyRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=RunStatus.DONE, finished_at=timezone.now()
        )
        if finished and carried:
            _next_steps(run, now)
    return RunStatus.DONE


def _next_steps(run: JourneyRun, now: dt.datetime) -> None:
    """Start the journeys that follow this one (a series) for the same customer."""
    steps = Journey.objects.filter(after=run.journey, trigger=Trigger.AFTER_JOURNEY, is_active=True)
    for step in steps:
        _run_start(step, Entry(run.customer_id, f"after {run.journey.name}"), now, _due(step, now))


def runs_due(*, now: dt.datetime | None = None, limit: int = DUE_BATCH) -> int:
    """Claim and carry out the runs whose time has come (and those of a worker that died)."""
    now = now or timezone.now()
    JourneyRun.objects.filter(status=RunStatus.RUNNING, claimed_at__lt=now - LEASE).update(
        status=RunStatus.WAITING
    )
    ids = list(
        JourneyRun.objects.filter(
            status=RunStatus.WAITING, due_at__lte=now, journey__is_active=True
        )
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for run_id in ids:
        claimed = JourneyRun.objects.filter(pk=run_id, status=RunStatus.WAITING).update(
            status=RunStatus.RUNNING, claimed_at=now
        )
        if not claimed:
            continue  # another worker has it
        try:
            run_execute(run_id=run_id, now=now)
        except ApplicationError:
            # LINE is down: back to waiting, tried again by the next round.
            JourneyRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).update(
                status=RunStatus.WAITING
            )
            continue
        done += 1
    return done
