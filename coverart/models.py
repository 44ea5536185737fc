"""Cover art: templates (a JSON spec rendered by ``coverart.render``), the cover applied to a
track or an album, and cached previews."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from beatpass.api.models import TimeStampedModel
from content.catalog.models import Album, Track
from coverart.matching import MOODS, normalize_genres
from coverart.render import SPEC_VERSION, SpecError, validate_spec

MAX_TEMPLATE_GENRES = 12


def validate_template_fields(*, spec, genres, moods) -> dict[str, list[str]]:
    """Every problem with a template's data, by field (``spec.layers.2.box`` style keys)."""
    errors: dict[str, list[str]] = {}
    try:
        validate_spec(spec)
    except SpecError as exc:
        for path, messages in exc.errors.items():
            key = "spec" if path == "spec" else f"spec.{path}"
            errors.setdefault(key, []).extend(messages)
    if not isinstance(genres, list) or not all(isinstance(g, str) and g for g in genres):
        errors["genres"] = ["A list of genre names."]
    elif len(genres) > MAX_TEMPLATE_GENRES:
        errors["genres"] = [f"At most {MAX_TEMPLATE_GENRES} genres."]
    elif genres != normalize_genres(genres):
        errors["genres"] = [f"Use genre slugs: {normalize_genres(genres)}."]
    if not isinstance(moods, list) or not all(m in MOODS for m in moods):
        errors["moods"] = [f"A list of moods among {', '.join(MOODS)}."]
    return errors


def field_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Dotted spec paths folded onto the ``spec`` field (forms only know real fields):
    ``{"spec.layers.2.box": [m]}`` → ``{"spec": ["layers.2.box: m"]}``."""
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        field, _, path = key.partition(".")
        out.setdefault(field, []).extend(f"{path}: {m}" if path else m for m in messages)
    return out


class CoverTemplateQuerySet(models.QuerySet):
    def active(self) -> CoverTemplateQuerySet:
        return self.filter(active=True)


class CoverTemplate(TimeStampedModel):
    """A generative cover design. ``spec`` is validated on every save (``coverart.render.spec``
    documents it); ``preview`` is its placeholder rendering, remade when the spec changes."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    genres = models.JSONField(default=list, blank=True, help_text="Genre slugs it suits.")
    moods = models.JSONField(default=list, blank=True, help_text=f"Among {', '.join(MOODS)}.")
    spec = models.JSONField(help_text="Palettes and layers (spec version 1).")
    spec_version = models.PositiveSmallIntegerField(default=SPEC_VERSION, editable=False)
    active = models.BooleanField(default=True, db_index=True)
    sort_order = models.IntegerField(default=0)
    preview = models.CharField(max_length=255, blank=True, editable=False)
    preview_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = CoverTemplateQuerySet.as_manager()

    class Meta:
        ordering = ("sort_order", "id")
        constraints = [
            models.CheckConstraint(condition=Q(spec_version__gte=1), name="covertemplate_version"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = validate_template_fields(spec=self.spec, genres=self.genres, moods=self.moods)
        if errors:
            raise ValidationError(field_errors(errors))

    def save(self, *args, **kwargs) -> None:
        # A bad spec must never reach the renderer, whichever path wrote it (admin, API, shell).
        self.clean()
        self.spec_version = self.spec["version"]
        super().save(*args, **kwargs)


class CoverArt(TimeStampedModel):
    """The cover of one track or one album: rendered from a template or cropped from an
    upload, stored as a master and its derivatives under ``storage_key``."""

    class Source(models.TextChoices):
        TEMPLATE = "template", "Template"
        UPLOAD = "upload", "Custom upload"

    track = models.OneToOneField(
        Track, null=True, blank=True, on_delete=models.CASCADE, related_name="cover_art"
    )
    album = models.OneToOneField(
        Album, null=True, blank=True, on_delete=models.CASCADE, related_name="cover_art"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    template = models.ForeignKey(
        CoverTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="covers"
    )
    palette = models.CharField(max_length=32, blank=True)
    seed = models.CharField(max_length=64, blank=True)
    storage_key = models.CharField(max_length=128, unique=True, help_text="Folder of its files.")
    files = models.JSONField(default=list, help_text="File names under storage_key.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "cover art"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(track__isnull=False, album__isnull=True)
                    | Q(track__isnull=True, album__isnull=False)
                ),
                name="coverart_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["template", "upload"]), name="coverart_source_valid"
            ),
        ]

    def __str__(self) -> str:
        owner = f"track {self.track_id}" if self.track_id else f"album {self.album_id}"
        return f"cover of {owner} ({self.source})"


class CoverPreview(TimeStampedModel):
    """A preview rendered for ``POST /cover-art/preview``, keyed by a hash of its inputs; a
    hit extends ``expires_at``, the cleanup job deletes the expired ones and their files."""

    key = models.CharField(max_length=64, unique=True)
    template = models.ForeignKey(CoverTemplate, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key
