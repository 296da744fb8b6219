"""Reads for customers, workspace-scoped."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.roles import Perm
from samphan.customers.models import Customer


def customer_list(*, actor: Actor) -> QuerySet[Customer]:
    require(actor, Perm.CUSTOMER_VIEW)
    return Customer.objects.filter(workspace=actor.workspace)


def customer_get(*, actor: Actor, customer_id: int) -> Customer:
    customer = (
        customer_list(actor=actor).prefetch_related("contacts").filter(pk=customer_id).first()
    )
    if customer is None:
        raise NotFound("customer_not_found", _("Customer not found."))
    return customer
