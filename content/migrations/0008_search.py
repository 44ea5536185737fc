"""Search: album genres/tags, the search document tables and their triggers, the spelling
vocabulary, audio descriptors.

Everything PostgreSQL-specific (extensions, the text search configuration, functions, triggers,
GIN/GiST indexes, the cascading foreign keys) is in ``SEARCH_SQL`` and runs on PostgreSQL only;
SQLite (``make run``) gets plain tables and the simple search backend.
"""

import content.search.models
import django.contrib.postgres.search
import django.db.models.deletion
import django.db.models.functions.datetime
from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models

from content.migrations._search_sql import SEARCH_SQL, SEARCH_SQL_REVERSE
from content.migrations._postgres import RunSQLOnPostgres


class Migration(migrations.Migration):

    dependencies = [
        ('content', '0007_duplicates_content_hash'),
        ('accounts', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='AlbumDocument',
            fields=[
                ('album', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_document', serialize=False, to='content.album')),
                ('document', django.contrib.postgres.search.SearchVectorField(null=True)),
                ('name_norm', models.TextField()),
                ('popularity', models.FloatField(default=0.0)),
                ('created_at', models.DateTimeField()),
            ],
            options={
                'db_table': 'content_searchalbum',
            },
        ),
        migrations.CreateModel(
            name='SearchTerm',
            fields=[
                ('term', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
            options={
                'db_table': 'content_searchterm',
            },
        ),
        migrations.CreateModel(
            name='TrackDocument',
            fields=[
                ('track', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='search_document', serialize=False, to='content.track')),
                ('document', django.contrib.postgres.search.SearchVectorField(null=True)),
                ('name_norm', models.TextField(help_text='Lower-case, unaccented name (exact matches).')),
                ('listed', models.BooleanField(default=False)),
                ('popularity', models.FloatField(default=0.0)),
                ('created_at', models.DateTimeField()),
                ('bpm', models.SmallIntegerField(null=True)),
                ('camelot', models.SmallIntegerField(null=True)),
                ('main_artist_id', models.BigIntegerField(null=True)),
            ],
            options={
                'db_table': 'content_searchtrack',
            },
        ),
        migrations.AddField(
            model_name='album',
            name='genres',
            field=models.ManyToManyField(blank=True, related_name='albums', to='content.genre'),
        ),
        migrations.AddField(
            model_name='album',
            name='tags',
            field=models.ManyToManyField(blank=True, related_name='albums', to='content.tag'),
        ),
        migrations.CreateModel(
            name='TrackDescriptor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('status', models.CharField(choices=[('completed', 'Completed'), ('failed', 'Failed')], max_length=10)),
                ('vector', content.search.models.FloatArrayField(base_field=models.FloatField(), blank=True, null=True, size=None)),
                ('signature', models.BinaryField(blank=True, help_text='256-bit SimHash of the vector (neighbour shortlists).', null=True)),
                ('tempo', models.FloatField(blank=True, help_text='Estimated BPM.', null=True)),
                ('key', models.CharField(blank=True, max_length=2)),
                ('scale', models.CharField(blank=True, max_length=5)),
                ('version', models.PositiveSmallIntegerField()),
                ('error', models.TextField(blank=True)),
                ('computed_at', models.DateTimeField()),
                ('source_file', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='content.fileentry')),
                ('track', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='audio_descriptor', to='content.track')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('status', 'completed'), _negated=True), ('vector__isnull', False), _connector='OR'), name='trackdescriptor_completed_has_vector')],
            },
        ),
        # unaccent: the text search configuration folds accents; pg_trgm: the spelling vocabulary's
    # trigram index; cube: the audio descriptors' nearest-neighbour index. No-ops on SQLite.
    CreateExtension("unaccent"),
    CreateExtension("pg_trgm"),
    CreateExtension("cube"),
    RunSQLOnPostgres(SEARCH_SQL, SEARCH_SQL_REVERSE),
    ]
