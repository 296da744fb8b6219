"""Reads of the feedback domain: surveys, results with their uncertainty, a customer's
feelings and links, interviews, the relationship-health scorecard. Every read is scoped to the
actor's workspace; statistics come from ``stats`` (pure functions)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.errors import NotFound
from samphan.core.roles import Perm
from samphan.customers.models import Customer
from samphan.feedback import proxies, stats, textsignals
from samphan.feedback.attributes import DEFAULT_CODES, attributes_ensure
from samphan.feedback.models import (
    Answer,
    Attribute,
    EmotionalObservation,
    EPAnswer,
    FeelingKind,
    Interview,
    Question,
    QuestionType,
    Survey,
    SurveyInvitation,
    SurveyResponse,
)
from samphan.feedback.services import survey_of

MAX_MONTHS = 24
MAX_GROUPS = 30
RECENT_TEXTS = 20
SEARCH_MAX = 200
BANGKOK = dt.timezone(dt.timedelta(hours=7))


def survey_list(*, actor: Actor) -> QuerySet[Survey]:
    require(actor, Perm.FEEDBACK_MANAGE)
    return Survey.objects.filter(workspace=actor.workspace).annotate(
        response_count=Count("responses", distinct=True)
    )


def survey_get(*, actor: Actor, survey_id: int) -> Survey:
    require(actor, Perm.FEEDBACK_MANAGE)
    return survey_of(actor, survey_id)


def attribute_names(workspace_id: int) -> dict[str, str]:
    language = translation.get_language() or "th"
    return {a.code: a.name(language) for a in Attribute.objects.filter(workspace_id=workspace_id)}


# --- results ---------------------------------------------------------------------------------


def _month(at: dt.datetime) -> str:
    return at.astimezone(BANGKOK).strftime("%Y-%m")


def _estimate(type_: str, values: Sequence[int]) -> stats.Estimate:
    if type_ == QuestionType.NPS:
        return stats.nps(values)
    if type_ == QuestionType.CSAT:
        return stats.csat(values)
    return stats.mean(values)  # CES, rating 1–5


@dataclass
class GroupRow:
    key: str
    label: str
    estimate: stats.Estimate
    difference: stats.Difference | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            **self.estimate.as_dict(),
            "difference": round(self.difference.difference, 2) if self.difference else None,
            "p_value": self.difference.p_value if self.difference else None,
            "within_noise": self.difference.within_noise if self.difference else True,
        }


@dataclass
class QuestionResult:
    question: Question
    estimate: stats.Estimate | None = None
    counts: list[tuple[str, int]] = field(default_factory=list)
    texts: list[Answer] = field(default_factory=list)
    trend: list[tuple[str, stats.Estimate]] = field(default_factory=list)
    overview: textsignals.TextsOverview | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question.pk,
            "type": self.question.type,
            "text": self.question.text,
            "estimate": self.estimate.as_dict() if self.estimate else None,
            "counts": [{"choice": c, "count": n} for c, n in self.counts],
            "trend": [{"month": m, **e.as_dict()} for m, e in self.trend],
            "texts": [{"text": a.text, "sentiment": a.sentiment or None} for a in self.texts],
            "sentiment": self.overview.labels if self.overview else None,
            "themes": [
                {"theme": code, "label": label, "count": n}
                for code, label, n in (self.overview.themes if self.overview else [])
            ],
        }


@dataclass
class EPRow:
    code: str
    name: str
    summary: stats.EPSummary
    importance: float | None
    correlation: float | None
    quadrant: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "attribute": self.code,
            "name": self.name,
            **self.summary.as_dict(),
            "importance": self.importance,
            "correlation": self.correlation,
            "quadrant": self.quadrant,
        }


@dataclass
class Results:
    survey: Survey
    responses: int
    headline: dict[str, stats.Estimate]
    questions: list[QuestionResult]
    ep: list[EPRow]
    comparisons: dict[str, list[GroupRow]]
    overall_type: str | None
    importance_basis: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "survey_id": self.survey.pk,
            "responses": self.responses,
            "nps": self.headline["nps"].as_dict() if "nps" in self.headline else None,
            "csat": self.headline["csat"].as_dict() if "csat" in self.headline else None,
            "ces": self.headline["ces"].as_dict() if "ces" in self.headline else None,
            "questions": [q.as_dict() for q in self.questions],
            "ep": [row.as_dict() for row in self.ep],
            "importance_basis": self.importance_basis,
            "comparisons": {
                name: [row.as_dict() for row in rows] for name, rows in self.comparisons.items()
            },
        }


def _responses(
    actor: Actor, survey: Survey, since: dt.date | None, until: dt.date | None
) -> QuerySet[SurveyResponse]:
    qs = SurveyResponse.objects.filter(workspace=actor.workspace, survey=survey)
    if since is not None:
        qs = qs.filter(submitted_at__gte=dt.datetime.combine(since, dt.time(), BANGKOK))
    if until is not None:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), BANGKOK)
        qs = qs.filter(submitted_at__lt=end)
    if actor.branch_limited():
        qs = qs.filter(Q(branch_id__in=actor.branch_ids) | Q(branch__isnull=True))
    return qs


def _compare_groups(
    type_: str,
    values: Sequence[tuple[int, int]],  # (response id, score)
    groups: dict[int, tuple[str, str]],  # response id → (key, label)
) -> list[GroupRow]:
    """Each group against everyone else, with the test's verdict."""
    by_group: dict[tuple[str, str], list[int]] = defaultdict(list)
    for response_id, score in values:
        if response_id in groups:
            by_group[groups[response_id]].append(score)
    rows = []
    ordered = sorted(by_group.items(), key=lambda item: -len(item[1]))[:MAX_GROUPS]
    everyone = Counter(score for _r, score in values)
    for (key, label), scores in ordered:
        rest = list((everyone - Counter(scores)).elements())
        mine, others = _estimate(type_, scores), _estimate(type_, rest)
        rows.append(GroupRow(key, label, mine, stats.compare(mine, others)))
    return rows


