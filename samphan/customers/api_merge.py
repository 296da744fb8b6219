"""API: possible duplicates (stored, dismissible, rescannable), merging two customers, the
merge log and undoing a merge."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from ninja.pagination import paginate

from samphan.core.api_auth import actor_of
from samphan.core.api_schema import MAX_OFFSET, ApiRouter, ErrorOut, Id, Pagination
from samphan.customers import duplicates, merge
from samphan.customers.api import CustomerOut

router = ApiRouter(tags=["customers"])


class ReasonOut(Schema):
    code: str = Field(
        description=(
            "same_phone, same_email, phone_typo, phone_suffix, same_username, same_birthday, "
            "same_address, same_name, swapped_name, marks_name, similar_name, same_first_name, "
            "same_nickname or names_differ (phone_digits in pairs stored before points)"
        )
    )
    detail: str = Field(description="e.g. the shared last 4 digits")
    text: str = Field(description="the reason in the request's language")
    points: int = Field(
        0, description="what the reason adds to the score (negative: takes away); 0 if unknown"
    )
    note: str = Field("", description="how common a shared name is, in the request's language")


class DuplicateOut(Schema):
    score: int = Field(description="0–100: how likely the two records are one person")
    reasons: list[ReasonOut]
    survivor: CustomerOut = Field(description="suggested to keep: more orders, then older")
    merged: CustomerOut = Field(description="suggested to merge into the survivor")


class DuplicatePage(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get(
    "/duplicates",
    response=list[DuplicateOut],
    summary="Possible duplicate customers, most likely first",
    description=(
        "The pairs stored by the last scan (nightly, `POST /duplicates/scan`, and for a "
        "customer right after it is created or its name, phone or birthday changes), best "
        "first; page with `limit` (at most 200) and `offset`. Pairs marked as different "
        "people (`POST /duplicates/dismissals`) are never listed. `GET /duplicates/scan` says "
        "when the workspace was last scanned."
    ),
)
def duplicate_list(request: HttpRequest, page: Query[DuplicatePage]) -> object:
    rows = duplicates.duplicate_list(actor=actor_of(request))[
        page.offset : page.offset + page.limit
    ]
    return [
        {
            "score": pair.score,
            "reasons": [
                {
                    "code": r.code,
                    "detail": r.detail,
                    "text": duplicates.reason_text(r),
                    "points": r.points,
                    "note": duplicates.reason_note(r),
                }
                for r in pair.reasons
            ],
            "survivor": pair.survivor,
            "merged": pair.merged,
        }
        for pair in duplicates.duplicate_pairs(rows)
    ]


class ScanOut(Schema):
    scanned_at: dt.datetime | None = Field(
        description="when the last full scan finished; null: never scanned"
    )
    candidates: int = Field(description="pairs that scan stored")
    running: bool = Field(description="a full scan is in progress")


def _scan_out(status: duplicates.ScanStatus) -> dict[str, Any]:
    return {
        "scanned_at": status.scanned_at,
        "candidates": status.candidates,
        "running": status.running_since is not None,
    }


@router.get("/duplicates/scan", response=ScanOut, summary="When duplicates were last scanned")
def duplicate_scan_status(request: HttpRequest) -> object:
    return _scan_out(duplicates.duplicate_scan_status(actor=actor_of(request)))


@router.post(
    "/duplicates/scan",
    response={202: ScanOut, 409: ErrorOut},
    summary="Scan the workspace for duplicates again",
    description=(
        "Queues a full scan (runs in the background; immediately in the embedded mode). "
        "409 `duplicate_scan_running` while one is running."
    ),
)
def duplicate_scan(request: HttpRequest) -> object:
    actor = actor_of(request)
    duplicates.duplicates_scan_request(actor=actor)
    return Status(202, _scan_out(duplicates.duplicate_scan_status(actor=actor)))


class DismissalIn(Schema):
    model_config = {"json_schema_extra": {"example": {"customer_id": 1042, "other_id": 1043}}}

    customer_id: Id
    other_id: Id = Field(description="the other customer of the pair")


class DismissalOut(Schema):
    customer_a: CustomerOut = Field(description="the customer with the lower id")
    customer_b: CustomerOut
    dismissed_at: dt.datetime
    dismissed_by: str = Field(description="the member's email, or api")

    @staticmethod
    def resolve_dismissed_by(obj: Any) -> str:
        return str(obj.dismissed_by.email) if obj.dismissed_by is not None else "api"


@router.get(
    "/duplicates/dismissals",
    response=list[DismissalOut],
    summary="Pairs marked as different people, newest first",
)
@paginate(Pagination)
def duplicate_dismissal_list(request: HttpRequest) -> object:
    return duplicates.duplicate_dismissal_list(actor=actor_of(request))


@router.post(
    "/duplicates/dismissals",
    response={200: DismissalOut, 201: DismissalOut, 404: ErrorOut},
    summary="Mark two customers as different people",
    description=(
        "The pair is no longer listed in `/duplicates` and no scan suggests it again. 201 when "
        "marked now, 200 when it already was. 404 if either customer is not in this workspace "
        "(or was merged away). Undo with `DELETE /duplicates/dismissals/{customer_id}/{other_id}`."
    ),
)
def duplicate_dismiss(request: HttpRequest, payload: DismissalIn) -> object:
    result = duplicates.duplicate_dismiss(
        actor=actor_of(request), customer_id=payload.customer_id, other_id=payload.other_id
    )
    return Status(201 if result.created else 200, result.dismissal)


@router.delete(
    "/duplicates/dismissals/{customer_id}/{other_id}",
    response={204: None},
    summary="Undo “different people”: the pair may be suggested again",
)
def duplicate_restore(request: HttpRequest, customer_id: Id, other_id: Id) -> object:
    duplicates.duplicate_restore(
        actor=actor_of(request), customer_id=customer_id, other_id=other_id
    )
    return Status(204, None)


class MergeIn(Schema):
    model_config = {
        "json_schema_extra": {
            "example": {
                "merged_id": 1042,
                "field_choices": {"first_name": "merged", "birthday": "merged", "notes": "both"},
            }
        }
    }

    merged_id: Id = Field(description="the customer merged into the one in the path")
    field_choices: dict[str, Annotated[str, Field(max_length=16)]] = Field(
        default_factory=dict,
        max_length=50,
        description=(
            "which side's value the surviving customer keeps, per field: `survivor` or "
            "`merged` (`both` for notes and custom_fields). Fields: "
            + ", ".join(merge.MERGE_FIELDS)
            + "; `name` chooses title, first and last name together. Unmentioned fields keep "
            "the survivor's value unless it is empty."
        ),
    )


class MergeOut(Schema):
    id: int
    survivor_id: int
    merged_id: int
    survivor_name: str
    merged_name: str
    created_at: dt.datetime
    actor: str = Field(description="the member's email, or the API key")
    moved: dict[str, int] = Field(
        description='rows moved per relation, e.g. {"commerce.Order.customer": 3}'
    )
    undone_at: dt.datetime | None
    undone_by: str | None
    can_undo: bool = Field(description="false once undone, or while a later merge is active")

    @staticmethod
    def resolve_survivor_name(obj: Any) -> str:
        return str(obj.survivor.display_name)

    @staticmethod
    def resolve_merged_name(obj: Any) -> str:
        return str(obj.merged.display_name)

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        if obj.actor is not None:
            return str(obj.actor.email)
        return str((obj.survivor_before or {}).get("actor_label", ""))

    @staticmethod
    def resolve_moved(obj: Any) -> dict[str, int]:
        return {key: len(ids) for key, ids in (obj.moved or {}).items()}

    @staticmethod
    def resolve_undone_by(obj: Any) -> str | None:
        if obj.undone_at is None:
            return None
        return str(obj.undone_by.email) if obj.undone_by is not None else "api"

    @staticmethod
    def resolve_can_undo(obj: Any) -> bool:
        return obj.undone_at is None and not getattr(obj, "blocked", False)


@router.post(
    "/customers/{customer_id}/merge",
    response={201: MergeOut, 409: ErrorOut},
    summary="Merge another customer into this one",
    description=(
        "Everything of `merged_id` (orders, contacts, consents, timeline, interactions, "
        "follow-ups, addresses, tags, referrals) moves to the customer in the path; the merged "
        "record is hidden. 404 if either customer is not in this workspace, 409 if one was "
        "already merged. Undo with `POST /merges/{merge_id}/undo`."
    ),
)
def customer_merge(request: HttpRequest, customer_id: Id, payload: MergeIn) -> object:
    actor = actor_of(request)
    log = merge.customer_merge(
        actor=actor,
        survivor_id=customer_id,
        merged_id=payload.merged_id,
        field_choices=payload.field_choices,
    )
    return Status(201, merge.merge_get(actor=actor, merge_id=log.pk))


@router.get("/merges", response=list[MergeOut], summary="The merge log, newest first")
@paginate(Pagination)
def merge_list(request: HttpRequest) -> object:
    return merge.merge_log_list(actor=actor_of(request))


@router.post(
    "/merges/{merge_id}/undo",
    response={200: MergeOut, 409: ErrorOut},
    summary="Undo a merge",
    description=(
        "Moves exactly the rows the merge moved back and restores the survivor's earlier "
        "details. 409 if already undone, or if a later merge involving either customer is "
        "still in effect (undo newest first)."
    ),
)
def merge_undo(request: HttpRequest, merge_id: Id) -> object:
    actor = actor_of(request)
    merge.merge_undo(actor=actor, merge_id=merge_id)
    return merge.merge_get(actor=actor, merge_id=merge_id)
