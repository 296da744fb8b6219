"""Data-subject requests as cases (PDPA ss. 30–36): received, due 30 days later, worked, closed,
each step in the request's trail and the audit log; the overdue ones listed first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.customers.selectors import customer_get
from samphan.privacy.models import (
    OPEN_STATUSES,
    REQUEST_DAYS,
    DataSubjectRequest,
    RequestKind,
    RequestStatus,
)
from samphan.privacy.services import _log, _request_get

TEXT_MAX = 5000


def request_list(*, actor: Actor, overdue_only: bool = False) -> QuerySet[DataSubjectRequest]:
    """Open requests first (the most overdue at the top), then closed ones, newest first."""
    require(actor, Perm.PRIVACY_MANAGE)
    today = timezone.localdate()
    qs = DataSubjectRequest.objects.filter(workspace=actor.workspace).select_related("customer")
    if overdue_only:
        qs = qs.filter(status__in=OPEN_STATUSES, due_on__lt=today)
    return qs.annotate(
        open_first=Case(
            When(status__in=OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", "due_on", "-pk")


def request_overdue_count(*, actor: Actor) -> int:
    return request_list(actor=actor, overdue_only=True).count()


def request_get(*, actor: Actor, request_id: int) -> DataSubjectRequest:
    require(actor, Perm.PRIVACY_MANAGE)
    return _request_get(actor, request_id)


def _text(value: str, field: str, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise ApplicationError(
            "too_long",
            _("Keep this under %(n)s characters.") % {"n": limit},
            {"field": field},
            status=422,
        )
    return value


def request_create(
    *,
    actor: Actor,
    kind: str,
    received_on: dt.date,
    customer_id: int | None = None,
    requester_name: str = "",
    requester_contact: str = "",
    details: str = "",
) -> DataSubjectRequest:
    require(actor, Perm.PRIVACY_MANAGE)
    if kind not in RequestKind.values:
        raise ApplicationError(
            "invalid_kind",
            _("Choose access, correction, erasure, objection or withdrawal."),
            {"field": "kind"},
            status=422,
        )
    today = timezone.localdate()
    if received_on > today or received_on < today - dt.timedelta(days=365 * 3):
        raise ApplicationError(
            "invalid_date",
            _("The date received must be today or within the last three years."),
            {"field": "received_on"},
            status=422,
        )
    customer = customer_get(actor=actor, customer_id=customer_id) if customer_id else None
    name = _text(requester_name, "requester_name", 200)
    contact = _text(requester_contact, "requester_contact", 200)
    if customer is None and not (name or contact):
        raise ApplicationError(
            "requester_required",
            _("Choose the customer, or write who asked and how to reach them."),
            {"field": "requester_name"},
            status=422,
        )
    with transaction.atomic():
        request = DataSubjectRequest.objects.create(
            workspace=actor.workspace,
            customer=customer,
            kind=kind,
            received_on=received_on,
            due_on=received_on + dt.timedelta(days=REQUEST_DAYS),
            requester_name=name,
            requester_contact=contact,
            details=_text(details, "details"),
            created_by=actor.user,
        )
        _log(request, actor, "received", data={"kind": kind})
        audit_record(
            action="privacy.request_received",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"customer:{customer.pk}" if customer else f"request:{request.pk}",
            data={"request_id": request.pk, "kind": kind,
                  "customer_id": customer.pk if customer else None},
        )  # fmt: skip
    return request


def request_update(
    *, actor: Actor, request_id: int, status: str | None = None, note: str = "", outcome: str = ""
) -> DataSubjectRequest:
    """Move the case on (status), add a note to its trail, write the answer. Closing it
    (done or refused) needs the answer: what was done, or why it was refused (s. 30)."""
    require(actor, Perm.PRIVACY_MANAGE)
    note = _text(note, "note")
    outcome = _text(outcome, "outcome")
    with transaction.atomic():
        request = DataSubjectRequest.objects.select_for_update().get(
            pk=_request_get(actor, request_id).pk
        )
        changes: dict[str, Any] = {}
        if status is not None and status != request.status:
            if status not in RequestStatus.values:
                raise ApplicationError(
                    "invalid_status", _("Unknown status."), {"field": "status"}, status=422
                )
            closing = status in (RequestStatus.DONE, RequestStatus.REFUSED)
            if closing and not (outcome or request.outcome):
                raise ApplicationError(
                    "outcome_required",
                    _("Write the answer given: what was done, or why the request was refused."),
                    {"field": "outcome"},
                    status=422,
                )
            changes["status"] = {"from": request.status, "to": status}
            request.status = status
            request.closed_at = timezone.now() if closing else None
        if outcome and outcome != request.outcome:
            request.outcome = outcome
            changes["outcome"] = True
        if not changes and not note:
            return request
        request.save()
        if "status" in changes:
            _log(request, actor, "status", note=note, data={"status": request.status})
        elif note:
            _log(request, actor, "note", note=note)
        if "outcome" in changes:
            _log(request, actor, "outcome", note=request.outcome)
        audit_record(
            action="privacy.request_updated",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"request:{request.pk}",
            data={"request_id": request.pk, "status": request.status,
                  "customer_id": request.customer_id, "changed": sorted(changes)},
        )  # fmt: skip
    return request
