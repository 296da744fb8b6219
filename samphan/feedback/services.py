"""Writes of the feedback domain: surveys and their questions, personal links, responses,
feelings and interviews. Every function checks its inputs (counts, lengths, ranges) and
answers a clear ``ApplicationError``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.audit import audit_record
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Workspace
from samphan.core.roles import Perm, Role
from samphan.customers.models import Customer, Interaction
from samphan.feedback import links
from samphan.feedback.attributes import attributes_ensure
from samphan.feedback.events import (
    FeelingRecorded,
    InterviewRecorded,
    SurveyAnswered,
    SurveyInvited,
)
from samphan.feedback.feelings import SCALES, Given, feelings_of, is_low
from samphan.feedback.models import (
    Answer,
    Attribute,
    EmotionalObservation,
    EPAnswer,
    FeelingKind,
    FeelingSource,
    Interview,
    InvitationSource,
    PublicMode,
    Question,
    QuestionType,
    Survey,
    SurveyInvitation,
    SurveyKind,
    SurveyResponse,
)
from samphan.timeline.publish import publish

# Limits.
MAX_SURVEYS = 200
MAX_QUESTIONS = 30
MAX_CHOICES = 20
CHOICE_MAX = 200
MAX_EP_ATTRIBUTES = 20
ANSWER_TEXT_MAX = 2000
EXPIRY_DAYS = (1, 365)
EP_SCALES = (5, 7)
MAX_QA = 30
QA_TEXT_MAX = 2000
MAX_QUOTES = 20
QUOTE_MAX = 500
MAX_THEMES = 20
THEME_MAX = 60
INTERVIEW_TEXT_MAX = 5000
FEELING_NOTE_MAX = 500
CHOICE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)


def _invalid(code: str, message: str, field: str, status: int = 422) -> ApplicationError:
    return ApplicationError(code, message, {"field": field}, status=status)


def _text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise _invalid("required", _("This field is required."), field)
    if len(text) > max_length:
        raise _invalid(
            "too_long",
            _("At most %(n)s characters.") % {"n": max_length},
            field,
        )
    return text


def _choice(value: Any, allowed: Iterable[str], *, field: str) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise _invalid(
            "invalid_choice",
            _("Choose one of: %(values)s.") % {"values": ", ".join(allowed)},
            field,
        )
    return str(value)


class SurveyActor(Actor):
    """A customer answering a public survey link: may create or match themselves by phone,
    and is named as the survey page on the rows it writes."""

    @property
    def label(self) -> str:
        return "survey"


# --- surveys and questions -------------------------------------------------------------------


def survey_of(actor: Actor, survey_id: int) -> Survey:
    survey = Survey.objects.filter(workspace=actor.workspace, pk=survey_id).first()
    if survey is None:
        raise NotFound("survey_not_found", _("Survey not found."))
    return survey


@dataclass(frozen=True)
class QuestionSpec:
    id: int | None
    type: str
    text: str
    help_text: str
    required: bool
    choices: list[str]
    scale: int
    attributes: list[str]
    feeling: str


def question_clean(raw: Mapping[str, Any], *, index: int, codes: Sequence[str]) -> QuestionSpec:
    """One question as given (API or page), checked: its type, text, options, scale and
    attributes."""
    field = f"questions[{index}]"
    type_ = _choice(raw.get("type"), QuestionType.values, field=f"{field}.type")
    text = _text(raw.get("text"), field=f"{field}.text", max_length=500, required=True)
    help_text = _text(raw.get("help_text"), field=f"{field}.help_text", max_length=300)
    choices: list[str] = []
    if type_ in CHOICE_TYPES:
        given = raw.get("choices") or []
        if not isinstance(given, list) or not 2 <= len(given) <= MAX_CHOICES:
            raise _invalid(
                "invalid_choices",
                _("Give between 2 and %(n)s options.") % {"n": MAX_CHOICES},
                f"{field}.choices",
            )
        choices = [
            _text(c, field=f"{field}.choices[{i}]", max_length=CHOICE_MAX, required=True)
            for i, c in enumerate(given)
        ]
        if len(set(choices)) != len(choices):
            raise _invalid(
                "invalid_choices", _("Each option must be different."), f"{field}.choices"
            )
    scale = 5
    attributes: list[str] = []
    if type_ == QuestionType.EP_PAIR:
        scale = raw.get("scale") or 5
        if scale not in EP_SCALES:
            raise _invalid("invalid_scale", _("The scale is 1–5 or 1–7."), f"{field}.scale")
        given = raw.get("attributes") or list(codes)
        if not isinstance(given, list) or not 1 <= len(given) <= MAX_EP_ATTRIBUTES:
            raise _invalid(
                "invalid_attributes",
                _("Choose between 1 and %(n)s qualities.") % {"n": MAX_EP_ATTRIBUTES},
                f"{field}.attributes",
            )
        unknown = [c for c in given if c not in codes]
        if unknown:
            raise _invalid(
                "invalid_attributes",
                _("Unknown qualities: %(codes)s.") % {"codes": ", ".join(map(str, unknown[:5]))},
                f"{field}.attributes",
            )
        attributes = list(dict.fromkeys(given))
    feeling = raw.get("feeling") or ""
    if feeling:
        _choice(feeling, FeelingKind.values, field=f"{field}.feeling")
    if feeling and type_ == QuestionType.EP_PAIR:
        raise _invalid(
            "invalid_feeling",
            _("An expectation-vs-performance question does not record a feeling."),
            f"{field}.feeling",
        )
    qid = raw.get("id")
    return QuestionSpec(
        id=int(qid) if isinstance(qid, int) and qid > 0 else None,
        type=type_,
        text=text,
        help_text=help_text,
        required=bool(raw.get("required", True)),
        choices=choices,
        scale=int(scale),
        attributes=attributes,
        feeling=str(feeling),
    )


def _settings_clean(fields: Mapping[str, Any], *, partial: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if not partial or "title" in fields:
        out["title"] = _text(fields.get("title"), field="title", max_length=200, required=True)
    if "intro" in fields:
        out["intro"] = _text(fields.get("intro"), field="intro", max_length=1000)
    if "thank_you" in fields:
        out["thank_you"] = _text(fields.get("thank_you"), field="thank_you", max_length=500)
    if not partial or "kind" in fields:
        out["kind"] = _choice(
            fields.get("kind", SurveyKind.GENERAL), SurveyKind.values, field="kind"
        )
    if "public_mode" in fields:
        out["public_mode"] = _choice(fields["public_mode"], PublicMode.values, field="public_mode")
    if "expiry_days" in fields:
        days = fields["expiry_days"]
        if not isinstance(days, int) or not EXPIRY_DAYS[0] <= days <= EXPIRY_DAYS[1]:
            raise _invalid(
                "invalid_expiry",
                _("Links expire after 1 to 365 days."),
                "expiry_days",
            )
        out["expiry_days"] = days
    if "is_active" in fields:
        out["is_active"] = bool(fields["is_active"])
    if "auto_send" in fields:
        out["auto_send"] = bool(fields["auto_send"])
    return out


def _questions_write(
    survey: Survey, specs: Sequence[QuestionSpec], *, replace: bool
) -> list[Question]:
    existing = {q.pk: q for q in survey.questions.all()}
    answered = set(
        Answer.objects.filter(question__survey=survey).values_list("question_id", flat=True)
    ) | set(EPAnswer.objects.filter(question__survey=survey).values_list("question_id", flat=True))
    kept: list[Question] = []
    for position, spec in enumerate(specs):
        question = existing.get(spec.id) if spec.id is not None else None
        if spec.id is not None and question is None:
            raise NotFound("question_not_found", _("Question not found."))
        if question is None:
            question = Question(workspace_id=survey.workspace_id, survey=survey)
        elif question.pk in answered and (
            question.type != spec.type
            or (
                spec.type in CHOICE_TYPES
                and question.choices != spec.choices[: len(question.choices)]
            )
        ):
            raise ApplicationError(
                "question_answered",
                _(
                    "Question %(n)s already has answers: its type and existing options cannot "
                    "change (add a new question instead)."
                )
                % {"n": position + 1},
                {"field": f"questions[{position}]"},
                status=409,
            )
        question.position = position
        question.type = spec.type
        question.text = spec.text
        question.help_text = spec.help_text
        question.required = spec.required
        question.choices = spec.choices
        question.scale = spec.scale
        question.attributes = spec.attributes
        question.feeling = spec.feeling
        question.save()
        kept.append(question)
    if replace:
        gone = set(existing) - {q.pk for q in kept}
        if gone & answered:
            raise ApplicationError(
                "question_answered",
                _("A question that already has answers cannot be removed."),
                {"field": "questions"},
                status=409,
            )
        Question.objects.filter(pk__in=gone).delete()
    return kept


def _specs(actor: Actor, questions: Sequence[Mapping[str, Any]]) -> list[QuestionSpec]:
    if not isinstance(questions, list | tuple) or len(questions) > MAX_QUESTIONS:
        raise _invalid(
            "too_many_questions",
            _("A survey has at most %(n)s questions.") % {"n": MAX_QUESTIONS},
            "questions",
        )
    codes = [a.code for a in attributes_ensure(actor.workspace) if a.is_active]
    return [question_clean(q, index=i, codes=codes) for i, q in enumerate(questions)]


def survey_create(
    *, actor: Actor, fields: Mapping[str, Any], questions: Sequence[Mapping[str, Any]] = ()
) -> Survey:
    require(actor, Perm.FEEDBACK_MANAGE)
    values = _settings_clean(fields, partial=False)
    specs = _specs(actor, questions)
    if Survey.objects.filter(workspace=actor.workspace).count() >= MAX_SURVEYS:
        raise ApplicationError(
            "too_many_surveys",
            _("A shop can keep at most %(n)s surveys; delete old ones first.") % {"n": MAX_SURVEYS},
            status=422,
        )
    with transaction.atomic():
        survey = Survey.objects.create(
            workspace=actor.workspace, public_nonce=links.nonce(), **values
        )
        _questions_write(survey, specs, replace=False)
        _audit(actor, "feedback.survey_created", f"survey:{survey.pk}", {"title": survey.title})
    return survey


def survey_update(
    *,
    actor: Actor,
    survey_id: int,
    fields: Mapping[str, Any],
    questions: Sequence[Mapping[str, Any]] | None = None,
) -> Survey:
    """Change what is given. ``questions`` replaces the list: a question with an ``id`` is
    kept (its answers too); one that has answers can't be removed or change its type."""
    require(actor, Perm.FEEDBACK_MANAGE)
    values = _settings_clean(fields, partial=True)
    specs = _specs(actor, questions) if questions is not None else None
    with transaction.atomic():
        survey = Survey.objects.select_for_update().filter(pk=survey_of(actor, survey_id).pk)[0]
        for name, value in values.items():
            setattr(survey, name, value)
        survey.save()
        if specs is not None:
            _questions_write(survey, specs, replace=True)
        _audit(actor, "feedback.survey_changed", f"survey:{survey.pk}", {"fields": sorted(values)})
    return survey


