"""Give every order a number of its own before 0008 makes (workspace, number) unique.

Order numbers used to be "count + 1", so two sales at the same moment could share one. The
oldest order of each duplicate set (lowest id) keeps its number; the others get "-2", "-3", …
appended, in id order, skipping any number already in use. Deterministic and safe to re-run.
"""

from django.db import migrations
from django.db.models import Count

NUMBER_MAX = 64  # Order.number's max_length


def _free(base: str, k: int, taken: set[str]) -> tuple[str, int]:
    while True:
        suffix = f"-{k}"
        candidate = base[: NUMBER_MAX - len(suffix)] + suffix
        if candidate not in taken:
            return candidate, k
        k += 1


def renumber_duplicates(apps, schema_editor):  # type: ignore[no-untyped-def]
    Order = apps.get_model("commerce", "Order")
    db = schema_editor.connection.alias
    orders = Order.objects.using(db)
    duplicated = (
        orders.values("workspace_id", "number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("workspace_id", "number")
        .values_list("workspace_id", "number")
    )
    for workspace_id, number in list(duplicated):
        ids = list(
            orders.filter(workspace_id=workspace_id, number=number)
            .order_by("id")
            .values_list("id", flat=True)
        )
        taken = set(
            orders.filter(
                workspace_id=workspace_id, number__startswith=number[: NUMBER_MAX - 12]
            ).values_list("number", flat=True)
        )
        k = 2
        for order_id in ids[1:]:
            new, k = _free(number, k, taken)
            taken.add(new)
            orders.filter(pk=order_id).update(number=new)
            k += 1


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0006_purchase_lines"),
    ]

    operations = [
        migrations.RunPython(renumber_duplicates, migrations.RunPython.noop, elidable=True),
    ]
