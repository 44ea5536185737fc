"""Request validation for cover art (no business logic)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coverart.matching import MOODS
from coverart.render.core import MAX_ARTIST, MAX_TITLE

MAX_GENRES = 10
MAX_MATCHES = 50
DEFAULT_MATCHES = 12


@extend_schema_field(
    {"oneOf": [{"type": "string"}, {"type": "integer"}], "description": "Name or number."}
)
class PaletteField(serializers.Field):
    """A palette name (``"ember"``) or its position in the template (``0``)."""

    default_error_messages = {"invalid": "A palette name or number."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        if isinstance(data, int):
            if data < 0 or data > 100:
                self.fail("invalid")
            return data
        if isinstance(data, str) and 0 < len(data) <= 32:
            return int(data) if data.isascii() and data.isdigit() else data
        self.fail("invalid")

    def to_representation(self, value):
        return value


class TemplateListInput(serializers.Serializer):
    genre = serializers.CharField(max_length=64, required=False)
    mood = serializers.ChoiceField(choices=MOODS, required=False)


class PreviewInput(serializers.Serializer):
    template_id = serializers.IntegerField(min_value=1)
    title = serializers.CharField(max_length=MAX_TITLE)
    artist = serializers.CharField(max_length=MAX_ARTIST, required=False, allow_blank=True)
    genres = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=MAX_GENRES, required=False
    )
    mood = serializers.ChoiceField(choices=MOODS, required=False, allow_null=True)
    seed = serializers.CharField(max_length=64, required=False, allow_blank=True)
    palette = PaletteField(required=False, allow_null=True)


class MatchingInput(serializers.Serializer):
    genres = serializers.CharField(
        max_length=64 * MAX_GENRES, required=False, help_text="Comma-separated genre names."
    )
    mood = serializers.ChoiceField(choices=MOODS, required=False)
    track_id = serializers.IntegerField(min_value=1, required=False)
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_MATCHES, required=False, default=DEFAULT_MATCHES
    )

    def validate_genres(self, value: str) -> list[str]:
        names = [part.strip() for part in value.split(",") if part.strip()]
        if len(names) > MAX_GENRES:
            raise serializers.ValidationError(f"At most {MAX_GENRES} genres.")
        return names


class CoverApplyInput(serializers.Serializer):
    """One of: a template (``template_id`` + optional ``palette``/``seed``, and ``file_id`` of
    a picture for templates with a photo slot), an image uploaded earlier (``file_id``), or the
    picture itself (multipart ``image``)."""

    template_id = serializers.IntegerField(min_value=1, required=False)
    palette = PaletteField(required=False, allow_null=True)
    seed = serializers.CharField(max_length=64, required=False, allow_blank=True)
    file_id = serializers.IntegerField(min_value=1, required=False)
    image = serializers.FileField(required=False, allow_empty_file=True)

    def validate(self, attrs):
        given = {key for key in ("template_id", "file_id", "image") if key in attrs}
        if given not in ({"template_id"}, {"template_id", "file_id"}, {"file_id"}, {"image"}):
            raise serializers.ValidationError(
                {
                    "template_id": [
                        "Give a template_id (optionally with a file_id), a file_id or an image."
                    ]
                }
            )
        if "template_id" not in attrs and ("palette" in attrs or "seed" in attrs):
            raise serializers.ValidationError(
                {"palette": ["palette and seed only apply to a template."]}
            )
        return attrs


class TemplateWriteInput(serializers.Serializer):
    """Staff: create or edit a template. The spec is checked by the service (422 with the
    path of every problem, e.g. ``spec.layers.2.box``)."""

    name = serializers.CharField(max_length=100)
    slug = serializers.SlugField(max_length=64, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    genres = serializers.ListField(
        child=serializers.CharField(max_length=64), max_length=12, required=False
    )
    moods = serializers.ListField(
        child=serializers.ChoiceField(choices=MOODS), max_length=5, required=False
    )
    spec = serializers.JSONField()
    active = serializers.BooleanField(required=False)
    sort_order = serializers.IntegerField(required=False, min_value=-10000, max_value=10000)
