"""Feedback's panel on the customer page: how the customer feels (counted over the last year,
with the net positive per month), their open survey links for staff to send, their latest
survey scores and interviews, and a form to note a feeling."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from samphan.core.access import Actor
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.customers.panels import register_panel
from samphan.feedback.links import invitation_path
from samphan.feedback.models import FeelingKind, Survey
from samphan.feedback.selectors import relationship


def relationship_panel(actor: Actor, customer: Customer) -> dict[str, Any]:
    found = relationship(actor=actor, customer_id=customer.pk, customer=customer)
    peak = max([abs(n) for _m, n in found.trend] + [1])
    return {
        "rel": found,
        "trend_bars": [
            {"month": m, "net": n, "height": round(abs(n) / peak * 24), "up": n >= 0}
            for m, n in found.trend
        ],
        "links": [(inv, invitation_path(inv)) for inv in found.invitations],
        "can_edit": actor.can(Perm.CUSTOMER_EDIT),
        "kinds": FeelingKind.choices,
        "surveys": list(
            Survey.objects.filter(workspace=actor.workspace, is_active=True).values_list(
                "pk", "title"
            )[:20]
        )
        if actor.can(Perm.CUSTOMER_EDIT)
        else [],
    }


register_panel(
    key="relationship",
    title=gettext_lazy("Relationship"),
    template="feedback/panels/relationship.html",
    context=relationship_panel,
    order=40,
    column="more",
    perm=Perm.CUSTOMER_VIEW,
)
