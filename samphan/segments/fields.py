"""The fields a segment rule may use: label, type, operators, choices, and how each compiles to
a ``Q`` on Customer. Semantics are described in ``samphan.segments.rules``.

Conditions on other tables compile to ``EXISTS`` subqueries, never to joins that multiply rows,
so a count stays a plain ``COUNT(*)`` over customers; the analytics row is one-to-one and is
reached through ``metrics__…`` (a LEFT JOIN), written so that a missing row never matches.
"""

from __future__ import annotations

import datetime as dt
import sys
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geothai
from django.db import connection, models
from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samphan.commerce.models import (
    CustomerCategoryPurchase,
    CustomerProductPurchase,
    CustomerPurchaseLine,
    CustomerPurchaseRun,
    Order,
    Product,
    ProductCategory,
    SalesChannel,
)
from samphan.core.models import Branch, Workspace
from samphan.core.money import baht_to_satang
from samphan.core.thai.dates import THAI_MONTHS
from samphan.customers.models import (
    AcquisitionSource,
    BehaviourType,
    ConsentEvent,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Customer,
    Gender,
    LifecycleStage,
    Tag,
)
from samphan.customers.services import PREFERRED_CHANNELS

ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# --- operators --------------------------------------------------------------------------------

Arity = Literal["none", "one", "many", "range", "days"]


@dataclass(frozen=True)
class Operator:
    key: str
    label: Promise
    arity: Arity


OPERATORS: dict[str, Operator] = {
    op.key: op
    for op in (
        Operator("eq", gettext_lazy("is"), "one"),
        Operator("ne", gettext_lazy("is not"), "one"),
        Operator("in", gettext_lazy("is any of"), "many"),
        Operator("not_in", gettext_lazy("is none of"), "many"),
        Operator("gte", gettext_lazy("at least"), "one"),
        Operator("lte", gettext_lazy("at most"), "one"),
        Operator("gt", gettext_lazy("more than"), "one"),
        Operator("lt", gettext_lazy("less than"), "one"),
        Operator("between", gettext_lazy("between"), "range"),
        Operator("on", gettext_lazy("on"), "one"),
        Operator("before", gettext_lazy("before"), "one"),
        Operator("after", gettext_lazy("after"), "one"),
        Operator("within_days", gettext_lazy("in the last … days"), "days"),
        Operator("not_within_days", gettext_lazy("not in the last … days"), "days"),
        Operator("this_month", gettext_lazy("is this month"), "none"),
        Operator("next_month", gettext_lazy("is next month"), "none"),
        Operator("contains", gettext_lazy("contains"), "one"),
        Operator("not_contains", gettext_lazy("does not contain"), "one"),
        Operator("any", gettext_lazy("any of"), "many"),
        Operator("all", gettext_lazy("all of"), "many"),
        Operator("none", gettext_lazy("none of"), "many"),
        Operator("is_true", gettext_lazy("yes"), "none"),
        Operator("is_false", gettext_lazy("no"), "none"),
        Operator("is_set", gettext_lazy("is known"), "none"),
        Operator("is_not_set", gettext_lazy("is not known"), "none"),
    )
}

CHOICE_OPS = ("eq", "ne", "in", "not_in")
NUMBER_OPS = ("gte", "lte", "eq", "ne", "gt", "lt", "between")
DATE_OPS = ("within_days", "not_within_days", "on", "before", "after", "between")
SET_OPS = ("is_set", "is_not_set")
BOOL_OPS = ("is_true", "is_false")
BOUGHT_OPS = ("any", "all", "none")
TEXT_OPS = ("contains", "not_contains")

# --- fields -----------------------------------------------------------------------------------

FieldType = Literal["choice", "text", "number", "money", "date", "bool"]
ChoiceList = list[tuple[Any, str]]


@dataclass
class Context:
    """What compiling needs besides the tree: the workspace (its time zone) and "now"."""

    workspace: Workspace
    now: dt.datetime
    _choices: dict[str, ChoiceList] = field(default_factory=dict)

    @property
    def tz(self) -> dt.tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.workspace.timezone or "Asia/Bangkok")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("Asia/Bangkok")

    def today(self) -> dt.date:
        return self.now.astimezone(self.tz).date()

    def day_start(self, day: dt.date) -> dt.datetime:
        """The first instant of a local calendar day, as an aware datetime."""
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.tz)

    def choices(self, spec: FieldSpec) -> ChoiceList:
        if spec.key not in self._choices:
            assert spec.choices is not None
            self._choices[spec.key] = spec.choices(self.workspace)
        return self._choices[spec.key]


