"""Partial and full refunds of paid orders (คืนเงิน): by lines and units, or by an amount.

A refund gives back part of what a paid order took, never more than is left: units of its lines
(each unit worth its share of the line's total, see :func:`line_refund_amount`) or an amount
alone (which spreads nothing to the lines). Each refund records who did it and why, keeps
``Order.refunded_satang`` and the lines' refunded units and value in step, and publishes
``order.refunded``. When the refunds reach the order's total the order becomes *refunded*, and
an ``order.status_changed`` (paid → refunded, with this refund's reason) is published in the
same call, so that the status history, the audit log and every reader of the order's status
agree; a reader that reverses what the refunded part earned (loyalty) sees both events and
must count the refund once.

A paid order counts as ``total_satang - refunded_satang`` spent (``models.NET_SATANG``): the
purchase summaries, the windowed spend of segments and the analytics read that.

Concurrency: the order row is locked for the whole check-and-write (PostgreSQL: ``SELECT …
FOR UPDATE``; SQLite: the write lock that ``BEGIN IMMEDIATE`` takes, see
``settings.DATABASES``), so two refunds at the same moment queue and can never together give
back more than the order's total.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.commerce.events import OrderRefunded, OrderStatusChanged
from samphan.commerce.models import Order, OrderLine, OrderStatus, Refund, RefundLine
from samphan.commerce.selectors import order_list
from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.limits import MAX_QUANTITY, MAX_SATANG
from samphan.core.money import format_baht
from samphan.core.roles import Perm
from samphan.timeline.publish import publish

REFUND_REASON_MAX = 500
# Lines one refund may name (an order has at most 500 through the API).
REFUND_LINES_MAX = 500
IDEMPOTENCY_KEY_MAX = 100


@dataclass(frozen=True)
class RefundLineInput:
    line_id: int
    quantity: int


@dataclass(frozen=True)
class RefundResult:
    refund: Refund
    order: Order
    # False when the Idempotency-Key named a refund made before: nothing was written.
    created: bool


def line_refund_amount(
    *, line_total_satang: int, line_quantity: int, refunded_quantity: int, quantity: int
) -> int:
    """The value of ``quantity`` more units of a line of which ``refunded_quantity`` units were
    refunded before: what the line's units up to the last one refunded are worth, less what the
    earlier refunds took, each rounded down. Exact integer arithmetic: the units of a line
    always add up to its total, the last unit taking the remainder (฿10.00 for 3: 3.33, 3.33,
    3.34), in whatever steps they are refunded."""
    if line_quantity <= 0:
        return 0
    after = refunded_quantity + quantity
    return (line_total_satang * after) // line_quantity - (
        line_total_satang * refunded_quantity
    ) // line_quantity


def _error(code: str, message: str, http: int, **details: object) -> ApplicationError:
    return ApplicationError(code, message, dict(details), status=http)


def refund_reason_clean(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise _error(
            "reason_required",
            _("Give a reason, e.g. the customer brought one item back."),
            422,
            field="reason",
        )
    if len(reason) > REFUND_REASON_MAX:
        raise _error(
            "too_long",
            _("Keep the reason under %(max)s characters.") % {"max": REFUND_REASON_MAX},
            422,
            field="reason",
        )
    return reason


def _check_request(
    lines: list[RefundLineInput] | None, amount_satang: int | None
) -> list[RefundLineInput] | None:
    """Exactly one of lines (at least one) or an amount, each within the domain's ranges."""
    if lines is not None and amount_satang is not None:
        raise _error(
            "refund_lines_and_amount",
            _("Refund either items or an amount, not both."),
            422,
            field="lines",
        )
    if lines is None and amount_satang is None:
        raise _error(
            "refund_nothing",
            _("Choose the items to refund, or enter an amount."),
            422,
            field="lines",
        )
    if amount_satang is not None:
        if not 0 < amount_satang <= MAX_SATANG:
            raise _error(
                "invalid_amount",
                _("Enter an amount above zero."),
                422,
                field="amount_satang",
                max_satang=MAX_SATANG,
            )
        return None
    assert lines is not None
    if not lines:
        raise _error(
            "refund_nothing",
            _("Choose the items to refund, or enter an amount."),
            422,
            field="lines",
        )
    if len(lines) > REFUND_LINES_MAX:
        raise _error(
            "too_many_lines",
            _("A refund names at most %(max)s items.") % {"max": REFUND_LINES_MAX},
            422,
            field="lines",
        )
    seen: set[int] = set()
    for i, line in enumerate(lines):
        if not 0 < line.quantity <= MAX_QUANTITY:
            raise _error(
                "invalid_quantity",
                _("Quantity must be from 1 to %(max)s.") % {"max": MAX_QUANTITY},
                422,
                field=f"lines[{i}].quantity",
            )
        if line.line_id in seen:
            raise _error(
                "duplicate_line",
                _("Each item may appear once in a refund."),
                422,
                field=f"lines[{i}].line_id",
                line_id=line.line_id,
            )
        seen.add(line.line_id)
    return lines


