"""Catalog endpoints. Thin: parse → selector/service → presenter → the spec's envelope."""

from __future__ import annotations

from functools import partial

from django.db import connection
from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from beatpass.api.pagination import count_capped, paginate
from beatpass.api.params import parse_id_list, parse_pk, parse_with
from beatpass.api.permissions import PublicReadAuthenticatedWrite
from beatpass.api.schema import CURSOR_PARAM, ID_PATH, PAGE_PARAMS, envelope, errors, paginated
from content.catalog import presenters, selectors, services
from content.catalog.inputs import AlbumInput, ArtistInput, TrackFilter, TrackInput
from content.catalog.models import Album, Artist, Genre, Track, TrackCount
from content.catalog.schemas import AlbumOut, ArtistOut, GenreOut, TrackOut, resource_schemas
from content.credits.presenters import present_pinned_track


def track_page(
    request, queryset, *, include=(), total=None, page_rows=None, cursor_order=None
) -> Response:
    """``total``: an exact counter for this list (``selectors.track_counts``), else capped.
    ``page_rows(rows, offset, limit, after=None)``: reads a page of the rows (default
    ``page_slice``), or with ``after`` (a cursor's key values) the rows after them, newest
    first. ``queryset`` may be a function returning it: with ``page_rows`` and ``total`` a
    page read by keys never builds it (building it cost more than the page's SQL); a cursor
    page then needs ``cursor_order``, the queryset's ordering (else it is built to read it)."""
    if callable(queryset) and not isinstance(queryset, QuerySet):
        build = queryset
        built: list = []

        def rows():
            if not built:
                built.append(presenters.track_rows(build(), viewer=request.user, include=include))
            return built[0]

    else:
        rows = presenters.track_rows(queryset, viewer=request.user, include=include)
    read = cursor_read = None
    if page_rows is not None:

        def read(offset, limit):
            return page_rows(rows, offset=offset, limit=limit)

        def cursor_read(after, limit):
            return page_rows(rows, offset=0, limit=limit, after=after)

    page = paginate(
        rows,
        request,
        total=total,
        page_rows=read,
        cursor_rows=cursor_read,
        cursor_order=cursor_order,
    )
    items = presenters.present_tracks(
        page.items, viewer=request.user, include=include, prepared=True
    )
    return Response(page.envelope(items))


def scoped_track_page(request, scope: str, ref_id: int) -> Response:
    """The tracks of one artist, genre or tag (``selectors.tracks_in``): the counters' exact
    total and plan, page 1 by a query compiled once (``presenters.track_list_page``)."""
    counts = selectors.track_counts(viewer=request.user, scope=scope, ref_id=ref_id)
    share = counts and counts.share

    def tracks():  # built only for the pages the ORM reads (an artist's deeper pages)
        return selectors.tracks_in(
            selectors.track_list(viewer=request.user), scope, [ref_id], share=share
        )

    if counts is None:  # no counters (SQLite): the ORM, with a capped count
        return track_page(request, tracks())
    page_rows = partial(
        presenters.track_list_page,
        viewer=request.user,
        scope=scope,
        ref_id=ref_id,
        share=share,
        counts=lambda: counts,
    )
    return track_page(
        request,
        tracks,
        total=counts.total_callable(),
        page_rows=page_rows,
        cursor_order=presenters.NEWEST,
    )


def album_page(request, queryset) -> Response:
    page = paginate(presenters.album_rows(queryset, viewer=request.user), request)
    return Response(page.envelope(presenters.present_albums(page.items, viewer=request.user)))


def artist_page(request, queryset) -> Response:
    page = paginate(presenters.artist_rows(queryset, viewer=request.user), request)
    return Response(page.envelope(presenters.present_artists(page.items, viewer=request.user)))


