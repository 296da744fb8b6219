"""Segment rules: the JSON rule tree, its validation, and its compilation to a Q on Customer.

A tree is a group ``{"op": "and" | "or", "items": [node, …]}`` whose items are conditions
``{"field": "province", "operator": "eq", "value": "กรุงเทพมหานคร"}`` or nested groups. The
purchase fields (number of orders, total spent, and what was bought: products, categories,
channels, branches) also take an optional ``"period"``: ``{"within_days": 90}`` (the last N
days), ``{"from": "2026-01-01", "to": "2026-03-31"}`` (between two dates, both included) or
``{"from": "2026-01-01"}`` (since a date; ``{"to": …}`` alone: until a date).

Semantics, which the property test checks against a plain-Python evaluation:

* A value that is not known (no birthday, never bought, no analytics row yet, P(alive) not
  computed) makes every comparison false, ``ne`` and ``not_in`` included; ``is_set`` /
  ``is_not_set`` ask about it directly. (SQL's three-valued logic, made explicit.)
* Money is written in baht (``1500`` or ``1500.50``) and compared in satang.
* Dates are the workspace's local calendar days; "in the last N days" means at or after
  ``now - N days``.
* Purchases mean paid orders, as in the customer's cached purchase summary. In a period, the
  number of orders and the total spent count the paid orders placed in it; a customer with
  none there has 0 orders and has spent 0 baht (so "less than ฿500 in the last 90 days"
  includes them, "more than ฿0" does not).
* An empty group adds no condition (it is skipped, in an AND or an OR); an empty tree matches
  every live customer.

The fields (labels, types, operators, choices, and the ``Q`` each compiles to) are registered in
``samphan.segments.fields``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypedDict

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.models import Workspace
from samphan.customers.models import Customer
from samphan.customers.selectors import customer_list
from samphan.segments.fields import FIELDS, OPERATORS, SECTIONS, Context, FieldSpec, Operator

__all__ = [
    "FIELDS",
    "OPERATORS",
    "SECTIONS",
    "Context",
    "FieldSpec",
    "Operator",
    "compile_rules",
    "rules_check",
    "rules_describe",
    "rules_validate",
    "segment_queryset",
]

# --- the tree ---------------------------------------------------------------------------------


class Condition(TypedDict, total=False):
    field: str
    operator: str
    value: Any
    period: dict[str, Any]


class Group(TypedDict):
    op: Literal["and", "or"]
    items: list[Any]  # Condition | Group


EMPTY_TREE: Group = {"op": "and", "items": []}
MAX_CONDITIONS = 40
MAX_DEPTH = 4  # the root group is level 1
MAX_VALUES = 500
MAX_DAYS = 36_500


def is_group(node: Any) -> bool:
    return isinstance(node, dict) and ("items" in node or "op" in node)


def is_empty(node: Any) -> bool:
    """A group with no conditions anywhere inside it (it adds no condition)."""
    return is_group(node) and all(is_empty(child) for child in node.get("items", []))


# --- validation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleError:
    path: str  # "items[1].value"; "" is the tree itself
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class _Validator:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.errors: list[RuleError] = []
        self.conditions = 0

    def error(self, path: str, message: str) -> None:
        self.errors.append(RuleError(path, message))

    def group(self, node: Any, path: str, depth: int) -> dict[str, Any]:
        if not isinstance(node, dict):
            self.error(path, _('expected a group: {"op": "and", "items": […]}'))
            return {"op": "and", "items": []}
        prefix = f"{path}." if path else ""
        unknown = sorted(set(node) - {"op", "items"})
        if unknown:
            self.error(path, _("unknown keys: %(keys)s") % {"keys": ", ".join(unknown)})
        op = node.get("op", "and")
        if op not in ("and", "or"):
            self.error(f"{prefix}op", _("choose “and” or “or”"))
            op = "and"
        items = node.get("items", [])
        if not isinstance(items, list):
            self.error(f"{prefix}items", _("expected a list of conditions and groups"))
            items = []
        out: list[Any] = []
        for i, child in enumerate(items):
            child_path = f"{prefix}items[{i}]"
            if is_group(child):
                if depth >= MAX_DEPTH:
                    self.error(
                        child_path,
                        _("groups may be nested at most %(n)d levels deep") % {"n": MAX_DEPTH},
                    )
                    continue
                out.append(self.group(child, child_path, depth + 1))
            else:
                out.append(self.condition(child, child_path))
        return {"op": op, "items": out}

    def condition(self, node: Any, path: str) -> dict[str, Any]:
        self.conditions += 1
        if self.conditions == MAX_CONDITIONS + 1:
            self.error(path, _("at most %(n)d conditions in a segment") % {"n": MAX_CONDITIONS})
        if not isinstance(node, dict):
            self.error(path, _('expected a condition: {"field", "operator", "value"}'))
            return {"field": "", "operator": "", "value": None}
        unknown = sorted(set(node) - {"field", "operator", "value", "period"})
        if unknown:
            self.error(path, _("unknown keys: %(keys)s") % {"keys": ", ".join(unknown)})
        key = node.get("field") or ""
        spec = FIELDS.get(key) if isinstance(key, str) else None
        raw_value = node.get("value")
        if spec is None:
            self.error(
                f"{path}.field",
                _("choose a field") if not key else _("unknown field “%(f)s”") % {"f": key},
            )
            return {"field": key, "operator": node.get("operator", ""), "value": raw_value}
        op = node.get("operator") or ""
        if op not in spec.operators:
            self.error(
                f"{path}.operator",
                _("choose an operator")
                if not op
                else _("“%(op)s” does not apply to %(field)s; use one of: %(ops)s")
                % {"op": op, "field": spec.label, "ops": ", ".join(spec.operators)},
            )
            return {"field": key, "operator": op, "value": raw_value}
        out: dict[str, Any] = {
            "field": key,
            "operator": op,
            "value": self.value(spec, op, raw_value, f"{path}.value"),
        }
        period = node.get("period")
        if period not in (None, {}):
            if not spec.period:
                self.error(f"{path}.period", _("this field takes no period"))
            else:
                out["period"] = self.period(period, f"{path}.period")
        return out

    # values

    def value(self, spec: FieldSpec, op: str, raw: Any, path: str) -> Any:
        arity = OPERATORS[op].arity
        if arity == "none":
            if raw not in (None, "", []):
                self.error(path, _("this operator takes no value"))
            return None
        if arity == "days":
            return self.days(raw, path)
        if arity == "range":
            if not isinstance(raw, list | tuple) or len(raw) != 2:
                self.error(path, _("enter two values: from and to"))
                return raw
            low = self.scalar(spec, raw[0], f"{path}[0]")
            high = self.scalar(spec, raw[1], f"{path}[1]")
            if not self.errors_under(path) and low > high:
                self.error(path, _("the first value must not be larger than the second"))
            return [low, high]
        if arity == "many":
            values = raw if isinstance(raw, list | tuple) else ([] if raw in (None, "") else [raw])
            if not values:
                self.error(path, _("choose at least one"))
                return []
            if len(values) > MAX_VALUES:
                self.error(path, _("at most %(n)d values") % {"n": MAX_VALUES})
                return list(values)
            out = [self.scalar(spec, v, f"{path}[{i}]") for i, v in enumerate(values)]
            return list(dict.fromkeys(out))  # drop repeats, keep order
        return self.scalar(spec, raw, path)

    def days(self, raw: Any, path: str) -> Any:
        number = _number(raw)
        if number is None or number != int(number) or not 1 <= number <= MAX_DAYS:
            self.error(path, _("enter a number of days (1 or more)"))
            return raw
        return int(number)

    def scalar(self, spec: FieldSpec, raw: Any, path: str) -> Any:
        if spec.type == "choice":
            return self.choice(spec, raw, path)
        if spec.type in ("number", "money"):
            return self.number(spec, raw, path)
        if spec.type == "date":
            return self.date(raw, path)
        if spec.type == "text":
            text = raw.strip() if isinstance(raw, str) else ""
            if not text:
                self.error(path, _("enter some text"))
            elif len(text) > 100:
                self.error(path, _("at most 100 characters"))
            return text
        self.error(path, _("this field takes no value"))
        return None

    def choice(self, spec: FieldSpec, raw: Any, path: str) -> Any:
        choices = self.ctx.choices(spec)
        keys = {value for value, _label in choices}
        value = raw
        if any(isinstance(k, int) for k in keys) and isinstance(raw, str):
            value = int(raw) if raw.strip().isdigit() else raw
        if isinstance(value, bool) or value not in keys:
            if raw in (None, ""):
                self.error(path, _("choose a value"))
            else:
                self.error(path, _("unknown value “%(value)s”") % {"value": raw})
            return raw
        return value

    def number(self, spec: FieldSpec, raw: Any, path: str) -> Any:
        number = _number(raw)
        if number is None:
            self.error(path, _("enter a whole number") if spec.integer else _("enter a number"))
            return raw
        if spec.integer and number != int(number):
            self.error(path, _("enter a whole number"))
            return raw
        if spec.type == "money" and number != number.quantize(Decimal("0.01")):
            self.error(path, _("enter an amount in baht with at most 2 decimals"))
            return raw
        low, high = spec.minimum, spec.maximum
        if (low is not None and number < Decimal(str(low))) or (
            high is not None and number > Decimal(str(high))
        ):
            if high is None:
                self.error(path, _("enter %(low)s or more") % {"low": _fmt(low)})
            else:
                self.error(
                    path,
                    _("enter a number from %(low)s to %(high)s")
                    % {"low": _fmt(low), "high": _fmt(high)},
                )
            return raw
        return int(number) if number == int(number) else float(number)

    def date(self, raw: Any, path: str) -> Any:
        if isinstance(raw, dt.date):
            return raw.isoformat()
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            self.error(path, _("enter a date (YYYY-MM-DD)"))
            return raw

    def period(self, raw: Any, path: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.error(path, _('expected {"within_days": N} or {"from": …, "to": …}'))
            return {}
        unknown = sorted(set(raw) - {"within_days", "from", "to"})
        if unknown:
            self.error(path, _("unknown keys: %(keys)s") % {"keys": ", ".join(unknown)})
        if "within_days" in raw:
            if "from" in raw or "to" in raw:
                self.error(path, _("give either within_days or from/to, not both"))
            return {"within_days": self.days(raw["within_days"], f"{path}.within_days")}
        out: dict[str, Any] = {}
        for key in ("from", "to"):
            if raw.get(key) not in (None, ""):
                out[key] = self.date(raw[key], f"{path}.{key}")
        if not out:
            self.error(path, _("give a number of days or a from/to date"))
        elif (
            "from" in out
            and "to" in out
            and not self.errors_under(path)
            and out["from"] > out["to"]
        ):
            self.error(path, _("the start date must not be after the end date"))
        return out

    def errors_under(self, path: str) -> bool:
        return any(e.path.startswith(path) for e in self.errors)


def _number(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, str):
        raw = raw.strip().replace(",", "")
        if not raw:
            return None
    try:
        number = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)


def rules_check(workspace: Workspace, tree: Any) -> tuple[Group, list[RuleError]]:
    """Validate ``tree`` and normalise it (numbers as numbers, ids as ints, dates as ISO
    strings). Returns the normalised tree and every error found, each with its path."""
    ctx = Context(workspace=workspace, now=timezone.now())
    validator = _Validator(ctx)
    if tree in (None, ""):
        tree = EMPTY_TREE
    normal = validator.group(tree, "", 1)
    return {"op": normal["op"], "items": normal["items"]}, validator.errors


def rules_validate(workspace: Workspace, tree: Any) -> Group:
    """The normalised tree, or ``ApplicationError("invalid_rules")`` (422) whose message names
    the first bad place (``items[1].value: enter a number``) and whose details list all."""
    normal, errors = rules_check(workspace, tree)
    if errors:
        raise ApplicationError(
            "invalid_rules",
            str(errors[0]),
            {
                "field": "rules",
                "path": errors[0].path,
                "errors": [{"path": e.path, "message": e.message} for e in errors],
            },
            status=422,
        )
    return normal


# --- compiling --------------------------------------------------------------------------------


def _compile(ctx: Context, node: dict[str, Any]) -> Q:
    if is_group(node):
        parts = [_compile(ctx, child) for child in node["items"] if not is_empty(child)]
        q = Q()
        for i, part in enumerate(parts):
            if i == 0:
                q = part
            elif node["op"] == "or":
                q = q | part
            else:
                q = q & part
        return q
    spec = FIELDS[node["field"]]
    return spec.build(ctx, node["operator"], node.get("value"), node.get("period"))


def compile_rules(workspace: Workspace, tree: Any, *, now: dt.datetime | None = None) -> Q:
    """The rule tree as a ``Q`` on Customer (validated first: a bad tree raises
    ``ApplicationError``). ``now`` pins "in the last N days" and "this month" (tests)."""
    normal = rules_validate(workspace, tree)
    ctx = Context(workspace=workspace, now=now or timezone.now())
    return _compile(ctx, dict(normal))


# --- describing -------------------------------------------------------------------------------


def rules_describe(workspace: Workspace, tree: Any) -> str:
    """The tree in words, in the active language: ``Province is กรุงเทพมหานคร and Number of
    orders at least 2``. Shown on the segment list and the detail page."""
    normal, errors = rules_check(workspace, tree)
    if errors:
        return _("(rules need fixing: %(error)s)") % {"error": errors[0]}
    ctx = Context(workspace=workspace, now=timezone.now())
    text = _describe(ctx, dict(normal), top=True)
    return text or _("All customers")


def _describe(ctx: Context, node: dict[str, Any], *, top: bool = False) -> str:
    if is_group(node):
        parts = [_describe(ctx, child) for child in node["items"] if not is_empty(child)]
        # Literal msgids in plain calls: makemessages does not look inside f-strings.
        word = _("or") if node["op"] == "or" else _("and")
        text = f" {word} ".join(parts)
        return text if top or len(parts) < 2 else f"({text})"
    spec = FIELDS[node["field"]]
    op = node["operator"]
    value: Any = node.get("value")
    words = [str(spec.label), spec.operator_label(op)]
    arity = OPERATORS[op].arity
    if arity == "days":
        words[-1] = _("in the last %(n)s days") % {"n": value}
        if op == "not_within_days":
            words[-1] = _("not in the last %(n)s days") % {"n": value}
    elif arity == "range":
        words.append(_("%(low)s and %(high)s") % {"low": value[0], "high": value[1]})
    elif arity == "many":
        words.append(", ".join(spec.choice_label(ctx, v) for v in value))
    elif arity == "one":
        words.append(spec.choice_label(ctx, value) if spec.type == "choice" else str(value))
    period = node.get("period")
    if period:
        if "within_days" in period:
            words.append(_("in the last %(n)s days") % {"n": period["within_days"]})
        elif period.get("from") and period.get("to"):
            words.append(_("from %(date)s") % {"date": period["from"]})
            words.append(_("to %(date)s") % {"date": period["to"]})
        elif period.get("from"):
            words.append(_("since %(date)s") % {"date": period["from"]})
        elif period.get("to"):
            words.append(_("until %(date)s") % {"date": period["to"]})
    return " ".join(w for w in words if w)


# --- querying ---------------------------------------------------------------------------------


def segment_queryset(
    actor: Actor, tree: Any, *, now: dt.datetime | None = None
) -> QuerySet[Customer]:
    """The live, non-merged customers the actor may see that match ``tree``."""
    return customer_list(actor=actor).filter(compile_rules(actor.workspace, tree, now=now))
