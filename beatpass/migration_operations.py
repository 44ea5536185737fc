"""Migration operations shared by the apps."""

from __future__ import annotations

from django.db import migrations


class DropFieldIndex(migrations.AlterField):
    """``AlterField`` of a field whose own index goes (``db_index`` True -> False) that drops
    exactly the index Django made for it (and its ``_like`` twin on PostgreSQL), by the names
    Django gave them, and nothing else.

    Django's ``AlterField`` drops every single-column B-tree index on the column that is not
    one of the model's ``Meta.indexes``: a partial unique index on that column alone (a
    ``UniqueConstraint(fields=[...], condition=...)``, such as one pending request per user) is
    one, so the plain operation silently drops the invariant with the index."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        field = model._meta.get_field(self.name)
        for name in _field_index_names(schema_editor, model, field):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        field = model._meta.get_field(self.name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
        like = getattr(schema_editor, "_create_like_index_sql", None)  # PostgreSQL's editor
        statement = like(model, field) if like is not None else None
        if statement is not None:
            schema_editor.execute(statement)

    def describe(self):
        return f"Drop the own index of {self.model_name}.{self.name}"

    @property
    def migration_name_fragment(self):
        return f"drop_index_{self.model_name_lower}_{self.name_lower}"


def _field_index_names(schema_editor, model, field) -> list[str]:
    """The names ``db_index=True`` gave ``field``'s index (and, on PostgreSQL, its
    ``varchar_pattern_ops`` twin for text columns)."""
    table = model._meta.db_table
    names = [schema_editor._create_index_name(table, [field.column], suffix="")]
    if schema_editor.connection.vendor == "postgresql":
        names.append(schema_editor._create_index_name(table, [field.column], suffix="_like"))
    return names