def _key_clean(key: str | None) -> str | None:
    key = (key or "").strip()
    if not key:
        return None
    if len(key) > IDEMPOTENCY_KEY_MAX:
        raise _error(
            "invalid_idempotency_key",
            _("The Idempotency-Key is too long: at most %(max)s characters.")
            % {"max": IDEMPOTENCY_KEY_MAX},
            422,
            field="Idempotency-Key",
        )
    return key


def _replayed(actor: Actor, key: str | None, order_id: int) -> Refund | None:
    if key is None:
        return None
    earlier = Refund.objects.filter(workspace=actor.workspace, idempotency_key=key).first()
    if earlier is not None and earlier.order_id != order_id:
        raise _error(
            "idempotency_key_reused",
            _("This Idempotency-Key was used for a refund of another order."),
            409,
            field="Idempotency-Key",
        )
    return earlier


def refund_create(
    *,
    actor: Actor,
    order_id: int,
    reason: str,
    lines: list[RefundLineInput] | None = None,
    amount_satang: int | None = None,
    idempotency_key: str | None = None,
    ip: str | None = None,
) -> RefundResult:
    """Refund units of a paid order's lines (``lines``) or an amount (``amount_satang``),
    exactly one of them, with a reason. See the module docstring for the rules.

    Errors: 403 without ``order.refund``; 404 ``order_not_found`` (another workspace's or
    branch's order too); 409 ``order_not_paid``, ``over_refund`` (more units than are left on
    a line, or more money than is left on the order), ``idempotency_key_reused``; 422
    ``reason_required``, ``too_long``, ``refund_lines_and_amount``, ``refund_nothing``,
    ``invalid_amount``, ``invalid_quantity``, ``duplicate_line``, ``unknown_line``.

    With an ``idempotency_key`` already used for this order, nothing is written and the earlier
    refund is returned (``created=False``), so a till that retries refunds once.
    """
    require(actor, Perm.ORDER_REFUND)
    lines = _check_request(lines, amount_satang)
    reason = refund_reason_clean(reason)
    key = _key_clean(idempotency_key)
    try:
        with transaction.atomic():
            # order_list applies the branch scope: another branch's order is a 404.
            order = (
                order_list(actor=actor)
                .select_related(None)
                .select_for_update()
                .filter(pk=order_id)
                .first()
            )
            if order is None:
                raise NotFound("order_not_found", _("Order not found."))
            earlier = _replayed(actor, key, order.pk)
            if earlier is not None:
                return RefundResult(refund=earlier, order=order, created=False)
            refund = _refund_write(actor, order, lines, amount_satang, reason, key, ip)
    except IntegrityError:
        # Two requests with one new key at once: the other one wrote it.
        earlier = _replayed(actor, key, order_id)
        if earlier is None:
            raise
        order = Order.objects.get(pk=earlier.order_id)
        return RefundResult(refund=earlier, order=order, created=False)
    return RefundResult(refund=refund, order=order, created=True)


@dataclass(frozen=True)
class RefundPlan:
    """What a refund would give back: the amount, and (line, units, value) per line."""

    amount_satang: int
    lines: list[tuple[OrderLine, int, int]]


def refund_check(
    *,
    actor: Actor,
    order: Order,
    reason: str,
    lines: list[RefundLineInput] | None = None,
    amount_satang: int | None = None,
) -> tuple[RefundPlan, str]:
    """Raise the error ``refund_create`` would raise for this request, else return what it
    would refund and the reason, cleaned, writing nothing. Lets a page show the amount before
    asking the user to confirm (``order`` from ``order_get``, scoped to the actor)."""
    require(actor, Perm.ORDER_REFUND)
    lines = _check_request(lines, amount_satang)
    reason = refund_reason_clean(reason)
    return _plan(order, lines, amount_satang), reason


