"""A person's data: export it (PDPA ss. 30–31) and erase it (s. 33), through every app's part
in the data-subject registry (``samphan.core.datasubject``); and the workspace's privacy
settings (legal hold, retention policy, record-of-processing details)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samphan.commerce.models import Order
from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.datasubject import (
    Subject,
    Sweeper,
    registered_parts,
    scrub_text,
    subject_identifiers,
)
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.core.thai.dates import format_date
from samphan.customers.models import Customer
from samphan.customers.selectors import customer_get
from samphan.privacy.events import CustomerErased
from samphan.privacy.models import (
    DataSubjectRequest,
    ErasureMode,
    ErasureRecord,
    PrivacySettings,
    RequestEntry,
    RequestStatus,
    RetentionAction,
)
from samphan.timeline.publish import publish

EXPORT_FORMAT = "samphan.personal-data/1"
REASON_MAX = 1000

# --- settings -----------------------------------------------------------------------------------

POLICY_FIELDS = ("inactive_action", "inactive_years", "import_files_days", "tax_record_years")
RECORD_FIELDS = (
    "controller_contact",
    "dpo_contact",
    "recipients",
    "transfers_abroad",
    "security_measures",
)


def privacy_settings_get(*, workspace: Workspace) -> PrivacySettings:
    found, _created = PrivacySettings.objects.get_or_create(workspace=workspace)
    return found


def privacy_settings_update(*, actor: Actor, data: dict[str, Any]) -> PrivacySettings:
    """Change the policy or the record-of-processing details. A changed retention policy is
    switched off until its new dry run has been seen and it is switched on again."""
    require(actor, Perm.PRIVACY_MANAGE)
    unknown = set(data) - set(POLICY_FIELDS) - set(RECORD_FIELDS)
    if unknown:
        raise ApplicationError(
            "invalid_field", _("Unknown setting: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    _policy_check(data)
    with transaction.atomic():
        current = privacy_settings_get(workspace=actor.workspace)
        found = PrivacySettings.objects.select_for_update().get(pk=current.pk)
        changed = {k: v for k, v in data.items() if getattr(found, k) != v}
        if not changed:
            return found
        for name, value in changed.items():
            setattr(found, name, value)
        policy_changed = bool(set(changed) & set(POLICY_FIELDS))
        if policy_changed and found.retention_enabled_at is not None:
            found.retention_enabled_at = None
            found.retention_enabled_by = None
        found.save()
        audit_record(
            action="privacy.settings_changed",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            data={"fields": sorted(changed), "retention_paused": policy_changed},
        )
    return found


def _policy_check(data: dict[str, Any]) -> None:
    if "inactive_action" in data and data["inactive_action"] not in RetentionAction.values:
        raise ApplicationError(
            "invalid_action", _("Choose keep, anonymise or delete."), {"field": "inactive_action"}
        )
    limits = {"inactive_years": (1, 50), "tax_record_years": (0, 20)}
    for name, (low, high) in limits.items():
        if name in data and not (isinstance(data[name], int) and low <= data[name] <= high):
            raise ApplicationError(
                "out_of_range",
                _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
                {"field": name},
            )
    days = data.get("import_files_days")
    if days is not None and not (isinstance(days, int) and 1 <= days <= 3650):
        raise ApplicationError(
            "out_of_range",
            _("Enter a number of days from 1 to 3650, or leave it empty to keep the files."),
            {"field": "import_files_days"},
        )


# --- who the person is -------------------------------------------------------------------------


def customer_records(*, workspace_id: int, customer_id: int) -> tuple[int, ...]:
    """The customer and every record merged into it (directly or through earlier merges)."""
    ids = [customer_id]
    frontier = [customer_id]
    while frontier:
        frontier = list(
            Customer.objects.filter(workspace_id=workspace_id, merged_into_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return tuple(ids)


def subject_of(*, workspace_id: int, customer_id: int, identifiers: bool = False) -> Subject:
    ids = customer_records(workspace_id=workspace_id, customer_id=customer_id)
    return Subject(
        workspace_id=workspace_id,
        customer_id=customer_id,
        customer_ids=ids,
        identifiers=subject_identifiers(workspace_id, ids) if identifiers else frozenset(),
    )


def erasure_of(*, workspace: Workspace, customer_id: int) -> ErasureRecord | None:
    return ErasureRecord.objects.filter(workspace=workspace, customer_ref=customer_id).first()


# --- export -------------------------------------------------------------------------------------


def customer_export(
    *, actor: Actor, customer_id: int, request_id: int | None = None, ip: str | None = None
) -> dict[str, Any]:
    """Everything held on the person, from every registered part, as one JSON document."""
    require(actor, Perm.PRIVACY_MANAGE)
    customer = customer_get(actor=actor, customer_id=customer_id)
    request = _request_get(actor, request_id) if request_id is not None else None
    subject = subject_of(workspace_id=actor.workspace.pk, customer_id=customer.pk)
    settings = privacy_settings_get(workspace=actor.workspace)
    parts = {
        part.key: {"label": str(part.label), "data": part.export(subject)}
        for part in registered_parts()
    }
    document = {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "controller": {"name": actor.workspace.name, "contact": settings.controller_contact},
        "customer_id": customer.pk,
        "records": list(subject.customer_ids),
        "parts": parts,
    }
    with transaction.atomic():
        audit_record(
            action="privacy.exported",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            target=f"customer:{customer.pk}",
            ip=ip,
            data={"customer_id": customer.pk, "parts": sorted(parts), "request_id": request_id},
        )
        if request is not None:
            _log(request, actor, "exported", data={"parts": len(parts)})
    return document


# --- erasure ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hold:
    """Why the person's data must be kept for now, and until when."""

    code: str
    message: str
    until: dt.date


