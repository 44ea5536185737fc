from __future__ import annotations

import django_filters

from content.models import KEYS, Scale, Track, TrackArtist
from content.selectors.catalog import ORDERINGS, linked_to


class TrackFilter(django_filters.FilterSet):
    """``GET /tracks`` filters. Relation filters use EXISTS so rows never duplicate."""

    query = django_filters.CharFilter(method="filter_query", max_length=255)
    genre = django_filters.CharFilter(method="filter_genre", max_length=64)
    tag = django_filters.CharFilter(method="filter_tag", max_length=64)
    artist = django_filters.NumberFilter(method="filter_artist", min_value=1)
    album = django_filters.NumberFilter(field_name="album_id", min_value=1)
    bpm_min = django_filters.NumberFilter(field_name="bpm", lookup_expr="gte")
    bpm_max = django_filters.NumberFilter(field_name="bpm", lookup_expr="lte")
    key = django_filters.ChoiceFilter(choices=[(k, k) for k in KEYS])
    scale = django_filters.ChoiceFilter(choices=Scale.choices)
    order = django_filters.ChoiceFilter(
        choices=[(o, o) for o in ORDERINGS], method="filter_order", empty_label=None
    )

    class Meta:
        model = Track
        fields: list[str] = []

    def filter_query(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip()) if value.strip() else queryset

    # Linked tracks are read from the link table first (see selectors.catalog.linked_to), so a
    # rare tag does not cost a probe per visible track.
    def filter_genre(self, queryset, name, value):
        linked = Track.genres.through.objects.filter(genre__name__iexact=value)
        return linked_to(queryset, linked.values("track_id"))

    def filter_tag(self, queryset, name, value):
        linked = Track.tags.through.objects.filter(tag__name__iexact=value)
        return linked_to(queryset, linked.values("track_id"))

    def filter_artist(self, queryset, name, value):
        return linked_to(queryset, TrackArtist.objects.filter(artist_id=value).values("track_id"))

    def filter_order(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])
