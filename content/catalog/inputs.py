"""Input serializers: validation only. Output is built by ``presenters`` (fast, bulk)."""

from __future__ import annotations

from collections.abc import Mapping

import django_filters
from django import forms
from django.db import connection
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from content.catalog.models import (
    BPM_MAX,
    BPM_MIN,
    KEYS,
    Scale,
    Track,
    TrackCount,
    Visibility,
)
from content.catalog.selectors import ORDERINGS, named_ids, tracks_in
from content.commerce.inputs import TrackPricingInput
from content.search.camelot import parse_key

MAX_GENRES = 10
MAX_TAGS = 20
MAX_ARTISTS = 10
MAX_FILTER_NAMES = 20


class NameList(serializers.ListField):
    child = serializers.CharField(max_length=64, allow_blank=False)


def _no_repeats(value: list) -> list:
    if len(set(value)) != len(value):
        raise serializers.ValidationError("Each artist can appear only once.")
    return value


class TrackInput(TrackPricingInput):
    """Create/update a track. Counters, ownership and ids are not inputs (no mass assignment).
    The pricing fields (licensing type, exclusive price, currency, exclusive terms) come from
    commerce; ``exclusive_status`` and the buyer are never inputs."""

    name = serializers.CharField(max_length=255)
    file_id = serializers.IntegerField(min_value=1)
    artists = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=MAX_ARTISTS, required=False
    )
    album_id = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    number = serializers.IntegerField(min_value=1, max_value=999, required=False, allow_null=True)
    bpm = serializers.IntegerField(min_value=BPM_MIN, max_value=BPM_MAX)
    key = serializers.ChoiceField(choices=KEYS)
    scale = serializers.ChoiceField(choices=Scale.choices)
    genres = NameList(max_length=MAX_GENRES, required=False)
    genre = serializers.CharField(max_length=64, required=False, write_only=True)
    tags = NameList(max_length=MAX_TAGS, required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    image = serializers.URLField(max_length=500, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    release_date = serializers.DateField(required=False, allow_null=True)
    free_download = serializers.BooleanField(
        required=False, help_text="Let anyone download the original file."
    )

    def validate_artists(self, value):
        return _no_repeats(value)

    def to_internal_value(self, data):
        # Report a missing genre together with the other field errors, not in a second round.
        errors: dict = {}
        attrs = None
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors = dict(exc.detail)
        if isinstance(data, Mapping) and "genres" not in errors:
            given = data.get("genres") if "genres" in data else None
            missing = not given and not data.get("genre")
            if (not self.partial and missing) or (self.partial and "genres" in data and missing):
                errors["genres"] = ["At least one genre is required."]
        if errors:
            raise serializers.ValidationError(errors)
        # The OpenAPI create body sends one `genre` string; the UI sends a `genres` list.
        genre = attrs.pop("genre", None)
        if genre and not attrs.get("genres"):
            attrs["genres"] = [genre]
        return attrs


class AlbumInput(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    artist_id = serializers.IntegerField(min_value=1, required=False)
    artists = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=MAX_ARTISTS, required=False
    )
    image = serializers.URLField(max_length=500, required=False, allow_blank=True)
    release_date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    tracks = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=200, required=False
    )
    genres = NameList(max_length=MAX_GENRES, required=False)
    tags = NameList(max_length=MAX_TAGS, required=False)

    def validate_artists(self, value):
        return _no_repeats(value)

    def validate_tracks(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Each track can appear only once.")
        return value


class LinkInput(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=500)


class ArtistInput(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    bio = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    description = serializers.CharField(
        max_length=10000, required=False, allow_blank=True, write_only=True
    )
    image = serializers.URLField(max_length=500, required=False, allow_blank=True)
    image_small = serializers.URLField(
        max_length=500, required=False, allow_blank=True, write_only=True
    )
    links = LinkInput(many=True, required=False)
    manager_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=20, required=False
    )

    def validate(self, attrs):
        # OpenAPI names: description → bio, image_small → image.
        if "description" in attrs:
            attrs.setdefault("bio", attrs.pop("description"))
        if "image_small" in attrs:
            attrs.setdefault("image", attrs.pop("image_small"))
        return attrs


# --- filters --------------------------------------------------------------------------------------


class KeyField(forms.CharField):
    """A key in any spelling → (pitch class, scale or None); see ``camelot.parse_key``."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        parsed = parse_key(value)
        if parsed is None:
            raise forms.ValidationError(
                "The key must be a note (A-G) with an optional #/♯ or b/♭ and mode, "
                "e.g. Eb, D#, f♯m, C major."
            )
        return parsed


INDEXED_FILTERS = {"bpm_min", "bpm_max", "key", "scale"}


def _indexed_values(data: Mapping) -> dict[str, int | str] | None:
    """``TrackFilter.indexed_filters`` of the cleaned values ``data`` of its bpm, key and scale
    filters (a blank one is absent or None); None for a fractional bpm bound (the ORM path)."""
    out: dict[str, int | str] = {}
    for name in ("bpm_min", "bpm_max"):
        value = data.get(name)
        if value is not None:
            if value != int(value):  # a fractional bound: the ORM path
                return None
            out[name] = int(value)
    if data.get("key"):
        pitch_class, scale = data["key"]
        out["pitch_class"] = pitch_class
        if scale:
            out["key_scale"] = scale
    if data.get("scale"):
        out["scale"] = data["scale"]
    return out


class KeyFilter(django_filters.CharFilter):
    field_class = KeyField


class TrackFilter(django_filters.FilterSet):
    """``GET /tracks`` filters. Relation filters use EXISTS so rows never duplicate."""

    query = django_filters.CharFilter(method="filter_query", max_length=255)
    genre = django_filters.CharFilter(method="filter_genre", max_length=640)
    tag = django_filters.CharFilter(method="filter_tag", max_length=640)
    artist = django_filters.NumberFilter(method="filter_artist", min_value=1)
    album = django_filters.NumberFilter(field_name="album_id", min_value=1)
    bpm_min = django_filters.NumberFilter(field_name="bpm", lookup_expr="gte")
    bpm_max = django_filters.NumberFilter(field_name="bpm", lookup_expr="lte")
    key = KeyFilter(method="filter_key", max_length=16)
    scale = django_filters.ChoiceFilter(choices=Scale.choices)
    order = django_filters.ChoiceFilter(
        choices=[(o, o) for o in ORDERINGS], method="filter_order", empty_label=None
    )

    class Meta:
        model = Track
        fields: list[str] = []

    def filter_query(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip()) if value.strip() else queryset

    def __init__(self, *args, known_ids: dict[str, list[int]] | None = None, **kwargs) -> None:
        """``known_ids``: scope → the ids of the ``genre`` or ``tag`` names given, already
        looked up (``single_name_filter``), so not read twice."""
        super().__init__(*args, **kwargs)
        self.scopes: list[tuple[str, list[int]]] = []  # (scope, ids) of the linked filters
        self.known_ids = known_ids or {}

    def get_form_class(self):
        """Built once per class: django-filters builds the form class on every request
        (~0.3 ms), though its fields depend on no request and every form instance copies
        them (``BaseForm`` deep-copies ``base_fields``)."""
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = cls._form_class = super().get_form_class()
        return form_class

    @classmethod
    def single_name_filter(cls, data) -> tuple[str, list[str]] | None:
        """(scope, names) when the only filter of ``data`` is one ``genre`` or one ``tag``
        parameter, valid as it stands (not blank, within its length; the names as
        ``filter_genre`` reads them) and the order is newest first; else None. Such a list
        needs no FilterSet when its names are one genre or tag (its page keys and counter)."""
        given = cls.base_filters.keys() & data.keys()
        if data.get("order", "newest") not in ("", "newest"):
            return None
        given.discard("order")
        if given not in ({"genre"}, {"tag"}):
            return None
        name = given.pop()
        values = data.getlist(name)
        if len(values) != 1:
            return None
        value = values[0]
        if "\x00" in value or len(value) > cls.base_filters[name].extra["max_length"]:
            return None  # the FilterSet's 422
        names = [part for part in value.split(",") if part.strip()]
        if not value.strip() or not names or len(names) > MAX_FILTER_NAMES:
            return None
        scope = TrackCount.Scope.GENRE if name == "genre" else TrackCount.Scope.TAG
        return scope, names

    def single_scope(self) -> tuple[str, int] | None:
        """(scope, id) when the only filter is one genre, tag or artist: the list then has an
        exact counter (``selectors.track_counts``)."""
        filtered = set(self.data) & (self.base_filters.keys() - {"order"})
        if len(filtered) == 1 and len(self.scopes) == 1 and len(self.scopes[0][1]) == 1:
            return self.scopes[0][0], self.scopes[0][1][0]
        return None

    def indexed_filters(self) -> dict[str, int | str] | None:
        """The filters as ``selectors.page_keys`` values when every filter given is a bpm
        bound, a key or a scale and the order is newest first (a valid filterset), else None:
        such a page is then picked from the covering newest-first index."""
        given = set(self.data) & (self.base_filters.keys() - {"order"})
        data = self.form.cleaned_data
        if not given or not given <= INDEXED_FILTERS:
            return None
        if data.get("order") not in (None, "", "newest"):
            return None
        return _indexed_values(data)

    @classmethod
    def indexed_params(cls, data) -> dict[str, int | str] | None:
        """``indexed_filters`` of a filterset of ``data`` without building one (its queryset,
        its form and the filtered queryset cost ~1 ms a request): when the only filters given
        are bpm bounds, a key and a scale, each valid as its form field cleans it (the form's
        field, the widget's value: the last one given), and the order is newest first. None
        otherwise, an invalid value included: the FilterSet then decides (its 422)."""
        given = cls.base_filters.keys() & data.keys()
        order = data.get("order")
        if order is not None and order not in ("", "newest"):
            return None
        given.discard("order")
        if not given or not given <= INDEXED_FILTERS:
            return None
        fields = cls._form_fields()
        cleaned = {}
        for name in given:
            try:
                cleaned[name] = fields[name].clean(data.get(name))
            except forms.ValidationError:
                return None
        return _indexed_values(cleaned)

    @classmethod
    def _form_fields(cls) -> dict[str, forms.Field]:
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = cls(queryset=Track.objects.none()).get_form_class()
        return form_class.base_fields

    def _names(self, name: str) -> list[str]:
        """Every value of a repeatable, comma-separable parameter (``genre=a,b&genre=c``)."""
        raw = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]
        values = [part for value in raw for part in value.split(",") if part.strip()]
        if len(values) > MAX_FILTER_NAMES:
            raise ValidationError({name: [f"At most {MAX_FILTER_NAMES} values."]})
        return values

    # The plan follows the scope's size (see selectors.catalog.tracks_in), so a
    # rare tag does not cost a probe per visible track.
    def filter_genre(self, queryset, name, value):
        ids = self.known_ids.get(TrackCount.Scope.GENRE)
        if ids is None:
            ids = named_ids(TrackCount.Scope.GENRE, self._names(name))
        self.scopes.append((TrackCount.Scope.GENRE, ids))
        return tracks_in(queryset, TrackCount.Scope.GENRE, ids, share=self._known_share(name, ids))

    def filter_tag(self, queryset, name, value):
        ids = self.known_ids.get(TrackCount.Scope.TAG)
        if ids is None:
            ids = named_ids(TrackCount.Scope.TAG, self._names(name))
        self.scopes.append((TrackCount.Scope.TAG, ids))
        return tracks_in(queryset, TrackCount.Scope.TAG, ids, share=self._known_share(name, ids))

    def _known_share(self, name: str, ids: list[int]) -> float | None:
        """1.0 (any plan: the queryset is never run) when ``name`` with one value is the only
        filter and the order is newest first, so that ``GET /tracks`` reads the page from its
        page keys and the total from the counters; else None (``tracks_in`` reads the share)."""
        only = set(self.data) & (self.base_filters.keys() - {"order"}) == {name}
        newest = self.data.get("order") in (None, "", "newest")
        keyed = connection.vendor == "postgresql" and only and newest and len(ids) == 1
        return 1.0 if keyed else None

    def filter_key(self, queryset, name, value):
        pitch_class, scale = value
        queryset = queryset.filter(key_pitch_class=pitch_class)
        return queryset.filter(scale=scale) if scale else queryset

    def filter_artist(self, queryset, name, value):
        self.scopes.append((TrackCount.Scope.ARTIST, [int(value)]))
        return tracks_in(queryset, TrackCount.Scope.ARTIST, [int(value)])

    def filter_order(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])
