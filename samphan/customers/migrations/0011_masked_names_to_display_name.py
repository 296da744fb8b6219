# Names a marketplace hid (ส****, j***n) that imports stored as first/last names before
# contactpoint.display_name existed: the name fields are emptied (a masked name is no name, and
# the duplicate scan must not compare it) and the text is kept as the display name of the
# customer's first marketplace contact (else its first contact). Re-runnable: a customer whose
# names are no longer masked is not touched again.

import re

from django.db import migrations
from django.db.models import Q

MASKED = re.compile(r"[*•]{2,}|\w[*•]\w")
MARKETPLACES = ("shopee", "lazada", "tiktok")
BATCH = 1000


def masked_names_to_display_name(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    ContactPoint = apps.get_model("customers", "ContactPoint")
    suspects = Customer.objects.filter(
        Q(first_name__contains="*") | Q(last_name__contains="*")
        | Q(first_name__contains="•") | Q(last_name__contains="•")
    ).only("pk", "first_name", "last_name")
    changed = []
    for customer in suspects.iterator(chunk_size=BATCH):
        name = " ".join(p for p in (customer.first_name, customer.last_name) if p)
        if not MASKED.search(name):
            continue
        contacts = sorted(
            ContactPoint.objects.filter(customer_id=customer.pk),
            key=lambda c: (c.kind not in MARKETPLACES, c.pk),
        )
        if contacts and not contacts[0].display_name:
            contacts[0].display_name = name[:150]
            contacts[0].save(update_fields=["display_name"])
        customer.first_name = customer.last_name = ""
        changed.append(customer)
        if len(changed) >= BATCH:
            Customer.objects.bulk_update(changed, ["first_name", "last_name"])
            changed = []
    if changed:
        Customer.objects.bulk_update(changed, ["first_name", "last_name"])


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0010_contactpoint_display_name"),
    ]

    operations = [
        migrations.RunPython(masked_names_to_display_name, migrations.RunPython.noop),
    ]