def survey_results(
    *,
    actor: Actor,
    survey_id: int,
    since: dt.date | None = None,
    until: dt.date | None = None,
    segment_id: int | None = None,
) -> Results:
    require(actor, Perm.FEEDBACK_MANAGE)
    survey = survey_of(actor, survey_id)
    questions = list(survey.questions.all())
    responses = _responses(actor, survey, since, until)
    meta = {
        r["pk"]: r
        for r in responses.values(
            "pk",
            "submitted_at",
            "customer_id",
            "branch_id",
            "branch__name",
            "sales_channel_id",
            "sales_channel__name",
            "staff_id",
            "staff__email",
            "staff__first_name",
        )
    }
    answers = list(Answer.objects.filter(response_id__in=list(meta)).select_related("question"))
    by_question: dict[int, list[Answer]] = defaultdict(list)
    for a in answers:
        by_question[a.question_id].append(a)
    headline: dict[str, stats.Estimate] = {}
    results: list[QuestionResult] = []
    overall: dict[int, int] = {}  # response → overall score (first NPS, else CSAT, else rating)
    overall_type: str | None = None
    for type_ in (QuestionType.NPS, QuestionType.CSAT, QuestionType.RATING):
        first = next((q for q in questions if q.type == type_), None)
        if first is not None:
            overall_type = type_
            overall = {a.response_id: a.value for a in by_question[first.pk] if a.value is not None}
            break
    month_cut = timezone.now() - dt.timedelta(days=31 * MAX_MONTHS)
    for q in questions:
        result = QuestionResult(question=q)
        given = by_question.get(q.pk, [])
        if q.type in (QuestionType.NPS, QuestionType.CSAT, QuestionType.CES, QuestionType.RATING):
            values = [a.value for a in given if a.value is not None]
            result.estimate = _estimate(q.type, values)
            per_month: dict[str, list[int]] = defaultdict(list)
            for a in given:
                at = meta[a.response_id]["submitted_at"]
                if a.value is not None and at >= month_cut:
                    per_month[_month(at)].append(a.value)
            result.trend = [(m, _estimate(q.type, per_month[m])) for m in sorted(per_month)]
            key = {"nps_0_10": "nps", "csat": "csat", "ces": "ces"}.get(q.type)
            if key and key not in headline:
                headline[key] = result.estimate
        elif q.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
            counter: Counter[int] = Counter()
            for a in given:
                if q.type == QuestionType.SINGLE and a.value is not None:
                    counter[a.value] += 1
                else:
                    counter.update(a.choices)
            result.counts = [(c, counter[i]) for i, c in enumerate(q.choices)]
        elif q.type == QuestionType.TEXT:
            newest = sorted(
                (a for a in given if a.text),
                key=lambda a: meta[a.response_id]["submitted_at"],
                reverse=True,
            )
            result.texts = newest[:RECENT_TEXTS]
            result.overview = textsignals.overview(
                [a.text for a in newest], workspace_id=actor.workspace.pk
            )
        results.append(result)

    # Expectation vs. performance, and the importance–performance grid.
    ep_rows, basis = _ep_rows(
        actor.workspace.pk,
        EPAnswer.objects.filter(response_id__in=list(meta)).values_list(
            "response_id", "attribute__code", "expectation", "performance"
        ),
        overall,
    )

    # Comparisons on the headline question (NPS, else CSAT, else CES).
    comparisons: dict[str, list[GroupRow]] = {}
    compared = next(
        (
            q
            for t in (QuestionType.NPS, QuestionType.CSAT, QuestionType.CES, QuestionType.RATING)
            for q in questions
            if q.type == t
        ),
        None,
    )
    if compared is not None:
        scored = [(a.response_id, a.value) for a in by_question[compared.pk] if a.value is not None]

        def grouped(key: Callable[[Any], tuple[str, str] | None]) -> list[GroupRow]:
            groups = {}
            for pk, row in meta.items():
                found = key(row)
                if found is not None:
                    groups[pk] = found
            return _compare_groups(compared.type, scored, groups)

        comparisons["branch"] = grouped(
            lambda r: (str(r["branch_id"]), r["branch__name"]) if r["branch_id"] else None
        )
        comparisons["channel"] = grouped(
            lambda r: (
                (str(r["sales_channel_id"]), r["sales_channel__name"])
                if r["sales_channel_id"]
                else None
            )
        )
        comparisons["staff"] = grouped(
            lambda r: (
                (str(r["staff_id"]), r["staff__first_name"] or r["staff__email"])
                if r["staff_id"]
                else None
            )
        )
        if segment_id is not None:
            members = _segment_members(actor, segment_id, [r["customer_id"] for r in meta.values()])
            inside, outside = _("In the segment"), _("Not in the segment")
            comparisons["segment"] = grouped(
                lambda r: ("in", inside) if r["customer_id"] in members else ("out", outside)
            )
    return Results(
        survey=survey,
        responses=len(meta),
        headline=headline,
        questions=results,
        ep=ep_rows,
        comparisons=comparisons,
        overall_type=overall_type,
        importance_basis=basis,
    )


