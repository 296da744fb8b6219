"""Ready-made journeys a shop starts from (and then edits)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from samphan.automations.models import Trigger

DAY = 24 * 60


def recipes() -> dict[str, dict[str, Any]]:
    return {
        "welcome": {
            "name": _("Welcome a new customer"),
            "trigger": Trigger.CUSTOMER_CREATED,
            "wait_minutes": 60,
            "message": _(
                "Welcome, {{ first_name }}! Thank you for joining {{ shop_name }}. "
                "Show this chat at the counter for a small welcome gift."
            ),
            "tag": _("new customer"),
        },
        "thank_you": {
            "name": _("Thank you for a first purchase, with a review request"),
            "trigger": Trigger.FIRST_PURCHASE,
            "wait_minutes": 2 * DAY,
            "message": _(
                "Thank you for shopping with {{ shop_name }}, {{ first_name }}! "
                "How do you like it? A short review helps us a lot."
            ),
        },
        "after_ticket": {
            "name": _("Check back after a ticket"),
            "trigger": Trigger.TICKET_RESOLVED,
            "wait_minutes": 3 * DAY,
            "follow_up": _("Call to ask whether the problem is really solved"),
        },
        "low_score": {
            "name": _("Call a customer who gave a low score"),
            "trigger": Trigger.LOW_SCORE,
            "wait_minutes": 0,
            "follow_up": _("Call the customer about their low score today"),
            "tag": _("needs care"),
        },
        "win_back": {
            "name": _("Win back a customer who has not bought for 60 days"),
            "trigger": Trigger.NO_PURCHASE,
            "days": 60,
            "wait_minutes": 0,
            "stop_if_purchased": True,
            "message": _(
                "We miss you, {{ first_name }}! Come back to {{ shop_name }} this week: "
                "we have something new for you."
            ),
            "tag": _("win-back"),
        },
        "birthday": {
            "name": _("Happy birthday"),
            "trigger": Trigger.BIRTHDAY,
            "days": 0,
            "wait_minutes": 0,
            "message": _(
                "Happy birthday, {{ first_name }}! Everyone at {{ shop_name }} wishes you a "
                "wonderful year. Show this message at the counter for a birthday treat."
            ),
        },
        "points_expiry": {
            "name": _("Remind a member before points expire"),
            "trigger": Trigger.POINTS_EXPIRING,
            "wait_minutes": 0,
            "message": _(
                "{{ first_name }}, {{ points_expiring }} of your points at {{ shop_name }} "
                "expire within 30 days. Use them on your next visit!"
            ),
        },
    }
