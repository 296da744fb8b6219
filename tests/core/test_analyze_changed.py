"""After a bulk load (the seed), every table with changed rows is analysed, whichever app's
subscriber wrote it, so the planner does not take a two-million-row ledger for an empty one."""

from __future__ import annotations

import pytest
from django.db import connection

from samphan.core.bulk import analyze_changed
from tests.factories import CustomerFactory, WorkspaceFactory


@pytest.mark.django_db(transaction=True)
def test_tables_with_changed_rows_are_analysed() -> None:
    if connection.vendor != "postgresql":
        assert analyze_changed() == []
        return
    workspace = WorkspaceFactory()
    for _ in range(3):
        CustomerFactory(workspace=workspace)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    assert '"public"."customers_customer"' in analyze_changed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'customers_customer'")
        assert cursor.fetchone()[0] == 3
