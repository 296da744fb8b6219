"""Fill ``CustomerPurchaseRun`` from the paid orders already recorded (one INSERT … SELECT with
window functions, as ``commerce.summary.purchase_runs_rebuild`` does per customer). Re-runnable:
the table is emptied first. SQLite has window functions since 3.25."""

import datetime as dt

from django.db import migrations

SQL = """
INSERT INTO commerce_customerpurchaserun (
    workspace_id, customer_id, placed_at, previous_at, total_satang,
    spent_before_satang, spent_from_satang, orders_before, orders_from
)
SELECT
    workspace_id, customer_id, placed_at,
    COALESCE(LAG(placed_at) OVER w, %s),
    total_satang,
    SUM(total_satang) OVER w - total_satang,
    SUM(total_satang) OVER (PARTITION BY customer_id) - SUM(total_satang) OVER w + total_satang,
    ROW_NUMBER() OVER w - 1,
    COUNT(*) OVER (PARTITION BY customer_id) - ROW_NUMBER() OVER w + 1
FROM commerce_order
WHERE status = 'paid' AND customer_id IS NOT NULL
WINDOW w AS (
    PARTITION BY customer_id ORDER BY placed_at, id
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
)
"""
FIRST_PURCHASE = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM commerce_customerpurchaserun")
        cursor.execute(SQL, [connection.ops.adapt_datetimefield_value(FIRST_PURCHASE)])


class Migration(migrations.Migration):
    dependencies = [("commerce", "0010_purchase_runs")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
