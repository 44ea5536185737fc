import json

from django.contrib.postgres.fields import ArrayField
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PortableArrayField(ArrayField):
    """An array on PostgreSQL; a JSON list in a text column on any other database (``make run``
    on SQLite). Subclasses name the element field and how a value is coerced (``element``)."""

    element_field = models.IntegerField
    element = staticmethod(int)

    def __init__(self, base_field=None, size=None, **kwargs):
        super().__init__(base_field or self.element_field(), size=size, **kwargs)

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return super().db_type(connection)
        return "text"

    def cast_db_type(self, connection):
        if connection.vendor == "postgresql":
            return super().cast_db_type(connection)
        return "text"

    def get_placeholder(self, value, compiler, connection):
        if connection.vendor == "postgresql":
            return super().get_placeholder(value, compiler, connection)
        return "%s"

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor == "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        return None if value is None else json.dumps([self.element(v) for v in value])

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return json.loads(value)
        return value
