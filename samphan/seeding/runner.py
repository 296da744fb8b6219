"""Drive a seed: set up the workspace, branches, channels and catalogue, then write chunks.

Determinism: for a given ``seed``, ``batch_size`` and ``end`` the generated names, counts and
totals are identical (each chunk has its own ``numpy`` generator seeded with
``[seed, customers already in the workspace, chunk number]``). Seeding again into a workspace
that already has customers adds new, different customers whose phone numbers, e-mails, LINE
ids, order numbers and marketplace ids continue after the existing ones.

Cached purchase summaries on :class:`~samphan.customers.models.Customer` (``orders_count``,
``total_spent_satang``, ``first_order_at``, ``last_order_at``) count **paid orders only**, as
:func:`samphan.commerce.services.customer_summaries_refresh` does.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import time
from dataclasses import dataclass, field

import geothai
import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Max
from django.db.models.functions import Left
from django.utils import timezone
from tqdm import tqdm

from samphan.commerce.lifecycle import lifecycle_refresh
from samphan.commerce.models import (
    CustomerCategoryPurchase,
    CustomerProductPurchase,
    CustomerPurchaseLine,
    Order,
    OrderLine,
    Product,
    ProductCategory,
    SalesChannel,
)
from samphan.commerce.services import channels_ensure_defaults
from samphan.commerce.summary import purchase_summaries_rebuild
from samphan.core.bulk import vacuum_analyze
from samphan.core.models import Branch, Workspace
from samphan.customers.models import ContactPoint, Customer
from samphan.seeding import data
from samphan.seeding.calendar import build_calendar
from samphan.seeding.generator import (
    CHANNELS,
    POOL_DELIVERY,
    POOL_ONLINE,
    POOL_STORE,
    Catalogue,
    Chunk,
    Counters,
    Shop,
    generate_chunk,
)
from samphan.seeding.writers import Writer, indexes_rebuilt, next_id, writer_for
from samphan.timeline.models import TimelineEvent

PURCHASE_MODELS = (CustomerProductPurchase, CustomerCategoryPurchase, CustomerPurchaseLine)
SEEDED_MODELS = (Customer, ContactPoint, Order, OrderLine, TimelineEvent)
DEFAULT_BATCH_SIZE = 20_000
# Below this many customers every phone number goes through normalize_phone.
PHONE_CHECK_ALL_BELOW = 5_000


@dataclass
class SeedResult:
    workspace: Workspace
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    dropped_contacts: int = 0
    server_cpu_seconds: float | None = None  # PostgreSQL backends doing the COPY, when local


def seed_shop(
    *,
    customers: int,
    months: int,
    seed: int = 0,
    workspace: Workspace | None = None,
    workspace_name: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    end: dt.datetime | None = None,
    progress: bool = False,
    jobs: int = 2,
) -> SeedResult:
    """Generate ``customers`` customers with ``months`` months of history ending at ``end``."""
    if customers < 0 or months < 1 or batch_size < 1:
        raise ValueError("customers ≥ 0, months ≥ 1 and batch_size ≥ 1 are required")
    started = time.perf_counter()
    end = (end or timezone.now()).replace(microsecond=0)
    cal = build_calendar(end, months)

    with transaction.atomic():
        if workspace is None:
            workspace = Workspace.objects.create(name=workspace_name or data.DEFAULT_WORKSPACE_NAME)
        shop = _setup_shop(workspace)
    ws_id = workspace.pk

    customer_ordinal = Customer.objects.filter(workspace_id=ws_id).count()
    had_contacts = ContactPoint.objects.filter(workspace_id=ws_id).exists()
    had_orders = Order.objects.filter(workspace_id=ws_id).exists()
    counters = Counters(
        customer_id=next_id(Customer),
        contact_id=next_id(ContactPoint),
        order_id=next_id(Order),
        line_id=next_id(OrderLine),
        event_id=next_id(TimelineEvent),
        customer_ordinal=customer_ordinal,
        order_seq=Order.objects.filter(workspace_id=ws_id).count() if had_orders else 0,
        number_seq=_order_number_offsets(ws_id) if had_orders else {},
    )
    phone_share = 1.0 if customers < PHONE_CHECK_ALL_BELOW else 0.02

    result = SeedResult(workspace=workspace, seconds=0.0)
    totals = dict.fromkeys(("customers", "contacts", "orders", "order_lines", "timeline_events"), 0)
    writer = writer_for(connection, jobs=jobs)
    bar = tqdm(
        total=customers,
        unit=" customers",
        unit_scale=True,
        file=sys.stderr,
        disable=not progress,
        desc="seed",
    )
    try:
        for chunk_no in range(math.ceil(customers / batch_size)):
            n = min(batch_size, customers - chunk_no * batch_size)
            rng = np.random.default_rng([seed, customer_ordinal, chunk_no])
            chunk = generate_chunk(rng, n, shop, cal, counters, phone_sample_share=phone_share)
            if had_contacts:
                result.dropped_contacts += _drop_existing_contacts(chunk, ws_id)
            if had_orders:
                _clear_existing_external_ids(chunk, ws_id)
            writer.write(chunk.batches)
            for key, value in chunk.stats.items():
                totals[key] += value
            bar.update(n)
        writer.finish(SEEDED_MODELS)
    finally:
        writer.close()
        bar.close()
    # Lifecycle stage is derived from the purchase summary the chunks wrote: one set-based UPDATE;
    # the product / category purchase rows are folded from the orders: one INSERT … SELECT each.
    with transaction.atomic():
        shop_customers = Customer.objects.filter(workspace_id=ws_id)
        lifecycle_refresh(shop_customers, now=end)
        with indexes_rebuilt(PURCHASE_MODELS):
            purchase_summaries_rebuild(shop_customers)
    vacuum_analyze((Customer, *PURCHASE_MODELS))
    result.server_cpu_seconds = writer.server_cpu_seconds
    totals["contacts"] -= result.dropped_contacts
    result.counts = totals
    result.seconds = time.perf_counter() - started
    return result


def _setup_shop(workspace: Workspace) -> Shop:
    branches = []
    for spec in data.BRANCHES:
        branch, _ = Branch.objects.get_or_create(
            workspace=workspace,
            name=spec.name,
            defaults={"code": spec.code, "province": spec.province, "address": spec.address},
        )
        branches.append(branch)

    by_kind: dict[str, SalesChannel] = {}
    channels = sorted(
        channels_ensure_defaults(workspace=workspace), key=lambda c: (not c.is_active, c.pk)
    )
    for channel in channels:
        by_kind.setdefault(channel.kind, channel)

    categories = {}
    for category_spec in data.CATEGORIES:
        category, _ = ProductCategory.objects.get_or_create(
            workspace=workspace, name=category_spec.name
        )
        categories[category_spec.key] = category
    existing = set(Product.objects.filter(workspace=workspace).values_list("sku", flat=True))
    Product.objects.bulk_create(
        [
            Product(
                workspace=workspace,
                sku=sku,
                name_th=name_th,
                name_en=name_en,
                category=categories[key],
                price_satang=baht * 100,
            )
            for sku, name_th, name_en, key, baht in data.PRODUCTS
            if sku not in existing
        ]
    )
    product_ids = dict(
        Product.objects.filter(
            workspace=workspace, sku__in=[p[0] for p in data.PRODUCTS]
        ).values_list("sku", "pk")
    )

    provinces = geothai.provinces()
    names = [p.name_th for p in provinces]
    weights = np.array([data.PROVINCE_WEIGHTS.get(p.code, 1.0) for p in provinces])
    cum = np.cumsum(weights) / weights.sum()
    branch_province = np.array([names.index(b.province) for b in data.BRANCHES], dtype=np.int64)
    # nearest branch by region: the north → Chiang Mai, the north-east → Khon Kaen, else Siam
    province_branch = np.array(
        [1 if 50 <= int(p.code) <= 58 else 2 if 30 <= int(p.code) <= 49 else 0 for p in provinces],
        dtype=np.int64,
    )
    return Shop(
        workspace_id=workspace.pk,
        branch_ids=np.array([b.pk for b in branches], dtype=np.int64),
        channel_ids=np.array([by_kind[str(k.value)].pk for k in CHANNELS], dtype=np.int64),
        channel_names=[by_kind[str(k.value)].name for k in CHANNELS],
        catalogue=_catalogue(product_ids),
        provinces=names,
        province_cum=cum,
        province_branch=province_branch,
        branch_province=branch_province,
    )


def _catalogue(product_ids: dict[str, int]) -> Catalogue:
    specs = {c.key: c for c in data.CATEGORIES}
    rank_in_category: dict[str, int] = {}
    weights = np.zeros((3, len(data.PRODUCTS)))
    for i, (_, _, _, key, _) in enumerate(data.PRODUCTS):
        rank = rank_in_category.get(key, 0)
        rank_in_category[key] = rank + 1
        popularity = 1.0 / (rank + 1) ** 0.7  # Zipf-like: the first products sell best
        spec = specs[key]
        weights[POOL_STORE, i] = spec.weight_store * popularity
        weights[POOL_DELIVERY, i] = spec.weight_delivery * popularity
        weights[POOL_ONLINE, i] = spec.weight_online * popularity
    # normalise each category's weight to its share, independent of how many products it has
    keys = [p[3] for p in data.PRODUCTS]
    for key, count in rank_in_category.items():
        mask = np.array([k == key for k in keys])
        norm = sum(1.0 / (r + 1) ** 0.7 for r in range(count))
        weights[:, mask] /= norm
    return Catalogue(
        ids=np.array([product_ids[p[0]] for p in data.PRODUCTS], dtype=np.int64),
        skus=[p[0] for p in data.PRODUCTS],
        names=[p[1] for p in data.PRODUCTS],
        prices=np.array([p[4] * 100 for p in data.PRODUCTS], dtype=np.int64),
        single_quantity=np.array([p[3] in ("gear", "gift") for p in data.PRODUCTS]),
        cum_weights=np.cumsum(weights, axis=1),
    )


def _order_number_offsets(workspace_id: int) -> dict[str, int]:
    """The highest running number in use per order-number prefix ("ST-2611-" → 42)."""
    offsets: dict[str, int] = {}
    rows = (
        Order.objects.filter(workspace_id=workspace_id, number__regex=r"^[A-Z]{2}-[0-9]{4}-")
        .annotate(prefix=Left("number", 8))
        .values("prefix")
        .annotate(n=Count("pk"), top=Max("number"))
        .values_list("prefix", "n", "top")
    )
    for prefix, count, top in rows:
        tail = top[len(prefix) :]
        offsets[prefix] = max(count, int(tail) if tail.isdigit() else 0)
    return offsets


def _drop_existing_contacts(chunk: Chunk, workspace_id: int) -> int:
    """Leave out generated contact points whose value the workspace already has (hand-entered
    data can collide with the generated ranges). Returns how many were left out."""
    batch = chunk.contacts
    fields = list(batch.fields)
    kinds = list(batch.values[fields.index("kind")])  # type: ignore[arg-type]
    values = list(batch.values[fields.index("value")])  # type: ignore[arg-type]
    taken: set[tuple[str, str]] = set()
    for kind in set(kinds):
        mine = [v for k, v in zip(kinds, values, strict=True) if k == kind]
        found: set[str] = set()
        for i in range(0, len(mine), 2000):
            found.update(
                ContactPoint.objects.filter(
                    workspace_id=workspace_id, kind=kind, value__in=mine[i : i + 2000]
                ).values_list("value", flat=True)
            )
        taken.update((kind, v) for v in found)
    if not taken:
        return 0
    keep = np.array([(k, v) not in taken for k, v in zip(kinds, values, strict=True)])
    new_values = []
    for column in batch.values:
        if isinstance(column, np.ndarray):
            new_values.append(column[keep])
        elif isinstance(column, list):
            new_values.append([v for v, k in zip(column, keep.tolist(), strict=True) if k])
        else:
            new_values.append(column)
    chunk.contacts = type(batch)(batch.model, batch.fields, tuple(new_values), int(keep.sum()))
    return batch.size - chunk.contacts.size


def _clear_existing_external_ids(chunk: Chunk, workspace_id: int) -> None:
    """A generated marketplace id that the workspace already uses becomes NULL."""
    batch = chunk.orders
    fields = list(batch.fields)
    external: list[str | None] = batch.values[fields.index("external_id")]  # type: ignore[assignment]
    channels: np.ndarray = batch.values[fields.index("channel_id")]  # type: ignore[assignment]
    wanted = [(i, v) for i, v in enumerate(external) if v is not None]
    for channel_id in set(int(channels[i]) for i, _ in wanted):
        mine = [v for i, v in wanted if int(channels[i]) == channel_id]
        found: set[str] = set()
        for j in range(0, len(mine), 2000):
            found.update(
                v
                for v in Order.objects.filter(
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    external_id__in=mine[j : j + 2000],
                ).values_list("external_id", flat=True)
                if v is not None
            )
        if found:
            for i, v in wanted:
                if int(channels[i]) == channel_id and v in found:
                    external[i] = None


__all__ = ["SEEDED_MODELS", "SeedResult", "Writer", "seed_shop"]