class LikeActionsMixin:
    """``POST``/``DELETE /{resource}/{id}/like`` for any viewset with ``get_likeable``."""

    @action(detail=True, methods=["post", "delete"], permission_classes=[IsAuthenticated])
    def like(self, request, pk=None):
        obj = self.get_likeable(request, parse_pk(pk))
        if request.method == "POST":
            services.like(user=request.user, obj=obj)
        else:
            services.unlike(user=request.user, obj=obj)
        obj.refresh_from_db(fields=["likes_count"])
        return Response(
            {
                "status": "success",
                "is_liked": request.method == "POST",
                "likes_count": obj.likes_count,
            }
        )


@extend_schema_view(
    list=extend_schema(
        operation_id="tracks_list",
        parameters=[
            *PAGE_PARAMS,
            CURSOR_PARAM,
            OpenApiParameter("query", str, description="Name contains."),
            OpenApiParameter(
                "genre",
                str,
                description="Genre name or display name, ignoring case, spaces and hyphens "
                "(`Hip Hop` finds `hip-hop`). Repeat or comma-separate for any of several.",
            ),
            OpenApiParameter(
                "tag",
                str,
                description="Tag name, ignoring case, spaces and hyphens. Repeat or "
                "comma-separate for any of several.",
            ),
            OpenApiParameter("artist", int, description="Only tracks of this artist id."),
            OpenApiParameter("album", int, description="Only tracks of this album id."),
            OpenApiParameter("bpm_min", int, description="Tempo at least this many BPM."),
            OpenApiParameter("bpm_max", int, description="Tempo at most this many BPM."),
            OpenApiParameter(
                "key",
                str,
                description="Musical key in any spelling: `Eb` also finds tracks stored as "
                "`D#`; any case, `#`/`♯`, `b`/`♭`, optional mode (`Ebm`, `C major`).",
            ),
            OpenApiParameter("scale", str, enum=["major", "minor"], description="Mode."),
            OpenApiParameter(
                "order", str, enum=list(selectors.ORDERINGS), description="Sort order."
            ),
        ],
        responses=paginated("Tracks", TrackOut()),
    ),
    **resource_schemas(
        "Track",
        "track",
        TrackOut(),
        TrackInput,
        delete_conflict=(
            "`exclusive_sold` (sold exclusively: the buyer keeps its files) or "
            "`exclusive_pending` (a buyer is paying for it); `track_ids` lists them and no "
            "track of the batch is deleted. Staff may delete them."
        ),
    ),
)
class TrackViewSet(LikeActionsMixin, ViewSet):
    permission_classes = [PublicReadAuthenticatedWrite]
    lookup_value_regex = r"[^/]+"

    def get_likeable(self, request, pk):
        return selectors.track_get(viewer=request.user, track_id=pk)

    def list(self, request):
        viewer, params = request.user, request.query_params
        given = TrackFilter.base_filters.keys() & params.keys()
        postgres = connection.vendor == "postgresql"
        if postgres and not given:
            # The plain newest-first list: every page by one keyed statement, the exact total
            # from the counters; the ORM queryset (and a ~1 ms FilterSet) is never built. A
            # deep page seeks from a checkpoint of the list at the counters' version.
            counted: list = []

            def total():
                counted.append(selectors.track_counts(viewer=viewer))
                return counted[-1].total

            return track_page(
                request,
                partial(selectors.track_list, viewer=viewer),
                total=total,
                page_rows=partial(
                    presenters.track_list_page,
                    viewer=viewer,
                    counts=lambda: counted[-1] if counted else None,
                ),
                cursor_order=presenters.NEWEST,
            )
        known = {}
        if postgres:
            # One genre or tag, newest first: pages by the link index, the exact total from
            # the counters; the FilterSet is built only if something asks for the queryset.
            single = TrackFilter.single_name_filter(params)
            if single is not None:
                scope, names = single
                ids = selectors.named_ids(scope, names)
                known[scope] = ids
                if len(ids) == 1:
                    counted = []

                    def total():
                        counted.append(
                            selectors.track_counts(viewer=viewer, scope=scope, ref_id=ids[0])
                        )
                        return counted[-1].total

                    return track_page(
                        request,
                        partial(self._filtered, request, known),
                        total=total,
                        page_rows=partial(
                            presenters.track_list_page,
                            viewer=viewer,
                            scope=scope,
                            ref_id=ids[0],
                            counts=lambda: counted[-1] if counted else None,
                        ),
                        cursor_order=presenters.NEWEST,
                    )
        indexed = TrackFilter.indexed_params(params) if postgres and not known else None
        if indexed is not None and selectors.filter_count_refs(indexed) is not None:
            # A bpm range or a key alone, valid as it stands: the FilterSet (~1 ms) is built
            # only if something asks for the queryset.
            return self._counted_filter_page(
                request, viewer, indexed, partial(self._filtered, request, known)
            )
        filterset = self._filterset(request, known)
        queryset = filterset.qs
        scope: tuple[str, int] | None = ("all", 0)
        indexed = None  # bpm / key / scale filters the covering index applies
        if set(params) & (TrackFilter.base_filters.keys() - {"order"}):
            scope = filterset.single_scope()
            indexed = filterset.indexed_filters()
        # Unfiltered or one genre/tag/artist: the exact, trigger-kept total; else capped.
        total = page_rows = None
        if scope and postgres:  # read once paging is validated
            total = partial(self._counted, viewer, scope[0], scope[1])
            if scope[0] in selectors.PAGE_KEY_TABLES and params.get("order", "newest") in (
                "",
                "newest",
            ):  # one genre or tag (several spellings of one), newest first: the link index
                page_rows = partial(
                    presenters.track_list_page, viewer=viewer, scope=scope[0], ref_id=scope[1]
                )
        elif indexed is not None and postgres:
            if selectors.filter_count_refs(indexed) is not None:
                return self._counted_filter_page(request, viewer, indexed, lambda: queryset)
            else:
                page_rows = partial(presenters.track_list_page, viewer=viewer, filters=indexed)
                index_order = selectors.count_index_order(indexed)
                total = partial(count_capped, queryset, index_order=index_order)
        if page_rows is not None and total is not None:  # rows() not built for keyed pages
            return track_page(request, lambda: queryset, total=total, page_rows=page_rows)
        return track_page(request, queryset, total=total, page_rows=page_rows)

    @staticmethod
    def _counted_filter_page(request, viewer, indexed: dict, rows):
        """A bpm range or a key alone (``selectors.filter_count_refs``): the exact total from
        the counters, and deep pages seek from checkpoints of the list at the counters'
        version. ``rows``: a function returning the filtered queryset."""
        counted: list = []

        def total():
            counted.append(selectors.filter_counts(viewer=viewer, filters=indexed))
            return counted[-1].total

        page_rows = partial(
            presenters.track_list_page,
            viewer=viewer,
            filters=indexed,
            counts=lambda: counted[-1] if counted else None,
        )
        return track_page(request, rows, total=total, page_rows=page_rows)

    @staticmethod
    def _counted(viewer, scope: str, ref_id: int) -> int:
        return selectors.track_counts(viewer=viewer, scope=scope, ref_id=ref_id).total

    @staticmethod
    def _filterset(request, known: dict) -> TrackFilter:
        """A valid ``TrackFilter`` of the request (else 422); ``known``: the genre or tag ids
        already looked up for its names (not read again)."""
        queryset = selectors.track_list(viewer=request.user)
        filterset = TrackFilter(request.query_params, queryset=queryset, known_ids=known)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset

    @classmethod
    def _filtered(cls, request, known: dict):
        return cls._filterset(request, known).qs

    def retrieve(self, request, pk=None):
        track_id = parse_pk(pk)
        include = parse_with(request, {"album", "genres", "tags", "artists"})
        track = presenters.present_visible_track(track_id, viewer=request.user, include=include)
        if track is None:  # hidden and missing look the same
            raise NotFound()
        return Response({"status": "success", "track": track})

    def create(self, request):
        data = TrackInput(data=request.data)
        data.is_valid(raise_exception=True)
        track = services.track_create(user=request.user, data=data.validated_data)
        return Response(
            {
                "status": "success",
                "track": presenters.present_track(track, viewer=request.user, include={"album"}),
            },
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, pk=None):
        track = selectors.track_get(viewer=request.user, track_id=parse_pk(pk))
        if not selectors.track_is_manageable(user=request.user, track=track):
            raise PermissionDenied()
        data = TrackInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        track = services.track_update(user=request.user, track=track, data=data.validated_data)
        return Response(
            {
                "status": "success",
                "track": presenters.present_track(track, viewer=request.user, include={"album"}),
            }
        )

    partial_update = update

    def destroy(self, request, pk=None):
        ids = parse_id_list(pk)
        deleted = services.tracks_delete(
            user=request.user, ids=ids, visible=Track.objects.visible_to(request.user)
        )
        return Response({"status": "success", "deleted": deleted})


