"""What the customer write services share: finding a customer to change (locked), the
error for an invalid field, the longest note."""

from __future__ import annotations

from django.utils.translation import gettext as _

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError, NotFound
from samphan.customers.models import Customer

NOTE_MAX = 5000


def _invalid(code: str, message: str, field: str) -> ApplicationError:
    return ApplicationError(code, message, {"field": field}, status=422)


def _customer_for_update(actor: Actor, customer_id: int) -> Customer:
    customer = (
        Customer.objects.select_for_update()
        .filter(workspace=actor.workspace, pk=customer_id, merged_into__isnull=True)
        .first()
    )
    if customer is None:
        raise NotFound("customer_not_found", _("Customer not found."))
    return customer
