"""PostgreSQL only: indexes that match the SQL Django emits for the search box.

``icontains`` becomes ``UPPER(col::text) LIKE UPPER('%…%')``, so the trigram indexes are on
that expression (the plain-column ones from 0003 are replaced). Short queries (under three
characters, too short for trigrams) use a prefix match served by ``varchar_pattern_ops``.
SQLite, the embedded default, skips this migration's SQL.
"""

from django.db import migrations

DROP = ["customer_first_name_trgm", "customer_last_name_trgm", "customer_nickname_trgm"]
CREATE = [
    "CREATE INDEX IF NOT EXISTS customer_first_name_utrgm ON customers_customer "
    "USING gin (UPPER(first_name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customer_last_name_utrgm ON customers_customer "
    "USING gin (UPPER(last_name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customer_nickname_utrgm ON customers_customer "
    "USING gin (UPPER(nickname::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS customer_first_name_prefix ON customers_customer "
    "(workspace_id, first_name varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS contact_value_rev ON customers_contactpoint "
    "(workspace_id, kind, reverse(value) text_pattern_ops)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in DROP:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for sql in CREATE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in CREATE:
        schema_editor.execute(f"DROP INDEX IF EXISTS {sql.split()[5]}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_list_sort_indexes")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
