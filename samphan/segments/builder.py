"""The segment builder's form: the rule tree as flat form fields, and back.

Every node has a path: ``r`` is the root group, ``r.0`` its first item, ``r.0.2`` the third
item of that group. A group posts ``<path>.op``; a condition posts ``<path>.field``,
``<path>.operator``, ``<path>.value`` (repeated for several values), ``<path>.value2`` (the
upper end of "between"), and for purchase fields ``<path>.period`` (``ever`` / ``days`` /
``since`` / ``dates``) with ``<path>.period_days`` / ``<path>.period_from`` /
``<path>.period_to``. The
hidden ``<path>.shown`` records the field and operator the inputs were drawn for, so a changed
field or operator starts from fresh inputs.

The page re-renders the whole tree (an htmx partial) after a structural change: add or remove
a condition or group, or a new field, operator or period kind. Values are typed in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils import timezone

from samphan.core.forms import date_placeholder, to_iso_date, to_reader_date
from samphan.core.models import Workspace
from samphan.segments.fields import FIELDS, OPERATORS, SECTIONS, Context, FieldSpec
from samphan.segments.rules import MAX_DEPTH, RuleError, is_group

ROOT = "r"
CHOOSE = "?"  # the value of a "Choose…" placeholder (a blank value is a real choice: "not given")
_PATH = re.compile(r"^r(\.\d+)*$")


def _children(post: QueryDict, path: str) -> list[str]:
    prefix = f"{path}."
    indexes: set[int] = set()
    for key in post:
        if key.startswith(prefix):
            head = key[len(prefix) :].split(".", 1)[0]
            if head.isdigit():
                indexes.add(int(head))
    return [f"{path}.{i}" for i in sorted(indexes)]


def tree_from_post(post: QueryDict) -> dict[str, Any]:
    """The raw (not yet validated) rule tree the form describes."""
    return _group_from_post(post, ROOT)


def _group_from_post(post: QueryDict, path: str) -> dict[str, Any]:
    op = post.get(f"{path}.op", "and")
    items: list[dict[str, Any]] = []
    for child in _children(post, path):
        if f"{child}.op" in post:
            items.append(_group_from_post(post, child))
        elif f"{child}.field" in post:
            items.append(_condition_from_post(post, child))
    return {"op": op if op in ("and", "or") else "and", "items": items}


def _condition_from_post(post: QueryDict, path: str) -> dict[str, Any]:
    key = post.get(f"{path}.field", "")
    op = post.get(f"{path}.operator", "")
    spec = FIELDS.get(key)
    if spec is None:
        return {"field": key, "operator": "", "value": None}
    shown_key, _sep, shown_op = post.get(f"{path}.shown", f"{key}:{op}").partition(":")
    if shown_key != key:
        # A new field: start from its first operator, drop what was typed for the old one.
        return _with_period(
            {"field": key, "operator": spec.operators[0], "value": None}, spec, post, path
        )
    if op not in spec.operators:
        op = spec.operators[0]
    arity = OPERATORS[op].arity
    drawn = OPERATORS[shown_op].arity if shown_op in OPERATORS else arity
    value: Any = None
    if drawn != arity:
        pass  # the inputs on the page were drawn for another kind of value
    elif arity in ("one", "days"):
        value = post.get(f"{path}.value")
        value = None if value == CHOOSE else value
    elif arity == "many":
        value = post.getlist(f"{path}.value")
    elif arity == "range":
        value = [post.get(f"{path}.value", ""), post.get(f"{path}.value2", "")]
        value = [None if v == CHOOSE else v for v in value]
    if spec.type == "date" and arity in ("one", "range"):
        value = (
            [to_iso_date(v or "") or None for v in value]
            if isinstance(value, list)
            else (to_iso_date(value or "") or None)
        )
    return _with_period({"field": key, "operator": op, "value": value}, spec, post, path)


def _with_period(
    node: dict[str, Any], spec: FieldSpec, post: QueryDict, path: str
) -> dict[str, Any]:
    if not spec.period:
        return node
    kind = post.get(f"{path}.period", "ever")
    # Dates are typed as the reader counts years (23/11/2569); the rule keeps ISO dates.
    start = to_iso_date(post.get(f"{path}.period_from", ""))
    if kind == "days":
        node["period"] = {"within_days": post.get(f"{path}.period_days", "")}
    elif kind == "since":
        # An empty date is kept so that validation asks for one (an empty period is "ever").
        node["period"] = {"from": start or None}
    elif kind == "dates":
        node["period"] = {"from": start, "to": to_iso_date(post.get(f"{path}.period_to", ""))}
    return node


# --- structural changes -----------------------------------------------------------------------


def _locate(tree: dict[str, Any], path: str) -> tuple[dict[str, Any] | None, int | None]:
    """The group holding the node at ``path`` and its index (the root has no parent)."""
    parts = [int(p) for p in path.split(".")[1:]]
    if not parts:
        return None, None
    group = tree
    for index in parts[:-1]:
        items = group.get("items", [])
        if index >= len(items) or not is_group(items[index]):
            return None, None
        group = items[index]
    return group, parts[-1]


def _node_at(tree: dict[str, Any], path: str) -> dict[str, Any] | None:
    parent, index = _locate(tree, path)
    if parent is None:
        return tree if path == ROOT else None
    items = parent.get("items", [])
    return items[index] if index is not None and index < len(items) else None


def new_condition() -> dict[str, Any]:
    return {"field": "", "operator": "", "value": None}


def apply_action(tree: dict[str, Any], action: str) -> dict[str, Any]:
    """``add_condition:<path>``, ``add_group:<path>`` (to the group at path) or
    ``remove:<path>``. Unknown or stale actions leave the tree as it is."""
    verb, _sep, path = action.partition(":")
    if not _PATH.match(path):
        return tree
    if verb in ("add_condition", "add_group"):
        group = _node_at(tree, path)
        if group is None or not is_group(group):
            return tree
        depth = path.count(".") + 1
        if verb == "add_group" and depth < MAX_DEPTH:
            group["items"].append({"op": "and", "items": [new_condition()]})
        elif verb == "add_condition":
            group["items"].append(new_condition())
    elif verb == "remove":
        parent, index = _locate(tree, path)
        if parent is not None and index is not None and index < len(parent["items"]):
            parent["items"].pop(index)
    return tree


# --- what the template draws ------------------------------------------------------------------


def form_path(json: str) -> str:
    """``items[1].items[0].value`` → ``r.1.0`` (the node an error belongs to)."""
    return ".".join([ROOT, *re.findall(r"items\[(\d+)\]", json)])


@dataclass
class ConditionView:
    path: str
    spec: FieldSpec | None
    field: str
    operator: str
    arity: str
    operators: list[tuple[str, str]]
    values: list[str]  # as strings, for the inputs
    value2: str
    choices: list[tuple[str, str]]
    period: str  # ever / days / since / dates
    period_days: str
    period_from: str
    period_to: str
    errors: list[str]

    is_group = False

    @property
    def shown(self) -> str:
        return f"{self.field}:{self.operator}"

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""

    @property
    def input_type(self) -> str:
        if self.arity == "days":
            return "number"
        if self.spec is None:
            return "text"
        # A date is typed as text in the reader's years: a date picker counts only in CE.
        return {"number": "number", "money": "number"}.get(self.spec.type, "text")

    @property
    def period_hint(self) -> str:
        return date_placeholder()

    @property
    def date_hint(self) -> str:
        return date_placeholder() if self.spec is not None and self.spec.type == "date" else ""

    @property
    def step(self) -> str:
        if self.arity == "days" or (self.spec is not None and self.spec.integer):
            return "1"
        return "0.01" if self.spec is not None and self.spec.type == "money" else "any"


@dataclass
class GroupView:
    path: str
    op: str
    items: list[GroupView | ConditionView]
    depth: int
    errors: list[str] = field(default_factory=list)

    is_group = True

    @property
    def is_root(self) -> bool:
        return self.path == ROOT

    @property
    def can_nest(self) -> bool:
        return self.depth < MAX_DEPTH


def field_sections() -> list[tuple[str, list[tuple[str, str]]]]:
    """Fields grouped for the <select>'s option groups."""
    return [
        (str(section), [(s.key, str(s.label)) for s in FIELDS.values() if s.section == section])
        for section in SECTIONS
    ]


