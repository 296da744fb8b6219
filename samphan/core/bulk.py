"""Set-based writes that Django's ORM has no words for: ``INSERT … SELECT``, ``VACUUM``, and
the row sink seam the domains' bulk services write their big tables through.

A :class:`RowSink` (``samphan.core.sink.RowSink`` implements it: ``executemany`` on SQLite,
``COPY`` on PostgreSQL) takes plain tuples; :class:`BulkTable` collects them for one model (the timeline's
``sink_writer`` writes event rows with it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from django.db import connection, models
from django.db.backends.base.base import BaseDatabaseWrapper


class RowSink(Protocol):
    """Where a bulk service writes rows of the tables that grow with a file."""

    connection: BaseDatabaseWrapper

    def datetime(self, value: dt.datetime | None) -> Any: ...

    def date(self, value: dt.date | None) -> Any: ...

    def json(self, value: Any) -> str: ...

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]: ...

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int: ...


class BulkTable:
    """Rows of one model: the columns given, then every other column with its default
    (``auto_now_add`` → now), so that a field added to the model later still gets a value."""

    def __init__(self, sink: RowSink, model: type[models.Model], given: tuple[str, ...]) -> None:
        self.sink, self.model = sink, model
        rest: list[str] = []
        constants: list[Any] = []
        now = dt.datetime.now(dt.UTC)
        for f in model._meta.concrete_fields:
            if f.column is None or f.column in given or f.primary_key:
                continue  # a primary key not given is the database's to assign
            if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False):
                value: Any = sink.datetime(now)
            elif f.has_default() or not f.has_db_default():
                value = f.get_db_prep_save(f.get_default(), sink.connection)
            else:
                continue  # only a database default: leave the column to it
            rest.append(f.column)
            constants.append(value)
        self.columns = (*given, *rest)
        self.constants = tuple(constants)
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> None:
        self.rows.append(values + self.constants)

    def flush(self) -> None:
        if self.rows:
            self.sink.insert(self.model, self.columns, self.rows)
            self.rows = []


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


def analyze_changed() -> list[str]:
    """On PostgreSQL: ``ANALYZE`` every table of the database with rows changed since its last
    analysis, and return their names. After a bulk load whose writers are many apps' subscribers
    (the seed), so the planner knows the tables' contents without waiting for autovacuum (or
    without it, where it is off): a ledger of two million rows that the planner took for a
    thousand read a workspace index of every row for one member's page (73 ms, not 1)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, relname FROM pg_stat_user_tables"
            " WHERE n_mod_since_analyze > 0 ORDER BY relname"
        )
        quote = connection.ops.quote_name
        tables = [f"{quote(schema)}.{quote(name)}" for schema, name in cursor.fetchall()]
        for table in tables:
            cursor.execute(f"ANALYZE {table}")
    return tables
