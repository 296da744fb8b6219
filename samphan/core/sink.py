"""The database seam for the big tables of a bulk write (an import, the seed): ids reserved up
front, then rows written straight to the driver, ``executemany`` on SQLite and
``COPY … FROM STDIN`` on PostgreSQL. It implements :class:`samphan.core.bulk.RowSink`, the
protocol the domains' bulk services write through; it lives in core so that every layer above
(imports, the seeder) may use it.

Django's ``bulk_create`` builds a model instance and compiles SQL for every row, which is most
of the time of a 100,000-line import; the callers already hold plain values, so they hand
over tuples instead. Everything happens on Django's connection, inside the caller's
transaction: a failure rolls it back with the rest of the write.

Ids: on PostgreSQL they are taken from the table's sequence (``nextval``, safe while others
insert too); on SQLite the caller's transaction holds the only write lock, so the ids above
the largest ever used (``sqlite_sequence``, as AUTOINCREMENT does) are free.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection as default_connection
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

BATCH_ROWS = 5000


class RowSink:
    def __init__(self, connection: BaseDatabaseWrapper | None = None) -> None:
        self.connection = connection or default_connection
        self.vendor = self.connection.vendor
        self.qn = self.connection.ops.quote_name

    # --- values ------------------------------------------------------------------------------

    def datetime(self, value: dt.datetime | None) -> Any:
        """A datetime as the database stores it (SQLite: naive UTC text, as Django writes it)."""
        if value is None or self.vendor == "postgresql":
            return value
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return str(value)

    def date(self, value: dt.date | None) -> Any:
        if value is None or self.vendor == "postgresql":
            return value
        return value.isoformat()

    @staticmethod
    def json(value: Any) -> str:
        return json.dumps(value)

    # --- ids ---------------------------------------------------------------------------------

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        if count <= 0:
            return []
        table = model._meta.db_table
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [int(row[0]) for row in cursor.fetchall()]
            cursor.execute(f"SELECT MAX(id) FROM {self.qn(table)}")
            largest = int(cursor.fetchone()[0] or 0)
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            if row is not None:
                largest = max(largest, int(row[0] or 0))
        return list(range(largest + 1, largest + 1 + count))

    # --- rows --------------------------------------------------------------------------------

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> int:
        """Insert rows (tuples in ``columns`` order, values already in database form)."""
        table = self.qn(model._meta.db_table)
        names = ", ".join(self.qn(c) for c in columns)
        count = 0
        if self.vendor == "postgresql":
            self.connection.ensure_connection()
            with self.connection.cursor() as wrapper:
                raw = wrapper.cursor  # psycopg's own cursor: COPY is not in the DB-API
                with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            return count
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
        batch: list[Sequence[Any]] = []
        with self.connection.cursor() as cursor:
            for row in rows:
                batch.append(row)
                if len(batch) >= BATCH_ROWS:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count
