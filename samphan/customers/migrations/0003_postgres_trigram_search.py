"""PostgreSQL only: trigram indexes so a word inside a Thai name, or the last digits of a phone,
are found by index (ILIKE '%…%'). SQLite, the embedded default, skips this migration's SQL."""

from django.db import migrations

INDEXES = [
    ("customer_first_name_trgm", "customers_customer", "first_name"),
    ("customer_last_name_trgm", "customers_customer", "last_name"),
    ("customer_nickname_trgm", "customers_customer", "nickname"),
    ("contact_value_trgm", "customers_contactpoint", "value"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customer_360")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