def survey_delete(*, actor: Actor, survey_id: int) -> None:
    """Delete a survey with no answers (a survey with answers is switched off instead)."""
    require(actor, Perm.FEEDBACK_MANAGE)
    survey = survey_of(actor, survey_id)
    if survey.responses.exists():
        raise ApplicationError(
            "survey_has_responses",
            _("This survey has answers: switch it off instead of deleting it."),
            status=409,
        )
    survey.delete()
    _audit(actor, "feedback.survey_deleted", f"survey:{survey_id}", {})


def survey_public_reset(*, actor: Actor, survey_id: int) -> Survey:
    """A new public link: printed QR codes of the old one stop working."""
    require(actor, Perm.FEEDBACK_MANAGE)
    survey = survey_of(actor, survey_id)
    survey.public_nonce = links.nonce()
    survey.save(update_fields=["public_nonce", "updated_at"])
    _audit(actor, "feedback.public_link_reset", f"survey:{survey.pk}", {})
    return survey


def _audit(actor: Actor, action: str, target: str, data: dict[str, Any]) -> None:
    audit_record(
        action=action,
        workspace=actor.workspace,
        actor=actor.user,
        actor_label=actor.label,
        target=target,
        data=data,
    )


# --- invitations -----------------------------------------------------------------------------


