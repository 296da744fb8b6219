"""API: surveys (builder, personal links, responses, results with confidence intervals), the
qualities customers judge, feelings and interviews."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Schema, Status
from ninja.pagination import paginate

from samphan.commerce.models import Order
from samphan.core.access import require
from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, ErrorOut, Id, Pagination
from samphan.core.errors import NotFound
from samphan.core.limits import MAX_ID
from samphan.core.roles import Perm
from samphan.customers.selectors import customer_get
from samphan.feedback import attributes as attrs
from samphan.feedback import links, selectors, services
from samphan.feedback.models import (
    FeelingKind,
    FeelingSource,
    PublicMode,
    QuestionType,
    ResponseChannel,
    SurveyKind,
)

router = ApiRouter(tags=["feedback"])

Short = Annotated[str, Field(max_length=200)]
Code = Annotated[str, Field(max_length=40)]


# --- surveys ---------------------------------------------------------------------------------


class QuestionIn(Schema):
    id: Id | None = Field(
        None, description="an existing question's id, to keep it (and its answers)"
    )
    type: str = Field(json_schema_extra={"enum": list(QuestionType.values)})
    text: str = Field(min_length=1, max_length=500)
    help_text: str = Field("", max_length=300)
    required: bool = True
    choices: list[Short] = Field(
        default_factory=list,
        max_length=services.MAX_CHOICES,
        description="single/multiple choice: 2–20 options",
    )
    scale: int = Field(5, ge=5, le=7, description="ep_pair: 5 or 7")
    attributes: list[Code] = Field(
        default_factory=list,
        max_length=services.MAX_EP_ATTRIBUTES,
        description="ep_pair: quality codes (empty: every active quality)",
    )
    feeling: str = Field(
        "",
        json_schema_extra={"enum": ["", *FeelingKind.values]},
        description="the feeling an answer records (see docs); empty = the default mapping",
    )


class QuestionOut(Schema):
    id: int
    type: str
    text: str
    help_text: str
    required: bool
    choices: list[str]
    scale: int
    attributes: list[str]
    feeling: str


class SurveyIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "title": "หลังการซื้อ",
                "kind": "post_purchase",
                "questions": [
                    {"type": "nps_0_10", "text": "คุณจะแนะนำร้านให้เพื่อนไหม"},
                    {"type": "csat", "text": "พอใจกับการซื้อครั้งนี้แค่ไหน"},
                    {
                        "type": "ep_pair",
                        "text": "คาดหวังกับได้รับจริง",
                        "attributes": ["responsiveness", "accuracy"],
                    },
                    {"type": "free_text", "text": "อยากบอกอะไรเรา", "required": False},
                ],
            }
        }
    }

    title: str = Field(min_length=1, max_length=200)
    intro: str = Field("", max_length=1000)
    thank_you: str = Field("", max_length=500)
    kind: str = Field(SurveyKind.GENERAL, json_schema_extra={"enum": list(SurveyKind.values)})
    is_active: bool = True
    expiry_days: int = Field(14, ge=1, le=365, description="personal links expire after")
    public_mode: str = Field(PublicMode.OFF, json_schema_extra={"enum": list(PublicMode.values)})
    auto_send: bool = Field(
        False, description="post-purchase/post-ticket links go out by LINE on their own"
    )
    questions: list[QuestionIn] = Field(default_factory=list, max_length=services.MAX_QUESTIONS)


class SurveyChangeIn(Schema):
    """Only the fields given change; ``questions`` replaces the list (keep a question by its
    ``id``)."""

    title: str | None = Field(None, min_length=1, max_length=200)
    intro: str | None = Field(None, max_length=1000)
    thank_you: str | None = Field(None, max_length=500)
    kind: str | None = Field(None, json_schema_extra={"enum": list(SurveyKind.values)})
    is_active: bool | None = None
    expiry_days: int | None = Field(None, ge=1, le=365)
    public_mode: str | None = Field(None, json_schema_extra={"enum": list(PublicMode.values)})
    auto_send: bool | None = None
    questions: list[QuestionIn] | None = Field(None, max_length=services.MAX_QUESTIONS)


class SurveyOut(Schema):
    id: int
    title: str
    intro: str
    thank_you: str
    kind: str = Field(json_schema_extra={"enum": list(SurveyKind.values)})
    is_active: bool
    expiry_days: int
    public_mode: str = Field(json_schema_extra={"enum": list(PublicMode.values)})
    auto_send: bool
    public_url: str | None = Field(description="the public link (QR code); null when off")
    created_at: dt.datetime
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(obj: Any) -> list[Any]:
        return list(obj.questions.all())


class SurveyListOut(Schema):
    id: int
    title: str
    kind: str
    is_active: bool
    public_mode: str
    responses: int
    created_at: dt.datetime

    @staticmethod
    def resolve_responses(obj: Any) -> int:
        return int(getattr(obj, "response_count", 0))


def _survey_out(request: HttpRequest, survey: Any) -> Any:
    survey.public_url = (
        request.build_absolute_uri(links.public_path(survey))
        if survey.public_mode != PublicMode.OFF
        else None
    )
    return survey


def _fields(payload: Schema) -> dict[str, Any]:
    return {
        k: v
        for k, v in payload.model_dump(exclude_unset=True).items()
        if k != "questions" and v is not None
    }


@router.get("/surveys", response=list[SurveyListOut], summary="Surveys, newest first")
@paginate(Pagination)
def survey_list(request: HttpRequest) -> Any:
    return selectors.survey_list(actor=actor_of(request))


@router.post(
    "/surveys",
    response={201: SurveyOut, 404: ErrorOut},
    summary="Create a survey",
    description=(
        "Question types: `rating_1_5`, `nps_0_10`, `csat` (1–5), `ces` (1–7, higher = easier), "
        "`single_choice`, `multiple_choice` (2–20 options), `free_text`, `ep_pair` "
        "(expectation vs. performance per quality, scale 5 or 7). At most 30 questions. "
        "Errors: 422 `validation_error`, `invalid_choices`, `invalid_attributes`, "
        "`too_many_surveys`; 403 `permission_denied` (a role without `feedback.manage`)."
    ),
)
def survey_create(request: HttpRequest, payload: SurveyIn) -> Any:
    survey = services.survey_create(
        actor=actor_of(request),
        fields=_fields(payload),
        questions=[q.model_dump() for q in payload.questions],
    )
    return Status(201, _survey_out(request, survey))


@router.get("/surveys/{survey_id}", response=SurveyOut, summary="A survey with its questions")
def survey_read(request: HttpRequest, survey_id: Id) -> Any:
    return _survey_out(request, selectors.survey_get(actor=actor_of(request), survey_id=survey_id))


@router.put(
    "/surveys/{survey_id}",
    response={200: SurveyOut, 409: ErrorOut},
    summary="Change a survey",
    description=(
        "Only the fields given change. `questions` replaces the list; a question with answers "
        "keeps its `id` and cannot be removed or change type (409 `question_answered`)."
    ),
)
def survey_change(request: HttpRequest, survey_id: Id, payload: SurveyChangeIn) -> Any:
    survey = services.survey_update(
        actor=actor_of(request),
        survey_id=survey_id,
        fields=_fields(payload),
        questions=[q.model_dump() for q in payload.questions]
        if payload.questions is not None
        else None,
    )
    return _survey_out(request, survey)


@router.delete(
    "/surveys/{survey_id}",
    response={204: None, 409: ErrorOut},
    summary="Delete a survey without answers",
    description="A survey with answers is a 409 `survey_has_responses`: switch it off instead.",
)
def survey_delete(request: HttpRequest, survey_id: Id) -> Any:
    services.survey_delete(actor=actor_of(request), survey_id=survey_id)
    return Status(204, None)


# --- results ---------------------------------------------------------------------------------


class EstimateOut(Schema):
    n: int
    value: float | None = Field(description="NPS −100…100, CSAT %, or a mean")
    low: float | None = Field(description="95% interval; null when n is too small")
    high: float | None
    promoters: int | None = None
    passives: int | None = None
    detractors: int | None = None
    hits: int | None = Field(None, description="CSAT: answers of 4–5")


class MonthOut(EstimateOut):
    month: str = Field(description="YYYY-MM (Bangkok)")


class SurveyCountOut(Schema):
    choice: str
    count: int


class TextOut(Schema):
    text: str
    sentiment: str | None


class ThemeOut(Schema):
    theme: str
    label: str
    count: int = Field(description="answers that mention it")


class QuestionResultOut(Schema):
    question_id: int
    type: str
    text: str
    estimate: EstimateOut | None
    counts: list[SurveyCountOut]
    trend: list[MonthOut]
    texts: list[TextOut] = Field(description="free text: the newest 20 answers")
    sentiment: dict[str, int] | None = Field(
        description="free text: answers per label (positive, neutral, negative)"
    )
    themes: list[ThemeOut]


class EPOut(Schema):
    attribute: str
    name: str
    n: int
    expectation: float | None
    performance: float | None
    gap: EstimateOut = Field(description="mean P − E with its t interval")
    disappointed: float = Field(description="% with P < E")
    satisfied: float = Field(description="% with P = E")
    delighted: float = Field(description="% with P > E")
    importance: float | None
    correlation: float | None = Field(description="of P with the overall score")
    quadrant: str = Field(
        json_schema_extra={"enum": ["", "concentrate", "keep_up", "low_priority", "overkill"]}
    )


class SurveyGroupOut(EstimateOut):
    key: str
    label: str
    difference: float | None = Field(description="this group minus everyone else")
    p_value: float | None
    within_noise: bool = Field(description="true when the difference may be chance (p ≥ 0.05)")


class SurveyResultsOut(Schema):
    survey_id: int
    responses: int
    nps: EstimateOut | None
    csat: EstimateOut | None
    ces: EstimateOut | None
    questions: list[QuestionResultOut]
    ep: list[EPOut]
    importance_basis: str = Field(json_schema_extra={"enum": ["expectation", "correlation"]})
    comparisons: dict[str, list[SurveyGroupOut]] = Field(
        description="branch, channel, staff (and segment with `segment_id`)"
    )


class ResultsQuery(Schema):
    since: dt.date | None = Field(None, ge=dt.date(2000, 1, 1), le=dt.date(2200, 1, 1))
    until: dt.date | None = Field(None, ge=dt.date(2000, 1, 1), le=dt.date(2200, 1, 1))
    segment_id: Id | None = Field(None, description="compare the segment with everyone else")


@router.get(
    "/surveys/{survey_id}/results",
    response=SurveyResultsOut,
    summary="A survey's results with 95% intervals",
    description=(
        "NPS (interval from the variance of the +1/0/−1 score), CSAT (% of 4–5, Wilson "
        "interval), CES and ratings (mean, t interval), per question and per month; the E–P "
        "gap per quality with the shares of disappointed (P<E), satisfied (P=E) and delighted "
        "(P>E) customers and its importance–performance quadrant; comparisons of each branch, "
        "channel and staff member with everyone else, `within_noise` when a z-test cannot tell "
        "them apart. Errors: 404 `survey_not_found`, `segment_not_found`."
    ),
)
def survey_results(request: HttpRequest, survey_id: Id, filters: Query[ResultsQuery]) -> Any:
    return selectors.survey_results(
        actor=actor_of(request),
        survey_id=survey_id,
        since=filters.since,
        until=filters.until,
        segment_id=filters.segment_id,
    ).as_dict()


# --- links and responses ---------------------------------------------------------------------


class InvitationIn(Schema):
    customer_id: Id
    order_id: Id | None = None
    ticket_id: Id | None = None


class InvitationOut(Schema):
    id: int
    survey_id: int
    customer_id: int
    order_id: int | None
    ticket_id: int | None
    url: str = Field(description="the personal link: one answer, until `expires_at`")
    expires_at: dt.datetime
    answered_at: dt.datetime | None


@router.post(
    "/surveys/{survey_id}/invitations",
    response={201: InvitationOut, 409: ErrorOut},
    summary="A personal survey link for a customer",
    description=(
        "For an order or a ticket, asking again gives the same link. Errors: 404 "
        "`survey_not_found`, `customer_not_found`, `order_not_found`; 409 `survey_inactive`."
    ),
)
def invitation_create(request: HttpRequest, survey_id: Id, payload: InvitationIn) -> Any:
    invitation = services.invitation_create(
        actor=actor_of(request),
        survey_id=survey_id,
        customer_id=payload.customer_id,
        order_id=payload.order_id,
        ticket_id=payload.ticket_id,
    )
    url = request.build_absolute_uri(links.invitation_path(invitation))
    invitation.url = url  # type: ignore[attr-defined]
    return Status(201, invitation)


class EPIn(Schema):
    attribute: Code
    expectation: int = Field(ge=1, le=7)
    performance: int = Field(ge=1, le=7)


class AnswerIn(Schema):
    question_id: Id
    value: int | None = Field(None, ge=0, le=10, description="a score, or a single choice's index")
    choices: list[Annotated[int, Field(ge=0, le=100)]] = Field(default_factory=list, max_length=20)
    text: str = Field("", max_length=services.ANSWER_TEXT_MAX)
    ep: list[EPIn] = Field(default_factory=list, max_length=services.MAX_EP_ATTRIBUTES)


class ResponseIn(Schema):
    customer_id: Id | None = None
    order_id: Id | None = Field(None, description="one response per order and survey")
    answers: list[AnswerIn] = Field(max_length=services.MAX_QUESTIONS)


class ResponseOut(Schema):
    id: int
    survey_id: int
    customer_id: int | None
    order_id: int | None
    channel: str = Field(json_schema_extra={"enum": list(ResponseChannel.values)})
    submitted_at: dt.datetime


@router.post(
    "/surveys/{survey_id}/responses",
    response={201: ResponseOut, 409: ErrorOut, 410: ErrorOut},
    summary="Record a response (e.g. from a paper form or another tool)",
    description=(
        "Answers are checked against the questions (ranges, options, required ones). One "
        "response per order and survey: a second is a 409 `already_answered`, also when two "
        "arrive at once. Errors: 404 `survey_not_found`, `customer_not_found`, "
        "`order_not_found`; 410 `survey_closed`; 422 `answer_required`, `invalid_answer`."
    ),
)
def response_create(request: HttpRequest, survey_id: Id, payload: ResponseIn) -> Any:
    actor = actor_of(request)
    require(actor, Perm.CUSTOMER_EDIT)
    survey = services.survey_of(actor, survey_id)
    customer = (
        customer_get(actor=actor, customer_id=payload.customer_id)
        if payload.customer_id is not None
        else None
    )
    if payload.order_id is not None:
        order = Order.objects.filter(workspace=actor.workspace, pk=payload.order_id).first()
        if order is None:
            raise NotFound("order_not_found", _("Order not found."))
        if customer is None and order.customer_id is not None:
            customer = order.customer
    response = services.response_submit(
        survey=survey,
        answers=[a.model_dump() for a in payload.answers],
        channel=ResponseChannel.API,
        customer=customer,
        order_id=payload.order_id,
        actor=actor,
    )
    return Status(201, response)


# --- qualities -------------------------------------------------------------------------------


class AttributeOut(Schema):
    code: str
    name_th: str
    name_en: str
    is_active: bool


class AttributeIn(Schema):
    code: Code = Field(min_length=1)
    name_th: str = Field(min_length=1, max_length=attrs.NAME_MAX)
    name_en: str = Field(min_length=1, max_length=attrs.NAME_MAX)
    is_active: bool = True


@router.get(
    "/feedback/attributes",
    response=list[AttributeOut],
    summary="The qualities surveys ask about (the twelve by default)",
)
def attribute_list(request: HttpRequest) -> Any:
    return attrs.attributes_ensure(actor_of(request).workspace)


@router.post(
    "/feedback/attributes",
    response={200: AttributeOut},
    summary="Rename, switch off or add a quality",
    description="A known `code` is changed, a new one added (at most 40). Errors: 422 "
    "`invalid_attribute`, `too_many_attributes`.",
)
def attribute_save(request: HttpRequest, payload: AttributeIn) -> Any:
    return attrs.attribute_save(actor=actor_of(request), **payload.model_dump())


# --- feelings and interviews -----------------------------------------------------------------


class FeelingOut(Schema):
    id: int
    kind: str = Field(json_schema_extra={"enum": list(FeelingKind.values)})
    score: int = Field(description="−2 … +2")
    note: str
    source: str = Field(json_schema_extra={"enum": list(FeelingSource.values)})
    response_id: int | None
    observed_at: dt.datetime


class FeelingIn(Schema):
    kind: str = Field(json_schema_extra={"enum": list(FeelingKind.values)})
    score: int = Field(1, ge=-2, le=2)
    note: str = Field("", max_length=services.FEELING_NOTE_MAX)
    observed_at: dt.datetime | None = Field(
        None, ge=dt.datetime(2000, 1, 1, tzinfo=dt.UTC), le=dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
    )
    interaction_id: Id | None = None


@router.get(
    "/customers/{customer_id}/feelings",
    response=list[FeelingOut],
    summary="How a customer feels: observations, newest first",
)
@paginate(Pagination)
def feeling_list(
    request: HttpRequest,
    # A default, not Annotated: @paginate reads the annotations in ninja's own module.
    customer_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    return selectors.feelings_list(actor=actor_of(request), customer_id=customer_id)


@router.post(
    "/customers/{customer_id}/feelings",
    response={201: FeelingOut},
    summary="Note how a customer feels",
    description="Kinds: positive/negative experience, referred by a friend, referred others, "
    "relationship with staff, pride and advocacy, top of mind. Errors: 404 "
    "`customer_not_found`, `interaction_not_found`; 422 `invalid_score`.",
)
def feeling_create(request: HttpRequest, customer_id: Id, payload: FeelingIn) -> Any:
    observation = services.feeling_record(
        actor=actor_of(request), customer_id=customer_id, **payload.model_dump()
    )
    return Status(201, observation)


class QAItem(Schema):
    q: str = Field("", max_length=services.QA_TEXT_MAX)
    a: str = Field("", max_length=services.QA_TEXT_MAX)


class InterviewIn(Schema):
    customer_id: Id
    held_on: dt.date | None = Field(None, ge=dt.date(2000, 1, 1), le=dt.date(2200, 1, 1))
    interviewer_name: str = Field("", max_length=150)
    summary: str = Field("", max_length=services.INTERVIEW_TEXT_MAX)
    qa: list[QAItem] = Field(default_factory=list, max_length=services.MAX_QA)
    quotes: list[Annotated[str, Field(max_length=services.QUOTE_MAX)]] = Field(
        default_factory=list, max_length=services.MAX_QUOTES
    )
    themes: list[Annotated[str, Field(max_length=services.THEME_MAX)]] = Field(
        default_factory=list, max_length=services.MAX_THEMES
    )
    delight: str = Field("", max_length=services.INTERVIEW_TEXT_MAX)


class InterviewOut(Schema):
    id: int
    customer_id: int
    held_on: dt.date
    interviewer_name: str
    summary: str
    qa: list[dict[str, str]]
    quotes: list[str]
    themes: list[str]
    delight: str


@router.get(
    "/interviews",
    response={200: list[InterviewOut], 404: ErrorOut},
    summary="In-depth interviews, searchable",
    description="Errors: 404 `customer_not_found` (with `customer_id`).",
)
@paginate(Pagination)
def interview_list(
    request: HttpRequest,
    q: str = Query("", max_length=selectors.SEARCH_MAX, description="words in any field"),
    customer_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> Any:
    return selectors.interview_list(actor=actor_of(request), query=q, customer_id=customer_id)


@router.post(
    "/interviews",
    response={201: InterviewOut, 404: ErrorOut},
    summary="Record an in-depth interview",
    description="Errors: 404 `customer_not_found`; 422 `required` (nothing written).",
)
def interview_create(request: HttpRequest, payload: InterviewIn) -> Any:
    fields = payload.model_dump()
    customer_id = fields.pop("customer_id")
    interview = services.interview_save(
        actor=actor_of(request), customer_id=customer_id, fields=fields
    )
    return Status(201, interview)


@router.get("/interviews/{interview_id}", response=InterviewOut, summary="An interview")
def interview_read(request: HttpRequest, interview_id: Id) -> Any:
    return selectors.interview_get(actor=actor_of(request), interview_id=interview_id)


# --- the relationship-health scorecard -------------------------------------------------------


class ScorecardQuery(Schema):
    branch_id: Id | None = Field(None, description="one branch; every branch when empty")
    staff_id: Id | None = Field(None, description="one staff member (a user id)")
    months: int = Field(6, ge=1, le=selectors.MAX_MONTHS)


class ProxyOut(Schema):
    share: EstimateOut = Field(description="% of good cases with the Wilson 95% interval")
    basis: str = Field(description="what is counted")
    detail: str = Field(description="a supporting figure, such as a median time")


class TrendPointOut(Schema):
    month: str = Field(description="YYYY-MM, Bangkok time")
    value: float | None


class ScoreOut(Schema):
    code: str
    name: str
    measured: ProxyOut | None = Field(
        description="from the shop's records (tickets, follow-ups, orders, contacts); null "
        "for a quality with no proxy"
    )
    measured_trend: list[TrendPointOut] = Field(description="the measured share per month")
    survey: dict[str, Any] = Field(description="E–P summary from surveys: n, expectation, …")
    survey_trend: list[TrendPointOut] = Field(description="the mean gap P − E per month")


@router.get(
    "/feedback/scorecard",
    response={200: list[ScoreOut], 404: ErrorOut},
    summary="The relationship-health scorecard",
    description=(
        "The twelve qualities (and the shop's own): measured by proxies where the shop's "
        "records allow (responsiveness: first response within target; promptness: resolution "
        "within target; promises kept: follow-ups done by their due time; follow-up: "
        "purchases and resolved tickets followed up; accuracy: orders without a complaint, "
        "return or refund; communication: 1–8 contacts a month; accessibility: tickets "
        "answered; one-to-one: personal contacts), and by survey E–P answers; each with a "
        "monthly trend. Errors: 404 `branch_not_found`, `staff_not_found`."
    ),
)
def scorecard(request: HttpRequest, filters: Query[ScorecardQuery]) -> Any:
    actor = actor_of(request)
    selectors.scorecard_filters_check(
        actor=actor, branch_id=filters.branch_id, staff_id=filters.staff_id
    )
    rows = selectors.scorecard(
        actor=actor, branch_id=filters.branch_id, staff_id=filters.staff_id, months=filters.months
    )
    return [
        {
            "code": row.code,
            "name": row.name,
            "measured": (
                {
                    "share": row.proxy.estimate.as_dict(),
                    "basis": row.proxy.basis,
                    "detail": row.proxy.detail,
                }
                if row.proxy
                else None
            ),
            "measured_trend": [{"month": m, "value": v} for m, v in row.proxy_trend],
            "survey": row.summary.as_dict(),
            "survey_trend": [{"month": m, "value": v} for m, v in row.trend],
        }
        for row in rows
    ]