Builder = Callable[[Context, str, Any, "dict[str, Any] | None"], Q]


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: Promise
    section: Promise
    type: FieldType
    operators: tuple[str, ...]
    build: Builder
    choices: Callable[[Workspace], ChoiceList] | None = None
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    period: bool = False  # accepts "period" (purchases in a time window)
    op_labels: Mapping[str, Promise] = field(default_factory=dict)
    help: Promise | str = ""

    def operator_label(self, op: str) -> str:
        return str(self.op_labels.get(op) or OPERATORS[op].label)

    def choice_label(self, ctx: Context, value: Any) -> str:
        if self.choices is None:
            return str(value)
        return dict(self.choices_for(ctx)).get(value, str(value))

    def choices_for(self, ctx: Context) -> ChoiceList:
        return ctx.choices(self) if self.choices is not None else []


SECTION_PROFILE = gettext_lazy("Profile")
SECTION_CONTACT = gettext_lazy("Contact and consent")
SECTION_PURCHASES = gettext_lazy("Purchases")

# --- compiling helpers ------------------------------------------------------------------------


def _compare(lhs: str, op: str, value: Any) -> Q:
    """A comparison on ``lhs`` (a column or a ``metrics__…`` path) that is false when the value
    is NULL (or the joined row is missing), for every operator, with no negation: ``ne`` is
    written as ``< or >`` so that the NULL case cannot slip through ``NOT``."""
    if op in ("eq", "on"):
        return Q(**{lhs: value})
    if op == "ne":
        return Q(**{f"{lhs}__lt": value}) | Q(**{f"{lhs}__gt": value})
    if op in ("gt", "gte", "lt", "lte"):
        return Q(**{f"{lhs}__{op}": value})
    if op == "between":
        low, high = value
        return Q(**{f"{lhs}__gte": low, f"{lhs}__lte": high})
    if op == "is_set":
        return Q(**{f"{lhs}__isnull": False})
    if op == "is_not_set":
        return Q(**{f"{lhs}__isnull": True})
    raise AssertionError(op)