def _segment_members(actor: Actor, segment_id: int, customer_ids: Iterable[int | None]) -> set[int]:
    from samphan.segments.models import Segment
    from samphan.segments.services import segment_live_queryset

    segment = Segment.objects.filter(workspace=actor.workspace, pk=segment_id).first()
    if segment is None:
        raise NotFound("segment_not_found", _("Segment not found."))
    ids = [c for c in customer_ids if c is not None]
    return set(
        segment_live_queryset(workspace=actor.workspace, rules=segment.rules)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )


def _ep_rows(
    workspace_id: int,
    rows: Iterable[tuple[int, str, int, int]],
    overall: dict[int, int],
) -> tuple[list[EPRow], str]:
    """Per attribute: the E–P summary; importance = the correlation of P with the overall
    score when there are enough overall answers (derived importance), else the mean E
    (stated importance)."""
    pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    with_overall: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for response_id, code, e, p in rows:
        pairs[code].append((e, p))
        if response_id in overall:
            xs, ys = with_overall[code]
            xs.append(p)
            ys.append(overall[response_id])
    names = attribute_names(workspace_id)
    order = {a.code: i for i, a in enumerate(Attribute.objects.filter(workspace_id=workspace_id))}
    out: list[EPRow] = []
    correlations: dict[str, float | None] = {
        code: stats.pearson(*with_overall[code]) for code in pairs
    }
    derived = bool(pairs) and all(
        correlations[c] is not None and len(with_overall[c][0]) >= 10 for c in pairs
    )
    for code in sorted(pairs, key=lambda c: order.get(c, 999)):
        summary = stats.ep_summary(pairs[code])
        importance = correlations[code] if derived else summary.expectation
        out.append(EPRow(code, names.get(code, code), summary, importance, correlations[code]))
    grid = stats.importance_performance(
        [
            (row.code, row.importance, row.summary.performance)
            for row in out
            if row.importance is not None and row.summary.performance is not None
        ]
    )
    quadrants = {g.key: g.quadrant for g in grid}
    for row in out:
        row.quadrant = quadrants.get(row.code, "")
    return out, "correlation" if derived else "expectation"


