import django.contrib.postgres.indexes
import django.db.models.deletion
from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models

import content.fingerprints.models


class AddIndexOnPostgres(migrations.AddIndex):
    """The GIN/intarray index exists on PostgreSQL only; SQLite (dev) scans instead."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0004_audio_pipeline"),
    ]

    operations = [
        # intarray: int[] overlap/intersection operators and the gin__int_ops opclass.
        # CreateExtension does nothing on databases other than PostgreSQL.
        CreateExtension("intarray"),
        migrations.CreateModel(
            name="Fingerprint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("processing", "Processing"),
                            ("completed", "Completed"),
                            ("failed", "Failed"),
                        ],
                        db_index=True,
                        default="pending",
                        max_length=10,
                    ),
                ),
                (
                    "items",
                    content.fingerprints.models.IntArrayField(
                        base_field=models.IntegerField(),
                        blank=True,
                        help_text="Chromaprint raw fingerprint (int32).",
                        null=True,
                        size=None,
                    ),
                ),
                (
                    "duration",
                    models.FloatField(
                        blank=True, help_text="Seconds of audio analysed.", null=True
                    ),
                ),
                (
                    "hash",
                    models.CharField(
                        blank=True, help_text="SHA-256 of the fingerprint.", max_length=64
                    ),
                ),
                (
                    "terms",
                    content.fingerprints.models.IntArrayField(
                        base_field=models.IntegerField(),
                        blank=True,
                        default=list,
                        help_text="Index terms (see fpmatch).",
                        size=None,
                    ),
                ),
                ("source_sha256", models.CharField(blank=True, max_length=64)),
                ("error", models.TextField(blank=True)),
                ("error_code", models.CharField(blank=True, max_length=32)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("fingerprinted_at", models.DateTimeField(blank=True, null=True)),
                (
                    "track",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="fingerprint",
                        to="content.track",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "processing")),
                        fields=["started_at"],
                        name="fingerprint_processing",
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "completed"), _negated=True),
                            models.Q(
                                ("items__isnull", False),
                                models.Q(("hash", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                        name="fingerprint_completed_has_items",
                    )
                ],
            },
        ),
        AddIndexOnPostgres(
            model_name="fingerprint",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["terms"], opclasses=["gin__int_ops"], name="fingerprint_terms_gin"
            ),
        ),
    ]
