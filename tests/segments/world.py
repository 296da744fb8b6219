"""Build a small shop in the database from plain specs, and the same shop as Python records
(``evaluate.World``), so the compiled queries and the plain-Python evaluation see one dataset."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from zoneinfo import ZoneInfo

from samphan.analytics.models import CustomerMetrics
from samphan.commerce.models import Order, OrderLine, Product, ProductCategory, SalesChannel
from samphan.commerce.summary import purchase_summaries_rebuild
from samphan.core.models import Branch, Workspace
from samphan.customers.models import ConsentEvent, ContactPoint, Customer, Tag
from tests.segments.evaluate import Consent, Person, Purchase, World

NOW = dt.datetime(2026, 11, 23, 20, 30, tzinfo=dt.UTC)  # 03:30 on 24 November in Bangkok
TZ = ZoneInfo("Asia/Bangkok")
_numbers = itertools.count(1)


def order(
    ago: dt.timedelta,
    products: list[int | None],
    *,
    channel: int = 0,
    branch: int | None = 0,
    total: int = 13000,
    status: str = "paid",
) -> dict[str, Any]:
    """One order of a person's spec: how long before now, the products by position, the
    channel and branch by position, the total in satang."""
    return {
        "ago": ago,
        "products": products,
        "channel": channel,
        "branch": branch,
        "total": total,
        "status": status,
    }


class Refs:
    """The ids of the shop's reference data, by position."""

    def __init__(self, workspace: Workspace) -> None:
        n = next(_numbers)
        self.branches = [
            Branch.objects.create(workspace=workspace, name=f"สาขา {n}-{i}").pk for i in range(2)
        ]
        self.channels = [
            SalesChannel.objects.create(workspace=workspace, kind=kind, name=f"{kind} {n}").pk
            for kind in ("store", "line")
        ]
        self.categories = [
            ProductCategory.objects.create(workspace=workspace, name=f"หมวด {i}").pk
            for i in range(2)
        ]
        category_of = [self.categories[0], self.categories[0], self.categories[1], None]
        self.products = [
            Product.objects.create(
                workspace=workspace,
                sku=f"P{next(_numbers)}",
                name_th=f"สินค้า {i}",
                category_id=category,
            ).pk
            for i, category in enumerate(category_of)
        ]
        self.category_of = dict(zip(self.products, category_of, strict=True))
        self.tags = [Tag.objects.create(workspace=workspace, name=f"แท็ก {i}").pk for i in range(3)]


def build(workspace: Workspace, specs: list[dict[str, Any]], now: dt.datetime = NOW) -> World:
    refs = Refs(workspace)
    people: list[Person] = []
    host = Customer.objects.create(workspace=workspace, first_name="เจ้าบ้าน", created_at=now)
    people.append(Person(pk=host.pk, first_name="เจ้าบ้าน"))
    for spec in specs:
        people.append(_person(workspace, refs, spec, host, now))
    world = World(now=now, tz=TZ, people=people, category_of=refs.category_of)
    world.refs = refs  # type: ignore[attr-defined]
    return world


def _person(
    workspace: Workspace, refs: Refs, spec: dict[str, Any], host: Customer, now: dt.datetime
) -> Person:
    branch = spec.get("home_branch")
    profile = {
        key: spec.get(key, "")
        for key in (
            "first_name",
            "last_name",
            "nickname",
            "gender",
            "province",
            "acquisition_source",
            "preferred_channel",
            "behaviour_type",
            "lifecycle_stage",
        )
    }
    customer = Customer.objects.create(
        workspace=workspace,
        created_at=now - dt.timedelta(days=400),
        birthday=spec.get("birthday"),
        home_branch_id=None if branch is None else refs.branches[branch],
        merged_into=host if spec.get("merged") else None,
        **profile,
    )
    person = Person(
        pk=customer.pk,
        birthday=spec.get("birthday"),
        home_branch_id=customer.home_branch_id,
        merged=bool(spec.get("merged")),
        **profile,
    )
    for kind in sorted(spec.get("contacts", ())):
        ContactPoint.objects.create(
            workspace=workspace, customer=customer, kind=kind, value=f"{kind}-{customer.pk}"
        )
        person.contact_kinds.add(kind)
    for index in sorted(spec.get("tags", ())):
        customer.tags.add(refs.tags[index])
        person.tag_ids.add(refs.tags[index])
    for purpose, granted, days_ago in spec.get("consents", ()):
        at = now - dt.timedelta(days=days_ago)
        row = ConsentEvent.objects.create(
            workspace=workspace,
            customer=customer,
            purpose=purpose,
            granted=granted,
            recorded_at=at,
        )
        person.consents.append(Consent(row.pk, purpose, granted, at))
    metrics = spec.get("metrics")
    if metrics is not None:
        CustomerMetrics.objects.create(
            workspace=workspace, customer=customer, computed_at=now, **metrics
        )
        person.metrics = dict(metrics)
    for order_spec in spec.get("orders", ()):
        placed_at = now - order_spec["ago"]
        branch_id = None if order_spec["branch"] is None else refs.branches[order_spec["branch"]]
        order = Order.objects.create(
            workspace=workspace,
            customer=customer,
            channel_id=refs.channels[order_spec["channel"]],
            branch_id=branch_id,
            number=f"O-{next(_numbers)}",
            status=order_spec["status"],
            placed_at=placed_at,
            total_satang=order_spec["total"],
        )
        product_ids = [None if i is None else refs.products[i] for i in order_spec["products"]]
        for product_id in product_ids:
            OrderLine.objects.create(
                workspace=workspace, order=order, product_id=product_id, name="x"
            )
        person.orders.append(
            Purchase(
                status=order_spec["status"],
                placed_at=placed_at,
                channel_id=order.channel_id,
                branch_id=branch_id,
                product_ids=product_ids,
                total_satang=order_spec["total"],
            )
        )
    # The cached purchase summary, as the order services keep it.
    paid = person.paid
    Customer.objects.filter(pk=customer.pk).update(
        orders_count=len(paid),
        total_spent_satang=sum(o.total_satang for o in paid),
        first_order_at=min((o.placed_at for o in paid), default=None),
        last_order_at=max((o.placed_at for o in paid), default=None),
    )
    # The product / category purchase rows come from the code under test: the Python filter
    # that rules are checked against reads the orders above, not these rows.
    purchase_summaries_rebuild(Customer.objects.filter(pk=customer.pk))
    return person