# --- the relationship-health scorecard -------------------------------------------------------


@dataclass
class ScoreRow:
    code: str
    name: str
    summary: stats.EPSummary
    trend: list[tuple[str, float | None]]  # the mean gap P − E per month
    # Measured from what the shop records (tickets, follow-ups, orders, contacts), where a
    # proxy exists for the quality; its share per month beside.
    proxy: proxies.Proxy | None = None
    proxy_trend: list[tuple[str, float | None]] = field(default_factory=list)


def last_months(now: dt.datetime, months: int) -> list[str]:
    """The ``months`` calendar months (Bangkok) up to and including now's, oldest first."""
    local = now.astimezone(BANGKOK)
    year, month = local.year, local.month
    out = []
    for _i in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def scorecard_filters_check(*, actor: Actor, branch_id: int | None, staff_id: int | None) -> None:
    """404 for a branch or a staff member that is not this shop's."""
    from samphan.core.models import Branch, Membership

    if (
        branch_id is not None
        and not Branch.objects.filter(workspace=actor.workspace, pk=branch_id).exists()
    ):
        raise NotFound("branch_not_found", _("No such branch in this shop."))
    if (
        staff_id is not None
        and not Membership.objects.filter(workspace=actor.workspace, user_id=staff_id).exists()
    ):
        raise NotFound("staff_not_found", _("No such staff member in this shop."))