def legal_hold(
    *, workspace: Workspace, customer_ids: tuple[int, ...], now: dt.datetime | None = None
) -> Hold | None:
    """The tax record period: orders placed within it keep the buyer's record."""
    settings = privacy_settings_get(workspace=workspace)
    years = settings.tax_record_years
    if not years:
        return None
    now = now or timezone.now()
    last = (
        Order.objects.filter(workspace=workspace, customer_id__in=customer_ids)
        .order_by("-placed_at")
        .values_list("placed_at", flat=True)
        .first()
    )
    if last is None:
        return None
    until = _years_after(timezone.localtime(last).date(), years)
    if until <= timezone.localtime(now).date():
        return None
    lang = get_language() or "th"
    return Hold(
        code="tax_records",
        message=_(
            "This customer has orders up to %(last)s. The shop keeps tax records for %(years)s "
            "years, so their data can be erased from %(until)s."
        )
        % {
            "last": format_date(timezone.localtime(last).date(), language=lang),
            "years": years,
            "until": format_date(until, language=lang),
        },
        until=until,
    )


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            "reason_required",
            _("Give the reason for the erasure (e.g. the person's request of 3 May)."),
            {"field": "reason"},
            status=422,
        )
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            "reason_too_long",
            _("Keep the reason under %(n)s characters.") % {"n": REASON_MAX},
            {"field": "reason"},
            status=422,
        )
    return reason


