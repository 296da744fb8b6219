"""The retention policy (PDPA s. 37(3)): customers with no activity for N years are anonymised
or deleted, uploaded import files are deleted after N days.

``retention_plan`` is the dry run: what the policy would do tonight, changing nothing. The
nightly run (``retention_run``, Celery beat ``privacy.retention_run_all``) acts only in a
workspace where an owner or manager has seen the dry run and switched the policy on
(``retention_enable``); changing the policy switches it off until its new dry run is seen.

"Activity" is an order, or anything a person recorded about the customer (a note, an
interaction, a consent, a profile edit): any timeline event except the derived ones.
Customers with an order inside the tax record period are kept (legal hold) and counted.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.commerce.models import Order
from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError
from samphan.core.models import Workspace
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.imports.retention import FilesPurge, import_files_purge, import_files_purge_plan
from samphan.privacy.events import RetentionRan
from samphan.privacy.models import (
    ErasureMode,
    ErasureRecord,
    PrivacySettings,
    RetentionAction,
    RetentionRun,
)
from samphan.privacy.services import erase_records, privacy_settings_get
from samphan.timeline.models import TimelineEvent
from samphan.timeline.publish import publish

logger = logging.getLogger(__name__)

# Derived events (by the system, not about anything the customer or the shop did).
PASSIVE_EVENTS = ("lifecycle.changed", "customer.erased")
# Customers acted on per night and per workspace, and per transaction.
NIGHTLY_LIMIT = 5000
BATCH = 100
SAMPLE = 50


def _years_before(now: dt.datetime, years: int) -> dt.datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def inactive_customers(
    *, workspace: Workspace, years: int, now: dt.datetime | None = None
) -> QuerySet[Customer]:
    """Live customers, not erased yet, with nothing since the cutoff."""
    cutoff = _years_before(now or timezone.now(), years)
    recent_event = TimelineEvent.objects.filter(
        customer_id=OuterRef("pk"), occurred_at__gte=cutoff
    ).exclude(type__in=PASSIVE_EVENTS)
    recent_order = Order.objects.filter(customer_id=OuterRef("pk"), placed_at__gte=cutoff)
    erased = ErasureRecord.objects.filter(workspace=workspace, customer_ref=OuterRef("pk"))
    return (
        Customer.objects.filter(workspace=workspace, merged_into__isnull=True)
        .filter(created_at__lt=cutoff)
        .filter(Q(last_order_at__isnull=True) | Q(last_order_at__lt=cutoff))
        .exclude(Exists(recent_event))
        .exclude(Exists(recent_order))
        .exclude(Exists(erased))
        .order_by("pk")
    )


def _held(qs: QuerySet[Customer], settings: PrivacySettings, now: dt.datetime) -> QuerySet:
    if not settings.tax_record_years:
        return qs.none()
    cutoff = _years_before(now, settings.tax_record_years)
    return qs.filter(
        Exists(Order.objects.filter(customer_id=OuterRef("pk"), placed_at__gte=cutoff))
    )


@dataclass
class RetentionPlan:
    """The dry run. ``customers``: how many would be anonymised or deleted (``sample``: the
    first of them, with when they were last active); ``held``: inactive but kept for the tax
    record period; ``files``: the import uploads that would be deleted."""

    settings: PrivacySettings
    action: str
    cutoff: dt.datetime | None
    customers: int = 0
    held: int = 0
    sample: list[Customer] = field(default_factory=list)
    files: FilesPurge | None = None

    @property
    def does_something(self) -> bool:
        return bool(self.customers or (self.files and self.files.count))


def retention_plan(*, workspace: Workspace, now: dt.datetime | None = None) -> RetentionPlan:
    now = now or timezone.now()
    settings = privacy_settings_get(workspace=workspace)
    plan = RetentionPlan(settings=settings, action=settings.inactive_action, cutoff=None)
    if settings.inactive_action != RetentionAction.OFF:
        plan.cutoff = _years_before(now, settings.inactive_years)
        inactive = inactive_customers(workspace=workspace, years=settings.inactive_years, now=now)
        held = _held(inactive, settings, now)
        plan.held = held.count()
        actionable = inactive.exclude(pk__in=held.values("pk"))
        plan.customers = actionable.count()
        plan.sample = list(actionable[:SAMPLE])
    if settings.import_files_days:
        plan.files = import_files_purge_plan(
            workspace=workspace, older_than_days=settings.import_files_days, now=now
        )
    return plan


def retention_plan_for(*, actor: Actor) -> RetentionPlan:
    require(actor, Perm.PRIVACY_MANAGE)
    return retention_plan(workspace=actor.workspace)


def retention_enable(*, actor: Actor, enable: bool = True) -> PrivacySettings:
    """Switch the nightly run on (after its dry run was shown) or off."""
    require(actor, Perm.PRIVACY_MANAGE)
    with transaction.atomic():
        settings = PrivacySettings.objects.select_for_update().get(
            pk=privacy_settings_get(workspace=actor.workspace).pk
        )
        if (
            enable
            and settings.inactive_action == RetentionAction.OFF
            and not (settings.import_files_days)
        ):
            raise ApplicationError(
                "nothing_to_run", _("The policy keeps everything: there is nothing to switch on.")
            )
        settings.retention_enabled_at = timezone.now() if enable else None
        settings.retention_enabled_by = actor.user if enable else None
        settings.save(update_fields=["retention_enabled_at", "retention_enabled_by"])
        audit_record(
            action="privacy.retention_enabled" if enable else "privacy.retention_disabled",
            workspace=actor.workspace,
            actor=actor.user,
            actor_label=actor.label,
            data={
                "action": settings.inactive_action,
                "inactive_years": settings.inactive_years,
                "import_files_days": settings.import_files_days,
            },
        )
    return settings


def retention_run(
    *, workspace: Workspace, now: dt.datetime | None = None, limit: int = NIGHTLY_LIMIT
) -> RetentionRun | None:
    """Apply the policy (if switched on): what ``retention_plan`` lists, up to ``limit``
    customers a night, in batches of one transaction each."""
    now = now or timezone.now()
    settings = privacy_settings_get(workspace=workspace)
    if not settings.retention_enabled:
        return None
    run = RetentionRun.objects.create(workspace=workspace, started_at=timezone.now())
    try:
        if settings.inactive_action != RetentionAction.OFF:
            _customers(run, workspace, settings, now, limit)
        if settings.import_files_days:
            purged = import_files_purge(
                workspace=workspace, older_than_days=settings.import_files_days, now=now
            )
            run.import_files_deleted = purged.count
            run.import_bytes_freed = purged.bytes
    except Exception as exc:
        logger.exception("retention run of workspace %s failed", workspace.pk)
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
    run.finished_at = timezone.now()
    run.save()
    if run.customers_anonymised or run.customers_deleted or run.import_files_deleted:
        with transaction.atomic():
            publish(
                RetentionRan(
                    workspace_id=workspace.pk,
                    run_id=run.pk,
                    customers_anonymised=run.customers_anonymised,
                    customers_deleted=run.customers_deleted,
                    import_files_deleted=run.import_files_deleted,
                )
            )
            audit_record(
                action="privacy.retention_ran",
                workspace=workspace,
                actor_label="retention",
                data={
                    "run_id": run.pk,
                    "customers_anonymised": run.customers_anonymised,
                    "customers_deleted": run.customers_deleted,
                    "import_files_deleted": run.import_files_deleted,
                },
            )
    return run


def _customers(
    run: RetentionRun,
    workspace: Workspace,
    settings: PrivacySettings,
    now: dt.datetime,
    limit: int,
) -> None:
    inactive = inactive_customers(workspace=workspace, years=settings.inactive_years, now=now)
    held = _held(inactive, settings, now)
    run.customers_held = held.count()
    ids = list(inactive.exclude(pk__in=held.values("pk")).values_list("pk", flat=True)[:limit])
    mode = (
        ErasureMode.DELETED
        if settings.inactive_action == RetentionAction.DELETE
        else ErasureMode.ANONYMISED
    )
    reason = _("No activity for %(years)s years (retention policy)") % {
        "years": settings.inactive_years
    }
    for start in range(0, len(ids), BATCH):
        with transaction.atomic():
            erase_records(
                workspace=workspace,
                customer_ids=ids[start : start + BATCH],
                reason=reason,
                mode=mode,
                source="retention",
                actor=None,
            )
        done = len(ids[start : start + BATCH])
        if mode == ErasureMode.DELETED:
            run.customers_deleted += done
        else:
            run.customers_anonymised += done
        run.save(update_fields=["customers_deleted", "customers_anonymised", "customers_held"])


def retention_run_all(*, now: dt.datetime | None = None) -> int:
    """The nightly entry point: every workspace whose policy is switched on."""
    ran = 0
    ids = PrivacySettings.objects.filter(retention_enabled_at__isnull=False).values_list(
        "workspace_id", flat=True
    )
    for workspace in Workspace.objects.filter(pk__in=list(ids)).order_by("pk"):
        if retention_run(workspace=workspace, now=now) is not None:
            ran += 1
    return ran
