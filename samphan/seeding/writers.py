"""The database seam of the seeder: bulk inserts on SQLite, ``COPY … FROM STDIN`` on PostgreSQL.

The generator hands over :class:`Batch` objects: one table's rows as columns, primary keys
already assigned, so children can reference parents without round trips. A writer takes all
batches of one chunk and stores them atomically (one transaction, or one savepoint when the
caller already holds a transaction, e.g. a test).

Column values are one of

* ``Const(value)`` — the same value on every row (e.g. the workspace id);
* a numpy array: integers, ``datetime64[s]`` (UTC; NaT is NULL) or ``datetime64[D]`` dates;
* a list of Python ``str``/``int``/``None`` (``None`` is NULL).
"""

from __future__ import annotations

import os
import queue
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np
from django.db import connection as default_connection
from django.db import models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

if TYPE_CHECKING:
    from django.db.models import Field


@dataclass(frozen=True)
class Const:
    value: Any


ColumnValues = Const | np.ndarray | Sequence[Any]


@dataclass
class Batch:
    model: type[models.Model]
    fields: tuple[str, ...]  # model field names (``workspace_id`` style for foreign keys)
    values: tuple[ColumnValues, ...]
    size: int

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    def columns(self) -> list[str]:
        meta = self.model._meta
        columns = []
        for name in self.fields:
            column = cast("Field[Any, Any]", meta.get_field(name)).column
            assert column is not None
            columns.append(column)
        return columns


class Writer(Protocol):
    vendor: str
    server_cpu_seconds: float | None  # CPU the database server spent on the writes, if known

    def write(self, batches: list[Batch]) -> None:
        """Store one chunk (possibly asynchronously)."""

    def close(self) -> None:
        """Wait until everything written has been stored; re-raise any failure."""

    def finish(self, models_: Sequence[type[models.Model]]) -> None:
        """After the last chunk: fix id sequences, refresh planner statistics."""


def writer_for(connection: BaseDatabaseWrapper | None = None, *, jobs: int = 2) -> Writer:
    connection = connection or default_connection
    if connection.vendor == "postgresql":
        return PostgresWriter(connection, jobs=jobs)
    return SqliteWriter(connection)


def next_id(model: type[models.Model], connection: BaseDatabaseWrapper | None = None) -> int:
    """The first primary key this seeder may use for ``model``: above every existing row."""
    connection = connection or default_connection
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({qn('id')}) FROM {qn(model._meta.db_table)}")
        row = cursor.fetchone()
    return int(row[0] or 0) + 1


# ---------------------------------------------------------------------------------------------
# SQLite (and any other database Django speaks): executemany per table, one transaction a chunk


def _datetime_strings(values: np.ndarray, *, utc: bool) -> list[str]:
    """ISO 8601 text of a datetime64 array in its own unit ("…Z" when ``utc``; NaT → "NaT")."""
    unit = np.datetime_data(values.dtype)[0]
    text = np.datetime_as_string(values, unit=unit, timezone="UTC" if utc else "naive")  # type: ignore[call-overload]
    out: list[str] = text.tolist()
    return out


def _python_column(values: ColumnValues, size: int) -> Sequence[Any]:
    if isinstance(values, Const):
        return [values.value] * size
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "M":
            unit = np.datetime_data(values.dtype)[0]
            text = _datetime_strings(values, utc=False)
            if unit == "D":
                return [None if t == "NaT" else t for t in text]
            # Django stores aware datetimes on SQLite as naive UTC "YYYY-MM-DD HH:MM:SS".
            return [None if t == "NaT" else t.replace("T", " ") for t in text]
        return values.tolist()
    return values


class SqliteWriter:
    vendor = "sqlite"
    server_cpu_seconds: float | None = None  # in-process: part of this process's CPU time

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection

    def write(self, batches: list[Batch]) -> None:
        qn = self.connection.ops.quote_name
        with transaction.atomic(using=self.connection.alias), self.connection.cursor() as cursor:
            for batch in batches:
                if not batch.size:
                    continue
                columns = batch.columns()
                sql = "INSERT INTO {} ({}) VALUES ({})".format(
                    qn(batch.table),
                    ", ".join(qn(c) for c in columns),
                    ", ".join(["%s"] * len(columns)),
                )
                data = [_python_column(v, batch.size) for v in batch.values]
                cursor.executemany(sql, list(zip(*data, strict=True)))

    def close(self) -> None:
        pass

    def finish(self, models_: Sequence[type[models.Model]]) -> None:
        # AUTOINCREMENT tables follow the largest inserted id by themselves.
        pass


# ---------------------------------------------------------------------------------------------
# PostgreSQL: COPY in text format. The text of a chunk is built in the calling thread (numpy and
# str.join); a background thread streams it to the server, so the next chunk is generated while
# PostgreSQL ingests the previous one (the machine's second core).

_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_NULL = "\\N"


def _copy_escape(text: str) -> str:
    return _COPY_SPECIAL.sub(lambda m: _COPY_ESCAPES[m.group()], text)


def _copy_literal(value: Any) -> str:
    if value is None:
        return _NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    return _copy_escape(str(value))