def choice_column(column: str, *, nullable: str = "") -> Builder:
    """Equality operators on a customer column. NOT NULL columns may be negated directly; for
    a nullable one (``nullable`` names the column that may be NULL) ``ne`` / ``not_in`` are
    guarded so that an unknown value never matches."""

    def build(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
        known = Q(**{f"{nullable}__isnull": False}) if nullable else Q()
        if op == "eq":
            return Q(**{column: value})
        if op == "ne":
            return known & ~Q(**{column: value})
        if op == "in":
            return Q(**{f"{column}__in": value})
        if op == "not_in":
            return known & ~Q(**{f"{column}__in": value})
        return _compare(column, op, value)

    return build


def number_column(lhs: str, *, money: bool = False) -> Builder:
    def build(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
        if money and value is not None:
            value = (
                [baht_to_satang(str(v)) for v in value]
                if isinstance(value, list)
                else baht_to_satang(str(value))
            )
        return _compare(lhs, op, value)

    return build


def date_column(column: str) -> Builder:
    def build(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
        if op == "within_days":
            return Q(**{f"{column}__gte": ctx.now - dt.timedelta(days=value)})
        if op == "not_within_days":
            return Q(**{f"{column}__lt": ctx.now - dt.timedelta(days=value)})
        if op in SET_OPS:
            return _compare(column, op, None)
        if op == "between":
            low, high = (dt.date.fromisoformat(v) for v in value)
            return Q(
                **{
                    f"{column}__gte": ctx.day_start(low),
                    f"{column}__lt": ctx.day_start(high + dt.timedelta(days=1)),
                }
            )
        day = dt.date.fromisoformat(value)
        if op == "on":
            return Q(
                **{
                    f"{column}__gte": ctx.day_start(day),
                    f"{column}__lt": ctx.day_start(day + dt.timedelta(days=1)),
                }
            )
        if op == "before":
            return Q(**{f"{column}__lt": ctx.day_start(day)})
        if op == "after":
            return Q(**{f"{column}__gte": ctx.day_start(day + dt.timedelta(days=1))})
        raise AssertionError(op)

    return build


def _birthday_month(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
    if op == "this_month":
        op, value = "eq", ctx.today().month
    elif op == "next_month":
        op, value = "eq", ctx.today().month % 12 + 1
    if op in SET_OPS:
        return _compare("birthday", op, None)
    return choice_column("birthday__month", nullable="birthday")(ctx, op, value, period)


def _text_name(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
    q = Q(first_name__icontains=value) | Q(last_name__icontains=value)
    q |= Q(nickname__icontains=value)
    return q if op == "contains" else ~q


def _has_contact(kind: str) -> Builder:
    def build(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
        # No workspace filter inside: the customer's own contacts, found by its index.
        exists = Exists(ContactPoint.objects.filter(customer_id=OuterRef("pk"), kind=kind))
        return Q(exists) if op == "is_true" else ~Q(exists)

    return build


def _consent(purpose: str) -> Builder:
    """The customer's current consent for a purpose is the latest ledger row (by time, then
    id): granted means that row says granted. Written as EXISTS (a granted row with no newer
    row for the same purpose) so PostgreSQL can run it as a semi-join over the index
    ``consent_latest`` instead of a subquery per customer."""

    def build(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
        newer = ConsentEvent.objects.filter(
            customer_id=OuterRef("customer_id"), purpose=OuterRef("purpose")
        ).filter(
            Q(recorded_at__gt=OuterRef("recorded_at"))
            | Q(recorded_at=OuterRef("recorded_at"), pk__gt=OuterRef("pk"))
        )
        latest_granted = ConsentEvent.objects.filter(
            customer_id=OuterRef("pk"), purpose=purpose, granted=True
        ).filter(~Exists(newer))
        exists = Exists(latest_granted)
        return Q(exists) if op == "is_true" else ~Q(exists)

    return build


def _tags(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
    through = Customer.tags.through

    def having(ids: list[int]) -> Exists:
        return Exists(through.objects.filter(customer_id=OuterRef("pk"), tag_id__in=ids))

    if op == "any":
        return Q(having(value))
    if op == "none":
        return ~Q(having(value))
    q = Q()
    for tag_id in value:
        q &= Q(having([tag_id]))
    return q


def _period_bounds(
    ctx: Context, period: dict[str, Any] | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The period as [low, high) instants; None where it is open."""
    if not period:
        return None, None
    if "within_days" in period:
        return ctx.now - dt.timedelta(days=period["within_days"]), None
    low = ctx.day_start(dt.date.fromisoformat(period["from"])) if period.get("from") else None
    high = (
        ctx.day_start(dt.date.fromisoformat(period["to"]) + dt.timedelta(days=1))
        if period.get("to")
        else None
    )
    return low, high


def _in_period(column: str, low: dt.datetime | None, high: dt.datetime | None) -> Q:
    q = Q()
    if low is not None:
        q &= Q(**{f"{column}__gte": low})
    if high is not None:
        q &= Q(**{f"{column}__lt": high})
    return q


def _bought_item(
    ctx: Context,
    kind: Literal["product", "category"],
    ids: list[int],
    period: dict[str, Any] | None,
) -> Exists:
    """A paid purchase of one of the products / categories (in the period). Ever, or a period
    open at one end, is answered by the customer's purchase rows (first and last purchase per
    item); a period closed at both ends by the purchase lines (one row per paid line)."""
    low, high = _period_bounds(ctx, period)
    if low is not None and high is not None:
        rows: Any = CustomerPurchaseLine.objects.filter(placed_at__gte=low, placed_at__lt=high)
    else:
        model = CustomerProductPurchase if kind == "product" else CustomerCategoryPurchase
        rows = model.objects.filter(_in_period("first_at", None, high)).filter(
            _in_period("last_at", low, None)
        )
    rows = rows.filter(customer_id=OuterRef("pk"), **{f"{kind}_id__in": ids})
    if connection.vendor == "postgresql":
        # The (workspace, item, …, customer) indexes answer the whole condition; SQLite,
        # which runs the subquery per customer, walks the (customer) index instead.
        rows = rows.filter(workspace=ctx.workspace)
    return Exists(rows)


def _holds_for_zero(op: str, value: Any) -> bool:
    """Whether a total of 0 satisfies the comparison (a customer with no paid order in the
    period has spent 0 baht in 0 orders there)."""
    if op == "between":
        low, high = value
        return bool(low <= 0 <= high)
    return {
        "eq": value == 0,
        "ne": value != 0,
        "gt": value < 0,
        "gte": value <= 0,
        "lt": value > 0,
        "lte": value >= 0,
    }[op]


def _first_run_since(ctx: Context, moment: dt.datetime, lhs: str, op: str, value: Any) -> Q:
    """The customers whose first paid order at or after ``moment`` (``previous_at < moment <=
    placed_at``: one row at most) has ``lhs`` satisfying the comparison; without such an order
    the value is 0. A customer who matches with 0 is written as NOT EXISTS (a row that fails)
    so that PostgreSQL runs one parallel hash anti-join rather than a NOT IN list that every
    worker hashes again."""
    rows = CustomerPurchaseRun.objects.filter(placed_at__gte=moment, previous_at__lt=moment)
    holds = _compare(lhs, op, value)
    if not _holds_for_zero(op, value):
        return Q(pk__in=rows.filter(holds, workspace=ctx.workspace).values("customer_id"))
    failing = rows.filter(~holds, customer_id=OuterRef("pk"))
    if connection.vendor == "postgresql":
        # Lets PostgreSQL read the period's rows by the (workspace, placed_at | previous_at)
        # indexes; SQLite, which runs the subquery per customer, walks the (customer) index.
        failing = failing.filter(workspace=ctx.workspace)
    return ~Q(Exists(failing))


# "value > X" / "value >= X" and their complements, "value <= X" / "value < X".
_COMPLEMENT = {"lt": "gte", "lte": "gt"}
# What fails an "at least" comparison.
_COMPLEMENT_OF = {"gte": "lt", "gt": "lte"}
# For an "at least" comparison, the comparison that tells a larger subtrahend makes it fail:
# a - b >= X fails when b > a - X; a - b > X fails when b >= a - X.
_FAILS_ABOVE = {"gte": "gt", "gt": "gte"}


@dataclass(frozen=True)
class _Runs:
    """How a purchase total in a period is read from ``CustomerPurchaseRun`` rows."""

    ctx: Context
    column: str  # the customer's cached total: orders_count / total_spent_satang
    from_column: str  # orders_from / spent_from_satang
    before_column: str  # orders_before / spent_before_satang

    def first_since(self, moment: dt.datetime, *, correlated: str = "") -> Any:
        """The customer's first paid order at or after ``moment``: at most one row each.
        ``correlated``: the outer column the row's customer must equal (a NOT EXISTS)."""
        rows = CustomerPurchaseRun.objects.filter(placed_at__gte=moment, previous_at__lt=moment)
        if correlated:
            rows = rows.filter(customer_id=OuterRef(correlated))
        if not correlated or connection.vendor == "postgresql":
            # PostgreSQL reads the rows by the (workspace, placed_at | previous_at) indexes and
            # joins; SQLite, which runs a correlated subquery per row, walks (customer) instead.
            rows = rows.filter(workspace=self.ctx.workspace)
        return rows


def _split(op: str, value: Any, at_least: Callable[[str, Any], Q | None]) -> Q:
    """Any comparison of a period total from "at least" ones (``at_least(op, X)`` for ``gt`` /
    ``gte``: the customers whose total is above X, None when that is everyone): ``lt`` /
    ``lte`` are their complements, ``between`` / ``eq`` two of them, ``ne`` either side."""
    if op == "between":
        return _split("gte", value[0], at_least) & _split("lte", value[1], at_least)
    if op == "eq":
        return _split("gte", value, at_least) & _split("lte", value, at_least)
    if op == "ne":
        return _split("lt", value, at_least) | _split("gt", value, at_least)
    if op in _COMPLEMENT:
        above = at_least(_COMPLEMENT[op], value)
        return Q(pk__in=[]) if above is None else ~above
    above = at_least(op, value)
    return Q() if above is None else above


def _until(runs: _Runs, high: dt.datetime, op: str, value: Any) -> Q:
    """Bought before ``high``: the "before" columns of the customer's first order from
    ``high`` on, or the whole cached total when there is none. That value is never more than
    the total, so "at least X" is: the total is, and no order from ``high`` on has less
    before it (one anti-join, no OR over subqueries)."""

    def at_least(op: str, x: Any) -> Q | None:
        if op == "gte" and x <= 0:
            return None
        fails = runs.first_since(high, correlated="pk").filter(
            **{f"{runs.before_column}__{_COMPLEMENT_OF[op]}": x}
        )
        return _compare(runs.column, op, x) & ~Q(Exists(fails))

    return _split(op, value, at_least)


# The two-sided comparisons of a period total, as SQL on the difference ``d``.
_TWO_SIDED_SQL = {"between": "{d} BETWEEN %s AND %s", "eq": "{d} = %s", "ne": "{d} <> %s"}


def _period_difference(runs: _Runs, low: dt.datetime, high: dt.datetime, op: str, value: Any) -> Q:
    """A two-sided comparison (between, exactly, not) of what was bought in [low, high), on
    the difference itself: the customer's first row since ``low`` left-joined to their first
    row since ``high`` (none: 0), ``d = a.from - COALESCE(b.from, 0)``. That is one hash join
    of the two row sets, where writing the comparison as two one-sided ones joined the sets
    twice ("between": 1.3–1.4 s at a million customers over a year) and "not" as their OR ran
    as hashed subplans on one core (2.3 s). A customer with no row since ``low`` has bought
    nothing in the period (0); when 0 matches, the condition is "no pair fails" (NOT EXISTS,
    an anti-join)."""
    table = CustomerPurchaseRun._meta.db_table
    field = CustomerPurchaseRun._meta.get_field(runs.from_column)
    assert isinstance(field, models.Field)
    column = field.column
    adapt = connection.ops.adapt_datetimefield_value
    ws = runs.ctx.workspace.pk
    # Only a customer who bought in the period has a total other than 0 there, so ``a`` is
    # their first order in it (placed in [low, high), the previous one before ``low``) and
    # ``b`` the first after it (the previous one in [low, high), placed from ``high`` on):
    # two index ranges the period's length, where the rows since ``low`` / ``high`` reach
    # back over the whole history. A customer whose first order since ``low`` came after
    # ``high`` has bought nothing in the period (0), as one with no row.
    pairs = (
        f"FROM {table} a LEFT JOIN {table} b ON b.customer_id = a.customer_id"
        " AND b.workspace_id = %s AND b.previous_at >= %s AND b.previous_at < %s"
        " AND b.placed_at >= %s"
        " WHERE a.workspace_id = %s AND a.placed_at >= %s AND a.placed_at < %s"
        " AND a.previous_at < %s"
    )
    lo, hi = adapt(low), adapt(high)
    pair_params: list[Any] = [ws, lo, hi, hi, ws, lo, hi, lo]
    holds = _TWO_SIDED_SQL[op].format(d=f"(a.{column} - COALESCE(b.{column}, 0))")
    values = list(value) if op == "between" else [value]
    if not _holds_for_zero(op, value):
        sql = f"SELECT a.customer_id {pairs} AND {holds}"
        return Q(pk__in=RawSQL(sql, [*pair_params, *values]))
    fails = f"SELECT 1 {pairs} AND a.customer_id = {{customer}} AND NOT ({holds})"
    return Q(_NotExists(fails, [*pair_params, *values]))


class _NotExists(Expression):
    """``NOT EXISTS (sql)``, with ``{customer}`` in the SQL standing for the outer customer's
    id: one anti-join of the customers being filtered, where ``pk IN (SELECT c.id FROM
    customers c WHERE NOT EXISTS …)`` scanned the customers a second time and joined the two
    ("anything but ฿1,300" over a year at a million customers: 1,008 → 564 ms p50)."""

    output_field = BooleanField()  # so it filters (``conditional``)

    def __init__(self, sql: str, params: list[Any]) -> None:
        super().__init__()
        self.sql, self.params = sql, params
        self.outer: Any = F("pk")  # resolved and relabelled by Django through the two below

    def get_source_expressions(self) -> list[Any]:
        return [self.outer]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.outer,) = exprs

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        customer, outer_params = compiler.compile(self.outer)
        assert not outer_params  # a column
        return f"NOT EXISTS ({self.sql.format(customer=customer)})", list(self.params)


def _between(runs: _Runs, low: dt.datetime, high: dt.datetime, op: str, value: Any) -> Q:
    """Bought in [low, high): what the first order since ``low`` holds from then on, less
    what the first order since ``high`` holds (none: 0). "At least X" is: the first row
    since ``low`` holds at least X, and no row since ``high`` takes it below X; written as
    EXISTS / NOT EXISTS, it runs as parallel hash (anti-)joins of the two row sets, where
    summing each customer's orders of the period took 2.3 s for 12 months at 1M customers.
    Two-sided comparisons compare the difference in one join (``_period_difference``)."""
    if op in _TWO_SIDED_SQL:
        return _period_difference(runs, low, high, op, value)

    def above(op: str, x: Any) -> Q | None:
        if op == "gte" and x <= 0:
            return None
        later_fails = runs.first_since(high, correlated="customer_id").filter(
            **{
                f"{runs.from_column}__{_FAILS_ABOVE[op]}": OuterRef(runs.from_column) - x,
            }
        )
        first = runs.first_since(low, correlated="pk").filter(_compare(runs.from_column, op, x))
        if not _holds_for_zero(op, x):
            # Only a customer who bought in the period can hold more than 0 there: their
            # first order since ``low`` is in it, and the first since ``high`` follows an
            # order in it (index ranges the period's length, as in ``_period_difference``).
            first = first.filter(placed_at__lt=high)
            later_fails = later_fails.filter(previous_at__gte=low)
        # EXISTS rather than IN: its complement ("less than X") is then an anti-join too.
        return Q(Exists(first.filter(~Exists(later_fails))))

    return _split(op, value, above)


def purchase_total(kind: Literal["count", "spend"]) -> Builder:
    """Number of paid orders / total spent, ever or in a period.

    Ever is the customer's cached purchase summary (``orders_count`` / ``total_spent_satang``).
    In a period it comes from ``CustomerPurchaseRun`` (one row per paid order with the
    running totals around it), never by summing each customer's orders for every count
    (1.7 s for the last 90 days, 10 s for two years at a million customers):

    * since ``t`` (the last N days, or since a date): the customer's first paid order at or
      after ``t`` (``previous_at < t <= placed_at``) holds what was spent / ordered from
      then on; no such order, 0 (``_first_run_since``);
    * until ``t``: that same order holds what came before ``t``; a customer with no order
      from ``t`` on has their whole total (``_until``);
    * between two dates: the difference of the two (``_between``)."""
    column = "orders_count" if kind == "count" else "total_spent_satang"
    from_column = "orders_from" if kind == "count" else "spent_from_satang"
    before_column = "orders_before" if kind == "count" else "spent_before_satang"

    def build(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
        if kind == "spend":
            value = (
                [baht_to_satang(str(v)) for v in value]
                if isinstance(value, list)
                else baht_to_satang(str(value))
            )
        if not period:
            return _compare(column, op, value)
        low, high = _period_bounds(ctx, period)
        if high is None:
            assert low is not None
            return _first_run_since(ctx, low, from_column, op, value)
        runs = _Runs(ctx, column, from_column, before_column)
        if low is None:
            return _until(runs, high, op, value)
        return _between(runs, low, high, op, value)

    return build


def _bought(kind: Literal["product", "category", "channel", "branch"]) -> Builder:
    """Paid orders of the customer (in the period, if one is given) that include one of the
    products / categories, or went through one of the channels / branches. Products and
    categories come from the purchase rows (see ``_bought_item``); channels and branches from
    the orders, by the ``order (customer, placed_at)`` / ``(workspace, placed_at)`` indexes."""

    def exists(ctx: Context, ids: list[int], period: dict[str, Any] | None) -> Exists:
        if kind in ("product", "category"):
            return _bought_item(ctx, kind, ids, period)
        low, high = _period_bounds(ctx, period)
        orders = Order.objects.paid().filter(customer_id=OuterRef("pk"))
        if period and connection.vendor == "postgresql":
            # Lets PostgreSQL find the period's orders by the (workspace, placed_at) index;
            # SQLite would pick that index over (customer, placed_at) and scan per customer.
            orders = orders.filter(workspace=ctx.workspace)
        orders = orders.filter(_in_period("placed_at", low, high))
        return Exists(orders.filter(**{f"{kind}_id__in": ids}))

    def build(ctx: Context, op: str, value: Any, period: dict[str, Any] | None) -> Q:
        if op == "any":
            return Q(exists(ctx, value, period))
        if op == "none":
            return ~Q(exists(ctx, value, period))
        q = Q()
        for one in value:
            q &= Q(exists(ctx, [one], period))
        return q

    return build


# --- choices ----------------------------------------------------------------------------------


def static_choices(choices: Iterable[tuple[Any, Any]]) -> Callable[[Workspace], ChoiceList]:
    frozen = list(choices)
    return lambda workspace: [(value, str(label)) for value, label in frozen]


def _with_blank(choices: Iterable[tuple[Any, Any]], label: Promise) -> list[tuple[Any, Any]]:
    listed = [(v, lbl) for v, lbl in choices if v != ""]
    return [*listed, ("", label)]


def _provinces(workspace: Workspace) -> ChoiceList:
    english = (translation.get_language() or "th").startswith("en")
    rows: ChoiceList = [
        (p.name_th, f"{p.name_th} ({p.name_en})" if english else p.name_th)
        for p in geothai.provinces()
    ]
    return [*rows, ("", _("Not given"))]


def _months(workspace: Workspace) -> ChoiceList:
    thai = not (translation.get_language() or "th").startswith("en")
    names = THAI_MONTHS if thai else ENGLISH_MONTHS
    return list(enumerate(names, start=1))


def _tag_choices(workspace: Workspace) -> ChoiceList:
    return list(Tag.objects.filter(workspace=workspace).order_by("name").values_list("pk", "name"))


def _branch_choices(workspace: Workspace) -> ChoiceList:
    return list(
        Branch.objects.filter(workspace=workspace).order_by("name", "pk").values_list("pk", "name")
    )


def _channel_choices(workspace: Workspace) -> ChoiceList:
    return list(
        SalesChannel.objects.filter(workspace=workspace).order_by("pk").values_list("pk", "name")
    )


def _category_choices(workspace: Workspace) -> ChoiceList:
    return list(
        ProductCategory.objects.filter(workspace=workspace)
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def _product_choices(workspace: Workspace) -> ChoiceList:
    english = (translation.get_language() or "th").startswith("en")
    rows = Product.objects.filter(workspace=workspace).order_by("sku", "pk")
    return [
        (pk, f"{sku} {(name_en if english and name_en else name_th)}")
        for pk, sku, name_th, name_en in rows.values_list("pk", "sku", "name_th", "name_en")
    ]


# --- the registry -----------------------------------------------------------------------------


def _consent_field(purpose: ConsentPurpose) -> FieldSpec:
    return FieldSpec(
        key=f"consent_{purpose.value}",
        label=format_lazy("{}: {}", gettext_lazy("Consent"), purpose.label),
        section=SECTION_CONTACT,
        type="bool",
        operators=BOOL_OPS,
        build=_consent(purpose.value),
        op_labels={
            "is_true": gettext_lazy("given"),
            "is_false": gettext_lazy("not given (withdrawn or never asked)"),
        },
    )


def _contact_field(key: str, label: Promise, kind: str) -> FieldSpec:
    return FieldSpec(
        key=key,
        label=label,
        section=SECTION_CONTACT,
        type="bool",
        operators=BOOL_OPS,
        build=_has_contact(kind),
    )


def _bought_field(
    key: str, label: Promise, kind: Literal["product", "category", "channel", "branch"]
) -> FieldSpec:
    choices = {
        "product": _product_choices,
        "category": _category_choices,
        "channel": _channel_choices,
        "branch": _branch_choices,
    }[kind]
    return FieldSpec(
        key=key,
        label=label,
        section=SECTION_PURCHASES,
        type="choice",
        operators=BOUGHT_OPS,
        build=_bought(kind),
        choices=choices,
        period=True,
    )


# The module that registered each field through ``register_field`` (built-ins are absent).
REGISTERED_BY: dict[str, str] = {}

FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        # profile
        FieldSpec(
            "gender",
            gettext_lazy("Gender"),
            SECTION_PROFILE,
            "choice",
            CHOICE_OPS,
            choice_column("gender"),
            static_choices(_with_blank(Gender.choices, gettext_lazy("Not given"))),
        ),
        FieldSpec(
            "province",
            gettext_lazy("Province"),
            SECTION_PROFILE,
            "choice",
            CHOICE_OPS,
            choice_column("province"),
            _provinces,
        ),
        FieldSpec(
            "acquisition_source",
            gettext_lazy("Acquisition source"),
            SECTION_PROFILE,
            "choice",
            CHOICE_OPS,
            choice_column("acquisition_source"),
            static_choices(_with_blank(AcquisitionSource.choices, gettext_lazy("Unknown"))),
        ),
        FieldSpec(
            "preferred_channel",
            gettext_lazy("Preferred contact channel"),
            SECTION_PROFILE,
            "choice",
            CHOICE_OPS,
            choice_column("preferred_channel"),
            static_choices(_with_blank(PREFERRED_CHANNELS, gettext_lazy("Not given"))),
        ),
        FieldSpec(
            "behaviour_type",
            gettext_lazy("Behaviour type"),
            SECTION_PROFILE,
            "choice",
            CHOICE_OPS,
            choice_column("behaviour_type"),
            static_choices(_with_blank(BehaviourType.choices, gettext_lazy("Not set"))),
        ),
        FieldSpec(
            "lifecycle_stage",
            gettext_lazy("Lifecycle stage"),
            SECTION_PROFILE,
            "choice",
            CHOICE_OPS,
            choice_column("lifecycle_stage"),
            static_choices(_with_blank(LifecycleStage.choices, gettext_lazy("Not set"))),
        ),
        FieldSpec(
            "birthday_month",
            gettext_lazy("Birthday month"),
            SECTION_PROFILE,
            "choice",
            ("this_month", "next_month", *CHOICE_OPS, *SET_OPS),
            _birthday_month,
            _months,
        ),
        FieldSpec(
            "home_branch",
            gettext_lazy("Home branch"),
            SECTION_PROFILE,
            "choice",
            (*CHOICE_OPS, *SET_OPS),
            choice_column("home_branch_id", nullable="home_branch_id"),
            _branch_choices,
        ),
        FieldSpec(
            "name",
            gettext_lazy("Name or nickname"),
            SECTION_PROFILE,
            "text",
            TEXT_OPS,
            _text_name,
        ),
        # contact and consent
        _contact_field("has_phone", gettext_lazy("Has a phone number"), ContactKind.PHONE),
        _contact_field("has_email", gettext_lazy("Has an email address"), ContactKind.EMAIL),
        _contact_field("has_line", gettext_lazy("Has a LINE user ID"), ContactKind.LINE),
        *(_consent_field(purpose) for purpose in ConsentPurpose),
        FieldSpec(
            "tags",
            gettext_lazy("Tags"),
            SECTION_CONTACT,
            "choice",
            BOUGHT_OPS,
            _tags,
            _tag_choices,
            op_labels={
                "any": gettext_lazy("has any of"),
                "all": gettext_lazy("has all of"),
                "none": gettext_lazy("has none of"),
            },
        ),
        # purchases
        FieldSpec(
            "orders_count",
            gettext_lazy("Number of orders"),
            SECTION_PURCHASES,
            "number",
            NUMBER_OPS,
            purchase_total("count"),
            integer=True,
            minimum=0,
            period=True,
        ),
        FieldSpec(
            "total_spent",
            gettext_lazy("Total spent (baht)"),
            SECTION_PURCHASES,
            "money",
            NUMBER_OPS,
            purchase_total("spend"),
            minimum=0,
            period=True,
        ),
        FieldSpec(
            "first_purchase",
            gettext_lazy("First purchase"),
            SECTION_PURCHASES,
            "date",
            (*DATE_OPS, *SET_OPS),
            date_column("first_order_at"),
            op_labels={
                "is_set": gettext_lazy("has bought"),
                "is_not_set": gettext_lazy("never bought"),
            },
        ),
        FieldSpec(
            "last_purchase",
            gettext_lazy("Last purchase"),
            SECTION_PURCHASES,
            "date",
            (*DATE_OPS, *SET_OPS),
            date_column("last_order_at"),
            op_labels={
                "is_set": gettext_lazy("has bought"),
                "is_not_set": gettext_lazy("never bought"),
            },
        ),
        _bought_field("bought_product", gettext_lazy("Bought product"), "product"),
        _bought_field("bought_category", gettext_lazy("Bought from category"), "category"),
        _bought_field("bought_channel", gettext_lazy("Bought through channel"), "channel"),
        _bought_field("bought_branch", gettext_lazy("Bought at branch"), "branch"),
    )
}

# The builder's sections, in order; a registered field's section is added after these.
SECTIONS: list[Promise] = [SECTION_PROFILE, SECTION_CONTACT, SECTION_PURCHASES]


def register_field(spec: FieldSpec) -> FieldSpec:
    """Add a field to the segment builder, from the module that knows its data.

    Apps above segments (loyalty, messaging, service …) call this from their own module,
    imported in their ``AppConfig.ready``; segments itself registers its analytics fields this
    way (``samphan.segments.analytics_fields``). A registered field is offered in the builder,
    validated and compiled like a built-in one: ``spec.build`` turns a condition into a ``Q``
    on Customer (``number_column``, ``choice_column`` and ``date_column`` build the common
    ones). Its section is added after the others the first time one of its fields is
    registered."""
    if spec.key in FIELDS:
        raise ValueError(f"Segment field {spec.key!r} is already registered.")
    REGISTERED_BY[spec.key] = sys._getframe(1).f_globals.get("__name__", "")
    unknown = sorted(set(spec.operators) - set(OPERATORS))
    if unknown or not spec.operators:
        raise ValueError(f"Segment field {spec.key!r} has unknown operators: {unknown}.")
    if spec.type == "choice" and spec.choices is None:
        raise ValueError(f"Segment field {spec.key!r} is a choice without choices.")
    FIELDS[spec.key] = spec
    if spec.section not in SECTIONS:
        SECTIONS.append(spec.section)
    return spec


def unregister_field(key: str) -> None:
    """Remove a registered field (and its section when it was the last one of it)."""
    spec = FIELDS.pop(key)
    if not any(other.section == spec.section for other in FIELDS.values()):
        SECTIONS.remove(spec.section)
