"""What counts as a paid order is defined once, in commerce: ``Order.objects.paid()``,
``OrderLine.objects.paid()`` and ``PAID_STATUS``. No other app filters on the status itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import samphan
from samphan.commerce.models import PAID_STATUS, Order, OrderLine, OrderStatus
from samphan.seeding.generator import STATUSES
from tests.factories import OrderFactory

ROOT = Path(samphan.__file__).parent
# Calls whose keyword arguments are query conditions.
FILTER_CALLS = {"filter", "exclude", "get", "get_or_create", "Q", "When", "Exists"}
# Calls whose arguments are SQL parameters.
SQL_CALLS = {"execute", "executemany", "copy", "raw", "extra", "RawSQL"}
SQL_PAID = re.compile(r"status\s*(=|in\s*\()\s*'paid'", re.IGNORECASE)


def _is_paid(node: ast.AST) -> bool:
    """``OrderStatus.PAID``, ``OrderStatus.PAID.value`` or the string ``"paid"``."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    if isinstance(node, ast.Attribute) and node.attr == "PAID":
        return isinstance(node.value, ast.Name) and node.value.id == "OrderStatus"
    return isinstance(node, ast.Constant) and node.value == "paid"


def _mentions_paid(node: ast.AST) -> bool:
    return any(_is_paid(n) for n in ast.walk(node))


def _is_status_lookup(name: str) -> bool:
    return name == "status" or name.startswith("status__") or "__status" in name


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def paid_filters(source: str) -> list[int]:
    """Line numbers where ``source`` filters orders on the paid status by hand."""
    found: list[int] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in FILTER_CALLS:
                found += [
                    kw.value.lineno
                    for kw in node.keywords
                    if kw.arg and _is_status_lookup(kw.arg) and _mentions_paid(kw.value)
                ]
            if name in SQL_CALLS:
                found += [arg.lineno for arg in node.args if _mentions_paid(arg)]
        elif isinstance(node, ast.Dict):  # conditions passed as **{"orders__status": …}
            found += [
                value.lineno
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and _is_status_lookup(key.value)
                and _mentions_paid(value)
            ]
        elif isinstance(node, ast.Compare):  # order.status == "paid", status in (…PAID…)
            if _mentions_paid(node):
                found.append(node.lineno)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_PAID.search(node.value)
        ):
            found.append(node.lineno)
    return sorted(set(found))


def _outside_commerce() -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.parts and path.relative_to(ROOT).parts[0] != "commerce"
    ]


def test_no_app_outside_commerce_filters_on_the_paid_status() -> None:
    files = _outside_commerce()
    assert len(files) > 50  # the walk found the code
    offenders = [
        f"{path.relative_to(ROOT.parent)}:{line}"
        for path in files
        for line in paid_filters(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], (
        "Use Order.objects.paid() / OrderLine.objects.paid() (or commerce.models.PAID_STATUS "
        "in raw SQL) instead of filtering on the status"
    )


@pytest.mark.parametrize(
    "source",
    [
        'Order.objects.filter(workspace=w, status="paid")',
        "Order.objects.exclude(status=OrderStatus.PAID)",
        "Customer.objects.filter(orders__status=OrderStatus.PAID.value)",
        "OrderLine.objects.filter(order__status__in=[OrderStatus.PAID])",
        "Count('pk', filter=Q(status=OrderStatus.PAID))",
        'qs.filter(**{"orders__status": "paid"})',
        "paid = [o for o in orders if o.status == OrderStatus.PAID]",
        "cursor.execute(sql, [workspace.pk, OrderStatus.PAID])",
        "sql = \"SELECT id FROM commerce_order WHERE status = 'paid'\"",
    ],
)
def test_the_check_finds_a_hand_written_paid_filter(source: str) -> None:
    assert paid_filters(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "Order.objects.paid().filter(workspace=w)",
        "cursor.execute(sql, [workspace.pk, PAID_STATUS])",
        "STATUSES = [OrderStatus.PAID, OrderStatus.CANCELLED]",
        "status: str = OrderStatus.PAID",
        'ApplicationError("x", "y", status=422)',
    ],
)
def test_the_check_lets_values_that_are_not_filters_through(source: str) -> None:
    assert paid_filters(source) == []


def test_the_seeders_status_list_is_every_status_not_a_filter() -> None:
    assert sorted(STATUSES) == sorted(OrderStatus)


def test_paid_sets_keep_only_paid_orders(db: None) -> None:
    kept = OrderFactory(status=OrderStatus.PAID)
    for status in OrderStatus.values:
        if status != PAID_STATUS:
            OrderFactory(workspace=kept.workspace, status=status)
    assert list(Order.objects.paid()) == [kept]
    assert list(OrderLine.objects.paid()) == list(kept.lines.all())
    assert OrderLine.objects.count() == len(OrderStatus.values)
