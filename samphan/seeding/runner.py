"""Drive a seed: set up the workspace, branches, channels and catalogue, then write chunks.

Determinism: for a given ``seed``, ``batch_size`` and ``end`` the generated names, counts and
totals are identical (each chunk has its own ``numpy`` generator seeded with
``[seed, customers already in the workspace, chunk number]``). Seeding again into a workspace
that already has customers adds new, different customers whose phone numbers, e-mails, LINE
ids, order numbers and marketplace ids continue after the existing ones.

Every chunk is written through the domains' bulk services (``writers.chunk_write``), so the
seeded shop is what the app itself would have made of the same customers and orders: their
timeline events come from the event classes, and the cached purchase summaries
(``orders_count``, ``total_spent_satang``, first and last order, purchase rows) and lifecycle
stages are commerce's, computed by its subscriber to the order events (paid orders only).
The chunks' after-commit subscribers are deferred to the end of the seed
(``deliveries_deferred``): the possible-duplicates list is scanned once, on the final data; a
seed that makes every customer of its workspace leaves a recorded full scan.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geothai
import numpy as np
from django.db import connection, models, transaction
from django.db.models import Count, Max
from django.db.models.functions import Left
from django.utils import timezone
from tqdm import tqdm

from samphan.commerce.lifecycle import lifecycle_refresh
from samphan.commerce.models import Order, OrderLine, Product, ProductCategory, SalesChannel
from samphan.commerce.services import channels_ensure_defaults
from samphan.core.bulk import analyze_changed, vacuum_analyze
from samphan.core.models import Branch, Workspace
from samphan.core.sink import RowSink
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
from samphan.seeding.writers import chunk_write, seed_actor
from samphan.timeline.models import TimelineEvent
from samphan.timeline.publish import deliveries_deferred

DEFAULT_BATCH_SIZE = 20_000
# Below this many customers every phone number goes through the contacts normaliser.
PHONE_CHECK_ALL_BELOW = 5_000


@dataclass
class SeedResult:
    workspace: Workspace
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    dropped_contacts: int = 0
    server_cpu_seconds: float | None = None  # the PostgreSQL backend's, when it is local


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
    events_before = TimelineEvent.objects.filter(workspace_id=ws_id).count()
    counters = Counters(
        customer_ordinal=customer_ordinal,
        order_seq=Order.objects.filter(workspace_id=ws_id).count() if had_orders else 0,
        number_seq=_order_number_offsets(ws_id) if had_orders else {},
    )
    phone_share = 1.0 if customers < PHONE_CHECK_ALL_BELOW else 0.02

    result = SeedResult(workspace=workspace, seconds=0.0)
    totals = dict.fromkeys(("customers", "contacts", "orders", "order_lines"), 0)
    actor = seed_actor(workspace)
    sink = RowSink()
    bar = tqdm(
        total=customers,
        unit=" customers",
        unit_scale=True,
        file=sys.stderr,
        disable=not progress,
        desc="seed",
    )
    # The chunks' after-commit subscribers (the duplicate rescan) run once, when the block
    # ends: after the last chunk, the lifecycle pass and the vacuum, on the final data.
    with deliveries_deferred():
        try:
            for chunk_no in range(math.ceil(customers / batch_size)):
                n = min(batch_size, customers - chunk_no * batch_size)
                rng = np.random.default_rng([seed, customer_ordinal, chunk_no])
                chunk = generate_chunk(rng, n, shop, cal, counters, phone_sample_share=phone_share)
                if had_contacts:
                    result.dropped_contacts += _drop_existing_contacts(chunk, ws_id)
                if had_orders:
                    _clear_existing_external_ids(chunk, ws_id)
                chunk_write(actor=actor, sink=sink, chunk=chunk)
                for key, value in chunk.stats.items():
                    totals[key] += value
                bar.update(n)
        finally:
            bar.close()
        # The nightly lifecycle pass, now: customers without orders, whom no order event
        # reached, become prospects, and a stage that the clock moved while the seed ran moves
        # too. It uses the real time, like the subscriber did and as the nightly run will: a
        # stage as of a past ``end`` would be undone by the next night's run, with a second
        # lifecycle.changed each.
        with transaction.atomic():
            lifecycle_refresh(Customer.objects.filter(workspace_id=ws_id))
        vacuum_analyze(_tables_written())
        analyze_changed()  # the other apps' tables, which their subscribers filled
    result.server_cpu_seconds = _backend_cpu_seconds()
    totals["contacts"] -= result.dropped_contacts
    totals["timeline_events"] = (
        TimelineEvent.objects.filter(workspace_id=ws_id).count() - events_before
    )
    result.counts = totals
    result.seconds = time.perf_counter() - started
    return result


def _tables_written() -> list[type[models.Model]]:
    """The tables a seed fills: its own and commerce's tables about customers (orders, and the
    purchase rows that commerce's subscriber wrote), to vacuum and analyse after the load."""
    tables: list[type[models.Model]] = [Customer, ContactPoint, OrderLine, TimelineEvent]
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if isinstance(model, type) and model._meta.app_label == Order._meta.app_label:
            tables.append(model)
    return tables


def _backend_cpu_seconds() -> float | None:
    """CPU time of the PostgreSQL server process behind Django's connection, when it runs on
    this machine (it did the seed's writes, index maintenance and subscribers' queries)."""
    raw: Any = connection.connection
    try:
        stat = Path(f"/proc/{raw.info.backend_pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    except (OSError, ValueError, IndexError, AttributeError):
        return None


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
    kinds: list[str] = list(chunk.contacts["kind"])
    values: list[str] = list(chunk.contacts["value"])
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
    before = chunk.contacts.size
    chunk.contacts = chunk.contacts.keep(keep)
    return before - chunk.contacts.size


def _clear_existing_external_ids(chunk: Chunk, workspace_id: int) -> None:
    """A generated marketplace id that the workspace already uses becomes None."""
    external: list[str | None] = chunk.orders["external_id"]  # type: ignore[assignment]
    channels: list[int] = np.asarray(chunk.orders["channel_id"]).tolist()
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


__all__ = ["DEFAULT_BATCH_SIZE", "SeedResult", "seed_shop"]
