"""Set-based writes that Django's ORM has no words for: ``INSERT … SELECT`` and ``VACUUM``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def insert_select(
    model: type[models.Model],
    columns: Sequence[str],
    select: models.QuerySet[Any],
    sources: Sequence[str],
) -> int:
    """``INSERT INTO model (columns) SELECT sources FROM (select)``: the rows never pass
    through Python, so a million of them are one statement. ``select`` is a values queryset
    whose names include ``sources``, in the order of ``columns``. Returns the rows inserted."""
    quote = connection.ops.quote_name
    select_sql, params = select.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(c) for c in columns)}) "
            f"SELECT {', '.join('m.' + quote(s) for s in sources)} FROM ({select_sql}) AS m",
            params,
        )
        return int(cursor.rowcount)


def vacuum_analyze(models_: Sequence[type[models.Model]]) -> None:
    """On PostgreSQL, outside a transaction: ``VACUUM (ANALYZE)`` tables that were just
    rewritten, so the old rows' space is reusable, their pages are marked all-visible
    (index-only scans) and the planner knows their contents, instead of waiting for
    autovacuum. Elsewhere, or inside a transaction (VACUUM cannot run there), it does nothing."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