def _invite(
    *,
    workspace_id: int,
    survey: Survey,
    customer_id: int,
    order_id: int | None,
    ticket_id: int | None,
    source: str,
    created_by: str,
    actor: Actor | None = None,
) -> tuple[SurveyInvitation, bool]:
    """The invitation for this order/ticket (made once), or a new personal link."""
    if order_id is not None or ticket_id is not None:
        found = SurveyInvitation.objects.filter(
            survey=survey,
            **({"order_id": order_id} if order_id is not None else {"ticket_id": ticket_id}),
        ).first()
        if found is not None:
            return found, False
    now = timezone.now()
    try:
        with transaction.atomic():
            invitation = SurveyInvitation.objects.create(
                workspace_id=workspace_id,
                survey=survey,
                customer_id=customer_id,
                order_id=order_id,
                ticket_id=ticket_id,
                nonce=links.nonce(),
                source=source,
                created_by=created_by[:254],
                expires_at=now + dt.timedelta(days=survey.expiry_days),
            )
    except IntegrityError:  # made at the same moment by a replayed event
        found = SurveyInvitation.objects.filter(
            survey=survey,
            **({"order_id": order_id} if order_id is not None else {"ticket_id": ticket_id}),
        ).first()
        if found is None:
            raise
        return found, False
    publish(
        SurveyInvited(
            workspace_id=workspace_id,
            customer_id=customer_id,
            actor=actor,
            survey_id=survey.pk,
            invitation_id=invitation.pk,
            title=survey.title,
            source=source,
            expires_at=invitation.expires_at.isoformat(),
        )
    )
    return invitation, True


