"""API: saved segments, the live count of a rule tree, members, membership snapshots, and the
suggested segments (analytics clustering) with their rule trees, saved in one call."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Path, Query, Schema, Status
from ninja.pagination import paginate

from samphan.analytics.clustering import workspace_suggestions
from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, ErrorOut, Id, Pagination, column
from samphan.core.limits import MAX_ID
from samphan.customers.api import CustomerOut
from samphan.segments import selectors, services
from samphan.segments.models import Segment
from samphan.segments.rules import rules_describe
from samphan.segments.selectors import MEMBERS_PAGE_MAX

router = ApiRouter(tags=["segments"])

RULES_EXAMPLE: dict[str, Any] = {
    "op": "and",
    "items": [
        {"field": "province", "operator": "eq", "value": "กรุงเทพมหานคร"},
        {"field": "orders_count", "operator": "gte", "value": 2},
        {
            "op": "or",
            "items": [
                {"field": "last_purchase", "operator": "within_days", "value": 90},
                {"field": "consent_marketing_line", "operator": "is_true", "value": None},
            ],
        },
    ],
}

RULES_DESCRIPTION = (
    'A rule tree: a group `{"op": "and" | "or", "items": [...]}` whose items are conditions '
    '`{"field", "operator", "value"}` or nested groups (at most 4 levels, 40 conditions). '
    "Fields and their operators are listed by `GET /segments/fields`. Money is in baht, dates "
    "`YYYY-MM-DD`; purchase fields (`orders_count`, `total_spent`, `bought_*`: those whose "
    '`period` is true) take an optional `"period"`: `{"within_days": N}` (the last N days), '
    '`{"from": date, "to": date}` (between two dates, both included) or `{"from": date}` '
    '(since a date), e.g. `{"field": "total_spent", "operator": "gt", "value": 1000, '
    '"period": {"within_days": 90}}`. A bad tree is a 422 `invalid_rules` whose `details.errors` '
    "name each bad place, e.g. `items[1].value: enter a number`."
)


class SegmentIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "name": "ลูกค้ากรุงเทพฯ ซื้อซ้ำ",
                "description": "ซื้อ 2 ครั้งขึ้นไป",
                "rules": RULES_EXAMPLE,
            }
        }
    }

    name: str = column(Segment, "name", description="unique within the workspace")
    description: str = column(Segment, "description", "")
    rules: dict[str, Any] = Field(description=RULES_DESCRIPTION)


class CountIn(Schema):
    model_config = {"json_schema_extra": {"example": {"rules": RULES_EXAMPLE}}}

    rules: dict[str, Any] = Field(description=RULES_DESCRIPTION)


class CountOut(Schema):
    count: int
    summary: str = Field(description="the rules in words, in the request's language")


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    rules: dict[str, Any]
    summary: str = Field(description="the rules in words, in the request's language")
    created_at: dt.datetime
    updated_at: dt.datetime
    latest_size: int | None = Field(None, description="size at the latest snapshot")
    latest_at: dt.datetime | None = Field(None, description="time of the latest snapshot")


class SnapshotOut(Schema):
    id: int
    segment_id: int
    computed_at: dt.datetime
    size: int
    reason: str = Field(description="recompute (nightly) or manual (frozen by hand)")
    has_members: bool = Field(description="false once a nightly snapshot's list was pruned")


class MembersOut(Schema):
    items: list[CustomerOut]
    next_after: int | None = Field(description="pass as `after` for the next page; null at end")


class OperatorOut(Schema):
    key: str
    label: str
    value: str = Field(description="none, one, many, range (two values) or days")


class ChoiceOut(Schema):
    value: Any
    label: str


class FieldOut(Schema):
    key: str
    label: str
    section: str
    type: str = Field(description="choice, text, number, money, date or bool")
    operators: list[OperatorOut]
    choices: list[ChoiceOut] | None
    period: bool = Field(
        description="accepts a purchase period (the last N days, between two dates, since a date)"
    )


class SuggestionOut(Schema):
    index: int = Field(description="position in the list; pass it to /segments/from-suggestion")
    key: str = Field(description="fingerprint of this suggestion; changes after a recompute")
    explanation: str = Field(description="the group in plain words, in the request's language")
    size: int = Field(description="customers in the group when it was found")
    share: float = Field(description="the group's share of the buyers (0–1)")
    rules: dict[str, Any] = Field(description="a rule tree that approximates the group")
    summary: str = Field(description="the rules in words, in the request's language")
    count: int = Field(description="customers the rules select now")
    precision: float = Field(
        description="share of the customers the rules select that are in the group (0–1), "
        "on the metrics the group was found with"
    )
    recall: float = Field(description="share of the group the rules select (0–1), likewise")


class FromSuggestionIn(Schema):
    model_config = {"json_schema_extra": {"example": {"index": 0, "key": ""}}}

    index: int = Field(
        ge=0, le=1000, description="the suggestion's index in GET /segments/suggestions"
    )
    key: str = Field(
        "",
        max_length=200,
        description="the suggestion's key from that list: when given, a suggestion changed by "
        "a recompute since is refused (409 `suggestion_changed`)",
    )


def _out(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.pk,
        "name": segment.name,
        "description": segment.description,
        "rules": segment.rules,
        "summary": rules_describe(segment.workspace, segment.rules),
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
        "latest_size": getattr(segment, "latest_size", None),
        "latest_at": getattr(segment, "latest_at", None),
    }


@router.get("/segments", response=list[SegmentOut], summary="List saved segments by name")
@paginate(Pagination)
def segment_list(request: HttpRequest) -> object:
    return [_out(s) for s in selectors.segment_list(actor=actor_of(request))]


@router.post("/segments", response={201: SegmentOut, 409: ErrorOut}, summary="Save a segment")
def segment_create(request: HttpRequest, payload: SegmentIn) -> object:
    actor = actor_of(request)
    segment = services.segment_create(
        actor=actor, name=payload.name, description=payload.description, rules=payload.rules
    )
    return Status(201, _out(selectors.segment_get(actor=actor, segment_id=segment.pk)))


@router.get("/segments/fields", response=list[FieldOut], summary="Fields a rule may use")
def segment_fields(request: HttpRequest) -> object:
    from samphan.segments.fields import FIELDS, OPERATORS, Context

    actor = actor_of(request)
    ctx = Context(workspace=actor.workspace, now=dt.datetime.now(tz=dt.UTC))
    return [
        {
            "key": spec.key,
            "label": str(spec.label),
            "section": str(spec.section),
            "type": spec.type,
            "operators": [
                {"key": op, "label": spec.operator_label(op), "value": OPERATORS[op].arity}
                for op in spec.operators
            ],
            "choices": (
                [{"value": v, "label": label} for v, label in spec.choices_for(ctx)]
                if spec.choices is not None
                else None
            ),
            "period": spec.period,
        }
        for spec in FIELDS.values()
    ]


@router.post(
    "/segments/count",
    response=CountOut,
    summary="Live count of the customers a rule tree matches",
    description="What the segment builder shows while editing. Nothing is saved.",
)
def segment_count(request: HttpRequest, payload: CountIn) -> object:
    actor = actor_of(request)
    return {
        "count": selectors.segment_count(actor=actor, tree=payload.rules),
        "summary": rules_describe(actor.workspace, payload.rules),
    }


@router.get(
    "/segments/suggestions",
    response=list[SuggestionOut],
    summary="Suggested segments (clustering), each with a rule tree",
    description="Groups of customers who buy alike, found by k-means on the latest analytics "
    "recompute, each with a rule tree in the segments format that approximates it, how many "
    "customers that rule selects now, and how close it is to the group. Empty until the "
    "analytics have been computed for enough buyers.",
)
def suggestion_list(request: HttpRequest) -> object:
    actor = actor_of(request)
    language = translation.get_language()
    return [
        {
            "index": s.index,
            "key": s.key,
            "explanation": s.explanation(language),
            "size": s.size,
            "share": round(s.share, 4),
            "rules": s.rule,
            "summary": rules_describe(actor.workspace, s.rule),
            "count": selectors.segment_count(actor=actor, tree=s.rule),
            "precision": s.rule_precision,
            "recall": s.rule_recall,
        }
        for s in workspace_suggestions(actor=actor)
    ]


@router.post(
    "/segments/from-suggestion",
    response={201: SegmentOut, 404: ErrorOut, 409: ErrorOut},
    summary="Save a suggested segment as a segment",
    description="Creates a dynamic segment with the suggestion's rule tree, named after the "
    "group (in the request's language). A taken name gets a number: `(2)`, `(3)` …",
)
def segment_from_suggestion(request: HttpRequest, payload: FromSuggestionIn) -> object:
    actor = actor_of(request)
    segment = services.segment_create_from_suggestion(
        actor=actor, index=payload.index, key=payload.key
    )
    return Status(201, _out(selectors.segment_get(actor=actor, segment_id=segment.pk)))


@router.get("/segments/{segment_id}", response=SegmentOut, summary="One segment")
def segment_detail(request: HttpRequest, segment_id: Id) -> object:
    return _out(selectors.segment_get(actor=actor_of(request), segment_id=segment_id))


@router.put(
    "/segments/{segment_id}", response={200: SegmentOut, 409: ErrorOut}, summary="Replace a segment"
)
def segment_update(request: HttpRequest, segment_id: Id, payload: SegmentIn) -> object:
    actor = actor_of(request)
    services.segment_update(
        actor=actor,
        segment_id=segment_id,
        name=payload.name,
        description=payload.description,
        rules=payload.rules,
    )
    return _out(selectors.segment_get(actor=actor, segment_id=segment_id))


@router.delete("/segments/{segment_id}", response={204: None}, summary="Delete a segment")
def segment_delete(request: HttpRequest, segment_id: Id) -> object:
    services.segment_delete(actor=actor_of(request), segment_id=segment_id)
    return Status(204, None)


class MembersQuery(Schema):
    after: int | None = Field(None, ge=0, le=MAX_ID, description="the previous page's next_after")
    limit: int = Field(50, ge=1, le=MEMBERS_PAGE_MAX)


@router.get(
    "/segments/{segment_id}/members",
    response=MembersOut,
    summary="Current members, by customer id",
    description="Evaluated live. Keyset pages: pass the previous page's `next_after` as `after`.",
)
def segment_members(request: HttpRequest, segment_id: Id, query: Query[MembersQuery]) -> object:
    page = selectors.segment_members_page(
        actor=actor_of(request), segment_id=segment_id, after=query.after, limit=query.limit
    )
    return {"items": page.rows, "next_after": page.next_after}


@router.get(
    "/segments/{segment_id}/snapshots",
    response=list[SnapshotOut],
    summary="Snapshots, newest first",
)
@paginate(Pagination)
def snapshot_list(
    request: HttpRequest,
    # A default, not Annotated: @paginate reads the annotations in ninja's own module.
    segment_id: int = Path(..., ge=1, le=MAX_ID),
) -> object:
    return selectors.snapshot_list(actor=actor_of(request), segment_id=segment_id)


@router.post(
    "/segments/{segment_id}/snapshots",
    response={201: SnapshotOut},
    summary="Freeze the current members (a frozen list a campaign can target)",
)
def snapshot_create(request: HttpRequest, segment_id: Id) -> object:
    snapshot = services.segment_freeze(actor=actor_of(request), segment_id=segment_id)
    return Status(201, snapshot)


@router.get(
    "/segments/{segment_id}/snapshots/{snapshot_id}/members",
    response=MembersOut,
    summary="The frozen list of a snapshot, by customer id",
)
def snapshot_members(
    request: HttpRequest,
    segment_id: Id,
    snapshot_id: Id,
    query: Query[MembersQuery],
) -> object:
    page = selectors.snapshot_members_page(
        actor=actor_of(request),
        segment_id=segment_id,
        snapshot_id=snapshot_id,
        after=query.after,
        limit=query.limit,
    )
    return {"items": page.rows, "next_after": page.next_after}