def _plan(
    order: Order, lines: list[RefundLineInput] | None, amount_satang: int | None
) -> RefundPlan:
    if order.status != OrderStatus.PAID:
        raise _error(
            "order_not_paid",
            _("Only a paid order can be refunded (this one is: %(status)s).")
            % {"status": OrderStatus(order.status).label},
            409,
            status=order.status,
        )
    left = order.total_satang - order.refunded_satang
    line_rows: list[tuple[OrderLine, int, int]] = []  # (line, quantity, amount)
    if lines is None:
        assert amount_satang is not None
        if amount_satang > left:
            raise _error(
                "over_refund",
                _("At most %(left)s is left to refund on this order.")
                % {"left": format_baht(left)},
                409,
                field="amount_satang",
                refundable_satang=left,
            )
        return RefundPlan(amount_satang=amount_satang, lines=[])
    by_id = {
        line.pk: line
        for line in OrderLine.objects.filter(order=order, pk__in=[line.line_id for line in lines])
    }
    for i, wanted in enumerate(lines):
        line = by_id.get(wanted.line_id)
        if line is None:
            raise _error(
                "unknown_line",
                _("This order has no item with id %(id)s.") % {"id": wanted.line_id},
                422,
                field=f"lines[{i}].line_id",
                line_id=wanted.line_id,
            )
        refundable = line.quantity - line.refunded_quantity
        if wanted.quantity > refundable:
            raise _error(
                "over_refund",
                _("Only %(left)s of “%(name)s” can still be refunded.")
                % {"left": refundable, "name": line.name},
                409,
                field=f"lines[{i}].quantity",
                line_id=line.pk,
                refundable_quantity=refundable,
            )
        amount = line_refund_amount(
            line_total_satang=line.line_total_satang,
            line_quantity=line.quantity,
            refunded_quantity=line.refunded_quantity,
            quantity=wanted.quantity,
        )
        line_rows.append((line, wanted.quantity, amount))
    # The goods' value, but never more than is left to give back: an order-wide discount can
    # make the lines worth more than was paid for them.
    total = min(sum(amount for _line, _q, amount in line_rows), left)
    return RefundPlan(amount_satang=total, lines=line_rows)


def _refund_write(
    actor: Actor,
    order: Order,
    lines: list[RefundLineInput] | None,
    amount_satang: int | None,
    reason: str,
    key: str | None,
    ip: str | None,
) -> Refund:
    plan = _plan(order, lines, amount_satang)
    amount_satang, line_rows = plan.amount_satang, plan.lines
    now = timezone.now()
    refund = Refund.objects.create(
        workspace=actor.workspace,
        order=order,
        amount_satang=amount_satang,
        reason=reason,
        created_by=actor.user if actor.user is not None and actor.user.pk else None,
        created_by_label=actor.label[:150],
        created_at=now,
        idempotency_key=key,
    )
    RefundLine.objects.bulk_create(
        [
            RefundLine(
                workspace=actor.workspace,
                refund=refund,
                order_line=line,
                quantity=quantity,
                amount_satang=amount,
            )
            for line, quantity, amount in line_rows
        ]
    )
    for line, quantity, amount in line_rows:
        OrderLine.objects.filter(pk=line.pk).update(
            refunded_quantity=F("refunded_quantity") + quantity,
            refunded_satang=F("refunded_satang") + amount,
        )
    order.refunded_satang += amount_satang
    update = ["refunded_satang"]
    in_full = order.refunded_satang >= order.total_satang and (
        order.total_satang > 0 or _all_units_refunded(order)
    )
    if in_full:
        order.status = OrderStatus.REFUNDED
        update.append("status")
    order.save(update_fields=update)
    events: list[OrderRefunded | OrderStatusChanged] = [
        OrderRefunded(
            workspace_id=actor.workspace.pk,
            customer_id=order.customer_id,
            order_id=order.pk,
            actor=actor,
            occurred_at=now,
            number=order.number,
            refund_id=refund.pk,
            amount_satang=amount_satang,
            refunded_total_satang=order.refunded_satang,
            total_satang=order.total_satang,
            lines=[
                {"line_id": line.pk, "quantity": quantity, "amount_satang": amount}
                for line, quantity, amount in line_rows
            ],
            reason=reason,
        )
    ]
    if in_full:
        events.append(
            OrderStatusChanged(
                workspace_id=actor.workspace.pk,
                customer_id=order.customer_id,
                order_id=order.pk,
                actor=actor,
                occurred_at=now,
                number=order.number,
                old_status=OrderStatus.PAID,
                new_status=OrderStatus.REFUNDED,
                total_satang=order.total_satang,
                reason=reason,
            )
        )
    # The purchase summary and lifecycle stage follow (commerce/subscribers.py).
    publish(events)
    audit_record(
        action="order.refunded",
        workspace=actor.workspace,
        actor=actor.user,
        actor_label=actor.label,
        target=order.number,
        ip=ip,
        data={
            "order_id": order.pk,
            "number": order.number,
            "customer_id": order.customer_id,
            "refund_id": refund.pk,
            "amount_satang": amount_satang,
            "refunded_total_satang": order.refunded_satang,
            "total_satang": order.total_satang,
            "lines": [
                {"line_id": line.pk, "quantity": quantity} for line, quantity, _a in line_rows
            ],
            "reason": reason,
            "status": order.status,
        },
    )
    return refund


def _all_units_refunded(order: Order) -> bool:
    return not OrderLine.objects.filter(order=order, refunded_quantity__lt=F("quantity")).exists()