def invitation_create(
    *,
    actor: Actor,
    survey_id: int,
    customer_id: int,
    order_id: int | None = None,
    ticket_id: int | None = None,
) -> SurveyInvitation:
    """A personal link for a customer (staff send it until messaging does)."""
    require(actor, Perm.CUSTOMER_EDIT)
    survey = survey_of(actor, survey_id)
    if not survey.is_active:
        raise ApplicationError(
            "survey_inactive", _("This survey is switched off."), {"field": "survey"}, status=409
        )
    from samphan.customers.selectors import customer_get

    customer = customer_get(actor=actor, customer_id=customer_id)
    if order_id is not None:
        from samphan.commerce.models import Order

        if not Order.objects.filter(
            workspace=actor.workspace, pk=order_id, customer=customer
        ).exists():
            raise NotFound("order_not_found", _("Order not found."))
    if ticket_id is not None:
        from samphan.service.models import Ticket

        if not Ticket.objects.filter(
            workspace=actor.workspace, pk=ticket_id, customer=customer
        ).exists():
            raise NotFound("ticket_not_found", _("Ticket not found."))
    with transaction.atomic():
        invitation, _made = _invite(
            workspace_id=actor.workspace.pk,
            survey=survey,
            customer_id=customer.pk,
            order_id=order_id,
            ticket_id=ticket_id,
            source=InvitationSource.API if actor.api_key_id else InvitationSource.MANUAL,
            created_by=actor.label,
            actor=actor,
        )
    return invitation


def invitation_mark_sent(*, actor: Actor, invitation_id: int) -> SurveyInvitation:
    require(actor, Perm.CUSTOMER_EDIT)
    invitation = SurveyInvitation.objects.filter(
        workspace=actor.workspace, pk=invitation_id
    ).first()
    if invitation is None:
        raise NotFound("invitation_not_found", _("Survey link not found."))
    if invitation.sent_at is None:
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return invitation


def _active_survey(workspace_id: int, kind: str) -> Survey | None:
    return (
        Survey.objects.filter(workspace_id=workspace_id, kind=kind, is_active=True)
        .order_by("-created_at", "-pk")
        .first()
    )


def invitations_for_orders(*, workspace_id: int, order_ids: Sequence[int]) -> int:
    """After paid orders: a personal link to the shop's active post-purchase survey for each
    order with a customer that is recent enough for the link not to have expired already (an
    old import invites nobody). Once per order."""
    survey = _active_survey(workspace_id, SurveyKind.POST_PURCHASE)
    if survey is None or not order_ids:
        return 0
    from samphan.commerce.models import PAID_STATUS, Order

    since = timezone.now() - dt.timedelta(days=survey.expiry_days)
    orders: list[tuple[int, int]] = []
    for start in range(0, len(order_ids), 5000):
        orders += Order.objects.filter(
            workspace_id=workspace_id,
            pk__in=order_ids[start : start + 5000],
            status=PAID_STATUS,
            customer__isnull=False,
            customer__merged_into__isnull=True,
            placed_at__gte=since,
        ).values_list("pk", "customer_id")
    made = 0
    for order_id, customer_id in orders:
        _inv, new = _invite(
            workspace_id=workspace_id,
            survey=survey,
            customer_id=customer_id,
            order_id=order_id,
            ticket_id=None,
            source=InvitationSource.ORDER,
            created_by="order",
        )
        made += new
    return made


def invitations_for_tickets(*, workspace_id: int, tickets: Sequence[tuple[int, int]]) -> int:
    """After resolved tickets ((ticket id, customer id)): a link to the active post-ticket
    survey, once per ticket."""
    survey = _active_survey(workspace_id, SurveyKind.POST_TICKET)
    if survey is None:
        return 0
    live = set(
        Customer.objects.filter(
            workspace_id=workspace_id,
            pk__in=[c for _t, c in tickets],
            merged_into__isnull=True,
        ).values_list("pk", flat=True)
    )
    made = 0
    for ticket_id, customer_id in tickets:
        if customer_id in live:
            _inv, new = _invite(
                workspace_id=workspace_id,
                survey=survey,
                customer_id=customer_id,
                order_id=None,
                ticket_id=ticket_id,
                source=InvitationSource.TICKET,
                created_by="ticket",
            )
            made += new
    return made


