"""One order: its lines, totals and status history, and cancelling, refunding or marking it
returned (choose and give a reason, then confirm on a second step; works without JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.commerce import selectors
from samphan.commerce.models import Order, OrderStatus
from samphan.commerce.services import (
    order_status_change,
    order_status_change_check,
    order_status_targets,
)
from samphan.commerce.views.sale import PAYMENT_LABELS
from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
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


def _render(
    request: HttpRequest,
    order: Order,
    *,
    form: dict[str, str] | None = None,
    confirm: bool = False,
    error: str = "",
    error_field: str = "",
    status: int = 200,
) -> HttpResponse:
    actor = current_actor(request)
    form = form or {"status": "", "reason": ""}
    targets = order_status_targets(actor=actor, order=order)
    chosen = form.get("status", "")
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


urlpatterns: list[URLPattern] = [
    path("orders/<int:order_id>/", order_detail, name="order_detail"),
]
