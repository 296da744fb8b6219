"""Writes of automations: journeys (from a recipe or by hand), runs started by triggers, and
due runs carried out through the other apps' services (a LINE message through messaging, a
tag and a follow-up task through customers).

How a run never repeats or skips an action: a due run is claimed with one conditional UPDATE
(waiting → running); a tag and a follow-up are written in one transaction with their log row,
so a repeat finds the log and skips them; a LINE message is pushed with a retry key derived
from the run, so a repeat after a crash is one message. A run whose worker died (claimed more
than ``LEASE`` ago) is handed out again."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samphan.automations.models import Journey, JourneyLog, JourneyRun, RunStatus, Trigger
from samphan.automations.recipes import recipes
from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.roles import Perm, Role
from samphan.customers.interaction_services import followup_create
from samphan.customers.models import ConsentPurpose, Customer
from samphan.customers.selectors import consent_granted
from samphan.customers.services.tags import tag_set
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
DUE_BATCH = 200
LEASE = dt.timedelta(minutes=10)
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
    if "tag" in fields:
        tag = " ".join(str(fields.get("tag") or "").split())
        if len(tag) > 50 or "," in tag:
            raise _invalid("invalid_tag", _("One tag, at most 50 characters."), "tag")
        out["tag"] = tag
    if "follow_up" in fields:
        task = " ".join(str(fields.get("follow_up") or "").split())
        if len(task) > 200:
            raise _invalid("too_long", _("The task is at most 200 characters."), "follow_up")
        out["follow_up"] = task
    if "is_active" in fields:
        out["is_active"] = bool(fields["is_active"])
    return out


def _has_action(journey: Journey) -> None:
    if not (journey.message or journey.tag or journey.follow_up):
        raise _invalid(
            "no_action",
            _("Give the journey something to do: a message, a tag or a follow-up task."),
            "message",
        )


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
    _has_action(journey)
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
        _has_action(journey)
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


def runs_start(
    *,
    workspace_id: int,
    trigger: str,
    customers: Sequence[tuple[int, str]],
    now: dt.datetime | None = None,
) -> int:
    """Start each active journey of ``trigger`` for the customers ((customer id, reason));
    a customer already in that journey stays in the run they are in."""
    now = now or timezone.now()
    journeys = list(
        Journey.objects.filter(workspace_id=workspace_id, trigger=trigger, is_active=True)
    )
    if not journeys or not customers:
        return 0
    live = set(
        Customer.objects.filter(
            workspace_id=workspace_id,
            pk__in=[c for c, _r in customers],
            merged_into__isnull=True,
        ).values_list("pk", flat=True)
    )
    started = 0
    for journey in journeys:
        due = _due(journey, now)
        for customer_id, reason in customers:
            if customer_id not in live:
                continue
            try:
                with transaction.atomic():
                    JourneyRun.objects.create(
                        workspace_id=workspace_id,
                        journey=journey,
                        customer_id=customer_id,
                        reason=reason[:60],
                        started_at=now,
                        due_at=due,
                    )
            except IntegrityError:  # already in this journey: never twice at once
                continue
            started += 1
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
        language=language,
        make_coupons=False,
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


def _tag(actor: Actor, run: JourneyRun) -> None:
    with transaction.atomic():
        if _logged(run, "tag"):
            return
        current = list(run.customer.tags.values_list("name", flat=True))
        if run.journey.tag.casefold() not in {t.casefold() for t in current}:
            tag_set(actor=actor, customer_id=run.customer_id, names=[*current, run.journey.tag])
        _log(run, "tag", "done", run.journey.tag)


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
    if run.customer.merged_into_id is not None:
        _log(run, "run", "skipped", "customer merged")
    else:
        if run.journey.message:
            _message(actor, run)
        if run.journey.tag:
            _tag(actor, run)
        if run.journey.follow_up:
            _follow_up(actor, run, now)
    JourneyRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE, finished_at=timezone.now()
    )
    return RunStatus.DONE


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