# --- answering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanAnswer:
    question: Question
    value: int | None = None
    choices: tuple[int, ...] = ()
    text: str = ""
    ep: tuple[tuple[Attribute, int, int], ...] = ()

    @property
    def empty(self) -> bool:
        return self.value is None and not self.choices and not self.text and not self.ep


def _int(value: Any, *, field: str, low: int, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _invalid("invalid_answer", _("Give a number."), field)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise _invalid("invalid_answer", _("Give a number."), field) from None
    if not low <= number <= high:
        raise _invalid(
            "invalid_answer",
            _("Give a number from %(low)s to %(high)s.") % {"low": low, "high": high},
            field,
        )
    return number


def answers_clean(survey: Survey, given: Sequence[Mapping[str, Any]]) -> list[CleanAnswer]:
    """Answers as given ({question_id, value, choices, text, ep: [{attribute, expectation,
    performance}]}) checked against the survey's questions: ranges, options, lengths, and
    every required question answered."""
    questions = list(survey.questions.all())
    by_id = {q.pk: q for q in questions}
    if not isinstance(given, list | tuple) or len(given) > len(questions):
        raise _invalid("invalid_answers", _("One answer per question."), "answers")
    attributes = {a.code: a for a in Attribute.objects.filter(workspace_id=survey.workspace_id)}
    seen: dict[int, CleanAnswer] = {}
    for i, raw in enumerate(given):
        field = f"answers[{i}]"
        if not isinstance(raw, Mapping):
            raise _invalid("invalid_answers", _("One answer per question."), field)
        question = by_id.get(raw.get("question_id"))  # type: ignore[arg-type]
        if question is None or question.pk in seen:
            raise _invalid(
                "invalid_answers", _("Unknown or repeated question."), f"{field}.question_id"
            )
        answer = CleanAnswer(question=question)
        if question.type in SCALES:
            low, high = SCALES[question.type]
            answer = CleanAnswer(
                question, value=_int(raw.get("value"), field=f"{field}.value", low=low, high=high)
            )
        elif question.type == QuestionType.SINGLE:
            answer = CleanAnswer(
                question,
                value=_int(
                    raw.get("value"),
                    field=f"{field}.value",
                    low=0,
                    high=len(question.choices) - 1,
                ),
            )
        elif question.type == QuestionType.MULTIPLE:
            chosen = raw.get("choices") or []
            if not isinstance(chosen, list) or len(chosen) > len(question.choices):
                raise _invalid("invalid_answer", _("Choose from the options."), f"{field}.choices")
            indexes = [
                _int(c, field=f"{field}.choices", low=0, high=len(question.choices) - 1)
                for c in chosen
            ]
            answer = CleanAnswer(
                question, choices=tuple(sorted({c for c in indexes if c is not None}))
            )
        elif question.type == QuestionType.TEXT:
            answer = CleanAnswer(
                question,
                text=_text(raw.get("text"), field=f"{field}.text", max_length=ANSWER_TEXT_MAX),
            )
        elif question.type == QuestionType.EP_PAIR:
            pairs = raw.get("ep") or []
            if not isinstance(pairs, list) or len(pairs) > len(question.attributes):
                raise _invalid("invalid_answer", _("One pair per quality."), f"{field}.ep")
            found: dict[str, tuple[Attribute, int, int]] = {}
            for j, pair in enumerate(pairs):
                where = f"{field}.ep[{j}]"
                code = pair.get("attribute") if isinstance(pair, Mapping) else None
                if code not in question.attributes or code in found or code not in attributes:
                    raise _invalid(
                        "invalid_answer", _("Unknown or repeated quality."), f"{where}.attribute"
                    )
                e = _int(
                    pair.get("expectation"),
                    field=f"{where}.expectation",
                    low=1,
                    high=question.scale,
                )
                p = _int(
                    pair.get("performance"),
                    field=f"{where}.performance",
                    low=1,
                    high=question.scale,
                )
                if e is None or p is None:
                    raise _invalid(
                        "invalid_answer",
                        _("Give both what you expected and what you got."),
                        where,
                    )
                found[code] = (attributes[code], e, p)
            answer = CleanAnswer(question, ep=tuple(found.values()))
        seen[question.pk] = answer
    for position, question in enumerate(questions):
        given_answer = seen.get(question.pk)
        if question.required and (given_answer is None or given_answer.empty):
            raise _invalid(
                "answer_required",
                _("Please answer question %(n)s.") % {"n": position + 1},
                f"q{question.pk}",
            )
    return [seen[q.pk] for q in questions if q.pk in seen and not seen[q.pk].empty]


def _already_answered(
    *,
    survey: Survey,
    invitation: SurveyInvitation | None,
    order_id: int | None,
    ticket_id: int | None,
) -> bool:
    """The friendly early check; the unique constraints are what actually guarantee it."""
    if invitation is not None and invitation.answered_at is not None:
        return True
    if (
        order_id is not None
        and SurveyResponse.objects.filter(survey=survey, order_id=order_id).exists()
    ):
        return True
    return (
        ticket_id is not None
        and SurveyResponse.objects.filter(survey=survey, ticket_id=ticket_id).exists()
    )


def _answered_error() -> ApplicationError:
    return ApplicationError(
        "already_answered",
        _("This survey has already been answered. Thank you!"),
        status=409,
    )


def _sentiments(texts: Sequence[str], workspace_id: int) -> list[tuple[str, float] | None]:
    """The text app's sentiment of each free-text answer (label, score)."""
    from samphan.feedback import textsignals

    return textsignals.sentiments(texts, workspace_id=workspace_id)


def response_submit(
    *,
    survey: Survey,
    answers: Sequence[Mapping[str, Any]],
    channel: str,
    invitation: SurveyInvitation | None = None,
    customer: Customer | None = None,
    order_id: int | None = None,
    ticket_id: int | None = None,
    actor: Actor | None = None,
) -> SurveyResponse:
    """Store one response with its answers, the feelings they show, and ``survey.answered``.
    One per invitation, per (survey, order) and per (survey, ticket): a second is a 409
    ``already_answered``, also when two arrive at the same moment (unique constraints)."""
    if not survey.is_active:
        raise ApplicationError(
            "survey_closed", _("This survey is closed. Thank you for your time."), status=410
        )
    cleaned = answers_clean(survey, answers)
    if not cleaned:
        raise _invalid("answer_required", _("Please answer at least one question."), "answers")
    texts = [a.text for a in cleaned if a.question.type == QuestionType.TEXT and a.text]
    sentiments = (
        dict(zip(texts, _sentiments(texts, survey.workspace_id), strict=True)) if texts else {}
    )
    now = timezone.now()
    with transaction.atomic():
        if invitation is not None:
            invitation = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
            if invitation.expires_at <= now and invitation.answered_at is None:
                raise ApplicationError(
                    "link_expired", _("This survey link has expired."), status=410
                )
            customer_id: int | None = invitation.customer_id
            order_id, ticket_id = invitation.order_id, invitation.ticket_id
        else:
            customer_id = customer.pk if customer is not None else None
        if _already_answered(
            survey=survey, invitation=invitation, order_id=order_id, ticket_id=ticket_id
        ):
            raise _answered_error()
        context: dict[str, Any] = {}
        if order_id is not None:
            from samphan.commerce.models import Order

            order = Order.objects.filter(workspace_id=survey.workspace_id, pk=order_id).first()
            if order is not None:
                context = {
                    "branch_id": order.branch_id,
                    "sales_channel_id": order.channel_id,
                    "staff_id": order.staff_id,
                }
        elif ticket_id is not None:
            from samphan.service.models import Ticket

            ticket = Ticket.objects.filter(workspace_id=survey.workspace_id, pk=ticket_id).first()
            if ticket is not None:
                context = {"branch_id": ticket.branch_id, "staff_id": ticket.assignee_id}
        try:
            with transaction.atomic():
                response = SurveyResponse.objects.create(
                    workspace_id=survey.workspace_id,
                    survey=survey,
                    customer_id=customer_id,
                    invitation=invitation,
                    order_id=order_id,
                    ticket_id=ticket_id,
                    channel=channel,
                    submitted_at=now,
                    **context,
                )
        except IntegrityError:
            raise _answered_error() from None
        Answer.objects.bulk_create(
            [
                Answer(
                    response=response,
                    question=a.question,
                    value=a.value,
                    choices=list(a.choices),
                    text=a.text,
                    sentiment=(sentiments.get(a.text) or ("", 0.0))[0],
                    sentiment_score=(sentiments.get(a.text) or (None, None))[1],
                )
                for a in cleaned
                if a.question.type != QuestionType.EP_PAIR
            ]
        )
        EPAnswer.objects.bulk_create(
            [
                EPAnswer(
                    response=response,
                    question=a.question,
                    attribute=attribute,
                    expectation=e,
                    performance=p,
                )
                for a in cleaned
                for attribute, e, p in a.ep
            ]
        )
        if invitation is not None:
            invitation.answered_at = now
            invitation.save(update_fields=["answered_at"])
        if customer_id is not None:
            given = [
                Given(
                    type=a.question.type,
                    feeling=a.question.feeling,
                    value=a.value,
                    choices=a.choices,
                    text=a.text,
                    sentiment_score=(sentiments.get(a.text) or (None, None))[1],
                )
                for a in cleaned
            ]
            EmotionalObservation.objects.bulk_create(
                [
                    EmotionalObservation(
                        workspace_id=survey.workspace_id,
                        customer_id=customer_id,
                        kind=f.kind,
                        score=f.score,
                        note=f.note,
                        source=FeelingSource.SURVEY,
                        response=response,
                        observed_at=now,
                    )
                    for f in feelings_of(given)
                ]
            )
        firsts: dict[str, int | None] = {}
        low = False
        for a in cleaned:
            if a.question.type in SCALES:
                firsts.setdefault(a.question.type, a.value)
                low = low or is_low(a.question.type, a.value)
        publish(
            SurveyAnswered(
                workspace_id=survey.workspace_id,
                customer_id=customer_id,
                actor=actor,
                survey_id=survey.pk,
                response_id=response.pk,
                title=survey.title,
                kind=survey.kind,
                nps=firsts.get(QuestionType.NPS),
                csat=firsts.get(QuestionType.CSAT),
                ces=firsts.get(QuestionType.CES),
                rating=firsts.get(QuestionType.RATING),
                low_score=low,
            )
        )
    return response


def public_respondent(*, survey: Survey, phone: str, first_name: str = "") -> Customer:
    """The customer a public answer identified by phone belongs to: matched by the phone, or
    created (they gave it, with their consent, to be recognised)."""
    from samphan.customers.services.create import customer_create

    actor = SurveyActor(workspace=survey.workspace, role=Role.STAFF)
    result = customer_create(
        actor=actor,
        first_name=_text(first_name, field="first_name", max_length=150),
        contacts=[("phone", phone)],
    )
    return result.customer


# --- feelings and interviews -----------------------------------------------------------------


def _customer(actor: Actor, customer_id: int) -> Customer:
    from samphan.customers.selectors import customer_get

    return customer_get(actor=actor, customer_id=customer_id)


def feeling_record(
    *,
    actor: Actor,
    customer_id: int,
    kind: str,
    score: int,
    note: str = "",
    observed_at: dt.datetime | None = None,
    interaction_id: int | None = None,
) -> EmotionalObservation:
    """Staff note how a customer feels (from what they saw, or an interaction)."""
    require(actor, Perm.CUSTOMER_EDIT)
    customer = _customer(actor, customer_id)
    kind = _choice(kind, FeelingKind.values, field="kind")
    if isinstance(score, bool) or not isinstance(score, int) or not -2 <= score <= 2:
        raise _invalid("invalid_score", _("The strength is from −2 to +2."), "score")
    note = _text(note, field="note", max_length=FEELING_NOTE_MAX)
    now = timezone.now()
    when = observed_at or now
    if when > now + dt.timedelta(minutes=5) or when.year < 2000:
        raise _invalid("invalid_date", _("The date cannot be in the future."), "observed_at")
    if (
        interaction_id is not None
        and not Interaction.objects.filter(
            workspace=actor.workspace, customer=customer, pk=interaction_id
        ).exists()
    ):
        raise NotFound("interaction_not_found", _("Interaction not found."))
    with transaction.atomic():
        observation = EmotionalObservation.objects.create(
            workspace=actor.workspace,
            customer=customer,
            kind=kind,
            score=score,
            note=note,
            source=FeelingSource.INTERACTION if interaction_id else FeelingSource.STAFF,
            interaction_id=interaction_id,
            recorded_by=actor.user,
            observed_at=when,
        )
        publish(
            FeelingRecorded(
                workspace_id=actor.workspace.pk,
                customer_id=customer.pk,
                actor=actor,
                observation_id=observation.pk,
                kind=kind,
                score=score,
            )
        )
    return observation


def feeling_delete(*, actor: Actor, observation_id: int) -> None:
    require(actor, Perm.CUSTOMER_EDIT)
    deleted, _rows = EmotionalObservation.objects.filter(
        workspace=actor.workspace, pk=observation_id
    ).delete()
    if not deleted:
        raise NotFound("feeling_not_found", _("Observation not found."))


def _str_list(value: Any, *, field: str, count: int, length: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > count:
        raise _invalid("too_many", _("At most %(n)s items.") % {"n": count}, field)
    out = [_text(v, field=f"{field}[{i}]", max_length=length) for i, v in enumerate(value)]
    return [v for v in out if v]


def _interview_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    qa_given = fields.get("qa") or []
    if not isinstance(qa_given, list) or len(qa_given) > MAX_QA:
        raise _invalid("too_many", _("At most %(n)s items.") % {"n": MAX_QA}, "qa")
    qa = []
    for i, item in enumerate(qa_given):
        if not isinstance(item, Mapping):
            raise _invalid("invalid_qa", _("Each item is a question and an answer."), f"qa[{i}]")
        q = _text(item.get("q"), field=f"qa[{i}].q", max_length=QA_TEXT_MAX)
        a = _text(item.get("a"), field=f"qa[{i}].a", max_length=QA_TEXT_MAX)
        if q or a:
            qa.append({"q": q, "a": a})
    held_on = fields.get("held_on") or timezone.localdate()
    if isinstance(held_on, dt.datetime):
        held_on = held_on.date()
    if not isinstance(held_on, dt.date) or held_on > timezone.localdate() or held_on.year < 2000:
        raise _invalid("invalid_date", _("The date cannot be in the future."), "held_on")
    values = {
        "held_on": held_on,
        "summary": _text(fields.get("summary"), field="summary", max_length=INTERVIEW_TEXT_MAX),
        "delight": _text(fields.get("delight"), field="delight", max_length=INTERVIEW_TEXT_MAX),
        "interviewer_name": _text(
            fields.get("interviewer_name"), field="interviewer_name", max_length=150
        ),
        "qa": qa,
        "quotes": _str_list(
            fields.get("quotes"), field="quotes", count=MAX_QUOTES, length=QUOTE_MAX
        ),
        "themes": _str_list(
            fields.get("themes"), field="themes", count=MAX_THEMES, length=THEME_MAX
        ),
    }
    if not (values["summary"] or values["qa"] or values["quotes"] or values["delight"]):
        raise _invalid(
            "required", _("Write a summary, a question and answer, or a quote."), "summary"
        )
    return values


def _search_text(interview: Interview) -> str:
    parts = [interview.summary, interview.delight, interview.interviewer_name]
    parts += [f"{item.get('q', '')} {item.get('a', '')}" for item in interview.qa]
    parts += list(interview.quotes) + list(interview.themes)
    return "\n".join(p for p in parts if p).lower()


def interview_save(
    *,
    actor: Actor,
    customer_id: int | None = None,
    interview_id: int | None = None,
    fields: Mapping[str, Any],
) -> Interview:
    """Record (or, with ``interview_id``, change) an in-depth interview."""
    require(actor, Perm.CUSTOMER_EDIT)
    values = _interview_values(fields)
    with transaction.atomic():
        if interview_id is not None:
            interview = Interview.objects.filter(workspace=actor.workspace, pk=interview_id).first()
            if interview is None:
                raise NotFound("interview_not_found", _("Interview not found."))
            _customer(actor, interview.customer_id)
        else:
            assert customer_id is not None
            customer = _customer(actor, customer_id)
            interview = Interview(
                workspace=actor.workspace, customer=customer, interviewer=actor.user
            )
        for name, value in values.items():
            setattr(interview, name, value)
        if not interview.interviewer_name and actor.user is not None:
            interview.interviewer_name = actor.user.get_full_name() or actor.user.email
        interview.search_text = _search_text(interview)
        new = interview.pk is None
        interview.save()
        if new:
            publish(
                InterviewRecorded(
                    workspace_id=actor.workspace.pk,
                    customer_id=interview.customer_id,
                    actor=actor,
                    interview_id=interview.pk,
                    held_on=interview.held_on.isoformat(),
                    themes=len(interview.themes),
                )
            )
    return interview


def interview_delete(*, actor: Actor, interview_id: int) -> None:
    require(actor, Perm.CUSTOMER_EDIT)
    deleted, _rows = Interview.objects.filter(workspace=actor.workspace, pk=interview_id).delete()
    if not deleted:
        raise NotFound("interview_not_found", _("Interview not found."))


def workspace_of(workspace_id: int) -> Workspace:
    return Workspace.objects.get(pk=workspace_id)
