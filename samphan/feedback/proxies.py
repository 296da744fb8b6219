"""Measured proxies for the twelve qualities, from what the shop already records: tickets (first
response and resolution against their SLA targets, channels answered), follow-ups kept on time,
orders without a complaint, return or refund, and contacts per customer. Each is a share of
"good" cases with its Wilson interval and a share per month; where nothing is recorded the
scorecard falls back to survey scores.

Feedback sits above service, messaging, customers and commerce, so it reads their tables here
(reads only; never a write)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from samphan.commerce.models import PAID_STATUS, Order
from samphan.core.models import Workspace
from samphan.customers.models import FollowUp, FollowUpStatus, Interaction
from samphan.feedback import stats
from samphan.feedback.models import SurveyInvitation
from samphan.messaging.models import Delivery
from samphan.service.models import AuthorKind, MessageKind, Ticket, TicketMessage, TicketType

BANGKOK = dt.timezone(dt.timedelta(hours=7))
# A follow-up within this many days of a purchase or a resolved ticket counts as one.
FOLLOW_UP_DAYS = 14
# More contacts than this in a month is too many (the "within limits" of communication).
CONTACTS_PER_MONTH_MAX = 8
# An unanswered ticket younger than this is not judged yet (accessibility).
ANSWER_GRACE = dt.timedelta(hours=24)
ISSUE_TYPES = (TicketType.COMPLAINT, TicketType.RETURN_REFUND)
Case = tuple[dt.datetime, bool]  # (when, good)


@dataclass
class Proxy:
    estimate: stats.ShareEstimate
    basis: str  # what is counted, in words
    detail: str = ""  # a supporting figure (a median time, a count)
    monthly: dict[str, float | None] = field(default_factory=dict)  # share (0–100) per month


@dataclass(frozen=True)
class Scope:
    workspace: Workspace
    since: dt.datetime
    now: dt.datetime
    branch_ids: frozenset[int] | None  # None: every branch
    staff_id: int | None


def month_of(at: dt.datetime) -> str:
    return at.astimezone(BANGKOK).strftime("%Y-%m")


def _share(cases: Iterable[Case], basis: str, detail: str = "") -> Proxy:
    hits: dict[str, int] = defaultdict(int)
    totals: dict[str, int] = defaultdict(int)
    for at, good in cases:
        month = month_of(at)
        totals[month] += 1
        hits[month] += int(good)
    n, h = sum(totals.values()), sum(hits.values())
    return Proxy(
        estimate=stats.share(h, n),
        basis=basis,
        detail=detail,
        monthly={m: hits[m] / totals[m] * 100 for m in totals},
    )


def _minutes(value: float) -> str:
    if value < 90:
        return ngettext("%(n)d minute", "%(n)d minutes", round(value)) % {"n": round(value)}
    hours = value / 60
    if hours < 48:
        return _("%(n)s hours") % {"n": f"{hours:.1f}"}
    return _("%(n)s days") % {"n": f"{hours / 24:.1f}"}


def _median_detail(label: str, spans: list[float]) -> str:
    if not spans:
        return ""
    return _("%(label)s: median %(time)s") % {
        "label": label,
        "time": _minutes(statistics.median(spans)),
    }


def _tickets(scope: Scope) -> Q:
    q = Q(workspace=scope.workspace, opened_at__gte=scope.since, opened_at__lte=scope.now)
    if scope.branch_ids is not None:
        q &= Q(branch_id__in=scope.branch_ids)
    if scope.staff_id is not None:
        q &= Q(assignee_id=scope.staff_id)
    return q


def _on_target(
    scope: Scope, done: str, due: str, breached: str, has_target: Q
) -> tuple[list[Case], list[float]]:
    """(opened, met) for the tickets decided against one target (done, or past due undone)
    and the minutes each done one took. A done ticket was met unless flagged breached (its due
    time may be unknown now: the clocks stop when it is resolved)."""
    rows = Ticket.objects.filter(_tickets(scope), has_target).values_list(
        "opened_at", done, due, breached
    )
    cases: list[Case] = []
    spans: list[float] = []
    for opened, done_at, due_at, was_breached in rows:
        if done_at is not None:
            spans.append((done_at - opened).total_seconds() / 60)
            cases.append((opened, not was_breached and (due_at is None or done_at <= due_at)))
        elif was_breached or (due_at is not None and due_at < scope.now):
            cases.append((opened, False))
    return cases, spans


def responsiveness(scope: Scope) -> Proxy:
    """Tickets answered within their first-response target."""
    cases, spans = _on_target(
        scope,
        "first_responded_at",
        "first_response_due",
        "first_response_breached",
        Q(first_response_due__isnull=False) | Q(first_response_breached=True),
    )
    return _share(
        cases,
        _("tickets answered within the first-response target"),
        _median_detail(_("first response"), spans),
    )


def promptness(scope: Scope) -> Proxy:
    """Tickets resolved within their resolution target."""
    # A resolved ticket's resolution due time is cleared (its clock stopped); one with a
    # first-response target was under a policy.
    cases, spans = _on_target(
        scope,
        "resolved_at",
        "resolution_due",
        "resolution_breached",
        Q(resolution_due__isnull=False)
        | Q(resolution_breached=True)
        | Q(resolved_at__isnull=False, first_response_due__isnull=False),
    )
    return _share(
        cases,
        _("tickets resolved within the resolution target"),
        _median_detail(_("resolution"), spans),
    )


def promises_kept(scope: Scope) -> Proxy:
    """Follow-ups (call back, send a quote …) done by their due time, among those done or due."""
    q = (
        Q(workspace=scope.workspace, due_at__gte=scope.since)
        & (Q(due_at__lte=scope.now) | Q(status=FollowUpStatus.DONE))  # decided ones
        & ~Q(status=FollowUpStatus.CANCELLED)
    )
    if scope.branch_ids is not None:
        q &= Q(customer__home_branch_id__in=scope.branch_ids)
    if scope.staff_id is not None:
        q &= Q(assignee_id=scope.staff_id)
    rows = FollowUp.objects.filter(q).values_list("due_at", "status", "done_at")
    cases = [
        (due, status == FollowUpStatus.DONE and done is not None and done <= due)
        for due, status, done in rows
    ]
    return _share(cases, _("follow-ups done by their due time"))


def _orders(scope: Scope) -> Q:
    q = Q(
        workspace=scope.workspace,
        status=PAID_STATUS,
        placed_at__gte=scope.since,
        placed_at__lte=scope.now,
    )
    if scope.branch_ids is not None:
        q &= Q(branch_id__in=scope.branch_ids)
    if scope.staff_id is not None:
        q &= Q(staff_id=scope.staff_id)
    return q


def follow_up(scope: Scope) -> Proxy:
    """Purchases and resolved tickets of known customers followed up within FOLLOW_UP_DAYS: a
    survey link sent or answered, a recorded contact, or a staff reply after resolution."""
    window = dt.timedelta(days=FOLLOW_UP_DAYS)
    cases: list[Case] = []
    invited = SurveyInvitation.objects.filter(
        Q(sent_at__isnull=False) | Q(answered_at__isnull=False)
    )
    order_rows = (
        Order.objects.filter(_orders(scope), customer__isnull=False)
        .annotate(surveyed=Exists(invited.filter(order_id=OuterRef("pk"))))
        .values_list("placed_at", "customer_id", "surveyed")
    )
    ticket_rows = (
        Ticket.objects.filter(_tickets(scope), customer__isnull=False, resolved_at__isnull=False)
        .annotate(surveyed=Exists(invited.filter(ticket_id=OuterRef("pk"))))
        .values_list("resolved_at", "customer_id", "surveyed")
    )
    contacts: dict[int, list[dt.datetime]] = defaultdict(list)
    for customer, occurred in Interaction.objects.filter(
        workspace=scope.workspace, occurred_at__gte=scope.since
    ).values_list("customer_id", "occurred_at"):
        contacts[customer].append(occurred)
    items: list[tuple[dt.datetime | None, int, bool]] = [*order_rows, *ticket_rows]
    for at, customer, surveyed in items:
        if at is None:
            continue
        followed = surveyed or any(at < c <= at + window for c in contacts[customer])
        if followed or at <= scope.now - window:  # otherwise still inside its window
            cases.append((at, followed))
    return _share(cases, _("purchases and resolved tickets followed up within 14 days"))


def accuracy(scope: Scope) -> Proxy:
    """Paid orders with no complaint or return ticket and no refund."""
    issues = Ticket.orders.through.objects.filter(
        order_id=OuterRef("pk"), ticket__type__in=ISSUE_TYPES
    )
    rows = (
        Order.objects.filter(_orders(scope))
        .annotate(issue=Exists(issues))
        .values_list("placed_at", "issue", "refunded_satang")
    )
    cases = [(at, not issue and not refunded) for at, issue, refunded in rows]
    return _share(cases, _("orders without a complaint, return or refund"))


def _contacts(scope: Scope, *, personal_only: bool = False) -> list[tuple[int, dt.datetime, bool]]:
    """(customer, when, personal) for every contact: staff replies on tickets and recorded
    interactions are personal; campaign messages are not."""
    out: list[tuple[int, dt.datetime, bool]] = []
    replies = TicketMessage.objects.filter(
        workspace=scope.workspace,
        kind=MessageKind.REPLY,
        author_kind=AuthorKind.STAFF,
        created_at__gte=scope.since,
        created_at__lte=scope.now,
        ticket__customer__isnull=False,
    )
    interactions = Interaction.objects.filter(
        workspace=scope.workspace, occurred_at__gte=scope.since, occurred_at__lte=scope.now
    )
    if scope.branch_ids is not None:
        replies = replies.filter(ticket__branch_id__in=scope.branch_ids)
        interactions = interactions.filter(customer__home_branch_id__in=scope.branch_ids)
    if scope.staff_id is not None:
        replies = replies.filter(author_id=scope.staff_id)
        interactions = interactions.filter(staff_id=scope.staff_id)
    out += [(c, at, True) for c, at in replies.values_list("ticket__customer_id", "created_at")]
    out += [(c, at, True) for c, at in interactions.values_list("customer_id", "occurred_at")]
    if not personal_only:
        deliveries = Delivery.objects.filter(
            workspace=scope.workspace, sent_at__gte=scope.since, sent_at__lte=scope.now
        )
        if scope.branch_ids is not None:
            deliveries = deliveries.filter(customer__home_branch_id__in=scope.branch_ids)
        out += [
            (c, at, False)
            for c, at in deliveries.values_list("customer_id", "sent_at")
            if at is not None
        ]
    return out


def communication(scope: Scope) -> Proxy:
    """Customers who bought or were contacted in a month, contacted at least once and at most
    CONTACTS_PER_MONTH_MAX times that month."""
    per: dict[tuple[int, str], int] = defaultdict(int)
    first: dict[tuple[int, str], dt.datetime] = {}
    for customer, at, _personal in _contacts(scope, personal_only=scope.staff_id is not None):
        key = (customer, month_of(at))
        per[key] += 1
        first.setdefault(key, at)
    for customer, at in Order.objects.filter(_orders(scope), customer__isnull=False).values_list(
        "customer_id", "placed_at"
    ):
        key = (customer, month_of(at))
        per.setdefault(key, 0)
        first.setdefault(key, at)
    cases = [(first[key], 1 <= count <= CONTACTS_PER_MONTH_MAX) for key, count in per.items()]
    contacted = [c for c in per.values() if c]
    detail = (
        _("%(n)s contacts per contacted customer a month")
        % {"n": f"{sum(contacted) / len(contacted):.1f}"}
        if contacted
        else ""
    )
    return _share(
        cases,
        _("customers contacted 1 to 8 times a month (of those who bought or were contacted)"),
        detail,
    )


def accessibility(scope: Scope) -> Proxy:
    """Tickets answered, on whichever channel they came (older than a day if unanswered)."""
    rows = Ticket.objects.filter(_tickets(scope)).values_list(
        "opened_at", "channel", "first_responded_at"
    )
    cases, channels = [], set()
    for opened, channel, answered in rows:
        channels.add(channel)
        if answered is None and opened > scope.now - ANSWER_GRACE:
            continue
        cases.append((opened, answered is not None))
    detail = (
        ngettext("tickets came on %(n)d channel", "tickets came on %(n)d channels", len(channels))
        % {"n": len(channels)}
        if channels
        else ""
    )
    return _share(cases, _("tickets answered, on every channel"), detail)


def one_to_one(scope: Scope) -> Proxy:
    """Personal contacts (replies, calls, visits) among all contacts, campaign messages
    included. Per staff member every contact is personal, so it is not measured there."""
    if scope.staff_id is not None:
        return Proxy(stats.share(0, 0), _("not measured per staff member"))
    cases = [(at, personal) for _c, at, personal in _contacts(scope)]
    return _share(cases, _("personal contacts among all contacts"))


MEASURES = {
    "responsiveness": responsiveness,
    "promptness": promptness,
    "promises_kept": promises_kept,
    "follow_up": follow_up,
    "accuracy": accuracy,
    "communication": communication,
    "accessibility": accessibility,
    "one_to_one": one_to_one,
}


def measure_all(scope: Scope) -> dict[str, Proxy]:
    return {code: measure(scope) for code, measure in MEASURES.items()}