def _copy_column(values: np.ndarray | Sequence[Any]) -> Sequence[Any]:
    """Values whose ``str()`` is valid COPY text."""
    if isinstance(values, np.ndarray):
        if values.dtype.kind == "M":
            unit = np.datetime_data(values.dtype)[0]
            out = _datetime_strings(values, utc=unit != "D")
            if np.isnat(values).any():
                out = [_NULL if t.startswith("NaT") else t for t in out]
            return out
        if values.dtype.kind in "iu":
            return values.tolist()
        values = values.tolist()
    column: list[Any] = list(values) if not isinstance(values, list) else values
    strings = [v for v in column if isinstance(v, str)]
    if strings and _COPY_SPECIAL.search("".join(strings)):
        column = [_copy_escape(v) if isinstance(v, str) else v for v in column]
    if None in column:
        column = [_NULL if v is None else v for v in column]
    return column


def copy_text(batch: Batch) -> bytes:
    """The rows of ``batch`` as PostgreSQL COPY text, one line per row."""
    template: list[str] = []
    args: list[Sequence[Any]] = []
    for values in batch.values:
        if isinstance(values, Const):
            template.append(_copy_literal(values.value).replace("{", "{{").replace("}", "}}"))
        else:
            template.append("{}")
            args.append(_copy_column(values))
    fmt = "\t".join(template) + "\n"
    if not args:
        return (fmt * batch.size).encode()
    return "".join(map(fmt.format, *args)).encode()


_STOP = object()


def _backend_cpu_seconds(raws: Sequence[Any]) -> float | None:
    """CPU time of the server processes behind ``raws`` (only when the server is local)."""
    total = 0.0
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        for raw in raws:
            stat = Path(f"/proc/{raw.info.backend_pid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return total


class PostgresWriter:
    """COPY each chunk from background threads while the caller generates the next one.

    Outside a transaction each chunk commits on its own (many small transactions rather than
    one huge one), and ``jobs`` threads each stream over their own connection so the server
    ingests chunks in parallel. Inside a caller's transaction (a test, an atomic block) a
    single thread uses the caller's connection and each chunk is a savepoint.
    """

    vendor = "postgresql"

    def __init__(self, connection: BaseDatabaseWrapper, *, jobs: int = 2) -> None:
        self.connection = connection
        connection.ensure_connection()
        self._own: list[Any] = []
        if connection.in_atomic_block:
            # psycopg's transaction() picks BEGIN or SAVEPOINT from the server's state: make
            # sure the caller's transaction has really begun.
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            raws = [connection.connection]
        else:
            import psycopg

            params = connection.get_connection_params()
            self._own = [psycopg.connect(**params, autocommit=True) for _ in range(max(1, jobs))]
            raws = self._own
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self.server_cpu_seconds: float | None = None
        self._threads = [
            threading.Thread(target=self._run, args=(raw,), name=f"seed-copy-{i}", daemon=True)
            for i, raw in enumerate(raws)
        ]
        for thread in self._threads:
            thread.start()

    def write(self, batches: list[Batch]) -> None:
        self._raise_if_failed()
        qn = self.connection.ops.quote_name
        work = []
        for batch in batches:
            if not batch.size:
                continue
            sql = "COPY {} ({}) FROM STDIN".format(
                qn(batch.table), ", ".join(qn(c) for c in batch.columns())
            )
            work.append((sql, copy_text(batch)))
        while True:
            self._raise_if_failed()
            if not any(t.is_alive() for t in self._threads):
                raise RuntimeError("the COPY threads stopped")
            try:
                self._queue.put(work, timeout=0.5)
                return
            except queue.Full:
                continue

    def _run(self, raw: Any) -> None:
        while True:
            work = self._queue.get()
            if work is _STOP:
                return
            if self._error is not None:
                continue  # drain, so the producer never blocks on dead consumers
            try:
                with raw.transaction(), raw.cursor() as cursor:
                    for sql, text in work:
                        with cursor.copy(sql) as copy:
                            copy.write(text)
            except BaseException as exc:
                self._error = exc

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        alive = [t for t in self._threads if t.is_alive()]
        for _ in alive:
            self._queue.put(_STOP)
        for thread in alive:
            thread.join()
        if self._own:
            self.server_cpu_seconds = _backend_cpu_seconds(self._own)
        for raw in self._own:
            raw.close()
        self._own = []
        self._raise_if_failed()

    def finish(self, models_: Sequence[type[models.Model]]) -> None:
        self.close()
        qn = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            for model in models_:
                table = qn(model._meta.db_table)
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}",
                    [model._meta.db_table],
                )
            for model in models_:
                cursor.execute(f"ANALYZE {qn(model._meta.db_table)}")


@contextmanager
def indexes_rebuilt(
    models_: Sequence[type[models.Model]], connection: BaseDatabaseWrapper | None = None
) -> Iterator[None]:
    """On PostgreSQL: drop the secondary indexes and foreign keys of ``models_`` for the block
    and create them again after it (inside the caller's transaction). Filling a table of
    millions of rows and then building each index by one sort, and checking each foreign key
    by one join, is several times faster than doing both row by row (the purchase rows at a
    million customers). Elsewhere it does nothing. The tables are locked until the transaction
    ends: for bulk loads such as the seed, never for a request."""
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        yield
        return
    qn = connection.ops.quote_name
    statements: list[str] = []

    def run_pending_checks(cursor: Any) -> None:
        # PostgreSQL alters no table that has deferred foreign-key checks queued (the caller's
        # transaction may have written the customers these rows point at): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    with connection.cursor() as cursor:
        run_pending_checks(cursor)
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
                statements.append(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = %s "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {qn(name)}")
                statements.insert(0, definition)
    yield
    with connection.cursor() as cursor:
        run_pending_checks(cursor)
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for statement in statements:
            cursor.execute(statement)
