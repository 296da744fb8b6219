"""The privacy app's panel on the customer page: download the person's data, record a request,
erase them; once erased, the tombstone (date and reason)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.access import Actor
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.customers.panels import register_panel
from samphan.privacy.models import OPEN_STATUSES, DataSubjectRequest
from samphan.privacy.services import customer_records, erasure_of, legal_hold


def personal_data(actor: Actor, customer: Customer) -> dict[str, Any]:
    erasure = erasure_of(workspace=actor.workspace, customer_id=customer.pk)
    if erasure is not None:
        return {"erasure": erasure}
    ids = customer_records(workspace_id=actor.workspace.pk, customer_id=customer.pk)
    return {
        "erasure": None,
        "hold": legal_hold(workspace=actor.workspace, customer_ids=ids),
        "open_requests": DataSubjectRequest.objects.filter(
            workspace=actor.workspace, customer=customer, status__in=OPEN_STATUSES
        ).order_by("due_on"),
    }


register_panel(
    key="privacy",
    title=gettext_lazy("Personal data (PDPA)"),
    template="privacy/panels/customer.html",
    context=personal_data,
    order=90,
    column="more",
    perm=Perm.PRIVACY_MANAGE,
)