def scorecard(
    *, actor: Actor, branch_id: int | None = None, staff_id: int | None = None, months: int = 6
) -> list[ScoreRow]:
    """The twelve qualities (and any the shop added): measured by proxies where the shop's
    records allow (response and resolution times, promises kept, orders without complaints
    …), and by what customers expected (E) and got (P) in every survey; each with its trend
    over the last ``months`` months, for the workspace, a branch or a staff member."""
    require(actor, Perm.FEEDBACK_MANAGE)
    attributes = [a for a in attributes_ensure(actor.workspace) if a.is_active]
    qs = EPAnswer.objects.filter(response__workspace=actor.workspace)
    branch_ids: frozenset[int] | None = None
    if branch_id is not None:
        branch_ids = frozenset({branch_id})
    if actor.branch_limited():
        branch_ids = frozenset(actor.branch_ids) & (branch_ids or frozenset(actor.branch_ids))
    if branch_ids is not None:
        qs = qs.filter(response__branch_id__in=branch_ids)
    if staff_id is not None:
        qs = qs.filter(response__staff_id=staff_id)
    months = max(1, min(months, MAX_MONTHS))
    now = timezone.now()
    month_keys = last_months(now, months)
    start = dt.datetime.strptime(month_keys[0] + "-01", "%Y-%m-%d").replace(tzinfo=BANGKOK)
    pairs: dict[str, list[tuple[int, int]]] = defaultdict(list)
    monthly: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for code, e, p, at in qs.values_list(
        "attribute__code", "expectation", "performance", "response__submitted_at"
    ):
        pairs[code].append((e, p))
        if at >= start:
            monthly[code][_month(at)].append(p - e)
    measured = proxies.measure_all(
        proxies.Scope(
            workspace=actor.workspace,
            since=start,
            now=now,
            branch_ids=branch_ids,
            staff_id=staff_id,
        )
    )
    language = translation.get_language() or "th"
    ordered = sorted(attributes, key=lambda a: (a.code not in DEFAULT_CODES, a.position, a.pk))
    rows = []
    for attribute in ordered:
        gaps = monthly[attribute.code]
        proxy = measured.get(attribute.code)
        rows.append(
            ScoreRow(
                code=attribute.code,
                name=attribute.name(language),
                summary=stats.ep_summary(pairs.get(attribute.code, [])),
                trend=[(m, sum(gaps[m]) / len(gaps[m]) if gaps[m] else None) for m in month_keys],
                proxy=proxy,
                proxy_trend=[(m, proxy.monthly.get(m)) for m in month_keys] if proxy else [],
            )
        )
    return rows


# --- a customer's feelings, links and interviews ---------------------------------------------


def _customer_checked(actor: Actor, customer_id: int, customer: Customer | None = None) -> None:
    from samphan.customers.selectors import customer_scoped

    customer_scoped(actor=actor, customer_id=customer_id, customer=customer)


@dataclass
class Relationship:
    counts: list[tuple[str, str, int]]  # (kind, label, count in the last year)
    positive: int
    negative: int
    trend: list[tuple[str, int]]  # (month, positive − negative), last six months
    recent: list[EmotionalObservation]
    invitations: list[SurveyInvitation]
    interviews: list[Interview]
    last_scores: list[tuple[str, int | None]]


def relationship(
    *, actor: Actor, customer_id: int, customer: Customer | None = None
) -> Relationship:
    """What the relationship panel shows: feelings counted over the last year, the net
    positive per month, the open survey links and the latest interviews. ``customer``: the
    panel's, already read for this actor, so it is not read again."""
    _customer_checked(actor, customer_id, customer)
    now = timezone.now()
    year_ago = now - dt.timedelta(days=365)
    feelings = EmotionalObservation.objects.filter(
        workspace=actor.workspace, customer_id=customer_id
    )
    # Per kind over the year, with how many were positive and negative: one query.
    year_rows = list(
        feelings.filter(observed_at__gte=year_ago)
        .values("kind")
        .annotate(
            n=Count("pk"),
            up=Count("pk", filter=Q(score__gt=0)),
            down=Count("pk", filter=Q(score__lt=0)),
        )
        .order_by()
        .values_list("kind", "n", "up", "down")
    )
    counted = {kind: n for kind, n, _up, _down in year_rows}
    counts = [(k.value, str(k.label), counted.get(k.value, 0)) for k in FeelingKind]
    per_month: dict[str, int] = defaultdict(int)
    six = now - dt.timedelta(days=183)
    for score, at in feelings.filter(observed_at__gte=six).values_list("score", "observed_at"):
        per_month[_month(at)] += 1 if score > 0 else -1 if score < 0 else 0
    months = []
    cursor = now.astimezone(BANGKOK).replace(day=1)
    for _i in range(6):
        months.append(cursor.strftime("%Y-%m"))
        cursor = (cursor - dt.timedelta(days=1)).replace(day=1)
    positive = sum(up for _kind, _n, up, _down in year_rows)
    negative = sum(down for _kind, _n, _up, down in year_rows)
    invitations = list(
        SurveyInvitation.objects.filter(
            workspace=actor.workspace,
            customer_id=customer_id,
            answered_at__isnull=True,
            expires_at__gt=now,
        ).select_related("survey", "order")[:5]
    )
    # The latest three responses, each with its first score (NPS, CSAT or rating): one query.
    first_score = (
        Answer.objects.filter(
            response=OuterRef("pk"),
            question__type__in=[QuestionType.NPS, QuestionType.CSAT, QuestionType.RATING],
        )
        .order_by("question__position")
        .values("value")[:1]
    )
    last_scores = list(
        SurveyResponse.objects.filter(workspace=actor.workspace, customer_id=customer_id)
        .annotate(first_score=Subquery(first_score))
        .values_list("survey__title", "first_score")[:3]
    )
    return Relationship(
        counts=counts,
        positive=positive,
        negative=negative,
        trend=[(m, per_month.get(m, 0)) for m in reversed(months)],
        recent=list(feelings.select_related("response__survey")[:5]),
        invitations=invitations,
        interviews=list(
            Interview.objects.filter(workspace=actor.workspace, customer_id=customer_id)[:3]
        ),
        last_scores=last_scores,
    )


