"""What the privacy app does when things happen to customers:

- the audit log records imports, consent changes, profile edits and contact removals (in the
  same transaction as the change, so a change that rolls back leaves no entry). Entries name
  fields and kinds, never the values: the audit log must not become a second copy of the
  personal data;
- a removed contact's value disappears from its customer's timeline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from samphan.core.models import AuditLog
from samphan.customers.events import ConsentChanged, ContactAdded, CustomerCreated, CustomerUpdated
from samphan.timeline.privacy import timeline_values_mask
from samphan.timeline.registry import DomainEvent, EventActor, Phase, subscriber

# Above this many changes in one publication (a bulk write through the API), one summary
# entry is written instead of one per change.
ONE_BY_ONE = 50


def _entry(
    event: DomainEvent, action: str, *, target: str = "", data: dict[str, Any] | None = None
) -> AuditLog:
    actor = event.event_actor or EventActor(user_id=None, label="")
    return AuditLog(
        workspace_id=event.workspace_id,
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        target=target or (f"customer:{event.customer_id}" if event.customer_id else ""),
        data=data or {},
    )


def _imported(events: Sequence[DomainEvent]) -> bool:
    return any(
        isinstance(e, CustomerCreated | ConsentChanged) and e.source == "import" for e in events
    )


def _changes(events: Sequence[DomainEvent]) -> list[AuditLog]:
    rows: list[AuditLog] = []
    for e in events:
        if isinstance(e, ConsentChanged):
            rows.append(
                _entry(e, "consent.changed", data={"customer_id": e.customer_id,
                       "purpose": e.purpose, "granted": e.granted, "source": e.source})
            )  # fmt: skip
        elif isinstance(e, CustomerUpdated) and e.section == "contacts":
            kinds = sorted(name.split(".", 1)[-1] for name in e.changes)
            rows.append(
                _entry(e, "customer.contact_removed",
                       data={"customer_id": e.customer_id, "kinds": kinds})
            )  # fmt: skip
        elif isinstance(e, CustomerUpdated):
            rows.append(
                _entry(e, "customer.profile_updated", data={"customer_id": e.customer_id,
                       "section": e.section, "fields": sorted(e.changes)})
            )  # fmt: skip
    return rows


@subscriber(
    CustomerCreated, ContactAdded, ConsentChanged, CustomerUpdated, phase=Phase.IN_TRANSACTION
)
def audit_customer_changes(events: Sequence[DomainEvent]) -> None:
    """One entry per consent change, profile edit or contact removal; one entry for an import
    (with what it wrote) or any other bulk write."""
    if _imported(events) or len(events) > ONE_BY_ONE:
        counts = Counter(e.type for e in events)
        consents = Counter(
            f"{e.purpose}:{'yes' if e.granted else 'no'}"
            for e in events
            if isinstance(e, ConsentChanged)
        )
        action = "imports.written" if _imported(events) else "customers.bulk_changed"
        AuditLog.objects.bulk_create(
            [
                _entry(
                    events[0],
                    action,
                    target=f"{len({e.customer_id for e in events})} customers",
                    data={"events": dict(sorted(counts.items())), "consents": dict(consents)},
                )
            ]
        )
        return
    rows = _changes(events)
    if rows:
        AuditLog.objects.bulk_create(rows)


@subscriber(CustomerUpdated, phase=Phase.IN_TRANSACTION)
def removed_contacts_hide(events: Sequence[DomainEvent]) -> None:
    """A removed contact's value no longer shows on the customer's timeline (``•••``)."""
    for e in events:
        if not isinstance(e, CustomerUpdated) or e.section != "contacts" or e.customer_id is None:
            continue
        values = [
            str(change.get("from"))
            for change in e.changes.values()
            if isinstance(change, dict) and change.get("from")
        ]
        if values:
            timeline_values_mask(
                workspace_id=e.workspace_id, customer_id=e.customer_id, values=values
            )
