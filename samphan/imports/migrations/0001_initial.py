# ImportJob, moved here from the commerce app (commerce.0009_importjob_moved_to_imports): the
# model keeps its table, commerce_importjob, so no row moves. The content type is renamed so
# that permissions given on it stay.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_to_imports(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="imports", model="importjob").exists():
        ContentType.objects.filter(app_label="commerce", model="importjob").update(
            app_label="imports"
        )


def content_type_to_commerce(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="commerce", model="importjob").exists():
        ContentType.objects.filter(app_label="imports", model="importjob").update(
            app_label="commerce"
        )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("commerce", "0009_importjob_moved_to_imports"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("customers", "Customers (CSV/XLSX)"), ("orders", "Orders (CSV/XLSX)"), ("shopee", "Shopee Seller Centre export"), ("lazada", "Lazada Seller Center export"), ("tiktok", "TikTok Shop export")], max_length=16, verbose_name="kind")),
                        ("file", models.FileField(upload_to="imports/%Y/%m/")),
                        ("original_name", models.CharField(max_length=255)),
                        ("sha256", models.CharField(max_length=64)),
                        ("mapping", models.JSONField(blank=True, default=dict)),
                        ("status", models.CharField(choices=[("uploaded", "Uploaded"), ("previewed", "Previewed"), ("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")], default="uploaded", max_length=12)),
                        ("rows_total", models.PositiveIntegerField(default=0)),
                        ("rows_done", models.PositiveIntegerField(default=0)),
                        ("created_count", models.PositiveIntegerField(default=0)),
                        ("updated_count", models.PositiveIntegerField(default=0)),
                        ("skipped_count", models.PositiveIntegerField(default=0)),
                        ("error_count", models.PositiveIntegerField(default=0)),
                        ("report", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.workspace")),
                    ],
                    options={
                        "db_table": "commerce_importjob",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_imports, content_type_to_commerce, elidable=True),
    ]
