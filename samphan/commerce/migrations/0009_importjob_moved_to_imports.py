# ImportJob moved to the imports app (imports.0001_initial). Only Django's picture of the models
# changes here: the table commerce_importjob and its rows stay where they are.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0008_order_sequence_unique_number"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportJob")],
            database_operations=[],
        ),
    ]
