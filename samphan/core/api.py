"""API: the workspace and its branches."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Schema, Status

from samphan.core import selectors, services
from samphan.core.api_auth import actor_of
from samphan.core.api_schema import ApiRouter, ErrorOut, Id, column
from samphan.core.models import Branch

router = ApiRouter(tags=["workspace"])


class WorkspaceOut(Schema):
    id: int
    name: str
    currency: str
    timezone: str
    buddhist_era: bool


class BranchOut(Schema):
    id: int
    name: str
    code: str
    province: str
    is_active: bool


class BranchIn(Schema):
    name: str = column(Branch, "name")
    code: str = column(Branch, "code", "")
    province: str = column(Branch, "province", "")


@router.get("/workspace", response=WorkspaceOut, summary="The workspace this key belongs to")
def workspace_detail(request: HttpRequest) -> object:
    return actor_of(request).workspace


@router.get("/branches", response=list[BranchOut], summary="List branches")
def branch_list(request: HttpRequest) -> object:
    return list(selectors.branch_list(actor=actor_of(request)))


@router.post("/branches", response={201: BranchOut, 409: ErrorOut}, summary="Create a branch")
def branch_create(request: HttpRequest, payload: BranchIn) -> object:
    branch = services.branch_create(
        actor=actor_of(request), name=payload.name, code=payload.code, province=payload.province
    )
    return Status(201, branch)


@router.get("/branches/{branch_id}", response=BranchOut, summary="One branch")
def branch_detail(request: HttpRequest, branch_id: Id) -> object:
    return selectors.branch_get(actor=actor_of(request), branch_id=branch_id)
