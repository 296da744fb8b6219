"""Events about orders written before orders were a subject of their own named the order only
in ``links``: set their ``order`` column, in batches (re-runnable)."""

from django.db import migrations
from django.db.models import Exists, IntegerField, OuterRef
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

ORDER_TYPES = ("order.placed", "order.status_changed")
BATCH = 20000


def backfill(apps, schema_editor):
    TimelineEvent = apps.get_model("timeline", "TimelineEvent")
    Order = apps.get_model("commerce", "Order")
    pending = TimelineEvent.objects.filter(type__in=ORDER_TYPES, order__isnull=True).exclude(
        links={}
    )
    last = 0
    while True:
        ids = list(
            pending.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            break
        last = ids[-1]
        linked = Cast(KeyTextTransform("order", "links"), IntegerField())
        TimelineEvent.objects.filter(pk__in=ids).annotate(linked=linked).filter(
            Exists(Order.objects.filter(pk=OuterRef("linked")))
        ).update(order_id=linked)


class Migration(migrations.Migration):
    dependencies = [
        ("timeline", "0003_order_subject_and_subscriber_failures"),
        ("commerce", "0006_purchase_lines"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