@extend_schema_view(
    list=extend_schema(
        operation_id="albums_list",
        parameters=PAGE_PARAMS,
        responses=paginated("Albums", AlbumOut()),
    ),
    **resource_schemas("Album", "album", AlbumOut(), AlbumInput),
)
class AlbumViewSet(LikeActionsMixin, ViewSet):
    permission_classes = [PublicReadAuthenticatedWrite]
    lookup_value_regex = r"[^/]+"

    def get_likeable(self, request, pk):
        return selectors.album_get(album_id=pk)

    def list(self, request):
        order = request.query_params.get("order", "newest")
        queryset = selectors.album_list(order=order)
        query = request.query_params.get("query", "").strip()
        if query:
            queryset = queryset.filter(name__icontains=query[:255])
        return album_page(request, queryset)

    def _detail(self, request, album: Album, code=status.HTTP_200_OK) -> Response:
        tracks_qs = (
            selectors.track_list(viewer=request.user).filter(album=album).order_by("number", "id")
        )
        tracks = presenters.present_tracks(
            presenters.track_rows(tracks_qs, viewer=request.user)[:500], viewer=request.user
        )
        include = parse_with(request, {"genres", "tags"})
        body = presenters.present_album(album, viewer=request.user, tracks=tracks, include=include)
        return Response({"status": "success", "album": body}, status=code)

    def retrieve(self, request, pk=None):
        return self._detail(request, selectors.album_get(album_id=parse_pk(pk)))

    def create(self, request):
        data = AlbumInput(data=request.data)
        data.is_valid(raise_exception=True)
        album = services.album_create(user=request.user, data=data.validated_data)
        return self._detail(request, album, status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        album = selectors.album_get(album_id=parse_pk(pk))
        if not selectors.album_is_manageable(user=request.user, album=album):
            raise PermissionDenied()
        data = AlbumInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        album = services.album_update(user=request.user, album=album, data=data.validated_data)
        return self._detail(request, album)

    partial_update = update

    def destroy(self, request, pk=None):
        deleted = services.albums_delete(user=request.user, ids=parse_id_list(pk))
        return Response({"status": "success", "deleted": deleted})


@extend_schema_view(
    list=extend_schema(
        operation_id="artists_list",
        parameters=PAGE_PARAMS,
        responses=paginated("Artists", ArtistOut()),
    ),
    **resource_schemas("Artist", "artist", ArtistOut(), ArtistInput, deletable=False),
    tracks=extend_schema(
        parameters=[ID_PATH, *PAGE_PARAMS, CURSOR_PARAM], responses=paginated("Tracks", TrackOut())
    ),
    albums=extend_schema(
        parameters=[ID_PATH, *PAGE_PARAMS], responses=paginated("Albums", AlbumOut())
    ),
    check_ownership=extend_schema(
        parameters=[ID_PATH],
        responses=inline_serializer("Ownership", {"is_owner": serializers.BooleanField()}),
    ),
)
class ArtistViewSet(LikeActionsMixin, ViewSet):
    permission_classes = [PublicReadAuthenticatedWrite]

    def get_likeable(self, request, pk):
        return selectors.artist_get(artist_id=pk)

    def list(self, request):
        queryset = selectors.artist_list(order=request.query_params.get("order", "name"))
        query = request.query_params.get("query", "").strip()
        if query:
            queryset = queryset.filter(name__icontains=query[:255])
        return artist_page(request, queryset)

    def _detail(self, request, artist: Artist, code=status.HTTP_200_OK) -> Response:
        include = parse_with(request, {"albums", "genres", "top_tracks", "links"}) | {"links"}
        body = presenters.present_artist(artist, viewer=request.user, include=include)
        if "top_tracks" in include:
            top = selectors.tracks_by_artist(viewer=request.user, artist=artist).order_by(
                "-plays", "-id"
            )
            body["top_tracks"] = presenters.present_tracks(
                presenters.track_rows(top, viewer=request.user)[:10], viewer=request.user
            )
        if "albums" in include:
            albums = selectors.albums_by_artist(artist=artist)
            body["albums"] = presenters.present_albums(
                presenters.album_rows(albums, viewer=request.user)[:20], viewer=request.user
            )
        if "genres" in include:
            visible = selectors.tracks_by_artist(viewer=request.user, artist=artist)
            genres = Genre.objects.filter(tracks__in=visible).distinct().order_by("name")[:10]
            body["genres"] = [presenters.present_genre(g) for g in genres]
        # credits feature: the pinned track (one row query + the presenter's per-page relations).
        body["pinned_track"] = present_pinned_track(request, artist)
        return Response({"status": "success", "artist": body}, status=code)

    def retrieve(self, request, pk=None):
        return self._detail(request, selectors.artist_get(artist_id=parse_pk(pk)))

    def create(self, request):
        if not request.user.is_staff:
            raise PermissionDenied("Only staff can create artist profiles.")
        data = ArtistInput(data=request.data)
        data.is_valid(raise_exception=True)
        artist = services.artist_create(user=request.user, data=data.validated_data)
        return self._detail(request, artist, status.HTTP_201_CREATED)

    def update(self, request, pk=None):
        artist = selectors.artist_get(artist_id=parse_pk(pk))
        if not selectors.artist_is_manageable(user=request.user, artist=artist):
            raise PermissionDenied()
        data = ArtistInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        data.validated_data.pop("manager_ids", None)  # managers change through backstage/admin only
        artist = services.artist_update(user=request.user, artist=artist, data=data.validated_data)
        return self._detail(request, artist)

    partial_update = update

    @extend_schema(
        summary="List an artist's tracks",
        description="The artist's tracks you may see, one page at a time.",
    )
    @action(detail=True, methods=["get"])
    def tracks(self, request, pk=None):
        artist_id = selectors.scope_ref_get(TrackCount.Scope.ARTIST, pk=parse_pk(pk))
        return scoped_track_page(request, TrackCount.Scope.ARTIST, artist_id)

    @extend_schema(
        summary="List an artist's albums",
        description="The artist's albums you may see, one page at a time.",
    )
    @action(detail=True, methods=["get"])
    def albums(self, request, pk=None):
        artist = selectors.artist_get(artist_id=parse_pk(pk))
        return album_page(request, selectors.albums_by_artist(artist=artist))

    @extend_schema(
        summary="Do I manage this artist?",
        description="`is_owner` is true when you are one of the artist's managers.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="check-ownership",
        permission_classes=[IsAuthenticated],
    )
    def check_ownership(self, request, pk=None):
        artist = selectors.artist_get(artist_id=parse_pk(pk))
        return Response({"is_owner": artist.managers.filter(pk=request.user.pk).exists()})


@extend_schema_view(
    list=extend_schema(
        operation_id="genres_list",
        parameters=PAGE_PARAMS,
        responses=paginated("Genres", GenreOut()),
    ),
    retrieve=extend_schema(responses=envelope("Genre", "genre", GenreOut())),
    tracks=extend_schema(
        parameters=[*PAGE_PARAMS, CURSOR_PARAM], responses=paginated("Tracks", TrackOut())
    ),
)
class GenreViewSet(ViewSet):
    permission_classes = [PublicReadAuthenticatedWrite]
    lookup_field = "name"
    lookup_value_regex = r"[^/]+"

    def list(self, request):
        page = paginate(Genre.objects.order_by("name"), request, default_per_page=50)
        return Response(page.envelope([presenters.present_genre(g) for g in page.items]))

    def retrieve(self, request, name=None):
        genre = selectors.genre_get(name=name)
        return Response({"status": "success", "genre": presenters.present_genre(genre)})

    @extend_schema(
        summary="List a genre's tracks",
        description="Public tracks of the genre, one page at a time.",
    )
    @action(detail=True, methods=["get"])
    def tracks(self, request, name=None):
        genre_id = selectors.scope_ref_get(TrackCount.Scope.GENRE, name=name)
        return scoped_track_page(request, TrackCount.Scope.GENRE, genre_id)


@extend_schema_view(
    get=extend_schema(
        parameters=[*PAGE_PARAMS, CURSOR_PARAM], responses=paginated("Tracks", TrackOut())
    )
)
class TagTracksView(APIView):
    permission_classes = [PublicReadAuthenticatedWrite]

    @extend_schema(
        summary="List a tag's tracks",
        description="Public tracks carrying the tag, one page at a time.",
    )
    def get(self, request, name):
        tag_id = selectors.scope_ref_get(TrackCount.Scope.TAG, name=name)
        return scoped_track_page(request, TrackCount.Scope.TAG, tag_id)


@extend_schema_view(
    get=extend_schema(
        tags=["Tags"],
        summary="Albums with a tag",
        description="Albums tagged `tagName` (case-insensitive), newest first.",
        parameters=PAGE_PARAMS,
        responses={200: paginated("Albums", AlbumOut()), **errors(404, 422, 429)},
    )
)
class TagAlbumsView(APIView):
    permission_classes = [PublicReadAuthenticatedWrite]

    def get(self, request, name):
        tag = selectors.tag_get(name=name)
        return album_page(request, selectors.albums_by_tag(tag=tag))


@extend_schema_view(
    get=extend_schema(parameters=PAGE_PARAMS, responses=paginated("Tracks", TrackOut()))
)
class LikedTracksView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your liked tracks",
        description="Tracks you liked, most recent like first.",
    )
    def get(self, request):
        # The exact total from the trigger-kept counters (read once paging is validated).
        def total():
            return selectors.liked_track_count(user=request.user)

        if connection.vendor != "postgresql":
            return track_page(request, selectors.liked_tracks(user=request.user))
        # Any page picked from the likes' index (``selectors.page_keys``), SQL compiled once.
        page_rows = partial(
            presenters.track_list_page,
            viewer=request.user,
            scope=TrackCount.Scope.LIKED,
            ref_id=request.user.pk,
        )
        # The queryset is built only for what the keys do not read (a cursor: its 422).
        liked = partial(selectors.liked_tracks, user=request.user)
        return track_page(request, liked, total=total, page_rows=page_rows)


@extend_schema_view(
    get=extend_schema(parameters=PAGE_PARAMS, responses=paginated("Albums", AlbumOut()))
)
class LikedAlbumsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your liked albums",
        description="Albums you liked, most recent like first.",
    )
    def get(self, request):
        queryset = Album.objects.filter(likes__user=request.user).order_by(
            "-likes__created_at", "-id"
        )
        return album_page(request, queryset)


@extend_schema_view(
    get=extend_schema(parameters=PAGE_PARAMS, responses=paginated("Artists", ArtistOut()))
)
class LikedArtistsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your liked artists",
        description="Artists you liked, most recent like first.",
    )
    def get(self, request):
        queryset = Artist.objects.filter(likes__user=request.user).order_by(
            "-likes__created_at", "-id"
        )
        return artist_page(request, queryset)
