"""The record of processing activities (PDPA s. 39), generated from the workspace's settings:
its privacy settings (retention, recipients, contacts), its sales channels, the consent
purposes the shop asks for, and the data-subject registry (which data each part holds)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.commerce.models import ChannelKind, SalesChannel
from samphan.core.access import Actor, require
from samphan.core.csvsafe import formula_safe
from samphan.core.datasubject import registered_parts
from samphan.core.roles import Perm
from samphan.customers.models import ConsentPurpose
from samphan.privacy.models import PrivacySettings, RetentionAction
from samphan.privacy.services import privacy_settings_get


@dataclass
class Activity:
    name: str
    purpose: str
    legal_basis: str
    data_subjects: str
    categories: list[str]
    retention: str
    recipients: list[str] = field(default_factory=list)


@dataclass
class Record:
    controller: str
    controller_contact: str
    dpo_contact: str
    generated_at: str
    activities: list[Activity]
    transfers_abroad: str
    security_measures: str


def _labels(*keys: str) -> list[str]:
    parts = {p.key: str(p.label) for p in registered_parts()}
    return [parts[k] for k in keys if k in parts]


def _customer_retention(settings: PrivacySettings) -> str:
    years = settings.inactive_years
    text = {
        RetentionAction.OFF: _("Kept while the customer relationship lasts; erased on request"),
        RetentionAction.ANONYMISE: _("Anonymised after %(n)s years without activity")
        % {"n": years},
        RetentionAction.DELETE: _("Deleted after %(n)s years without activity") % {"n": years},
    }[RetentionAction(settings.inactive_action)]
    if settings.retention_enabled_at is None and settings.inactive_action != RetentionAction.OFF:
        text += " " + _("(policy not switched on yet)")
    return text


def _recipients(settings: PrivacySettings, workspace_id: int) -> list[str]:
    channels = SalesChannel.objects.filter(workspace_id=workspace_id, is_active=True).exclude(
        kind=ChannelKind.STORE
    )
    marketplaces = [
        _("%(name)s (sales channel)") % {"name": c.name}
        for c in channels.order_by("name")
        if c.kind in (ChannelKind.SHOPEE, ChannelKind.LAZADA, ChannelKind.TIKTOK, ChannelKind.LINE)
    ]
    others = [line.strip() for line in settings.recipients.splitlines() if line.strip()]
    return marketplaces + others


def processing_record(*, actor: Actor) -> Record:
    require(actor, Perm.PRIVACY_MANAGE)
    workspace = actor.workspace
    settings = privacy_settings_get(workspace=workspace)
    recipients = _recipients(settings, workspace.pk)
    customers = _("Customers and people who contacted the shop")
    tax = (
        _("%(n)s years after the sale (Revenue Code s. 87/3)") % {"n": settings.tax_record_years}
        if settings.tax_record_years
        else _("As long as the shop keeps its accounts")
    )
    activities = [
        Activity(
            name=_("Customer records and sales"),
            purpose=_("Selling, delivering and serving customers; keeping in touch with them"),
            legal_basis=_("Contract (s. 24(3))"),
            data_subjects=customers,
            categories=_labels(
                "customers.profile",
                "customers.contacts",
                "customers.addresses",
                "commerce.orders",
                "customers.interactions",
                "customers.notes",
                "timeline.events",
            ),
            retention=_customer_retention(settings),
            recipients=recipients,
        ),
        Activity(
            name=_("Tax and accounting records"),
            purpose=_("Tax invoices and accounts the law requires"),
            legal_basis=_("Legal obligation (s. 24(6))"),
            data_subjects=customers,
            categories=_labels("commerce.orders"),
            retention=tax,
        ),
    ]
    purpose_categories: dict[str, tuple[str, ...]] = {
        ConsentPurpose.MARKETING_LINE: ("customers.contacts",),
        ConsentPurpose.MARKETING_SMS: ("customers.contacts",),
        ConsentPurpose.MARKETING_EMAIL: ("customers.contacts",),
        ConsentPurpose.PROFILING: ("commerce.orders", "analytics.metrics", "segments.membership"),
        ConsentPurpose.SHARING: ("customers.profile", "customers.contacts"),
    }
    for purpose, label in ConsentPurpose.choices:
        activities.append(
            Activity(
                name=str(label),
                purpose=str(label),
                legal_basis=_("Consent (s. 19), recorded in the consent ledger"),
                data_subjects=_("Customers who consented"),
                categories=_labels("customers.consents", *purpose_categories[purpose]),
                retention=_("Until consent is withdrawn"),
                recipients=recipients if purpose == ConsentPurpose.SHARING else [],
            )
        )
    activities.append(
        Activity(
            name=_("Imported files"),
            purpose=_("Bringing customers and orders in from spreadsheets and marketplaces"),
            legal_basis=_("Contract (s. 24(3))"),
            data_subjects=customers,
            categories=_labels("imports.files"),
            retention=(
                _("Files deleted %(n)s days after upload") % {"n": settings.import_files_days}
                if settings.import_files_days
                else _("Files kept until deleted by hand")
            ),
        )
    )
    activities.append(
        Activity(
            name=_("Security audit log"),
            purpose=_("Accountability: who signed in and changed what"),
            legal_basis=_("Legitimate interest (s. 24(5))"),
            data_subjects=_("Members of the shop; customers named in entries"),
            categories=_labels("core.audit"),
            retention=_("Kept with the shop's records; erased customers' values swept out"),
        )
    )
    return Record(
        controller=workspace.name,
        controller_contact=settings.controller_contact,
        dpo_contact=settings.dpo_contact,
        generated_at=timezone.now().isoformat(),
        activities=activities,
        transfers_abroad=settings.transfers_abroad,
        security_measures=settings.security_measures,
    )


def processing_record_json(record: Record) -> dict[str, Any]:
    return asdict(record)


CSV_HEADINGS = (
    "activity", "purpose", "legal_basis", "data_subjects", "categories", "retention",
    "recipients", "transfers_abroad", "security_measures", "controller", "controller_contact",
    "dpo_contact",
)  # fmt: skip


def processing_record_csv(record: Record) -> str:
    """One row per activity; list cells joined with "; ". UTF-8 with a BOM for Excel; cells
    that a spreadsheet would run as a formula are quoted with a leading '."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADINGS)
    for a in record.activities:
        cells = [
            a.name, a.purpose, a.legal_basis, a.data_subjects, "; ".join(a.categories),
            a.retention, "; ".join(a.recipients), record.transfers_abroad,
            record.security_measures, record.controller, record.controller_contact,
            record.dpo_contact,
        ]  # fmt: skip
        writer.writerow([formula_safe(c) for c in cells])
    return buffer.getvalue()