def customer_erase(
    *,
    actor: Actor,
    customer_id: int,
    reason: str,
    request_id: int | None = None,
    source: str = "page",
    ip: str | None = None,
) -> ErasureRecord:
    """Erase the person (PDPA s. 33): every registered part removes or masks what identifies
    them, in one transaction; their orders' amounts stay (on the anonymous record); a tombstone
    with the date and reason stays. Refused while a legal hold applies."""
    require(actor, Perm.PRIVACY_MANAGE)
    reason = _clean_reason(reason)
    workspace = actor.workspace
    with transaction.atomic():
        customer = customer_get(actor=actor, customer_id=customer_id)
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if erasure_of(workspace=workspace, customer_id=customer.pk) is not None:
            raise ApplicationError(
                "already_erased",
                _("This customer's personal data has already been erased."),
                status=409,
            )
        request = _request_get(actor, request_id) if request_id is not None else None
        ids = customer_records(workspace_id=workspace.pk, customer_id=customer.pk)
        hold = legal_hold(workspace=workspace, customer_ids=ids)
        if hold is not None:
            raise ApplicationError(
                "legal_hold",
                hold.message,
                {"reason": hold.code, "hold_until": hold.until.isoformat()},
                status=409,
            )
        [record] = erase_records(
            workspace=workspace,
            customer_ids=[customer.pk],
            reason=reason,
            mode=ErasureMode.ANONYMISED,
            source=source,
            actor=actor,
            request=request,
            ip=ip,
        )
    return record


def erase_records(
    *,
    workspace: Workspace,
    customer_ids: list[int],
    reason: str,
    mode: str,
    source: str,
    actor: Actor | None,
    request: DataSubjectRequest | None = None,
    ip: str | None = None,
) -> list[ErasureRecord]:
    """Run every part's erasure for these people together (inside the caller's transaction:
    a retention batch sweeps the audit log and import files once), then leave each one's
    tombstone, event and audit entry. ``mode`` deleted also deletes the customer rows (their
    orders stay, with no customer)."""
    subjects = [
        subject_of(workspace_id=workspace.pk, customer_id=pk, identifiers=True)
        for pk in customer_ids
    ]
    if not subjects:
        return []
    counts = {part.key: part.erase(subjects) for part in registered_parts()}
    records = []
    for subject in subjects:
        record = ErasureRecord.objects.create(
            workspace=workspace,
            customer_ref=subject.customer_id,
            mode=mode,
            reason=scrub_text(reason, Sweeper.of(subject.identifiers)),
            erased_at=timezone.now(),
            actor=actor.user if actor is not None else None,
            actor_label=actor.label if actor is not None else "retention",
            request=request,
            parts=counts if len(subjects) == 1 else {},
        )
        records.append(record)
        if mode == ErasureMode.DELETED:
            Customer.objects.filter(pk__in=subject.customer_ids).delete()
        else:
            publish(
                CustomerErased(
                    workspace_id=workspace.pk,
                    customer_id=subject.customer_id,
                    actor=actor,
                    erasure_id=record.pk,
                    reason=record.reason,
                    source=source,
                )
            )
        audit_record(
            action="privacy.erased",
            workspace=workspace,
            actor=actor.user if actor is not None else None,
            actor_label=actor.label if actor is not None else "retention",
            target=f"customer:{subject.customer_id}",
            ip=ip,
            data={"erasure_id": record.pk, "mode": mode, "source": source,
                  "parts": record.parts},
        )  # fmt: skip
    if request is not None:
        request.refresh_from_db()  # the parts may have blanked who asked
        _log(request, actor, "erased", data={"erasure_ids": [r.pk for r in records]})
        if request.is_open:
            request.status = RequestStatus.DONE
            request.closed_at = timezone.now()
            request.outcome = request.outcome or _("Personal data erased on %(date)s.") % {
                "date": timezone.localdate().isoformat()
            }
            request.save(update_fields=["status", "closed_at", "outcome"])
            _log(request, actor, "status", data={"status": RequestStatus.DONE})
    return records


# --- shared with the request services ---------------------------------------------------------


def _request_get(actor: Actor, request_id: int) -> DataSubjectRequest:
    found = DataSubjectRequest.objects.filter(workspace=actor.workspace, pk=request_id).first()
    if found is None:
        raise NotFound("request_not_found", _("Request not found."))
    return found


def _log(
    request: DataSubjectRequest,
    actor: Actor | None,
    action: str,
    *,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> RequestEntry:
    return RequestEntry.objects.create(
        request=request,
        at=timezone.now(),
        actor=actor.user if actor is not None else None,
        actor_label=actor.label if actor is not None else "",
        action=action,
        note=note,
        data=data or {},
    )
