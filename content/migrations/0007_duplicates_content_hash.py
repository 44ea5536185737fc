from django.db import migrations, models

import content.fingerprints.models


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0006_licensing"),
    ]

    operations = [
        migrations.AddField(
            model_name="fingerprint",
            name="tuned_items",
            field=content.fingerprints.models.IntArrayField(
                base_field=models.IntegerField(),
                blank=True,
                help_text="Fingerprint of the audio retuned to A440 (fpmatch).",
                null=True,
                size=None,
            ),
        ),
        migrations.AddField(
            model_name="fileentry",
            name="pcm_sha256",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddIndex(
            model_name="fileentry",
            index=models.Index(
                condition=models.Q(("pcm_sha256", ""), _negated=True),
                fields=["pcm_sha256"],
                name="fileentry_pcm_sha256",
            ),
        ),
    ]
