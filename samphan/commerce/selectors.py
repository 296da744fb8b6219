"""Reads for channels and orders, workspace-scoped (and branch-scoped for limited staff)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from samphan.commerce.models import Order, SalesChannel
from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.roles import Perm


def channel_list(*, actor: Actor) -> QuerySet[SalesChannel]:
    return SalesChannel.objects.filter(workspace=actor.workspace)


def channel_get(*, actor: Actor, channel_id: int) -> SalesChannel:
    channel = channel_list(actor=actor).filter(pk=channel_id).first()
    if channel is None:
        raise NotFound("channel_not_found", _("Channel not found."))
    return channel


def order_list(*, actor: Actor) -> QuerySet[Order]:
    require(actor, Perm.ORDER_VIEW)
    qs = Order.objects.filter(workspace=actor.workspace)
    if actor.branch_limited():
        qs = qs.filter(branch_id__in=actor.branch_ids)
    return qs.select_related("channel", "branch", "customer")


def order_get(*, actor: Actor, order_id: int) -> Order:
    order = order_list(actor=actor).prefetch_related("lines").filter(pk=order_id).first()
    if order is None:
        raise NotFound("order_not_found", _("Order not found."))
    return order
