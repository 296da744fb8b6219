"""What every API input is bounded by, and what every API operation documents.

Bad input is a 4xx that says what to fix, decided by the schema before any work is done:
text no longer than the column it is stored in (``column``), numbers within the column's range,
ids within 64 bits (``Id``), money within ``MAX_SATANG``, dates within the shop's range
(``EventTime``, ``DueTime``), lists and pages of bounded size (``Pagination``). ``ApiRouter``
adds the error answers every operation can give to its OpenAPI description (``ErrorOut``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from ninja import Field, Router, Schema
from ninja.constants import NOT_SET
from ninja.pagination import LimitOffsetPagination
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError, PydanticUndefined

from samphan.core import date_range
from samphan.core.errors import ApplicationError
from samphan.core.limits import MAX_ID, MAX_QUANTITY, MAX_SATANG

MAX_LIMIT = 500
MAX_OFFSET = 10**9
# Free text stored in an unbounded column (notes, summaries, evidence).
TEXT_MAX = 10_000
# Search boxes and cursors.
QUERY_MAX = 200

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Satang = Annotated[int, Field(ge=0, le=MAX_SATANG, description="satang (฿1 = 100)")]
Quantity = Annotated[int, Field(ge=1, le=MAX_QUANTITY)]
Text = Annotated[str, Field(max_length=TEXT_MAX)]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def column(
    model: type[models.Model], name: str, default: Any = PydanticUndefined, **kw: Any
) -> Any:
    """A schema field bounded like the model's column ``name``: its ``max_length``, or the range
    of its integer type, so a value the database would refuse is a 422 naming the field. Its
    choices are listed in the OpenAPI description (``enum=`` narrows them)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is a relation, not a column")
    bounds: dict[str, Any] = {}
    max_length = getattr(field, "max_length", None)
    if max_length:
        bounds["max_length"] = max_length
    elif isinstance(field, models.TextField):
        bounds["max_length"] = TEXT_MAX
    if isinstance(field, models.IntegerField):
        low, high = BaseDatabaseOperations.integer_field_ranges[field.get_internal_type()]
        bounds.update(ge=low, le=high)
    if field.choices and "enum" not in kw:
        # Documented for clients and fuzzers; the services check the value and say what is wrong.
        enum: list[Any] = [value for value, _label in field.flatchoices]
        enum += [""] if field.blank and "" not in enum else []
        enum += [None] if default is None else []
        bounds["json_schema_extra"] = {"enum": enum}
    enum_given = kw.pop("enum", None)
    if enum_given is not None:
        bounds["json_schema_extra"] = {"enum": list(enum_given)}
    return Field(default, **{**bounds, **kw})


def _dated(check: Callable[..., dt.datetime]) -> AfterValidator:
    def validate(value: dt.datetime) -> dt.datetime:
        try:
            return check(value, field="")
        except ApplicationError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None

    return AfterValidator(validate)


EventTime = Annotated[dt.datetime, _dated(date_range.event_time)]
DueTime = Annotated[dt.datetime, _dated(date_range.due_time)]


class Pagination(LimitOffsetPagination):
    """``limit`` (1–500, default 50) and ``offset`` (0–10⁹) pages."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description="items per page, at most 500")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


class ErrorBody(Schema):
    code: str = Field(description="stable, for programs: e.g. validation_error, not_found")
    message: str = Field(description="what went wrong and what to fix, in the request's language")
    details: dict[str, Any] = Field(
        description="e.g. `field`, or `fields`: [{field, message, type}] for validation errors"
    )


class ErrorOut(Schema):
    error: ErrorBody


def error_responses(methods: Iterable[str], path: str) -> dict[int, type[ErrorOut]]:
    """The errors any operation of ``methods`` on ``path`` can answer: 400 (a body that can't be
    read, a business rule), 401 (no valid key), 422 (invalid fields); writes: 403 (read-only
    key), 413 (body too large); a path with ids: 404."""
    codes = {400, 401, 422}
    if set(methods) - SAFE_METHODS:
        codes |= {403, 413}
    if re.search(r"\{\w+\}", path):
        codes.add(404)
    return dict.fromkeys(sorted(codes), ErrorOut)


class ApiRouter(Router):
    """A router whose operations document the common errors (``error_responses``) besides
    those given in ``response`` (e.g. ``{201: X, 409: ErrorOut}``)."""

    def add_api_operation(
        self, path: str, methods: list[str], view_func: Callable[..., Any], **kwargs: Any
    ) -> None:
        response = kwargs.pop("response", NOT_SET)
        ok = {200: response} if not isinstance(response, dict) else response
        if response is NOT_SET:
            ok = {200: NOT_SET}
        kwargs["response"] = {**error_responses(methods, path), **ok}
        super().add_api_operation(path, methods, view_func, **kwargs)
