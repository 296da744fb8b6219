"""The automations API: journeys (from a recipe or by hand), switching them on and off, and
their runs with each step's outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Schema, Status
from ninja.pagination import paginate

from samphan.automations import selectors, services
from samphan.automations.models import Trigger
from samphan.automations.recipes import recipes
from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, ErrorOut, Id, Pagination
from samphan.core.limits import MAX_ID

router = ApiRouter(tags=["automations"])


class JourneyChangeIn(Schema):
    """What can be changed in a journey (and given when one is made)."""

    name: str | None = Field(None, max_length=120)
    wait_minutes: int | None = Field(None, ge=0, le=services.WAIT_MAX)
    message: str | None = Field(
        None, max_length=services.MESSAGE_MAX, description="a LINE message; {{ first_name }} …"
    )
    tag: str | None = Field(None, max_length=50)
    untag: str | None = Field(None, max_length=50, description="remove this tag")
    follow_up: str | None = Field(None, max_length=200, description="a task for staff")
    category_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="category_purchase: the category bought"
    )
    days: int | None = Field(
        None,
        ge=0,
        le=services.DAYS_MAX,
        description="no_purchase: days without a purchase; birthday: days ahead (0 = on the day)",
    )
    threshold: float | None = Field(
        None, gt=0, lt=1, description="p_alive_below: the chance of being active, e.g. 0.3"
    )
    match: str | None = Field(
        None,
        max_length=100,
        description="tier_changed: the new tier; line_postback: the postback data (empty = any)",
    )
    stop_if_purchased: bool | None = Field(
        None, description="a condition: a purchase during the wait ends the run"
    )
    coupon_campaign_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="issue a code of this coupon campaign ({{ coupon_code }})",
    )
    after_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="after_journey: the journey whose finished runs start this one (a series)",
    )
    is_active: bool | None = None


class JourneyIn(JourneyChangeIn):
    model_config = {
        "json_schema_extra": {"example": {"recipe": "low_score"}},
    }

    recipe: str = Field(
        "",
        max_length=32,
        description="start from a ready-made journey: welcome, thank_you, after_ticket, "
        "low_score, win_back, birthday, points_expiry (the fields given override it)",
    )
    trigger: str | None = Field(None, json_schema_extra={"enum": list(Trigger.values)})


class JourneyOut(Schema):
    id: int
    name: str
    recipe: str
    trigger: str = Field(json_schema_extra={"enum": list(Trigger.values)})
    wait_minutes: int
    message: str
    tag: str
    untag: str
    follow_up: str
    category_id: int | None
    days: int | None
    threshold: float | None
    match: str
    stop_if_purchased: bool
    coupon_campaign_id: int | None
    after_id: int | None
    is_active: bool
    created_at: dt.datetime


class JourneyStepOut(Schema):
    at: dt.datetime
    action: str = Field(description="message, tag, follow_up")
    outcome: str = Field(description="done, skipped, failed")
    note: str


class JourneyRunOut(Schema):
    id: int
    customer_id: int
    status: str
    reason: str
    started_at: dt.datetime
    due_at: dt.datetime
    finished_at: dt.datetime | None
    steps: list[JourneyStepOut]

    @staticmethod
    def resolve_steps(obj: Any) -> list[Any]:
        return list(obj.log.all())


# Given as null, these are cleared (the others' null means "as it is").
_CLEARABLE = {"category_id", "days", "threshold", "coupon_campaign_id", "after_id"}


def _given(payload: Schema) -> dict[str, object]:
    return {
        k: v
        for k, v in payload.model_dump(exclude_unset=True).items()
        if (v is not None or k in _CLEARABLE) and k != "recipe"
    }


@router.get("/journeys", response=list[JourneyOut], summary="Journeys, newest first")
@paginate(Pagination)
def journey_list(request: HttpRequest) -> Any:
    return selectors.journey_list(actor=actor_of(request))


@router.post(
    "/journeys",
    response={201: JourneyOut},
    summary="Create a journey",
    description=(
        "Triggers: a new customer, a first purchase, a purchase in a category (`category_id`), "
        "no purchase for `days`, P(alive) below `threshold`, a birthday (`days` ahead), a tier "
        "changed (`match` a tier), points expiring, a LINE follow, a LINE postback (`match` its "
        "data), a ticket resolved, a survey answered with a low score, or after another journey "
        "(`after_id`: a series, each step starting when the one before is done). Time-based "
        "triggers are "
        "swept hourly and enter a customer once per occasion. Then a wait (moved past the "
        "shop's quiet hours when there is a message), an optional condition "
        "(`stop_if_purchased`), then the actions: a coupon code, a LINE message (to customers "
        "whose LINE consent allows it), a tag, a follow-up task for staff. A customer is never "
        "in the same journey twice at once. "
        f"Recipes: {', '.join(recipes())}. Errors: 422 `unknown_recipe`, `invalid_trigger`, "
        "`invalid_wait`, `unknown_field` (a message field that does not exist), `no_action`, "
        "`setting_required`, `invalid_days`, `category_not_found`, `journey_not_found`, "
        "`journey_cycle`, "
        "`coupon_campaign_not_found`, `too_many_journeys`."
    ),
)
def journey_create(request: HttpRequest, payload: JourneyIn) -> Any:
    journey = services.journey_create(
        actor=actor_of(request), fields=_given(payload), recipe=payload.recipe
    )
    return Status(201, journey)


@router.get("/journeys/{journey_id}", response=JourneyOut, summary="A journey")
def journey_read(request: HttpRequest, journey_id: Id) -> Any:
    return selectors.journey_get(actor=actor_of(request), journey_id=journey_id)


@router.patch(
    "/journeys/{journey_id}",
    response={200: JourneyOut, 404: ErrorOut},
    summary="Change a journey, or switch it off (its waiting runs are cancelled)",
)
def journey_change(request: HttpRequest, journey_id: Id, payload: JourneyChangeIn) -> Any:
    return services.journey_update(
        actor=actor_of(request), journey_id=journey_id, fields=_given(payload)
    )


@router.get(
    "/journeys/{journey_id}/runs",
    response=list[JourneyRunOut],
    summary="A journey's runs, newest first, each with its steps",
)
@paginate(Pagination)
def journey_runs(
    request: HttpRequest,
    # A default, not Annotated: @paginate reads the annotations in ninja's own module.
    journey_id: int = Path(..., ge=1, le=MAX_ID),
) -> Any:
    return selectors.run_list(actor=actor_of(request), journey_id=journey_id)
