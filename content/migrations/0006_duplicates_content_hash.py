from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("content", "0005_fingerprints"),
    ]

    operations = [
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
