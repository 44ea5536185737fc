"""OpenAPI documentation of cover art output (the runtime output comes from presenters)."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from beatpass.api.schema import envelope


class TemplateOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField(allow_null=True)
    genres = serializers.ListField(child=serializers.CharField(), help_text="Genre slugs.")
    moods = serializers.ListField(child=serializers.CharField())
    preview_url = serializers.CharField(
        allow_null=True, help_text="600×600 JPEG rendered with placeholder text."
    )
    model_type = serializers.CharField(default="cover_template")


class TemplateDetailOut(TemplateOut):
    palettes = serializers.ListField(
        child=serializers.CharField(), help_text="Names accepted by `palette`."
    )
    active = serializers.BooleanField()
    sort_order = serializers.IntegerField()
    spec_version = serializers.IntegerField()
    spec = serializers.JSONField(help_text="Palettes and layers (spec version 1).")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class MatchedTemplateOut(TemplateOut):
    match = serializers.ChoiceField(choices=["genre", "related", "any"])
    matched_genres = serializers.ListField(child=serializers.CharField())


class CoverFormatsOut(serializers.Serializer):
    jpeg = serializers.CharField()
    webp = serializers.CharField(required=False)


class CoverImagesOut(serializers.Serializer):
    def get_fields(self):
        return {size: CoverFormatsOut() for size in ("1000", "600", "300", "64")}


class CoverArtOut(serializers.Serializer):
    id = serializers.IntegerField()
    source = serializers.ChoiceField(choices=["template", "upload"])
    template_id = serializers.IntegerField(allow_null=True)
    palette = serializers.CharField(allow_null=True)
    image = serializers.CharField(help_text="The 1000×1000 JPEG master.")
    images = CoverImagesOut(help_text="By size: JPEG and WebP (the master is JPEG only).")
    created_at = serializers.DateTimeField()


class CoverApplyMultipart(serializers.Serializer):
    image = serializers.FileField(help_text="JPG, PNG or WebP, at most 2 MB, at least 500×500.")


TEMPLATE_ENVELOPE = envelope("CoverTemplate", "template", TemplateDetailOut())

PREVIEW = inline_serializer(
    "CoverArtPreview",
    {
        "status": serializers.CharField(default="success"),
        "preview_url": serializers.CharField(help_text="600×600 JPEG."),
        "expires_at": serializers.DateTimeField(),
    },
)

MATCHING = inline_serializer(
    "CoverArtMatchingTemplates",
    {
        "status": serializers.CharField(default="success"),
        "genres": serializers.ListField(child=serializers.CharField()),
        "mood": serializers.CharField(allow_null=True),
        "match": serializers.ChoiceField(choices=["genre", "related", "any"], allow_null=True),
        "templates": MatchedTemplateOut(many=True),
    },
)

COVER_ENVELOPE = inline_serializer(
    "CoverArtEnvelope",
    {
        "status": serializers.CharField(default="success"),
        "cover_art": CoverArtOut(allow_null=True),
        "image": serializers.CharField(allow_null=True, help_text="The image shown."),
    },
)

COVER_DELETED = inline_serializer(
    "CoverArtRemoved",
    {
        "status": serializers.CharField(default="success"),
        "image": serializers.CharField(allow_null=True, help_text="The image shown now."),
    },
)
