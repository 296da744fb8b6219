"""Service recovery: a goodwill coupon for the customer of a ticket that went wrong (past its
SLA target, or a complaint), issued through the coupons app's own service, and the report of
whether recovered customers bought again.

The coupon is a unique code of one of the shop's coupon campaigns (made for this in Coupons),
bound to the customer: issuing needs the coupon-managing permission as well as tickets'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.commerce.models import Order
from samphan.core.access import Actor, require
from samphan.core.errors import ApplicationError
from samphan.core.roles import Perm
from samphan.loyalty.coupons.models import CouponCampaign, CouponCode
from samphan.loyalty.coupons.services import codes_generate
from samphan.service.events import TicketRecoveryIssued
from samphan.service.models import Ticket, TicketRecovery, TicketType
from samphan.service.services import ticket_of
from samphan.timeline.publish import publish


def recovery_allowed(ticket: Ticket) -> bool:
    return ticket.customer_id is not None and (
        ticket.breached or ticket.type == TicketType.COMPLAINT
    )


def recovery_issue(*, actor: Actor, ticket_id: int, campaign_id: int) -> TicketRecovery:
    """Give the ticket's customer a code of ``campaign_id`` (a unique-code campaign) and
    record it on the ticket. Once per ticket and campaign."""
    require(actor, Perm.TICKET_MANAGE)
    require(actor, Perm.COUPON_MANAGE)
    with transaction.atomic():
        ticket = ticket_of(actor, ticket_id, for_update=True)
        if ticket.customer_id is None:
            raise ApplicationError(
                "ticket_without_customer",
                _("Link the ticket to a customer before giving a coupon."),
                status=409,
            )
        if not recovery_allowed(ticket):
            raise ApplicationError(
                "recovery_not_allowed",
                _("A goodwill coupon is for a complaint or a ticket past its SLA target."),
                status=409,
            )
        if TicketRecovery.objects.filter(ticket=ticket, campaign_id=campaign_id).exists():
            raise ApplicationError(
                "recovery_exists",
                _("This ticket already got a coupon of this campaign."),
                {"field": "campaign_id"},
                status=409,
            )
        made = codes_generate(
            actor=actor, campaign_id=campaign_id, customer_ids=[ticket.customer_id]
        )
        code = (
            made[0]
            if made
            else (
                CouponCode.objects.filter(
                    campaign_id=campaign_id, customer_id=ticket.customer_id
                ).first()
            )
        )
        if code is None:  # pragma: no cover - codes_generate made one or one exists
            raise ApplicationError("recovery_failed", _("No code could be made."), status=409)
        campaign = CouponCampaign.objects.get(pk=campaign_id)
        now = timezone.now()
        try:
            with transaction.atomic():
                recovery = TicketRecovery.objects.create(
                    workspace=actor.workspace,
                    ticket=ticket,
                    customer_id=ticket.customer_id,
                    campaign=campaign,
                    code=code.code,
                    issued_by=actor.user,
                    issued_at=now,
                )
        except IntegrityError as exc:
            raise ApplicationError(
                "recovery_exists",
                _("This ticket already got a coupon of this campaign."),
                {"field": "campaign_id"},
                status=409,
            ) from exc
        publish(
            TicketRecoveryIssued(
                workspace_id=actor.workspace.pk,
                customer_id=ticket.customer_id,
                actor=actor,
                occurred_at=now,
                number=ticket.number,
                code=code.code,
                campaign=campaign.name,
                ticket_id=ticket.pk,
            )
        )
    return recovery


@dataclass(frozen=True)
class RecoveryReport:
    recovered: int  # customers who got a goodwill coupon
    bought_again: int  # … and placed a paid order after their first one
    used_coupon: int  # … on an order carrying the code they were given
    # The comparison: customers of complaints or breached tickets given nothing.
    not_recovered: int
    not_recovered_bought_again: int

    @property
    def rate(self) -> float | None:
        return self.bought_again / self.recovered if self.recovered else None

    @property
    def baseline_rate(self) -> float | None:
        return self.not_recovered_bought_again / self.not_recovered if self.not_recovered else None


def recovery_report(*, actor: Actor, since: dt.datetime | None = None) -> RecoveryReport:
    """Of the customers given a goodwill coupon, how many paid for an order after the first
    coupon; and, for comparison, of the customers with a complaint or a breached ticket who
    were given none, how many paid for an order after that ticket opened."""
    require(actor, Perm.TICKET_MANAGE)
    ws = actor.workspace
    recoveries = TicketRecovery.objects.filter(workspace=ws)
    if since is not None:
        recoveries = recoveries.filter(issued_at__gte=since)
    first_given = dict(
        recoveries.values("customer_id")
        .annotate(at=Min("issued_at"))
        .values_list("customer_id", "at")
    )
    paid = Order.objects.paid().filter(workspace=ws)
    bought = sum(
        1
        for cid, at in first_given.items()
        if paid.filter(customer_id=cid, placed_at__gt=at).exists()
    )
    codes = list(recoveries.values_list("customer_id", "code"))
    used = len(
        {cid for cid, code in codes if paid.filter(customer_id=cid, coupon_code=code).exists()}
    )
    unhappy = (
        Ticket.objects.filter(workspace=ws, customer__isnull=False)
        .filter(
            Q(type=TicketType.COMPLAINT)
            | Q(first_response_breached=True)
            | Q(resolution_breached=True)
        )
        .only("customer_id", "opened_at")
    )
    firsts: dict[int, dt.datetime] = {}
    for t in unhappy:
        if t.customer_id in first_given or t.customer_id is None:
            continue
        if since is not None and t.opened_at < since:
            continue
        at = firsts.get(t.customer_id)
        firsts[t.customer_id] = t.opened_at if at is None else min(at, t.opened_at)
    baseline = sum(
        1 for cid, at in firsts.items() if paid.filter(customer_id=cid, placed_at__gt=at).exists()
    )
    return RecoveryReport(
        recovered=len(first_given),
        bought_again=bought,
        used_coupon=used,
        not_recovered=len(firsts),
        not_recovered_bought_again=baseline,
    )