def feelings_list(*, actor: Actor, customer_id: int) -> QuerySet[EmotionalObservation]:
    _customer_checked(actor, customer_id)
    return EmotionalObservation.objects.filter(workspace=actor.workspace, customer_id=customer_id)


def invitations_list(
    *, actor: Actor, customer_id: int | None = None, survey_id: int | None = None
) -> QuerySet[SurveyInvitation]:
    require(actor, Perm.CUSTOMER_VIEW)
    qs = SurveyInvitation.objects.filter(workspace=actor.workspace).select_related(
        "survey", "customer"
    )
    if customer_id is not None:
        _customer_checked(actor, customer_id)
        qs = qs.filter(customer_id=customer_id)
    if survey_id is not None:
        qs = qs.filter(survey_id=survey_id)
    return qs


def interview_list(
    *, actor: Actor, query: str = "", customer_id: int | None = None
) -> QuerySet[Interview]:
    require(actor, Perm.CUSTOMER_VIEW)
    qs = Interview.objects.filter(
        workspace=actor.workspace, customer__merged_into__isnull=True
    ).select_related("customer")
    if customer_id is not None:
        _customer_checked(actor, customer_id)
        qs = qs.filter(customer_id=customer_id)
    query = query.strip().lower()[:SEARCH_MAX]
    if query:
        qs = qs.filter(search_text__icontains=query)
    return qs


def interview_get(*, actor: Actor, interview_id: int) -> Interview:
    require(actor, Perm.CUSTOMER_VIEW)
    interview = (
        Interview.objects.filter(workspace=actor.workspace, pk=interview_id)
        .select_related("customer")
        .first()
    )
    if interview is None:
        raise NotFound("interview_not_found", _("Interview not found."))
    _customer_checked(actor, interview.customer_id)
    return interview


def feelings_overview(*, actor: Actor, months: int = 12) -> list[tuple[str, str, int, int]]:
    """Across the shop: per feeling, (kind, label, customers, observations) over the period."""
    require(actor, Perm.FEEDBACK_MANAGE)
    since = timezone.now() - dt.timedelta(days=31 * max(1, min(months, MAX_MONTHS)))
    rows = dict(
        (k, (c, n))
        for k, c, n in EmotionalObservation.objects.filter(
            workspace=actor.workspace, observed_at__gte=since
        )
        .values("kind")
        .annotate(c=Count("customer_id", distinct=True), n=Count("pk"))
        .values_list("kind", "c", "n")
    )
    return [(k.value, str(k.label), *rows.get(k.value, (0, 0))) for k in FeelingKind]
