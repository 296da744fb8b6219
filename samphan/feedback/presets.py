"""Ready-made surveys a shop can start from (and then edit)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from samphan.feedback.models import FeelingKind, QuestionType, SurveyKind


def presets() -> dict[str, dict[str, Any]]:
    return {
        "post_purchase": {
            "fields": {
                "title": _("How was your purchase?"),
                "kind": SurveyKind.POST_PURCHASE,
                "intro": _("Two minutes of your time helps us serve you better."),
                "thank_you": _("Thank you! We read every answer."),
            },
            "questions": [
                {
                    "type": QuestionType.NPS,
                    "text": _("How likely are you to recommend us to a friend?"),
                },
                {"type": QuestionType.CSAT, "text": _("How satisfied are you with this purchase?")},
                {
                    "type": QuestionType.EP_PAIR,
                    "text": _("What did you expect, and what did you get?"),
                    "required": False,
                },
                {
                    "type": QuestionType.SINGLE,
                    "text": _("Did a friend tell you about us?"),
                    "choices": [_("Yes"), _("No")],
                    "feeling": FeelingKind.REFERRED_BY_FRIEND,
                    "required": False,
                },
                {
                    "type": QuestionType.TEXT,
                    "text": _("Anything you would like to tell us?"),
                    "required": False,
                },
            ],
        },
        "post_ticket": {
            "fields": {
                "title": _("How did we handle your request?"),
                "kind": SurveyKind.POST_TICKET,
                "thank_you": _("Thank you! We read every answer."),
            },
            "questions": [
                {"type": QuestionType.CSAT, "text": _("How satisfied are you with our help?")},
                {"type": QuestionType.CES, "text": _("The shop made it easy to solve my problem.")},
                {
                    "type": QuestionType.TEXT,
                    "text": _("What could we have done better?"),
                    "required": False,
                },
            ],
        },
        "relationship": {
            "fields": {
                "title": _("Our relationship with you"),
                "kind": SurveyKind.GENERAL,
            },
            "questions": [
                {
                    "type": QuestionType.NPS,
                    "text": _("How likely are you to recommend us to a friend?"),
                },
                {
                    "type": QuestionType.EP_PAIR,
                    "text": _("For each quality: what you expect, and how we do."),
                },
                {
                    "type": QuestionType.RATING,
                    "text": _("How well do our staff know you?"),
                    "feeling": FeelingKind.STAFF_RELATIONSHIP,
                },
                {
                    "type": QuestionType.SINGLE,
                    "text": _(
                        "When you think of this kind of shop, are we the first that comes to mind?"
                    ),
                    "choices": [_("Yes"), _("No")],
                    "feeling": FeelingKind.TOP_OF_MIND,
                },
                {
                    "type": QuestionType.TEXT,
                    "text": _("What would delight you next time?"),
                    "required": False,
                },
            ],
        },
    }
