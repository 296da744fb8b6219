"""The breach register (PDPA s. 37(4)): each incident with what happened, when it was found, the
categories and number of people, the risk assessment, and the notifications: to the Office
(PDPC) within 72 hours of finding it unless it is unlikely to result in a risk, and to the
people when the risk is high. A reminder goes to the owners and managers while a notification
is due; the register shows what is due and what is late."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Membership
from samphan.core.roles import Perm, Role
from samphan.privacy.models import REGULATOR_HOURS, Breach, BreachCategory, BreachRisk

logger = logging.getLogger(__name__)

# A reminder is sent at most this often per incident while something is due.
REMIND_EVERY = dt.timedelta(hours=12)
# From this long before the deadline, the regulator notice counts as due soon.
DUE_SOON = dt.timedelta(hours=24)
TEXT_FIELDS = ("description", "risk_assessment", "measures", "people_notification")
EDITABLE = (
    "title", "description", "found_at", "occurred_at", "categories", "people_affected", "risk",
    "risk_assessment", "measures", "regulator_notified_at", "regulator_reference",
    "people_notified_at", "people_notification",
)  # fmt: skip


@dataclass(frozen=True)
class Due:
    """What an open incident still needs: ``code`` regulator or people, late or not."""

    code: str
    late: bool
    deadline: dt.datetime | None


def breach_dues(breach: Breach, now: dt.datetime | None = None) -> list[Due]:
    if breach.closed_at is not None:
        return []
    now = now or timezone.now()
    dues = []
    if breach.regulator_notice_needed and breach.regulator_notified_at is None:
        dues.append(
            Due(
                code="regulator",
                late=now > breach.regulator_due_at,
                deadline=breach.regulator_due_at,
            )
        )
    if breach.people_notice_needed and breach.people_notified_at is None:
        # s. 37(4): "without delay"; no fixed hours.
        dues.append(Due(code="people", late=False, deadline=None))
    return dues


def breach_list(*, actor: Actor) -> QuerySet[Breach]:
    require(actor, Perm.PRIVACY_MANAGE)
    return Breach.objects.filter(workspace=actor.workspace).order_by("closed_at", "-found_at")


def breach_get(*, actor: Actor, breach_id: int) -> Breach:
    require(actor, Perm.PRIVACY_MANAGE)
    found = Breach.objects.filter(workspace=actor.workspace, pk=breach_id).first()
    if found is None:
        raise NotFound("breach_not_found", _("Incident not found."))
    return found


def _clean(data: dict[str, Any], breach: Breach | None) -> dict[str, Any]:
    unknown = set(data) - set(EDITABLE)
    if unknown:
        raise ApplicationError("invalid_field", ", ".join(sorted(unknown)), status=422)
    clean = dict(data)
    if "title" in clean:
        clean["title"] = (clean["title"] or "").strip()
        if not clean["title"]:
            raise ApplicationError(
                "title_required", _("Say what happened."), {"field": "title"}, status=422
            )
    categories = clean.get("categories")
    if categories is not None:
        bad = [c for c in categories if c not in BreachCategory.values]
        if bad:
            raise ApplicationError(
                "invalid_category", _("Unknown category."), {"field": "categories"}, status=422
            )
        clean["categories"] = sorted(set(categories))
    if "risk" in clean and clean["risk"] not in BreachRisk.values:
        raise ApplicationError("invalid_risk", _("Unknown risk."), {"field": "risk"}, status=422)
    now = timezone.now()
    found_at = clean.get("found_at", breach.found_at if breach else None)
    for name in ("found_at", "occurred_at", "regulator_notified_at", "people_notified_at"):
        when = clean.get(name)
        if when is not None and when > now + dt.timedelta(minutes=5):
            raise ApplicationError(
                "in_future", _("This time is in the future."), {"field": name}, status=422
            )
    occurred = clean.get("occurred_at")
    if occurred is not None and found_at is not None and occurred > found_at:
        raise ApplicationError(
            "occurred_after_found",
            _("It cannot have happened after it was found."),
            {"field": "occurred_at"},
            status=422,
        )
    return clean


def breach_record(*, actor: Actor, data: dict[str, Any]) -> Breach:
    require(actor, Perm.PRIVACY_MANAGE)
    clean = _clean(data, None)
    if not clean.get("found_at"):
        raise ApplicationError(
            "found_required", _("When was it found?"), {"field": "found_at"}, status=422
        )
    if "title" not in clean:
        raise ApplicationError(
            "title_required", _("Say what happened."), {"field": "title"}, status=422
        )
    with transaction.atomic():
        breach = Breach(workspace=actor.workspace, created_by=actor.user, **clean)
        breach.regulator_due_at = breach.found_at + dt.timedelta(hours=REGULATOR_HOURS)
        breach.save()
        _audit(actor, breach, "privacy.breach_recorded", sorted(clean))
    return breach


def breach_update(*, actor: Actor, breach_id: int, data: dict[str, Any]) -> Breach:
    require(actor, Perm.PRIVACY_MANAGE)
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(
            pk=breach_get(actor=actor, breach_id=breach_id).pk
        )
        clean = _clean(data, breach)
        changed = sorted(k for k, v in clean.items() if getattr(breach, k) != v)
        for name in changed:
            setattr(breach, name, clean[name])
        if "found_at" in changed:
            breach.regulator_due_at = breach.found_at + dt.timedelta(hours=REGULATOR_HOURS)
        if changed:
            breach.save()
            _audit(actor, breach, "privacy.breach_updated", changed)
    return breach


def breach_close(*, actor: Actor, breach_id: int) -> Breach:
    """Close an incident once nothing is due (notifications done, or assessed as no risk)."""
    require(actor, Perm.PRIVACY_MANAGE)
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(
            pk=breach_get(actor=actor, breach_id=breach_id).pk
        )
        if breach.risk == BreachRisk.UNASSESSED:
            raise ApplicationError(
                "not_assessed", _("Assess the risk before closing the incident."), {"field": "risk"}
            )
        if breach_dues(breach):
            raise ApplicationError(
                "notification_due",
                _("Record the notifications that are due before closing the incident."),
            )
        breach.closed_at = timezone.now()
        breach.save(update_fields=["closed_at"])
        _audit(actor, breach, "privacy.breach_closed", [])
    return breach


def _audit(actor: Actor, breach: Breach, action: str, fields: list[str]) -> None:
    audit_record(
        action=action,
        workspace=actor.workspace,
        actor=actor.user,
        actor_label=actor.label,
        target=f"breach:{breach.pk}",
        data={"breach_id": breach.pk, "fields": fields},
    )


# --- reminders ---------------------------------------------------------------------------------


def breach_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Email the owners and managers of each workspace about incidents with a notification due
    (the regulator's within a day, or late; the people's when the risk is high), at most every
    12 hours per incident; each reminder is audit-logged. Returns the number of incidents."""
    now = now or timezone.now()
    reminded = 0
    open_breaches = Breach.objects.filter(closed_at__isnull=True).select_related("workspace")
    for breach in open_breaches.iterator():
        dues = [
            d
            for d in breach_dues(breach, now)
            if d.code == "people" or (d.deadline is not None and d.deadline - now <= DUE_SOON)
        ]
        if not dues:
            continue
        if breach.last_reminder_at is not None and now - breach.last_reminder_at < REMIND_EVERY:
            continue
        with transaction.atomic():
            updated = Breach.objects.filter(
                pk=breach.pk, last_reminder_at=breach.last_reminder_at
            ).update(last_reminder_at=now)
            if not updated:
                continue  # another worker reminded just now
            audit_record(
                action="privacy.breach_reminder",
                workspace=breach.workspace,
                actor_label="samphan",
                target=f"breach:{breach.pk}",
                data={"breach_id": breach.pk, "due": [d.code for d in dues],
                      "late": any(d.late for d in dues)},
            )  # fmt: skip
            transaction.on_commit(lambda b=breach, d=dues: _email(b, d))  # type: ignore[misc]
        reminded += 1
    return reminded


def _email(breach: Breach, dues: list[Due]) -> None:
    members = Membership.objects.filter(
        workspace=breach.workspace, role__in=(Role.OWNER, Role.MANAGER)
    ).select_related("user")
    for member in members:
        with translation.override(member.user.language or "th"):
            lines = [_("Personal-data breach: %(title)s") % {"title": breach.title}]
            for due in dues:
                if due.code == "regulator":
                    lines.append(
                        (_("LATE: the regulator (PDPC) had to be notified by %(when)s.")
                         if due.late else
                         _("Notify the regulator (PDPC) by %(when)s."))
                        % {"when": timezone.localtime(due.deadline).strftime("%Y-%m-%d %H:%M")}
                    )  # fmt: skip
                else:
                    lines.append(_("The risk is high: tell the people affected without delay."))
            subject = _("[%(shop)s] Breach notification due") % {"shop": breach.workspace.name}
            try:
                send_mail(
                    subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [member.user.email]
                )
            except OSError:
                logger.exception("breach %s: reminder to %s not sent", breach.pk, member.user_id)
