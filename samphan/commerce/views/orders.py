"""One order: its lines, totals, refunds and status history; refunding part of it (units of its
lines or an amount) and cancelling, refunding or marking it returned (choose and give a reason,
then confirm on a second step; works without JavaScript)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.commerce import selectors
from samphan.commerce.models import Order, OrderLine, OrderStatus
from samphan.commerce.refunds import (
    IDEMPOTENCY_KEY_MAX,
    RefundLineInput,
    RefundPlan,
    refund_check,
    refund_create,
)
from samphan.commerce.services import (
    order_status_change,
    order_status_change_check,
    order_status_targets,
)
from samphan.commerce.views.sale import PAYMENT_LABELS, _money
from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.core.money import format_baht
from samphan.core.roles import Perm
from samphan.core.web import current_actor, member_required

# What each change means, for the choice and the confirm step.
CHANGE_LABELS: dict[str, Promise] = {
    OrderStatus.CANCELLED: gettext_lazy("Cancel the order"),
    OrderStatus.REFUNDED: gettext_lazy("Refund"),
    OrderStatus.RETURNED: gettext_lazy("Goods returned"),
}
CHANGE_HELP: dict[str, Promise] = {
    OrderStatus.CANCELLED: gettext_lazy(
        "The sale did not happen, e.g. it was keyed in by mistake."
    ),
    OrderStatus.REFUNDED: gettext_lazy("The customer got their money back."),
    OrderStatus.RETURNED: gettext_lazy("The customer brought the goods back."),
}
CONFIRM_BUTTONS: dict[str, Promise] = {
    OrderStatus.CANCELLED: gettext_lazy("Yes, cancel the order"),
    OrderStatus.REFUNDED: gettext_lazy("Yes, refund"),
    OrderStatus.RETURNED: gettext_lazy("Yes, mark as returned"),
}
DONE_MESSAGES: dict[str, Promise] = {
    OrderStatus.CANCELLED: gettext_lazy("Order %(number)s cancelled."),
    OrderStatus.REFUNDED: gettext_lazy("Order %(number)s refunded."),
    OrderStatus.RETURNED: gettext_lazy("Order %(number)s marked as returned."),
}
STATUS_TONES: dict[str, str] = {OrderStatus.PAID: "ok", OrderStatus.CANCELLED: "off"}


@dataclass(frozen=True)
class RefundRow:
    """A line of the refund form: the line, the units left to refund, the units typed."""

    line: OrderLine
    left: int
    typed: str


@dataclass
class RefundForm:
    """The partial-refund form as posted: units per line, an amount in baht, a reason, and
    the key that makes the confirm step refund once however often it is sent."""

    quantities: dict[int, str]
    amount: str = ""
    reason: str = ""
    key: str = ""

    @classmethod
    def empty(cls) -> RefundForm:
        return cls(quantities={})

    @classmethod
    def of(cls, request: HttpRequest) -> RefundForm:
        post = request.POST
        return cls(
            quantities={
                int(name[4:]): post[name].strip()
                for name in post
                if name.startswith("qty-") and name[4:].isdigit() and len(name) < 30
            },
            amount=post.get("refund_amount", "").strip()[:30],
            reason=post.get("refund_reason", ""),
            key=post.get("refund_key", "")[:IDEMPOTENCY_KEY_MAX],
        )

    def request(self) -> tuple[list[RefundLineInput] | None, int | None]:
        """The service's arguments: units of lines and/or an amount (the service refuses both
        or neither); raises ApplicationError for what cannot be read."""
        lines = []
        for line_id, typed in sorted(self.quantities.items()):
            if not typed or typed == "0":
                continue
            try:
                quantity = int(typed)
            except ValueError:
                quantity = -1
            if quantity < 0:
                raise ApplicationError(
                    "invalid_quantity",
                    _("Enter a whole number of items."),
                    {"field": "lines"},
                    status=422,
                )
            lines.append(RefundLineInput(line_id=line_id, quantity=quantity))
        amount = None
        if self.amount:
            try:
                amount = _money(self.amount)
            except ValueError:
                raise ApplicationError(
                    "invalid_amount",
                    _("Enter the amount in baht, e.g. 50 or 1,250.50."),
                    {"field": "amount_satang"},
                    status=422,
                ) from None
        return (lines or None), amount


def _render(
    request: HttpRequest,
    order: Order,
    *,
    form: dict[str, str] | None = None,
    confirm: bool = False,
    error: str = "",
    error_field: str = "",
    status: int = 200,
    refund_form: RefundForm | None = None,
    refund_plan: RefundPlan | None = None,
) -> HttpResponse:
    actor = current_actor(request)
    form = form or {"status": "", "reason": ""}
    refund_form = refund_form or RefundForm.empty()
    targets = order_status_targets(actor=actor, order=order)
    chosen = form.get("status", "")
    refund_rows = [
        RefundRow(line=line, left=left, typed=refund_form.quantities.get(line.pk, ""))
        for line, left in selectors.refundable_lines(order=order)
    ]
    can_refund = (
        actor.can(Perm.ORDER_REFUND)
        and order.status == OrderStatus.PAID
        and order.refunded_satang < order.total_satang
    )
    return render(
        request,
        "commerce/orders/detail.html",
        {
            "order": order,
            "lines": list(order.lines.order_by("pk")),  # as entered
            "status_label": order.get_status_display(),
            "status_tone": STATUS_TONES.get(order.status, "warn"),
            "payment_label": PAYMENT_LABELS.get(order.payment_method, order.payment_method),
            "history": selectors.order_status_history(actor=actor, order=order),
            "choices": [(s, CHANGE_LABELS[s], CHANGE_HELP[s]) for s in targets],
            # Staff who may cancel only today's sales get told why there is no form.
            "today_only": not targets
            and order.status == OrderStatus.PAID
            and actor.can(Perm.ORDER_CANCEL)
            and not actor.can(Perm.ORDER_REFUND),
            "is_final": order.status != OrderStatus.PAID,
            "form": form,
            "confirm": confirm,
            "confirm_button": CONFIRM_BUTTONS.get(chosen, ""),
            "confirm_verb": CHANGE_LABELS.get(chosen, ""),
            "error": error,
            "error_field": error_field,
            "refunds": list(selectors.refund_list(actor=actor, order=order)),
            "refund_left_satang": order.total_satang - order.refunded_satang,
            "net_satang": order.total_satang - order.refunded_satang,
            "can_refund": can_refund,
            "refund_rows": refund_rows,
            "refund_form": refund_form,
            "refund_plan": refund_plan,
        },
        status=status,
    )


@member_required(Perm.ORDER_VIEW)
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    """GET: the order. POST ``action=review``: check the chosen change and reason, then ask to
    confirm; POST ``action=confirm``: make the change and come back to the order."""
    actor = current_actor(request)
    order = selectors.order_get(actor=actor, order_id=order_id)
    if request.method != "POST":
        return _render(request, order)
    if request.POST.get("action", "").startswith("refund"):
        return _refund(request, order)
    form = {"status": request.POST.get("status", ""), "reason": request.POST.get("reason", "")}
    try:
        if request.POST.get("action") != "confirm":
            form["reason"] = order_status_change_check(
                actor=actor, order=order, status=form["status"], reason=form["reason"]
            )
            return _render(request, order, form=form, confirm=True)
        result = order_status_change(
            actor=actor,
            order_id=order.pk,
            status=form["status"],
            reason=form["reason"],
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        return _render(
            request,
            order,
            form=form,
            error=exc.message,
            error_field=str(exc.details.get("field", "")),
            status=exc.status,
        )
    if result.changed:
        messages.success(request, DONE_MESSAGES[form["status"]] % {"number": order.number})
    else:
        messages.info(request, _("Nothing changed: the order already had this status."))
    return redirect("commerce:order_detail", order_id=order.pk)


def _refund(request: HttpRequest, order: Order) -> HttpResponse:
    """POST ``action=refund_review``: check the units or amount and the reason, then show what
    will be given back and ask to confirm; ``action=refund_confirm``: refund, once (the key
    made at the review step is the refund's idempotency key)."""
    actor = current_actor(request)
    refund_form = RefundForm.of(request)
    try:
        lines, amount = refund_form.request()
        if request.POST.get("action") != "refund_confirm":
            plan, refund_form.reason = refund_check(
                actor=actor,
                order=order,
                reason=refund_form.reason,
                lines=lines,
                amount_satang=amount,
            )
            refund_form.key = uuid.uuid4().hex
            return _render(request, order, refund_form=refund_form, refund_plan=plan)
        result = refund_create(
            actor=actor,
            order_id=order.pk,
            reason=refund_form.reason,
            lines=lines,
            amount_satang=amount,
            idempotency_key=refund_form.key or None,
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        field = str(exc.details.get("field", ""))
        return _render(
            request,
            order,
            refund_form=refund_form,
            error=exc.message,
            error_field="refund_"
            + ("reason" if field == "reason" else "amount" if field == "amount_satang" else "lines")
            if field
            else "",
            status=exc.status,
        )
    if result.created:
        messages.success(
            request,
            _("Refunded %(amount)s on order %(number)s.")
            % {"amount": format_baht(result.refund.amount_satang), "number": order.number},
        )
    else:
        messages.info(request, _("This refund was already made."))
    return redirect("commerce:order_detail", order_id=order.pk)


urlpatterns: list[URLPattern] = [
    path("orders/<int:order_id>/", order_detail, name="order_detail"),
]
