"""The feedback domain's events: a survey answered (with its scores, so automations can act on
a low one), a survey link made for a customer, a feeling noted by staff, an interview held."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.timeline.registry import (
    DescribeContext,
    Description,
    DomainEvent,
    StrOrPromise,
    Subject,
)


def _feeling_label(kind: str) -> str:
    from samphan.feedback.models import FeelingKind

    try:
        return str(FeelingKind(kind).label)
    except ValueError:
        return kind


@dataclass(frozen=True, kw_only=True)
class SurveyAnswered(DomainEvent):
    """A survey was answered. About the customer when the answer is theirs (a personal link, a
    public link identified by phone); an anonymous answer is about the workspace only.
    ``low_score`` is true for a detractor (NPS 0–6), a CSAT or rating of 1–2 or an effort
    score of 1–3."""

    type: ClassVar[str] = "survey.answered"
    subject: ClassVar[Subject] = Subject.WORKSPACE
    label: ClassVar[StrOrPromise] = gettext_lazy("Survey answered")

    survey_id: int = field(metadata={"link": "survey"})
    response_id: int = field(metadata={"link": "survey_response"})
    title: str
    kind: str
    nps: int | None = None
    csat: int | None = None
    ces: int | None = None
    rating: int | None = None
    low_score: bool = False

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        parts = []
        if payload.get("nps") is not None:
            parts.append(_("Recommend: %(n)s/10") % {"n": payload["nps"]})
        if payload.get("csat") is not None:
            parts.append(_("Satisfaction: %(n)s/5") % {"n": payload["csat"]})
        if payload.get("rating") is not None:
            parts.append(_("Rating: %(n)s/5") % {"n": payload["rating"]})
        if payload.get("ces") is not None:
            parts.append(_("Effort: %(n)s/7") % {"n": payload["ces"]})
        lines = [" · ".join(parts)] if parts else []
        low = bool(payload.get("low_score"))
        if low:
            lines.append(_("Low score: follow up"))
        return Description(
            title=str(payload.get("title") or cls.label), lines=lines, tone="warn" if low else "ok"
        )


@dataclass(frozen=True, kw_only=True)
class SurveyInvited(DomainEvent):
    """A personal survey link was made for the customer (after a purchase, a ticket, or by
    staff); messaging, where it exists, sends it."""

    type: ClassVar[str] = "survey.invited"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Survey link made")

    survey_id: int = field(metadata={"link": "survey"})
    invitation_id: int = field(metadata={"link": "survey_invitation"})
    title: str
    source: str
    expires_at: str

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        source = {
            "order": _("After a purchase"),
            "ticket": _("After a service ticket"),
            "manual": _("Made by staff"),
            "api": _("Through the API"),
        }.get(str(payload.get("source", "")), "")
        return Description(
            title=_("Survey link: %(title)s") % {"title": payload.get("title", "")},
            lines=[source] if source else [],
            tone="off",
        )


@dataclass(frozen=True, kw_only=True)
class FeelingRecorded(DomainEvent):
    """Staff noted how the customer feels (a positive or negative experience, a referral, the
    relationship with staff, pride, top of mind)."""

    type: ClassVar[str] = "feeling.recorded"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Feeling noted")

    observation_id: int = field(metadata={"link": "feeling"})
    kind: str
    score: int

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        score = int(payload.get("score") or 0)
        return Description(
            title=_feeling_label(str(payload.get("kind", ""))) or str(cls.label),
            lines=[_("Strength: %(n)s") % {"n": f"{score:+d}"}],
            tone="ok" if score > 0 else "warn" if score < 0 else "",
        )


@dataclass(frozen=True, kw_only=True)
class InterviewRecorded(DomainEvent):
    type: ClassVar[str] = "interview.recorded"
    subject: ClassVar[Subject] = Subject.CUSTOMER
    label: ClassVar[StrOrPromise] = gettext_lazy("Interview recorded")

    interview_id: int = field(metadata={"link": "interview"})
    held_on: str
    themes: int = 0

    @classmethod
    def describe(cls, payload: Mapping[str, Any], ctx: DescribeContext) -> Description:
        n = int(payload.get("themes") or 0)
        return Description(
            title=str(cls.label),
            lines=[_("%(n)s themes") % {"n": n}] if n else [],
        )
