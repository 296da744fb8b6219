"""The purchase runs' indexes, built after the backfill (one sort each instead of keeping
them up to date row by row while millions of rows are inserted)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("commerce", "0011_purchase_runs_backfill")]

    operations = [
        migrations.AddIndex(
            model_name="customerpurchaserun",
            index=models.Index(
                fields=[
                    "workspace",
                    "placed_at",
                    "previous_at",
                    "customer",
                    "total_satang",
                    "spent_from_satang",
                    "orders_from",
                    "spent_before_satang",
                    "orders_before",
                ],
                name="purchase_run_placed",
            ),
        ),
        migrations.AddIndex(
            model_name="customerpurchaserun",
            index=models.Index(
                fields=[
                    "workspace",
                    "previous_at",
                    "placed_at",
                    "customer",
                    "spent_from_satang",
                    "orders_from",
                    "spent_before_satang",
                    "orders_before",
                ],
                name="purchase_run_previous",
            ),
        ),
    ]