def tree_view(
    workspace: Workspace, tree: dict[str, Any], errors: list[RuleError] | None = None
) -> GroupView:
    by_node: dict[str, list[str]] = {}
    for error in errors or []:
        by_node.setdefault(form_path(error.path), []).append(str(error.message))
    ctx = Context(workspace=workspace, now=timezone.now())
    return _group_view(ctx, tree, ROOT, 1, by_node)


def _group_view(
    ctx: Context, node: dict[str, Any], path: str, depth: int, errors: dict[str, list[str]]
) -> GroupView:
    items: list[GroupView | ConditionView] = []
    for i, child in enumerate(node.get("items", [])):
        child_path = f"{path}.{i}"
        if is_group(child):
            items.append(_group_view(ctx, child, child_path, depth + 1, errors))
        else:
            items.append(_condition_view(ctx, child, child_path, errors))
    return GroupView(
        path=path, op=node.get("op", "and"), items=items, depth=depth, errors=errors.get(path, [])
    )


def _as_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return ["" if v is None else str(v) for v in value]
    return [str(value)]


def _condition_view(
    ctx: Context, node: dict[str, Any], path: str, errors: dict[str, list[str]]
) -> ConditionView:
    key = node.get("field") or ""
    spec = FIELDS.get(key)
    op = node.get("operator") or ""
    if spec is not None and op not in spec.operators:
        op = spec.operators[0]
    arity = OPERATORS[op].arity if op in OPERATORS else "none"
    value = node.get("value")
    values = _as_strings(value)
    if spec is not None and spec.type == "date" and arity in ("one", "range"):
        values = [to_reader_date(v) for v in values]
    value2 = ""
    if arity == "range":
        values, value2 = values[:1], (values[1] if len(values) > 1 else "")
    period = node.get("period") or {}
    return ConditionView(
        path=path,
        spec=spec,
        field=key,
        operator=op,
        arity=arity,
        operators=[(o, spec.operator_label(o)) for o in spec.operators] if spec else [],
        values=values,
        value2=value2,
        choices=[(str(v), label) for v, label in spec.choices_for(ctx)] if spec else [],
        period=_period_kind(period),
        period_days=str(period.get("within_days", "")),
        period_from=to_reader_date(str(period.get("from") or "")),
        period_to=to_reader_date(str(period.get("to") or "")),
        errors=errors.get(path, []),
    )


def _period_kind(period: dict[str, Any]) -> str:
    if "within_days" in period:
        return "days"
    if "to" in period:
        return "dates"
    return "since" if "from" in period else "ever"
