"""Credits, Spotify look-ups for credits, and track pinning endpoints.

Thin views: parse → permission → selector/service → bulk presenter. Writes are for the artist's
managers and staff; reads of credits and pins are public.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.pagination import Page, paginate
from beatpass.api.params import parse_pk
from beatpass.api.permissions import PublicReadAuthenticatedWrite
from content.catalog import selectors as catalog_selectors
from content.catalog.models import Artist
from content.credits import schemas as docs
from content.credits import selectors, services, spotify
from content.credits.inputs import (
    AlbumCreditInput,
    CreditInput,
    CreditUpdateInput,
    ReorderInput,
    SpotifyAlbumInput,
    SpotifySearchInput,
)
from content.credits.models import CreditCategory
from content.credits.presenters import (
    group_credits,
    present_credit,
    present_pinned_track,
    present_role,
)

# --- input --------------------------------------------------------------------------------------


# --- output -------------------------------------------------------------------------------------


class _ListQuery:
    """Lets :func:`paginate` slice an in-memory list as if it were a queryset."""

    def __init__(self, items: list) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        return self._items[index]


# --- helpers ------------------------------------------------------------------------------------


def _managed_artist(request, artist_id) -> Artist:
    artist = catalog_selectors.artist_get(artist_id=parse_pk(artist_id))
    if not catalog_selectors.artist_is_manageable(user=request.user, artist=artist):
        raise PermissionDenied("Only the artist's managers can change its credits.")
    return artist


def _valid(serializer_class, data, **kwargs) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SpotifyErrorsMixin:
    """Surfaces Spotify's Retry-After on our 503 so clients back off too."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if isinstance(exc, spotify.SpotifyRateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response


SPOTIFY_ERRORS = {502: docs.ERROR_502, 503: docs.ERROR_503}


# --- roles --------------------------------------------------------------------------------------


class CreditRolesView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="List credit roles",
        description=(
            "Every role a credit can carry (producer, writer, mixing engineer...), "
            "grouped by category."
        ),
    )
    @extend_schema(responses=docs.ROLES_RESPONSE)
    def get(self, request):
        categories = selectors.credit_roles_by_category()
        return Response(
            {
                "status": "success",
                "categories": [
                    {
                        "key": c["key"],
                        "label": c["label"],
                        "roles": [present_role(r) for r in c["roles"]],
                    }
                    for c in categories
                ],
            }
        )


# --- credits ------------------------------------------------------------------------------------


class ArtistCreditsView(SpotifyErrorsMixin, APIView):
    permission_classes = [PublicReadAuthenticatedWrite]

    @extend_schema(
        summary="List an artist's credits",
        description=(
            "The artist's credits (their work on other releases), filterable by category and role."
        ),
    )
    @extend_schema(
        parameters=[
            OpenApiParameter("role", str, description="Role slug (or id)."),
            OpenApiParameter(
                "category", str, enum=CreditCategory.values, description="Role category."
            ),
            OpenApiParameter("page", int, description="Page number (default 1)."),
            OpenApiParameter("per_page", int, description="Items per page, 1-100 (default 50)."),
        ],
        responses=docs.CREDIT_GROUPS_PAGE,
    )
    def get(self, request, artist_id):
        artist = catalog_selectors.artist_get(artist_id=parse_pk(artist_id))
        role_param = request.query_params.get("role", "").strip()
        category = request.query_params.get("category", "").strip().lower()
        if category and category not in CreditCategory.values:
            raise ValidationError({"category": ["The selected category is invalid."]})
        role = selectors.credit_roles_resolve([role_param], field="role")[0] if role_param else None

        credits = list(selectors.credits_for_artist(artist=artist))
        pills: OrderedDict[int, dict] = OrderedDict()
        for credit in sorted(credits, key=lambda c: (c.role.position, c.role_id)):
            pill = pills.setdefault(credit.role_id, {**present_role(credit.role), "count": 0})
            pill["count"] += 1
        if role is not None:
            credits = [c for c in credits if c.role_id == role.pk]
        if category:
            credits = [c for c in credits if c.role.category == category]
        page = paginate(_ListQuery(group_credits(credits)), request, default_per_page=50)
        body = page.envelope(page.items)
        body["roles"] = list(pills.values())
        body["credits_count"] = len(credits)
        return Response(body)

    @extend_schema(
        summary="Add credits to an artist",
        description=(
            "Adds one or more credits (a Spotify track with roles) to an artist you"
            " manage. A Spotify outage is 503 with Retry-After."
        ),
    )
    @extend_schema(request=CreditInput, responses={201: docs.CREDITS_CREATED, **SPOTIFY_ERRORS})
    def post(self, request, artist_id):
        artist = _managed_artist(request, artist_id)
        data = _valid(CreditInput, request.data)
        roles = selectors.credit_roles_resolve(data.pop("roles"))
        spotify_track = None
        if data.get("spotify_track_id"):
            spotify_track = spotify.spotify_catalog().track(data["spotify_track_id"])
        created = services.credit_add_track(
            artist=artist,
            actor=request.user,
            roles=roles,
            spotify_track=spotify_track,
            manual=None if spotify_track else data,
        )
        return Response(
            {"status": "success", "credits": [present_credit(c) for c in created]},
            status=status.HTTP_201_CREATED,
        )


class ArtistAlbumCreditsView(SpotifyErrorsMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Credit an artist on a whole album",
        description=("Adds credits for every track of a Spotify album to an artist you manage."),
    )
    @extend_schema(
        request=AlbumCreditInput, responses={201: docs.ALBUM_CREDITS_CREATED, **SPOTIFY_ERRORS}
    )
    def post(self, request, artist_id):
        artist = _managed_artist(request, artist_id)
        data = _valid(AlbumCreditInput, request.data)
        lookup = selectors.credit_role_lookup()
        roles_all = selectors.credit_roles_resolve(
            data["roles_all"], field="roles_all", lookup=lookup
        )
        roles_by_track = {
            track_id: selectors.credit_roles_resolve(
                values, field=f"tracks.{track_id[:64]}", lookup=lookup
            )
            for track_id, values in data["tracks"].items()
        }
        album = spotify.spotify_catalog().album(data["spotify_album_id"])
        created = services.credit_add_album(
            artist=artist,
            actor=request.user,
            album=album,
            roles_all=roles_all,
            roles_by_track=roles_by_track,
        )
        return Response(
            {
                "status": "success",
                "credits": [present_credit(c) for c in created],
                "tracks_added": len({c.release_key for c in created}),
            },
            status=status.HTTP_201_CREATED,
        )


class ArtistCreditDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Change a credit's roles",
        description="Replaces the roles of one credit of an artist you manage.",
    )
    @extend_schema(request=CreditUpdateInput, responses=docs.CREDIT_RESPONSE)
    def put(self, request, artist_id, credit_id):
        artist = _managed_artist(request, artist_id)
        credit = selectors.credit_get(artist=artist, credit_id=parse_pk(credit_id))
        data = _valid(CreditUpdateInput, request.data)
        if "role" in data:
            data["role"] = selectors.credit_roles_resolve([data["role"]], field="role")[0]
        credit = services.credit_update(credit=credit, actor=request.user, data=data)
        return Response({"status": "success", "credit": present_credit(credit)})

    patch = put

    @extend_schema(
        summary="Remove a credit",
        description=("Removes one credit, or with `scope=release` every credit of its release."),
    )
    @extend_schema(
        parameters=[
            OpenApiParameter(
                "scope", str, enum=["credit", "release"], description="`release`: every role."
            )
        ],
        responses=docs.CREDITS_DELETED,
    )
    def delete(self, request, artist_id, credit_id):
        artist = _managed_artist(request, artist_id)
        credit = selectors.credit_get(artist=artist, credit_id=parse_pk(credit_id))
        scope = request.query_params.get("scope", "credit")
        if scope not in ("credit", "release"):
            raise ValidationError({"scope": ["The selected scope is invalid."]})
        deleted = services.credit_delete(credit=credit, whole_release=scope == "release")
        return Response({"status": "success", "deleted": deleted})


class ArtistCreditsReorderView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Reorder an artist's credits",
        description="Sets the display order of the artist's credits.",
    )
    @extend_schema(request=ReorderInput, responses=docs.CREDITS_REORDERED)
    def post(self, request, artist_id):
        artist = _managed_artist(request, artist_id)
        data = _valid(ReorderInput, request.data)
        services.credits_reorder(artist=artist, ids=data["ids"])
        return Response({"status": "success", "ids": data["ids"]})


# --- Spotify look-ups ---------------------------------------------------------------------------


def _calling_artist(request, artist_id: int | None) -> Artist | None:
    if artist_id is None:
        return None
    return _managed_artist(request, artist_id)


class SpotifySearchView(SpotifyErrorsMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Search Spotify for credits",
        description=(
            "Searches Spotify tracks or albums to credit; with `artist_id`, each "
            "hit lists the roles already credited."
        ),
    )
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="Search words."),
            OpenApiParameter(
                "type", str, enum=list(spotify.SEARCH_TYPES), description="What to search."
            ),
            OpenApiParameter("page", int, description="Page number (default 1)."),
            OpenApiParameter("artist_id", int, description="Adds already_credited_roles."),
        ],
        responses={200: docs.SPOTIFY_SEARCH_PAGE, **SPOTIFY_ERRORS},
    )
    def get(self, request):
        params = _valid(SpotifySearchInput, request.query_params)
        artist = _calling_artist(request, params.get("artist_id"))
        items, total = spotify.spotify_catalog().search(
            query=params["q"], kind=params["type"], page=params["page"]
        )
        ids = [i["id"] for i in items]
        if params["type"] == "track":
            by_track, _ = selectors.already_credited_roles(artist=artist, track_ids=ids)
            roles_for = by_track
        else:
            _, roles_for = selectors.already_credited_roles(artist=artist, album_ids=ids)
        data = [{**item, "already_credited_roles": roles_for.get(item["id"], [])} for item in items]
        page = Page(data, number=params["page"], per_page=spotify.PAGE_SIZE, total=total)
        return Response(page.envelope(data))


class SpotifyAlbumView(SpotifyErrorsMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Get a Spotify album",
        description="One Spotify album with its tracks, ready to credit.",
    )
    @extend_schema(
        parameters=[
            OpenApiParameter("id", str, required=True, description="Spotify album id."),
            OpenApiParameter("artist_id", int, description="Adds already_credited_roles."),
        ],
        responses={200: docs.SPOTIFY_ALBUM_RESPONSE, **SPOTIFY_ERRORS},
    )
    def get(self, request):
        params = _valid(SpotifyAlbumInput, request.query_params)
        artist = _calling_artist(request, params.get("artist_id"))
        album = spotify.spotify_catalog().album(params["id"])
        by_track, by_album = selectors.already_credited_roles(
            artist=artist, track_ids=[t["id"] for t in album["tracks"]], album_ids=[album["id"]]
        )
        body = {
            **album,
            "already_credited_roles": by_album.get(album["id"], []),
            "tracks": [
                {**t, "already_credited_roles": by_track.get(t["id"], [])} for t in album["tracks"]
            ],
        }
        return Response({"status": "success", "album": body})


# --- pinning ------------------------------------------------------------------------------------


def _pin_target(request, artist_id, track_id):
    artist = _managed_artist(request, artist_id)
    track = catalog_selectors.track_get(viewer=request.user, track_id=parse_pk(track_id))
    return artist, track


class ArtistTrackPinView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Pin a track to an artist",
        description=(
            "Pins one of the artist's tracks to the top of their profile (one pin per artist)."
        ),
    )
    @extend_schema(request=None, responses=docs.PINNED_TRACK_RESPONSE)
    def post(self, request, artist_id, track_id):
        artist, track = _pin_target(request, artist_id, track_id)
        services.track_pin(artist=artist, track=track, actor=request.user)
        return Response(
            {"status": "success", "pinned_track": present_pinned_track(request, artist)}
        )


class ArtistTrackUnpinView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Unpin a track from an artist",
        description="Removes the artist's pinned track.",
    )
    @extend_schema(request=None, responses=docs.UNPINNED_RESPONSE)
    def post(self, request, artist_id, track_id):
        artist, track = _pin_target(request, artist_id, track_id)
        unpinned = services.track_unpin(artist=artist, track=track)
        return Response(
            {
                "status": "success",
                "unpinned": unpinned,
                "pinned_track": present_pinned_track(request, artist),
            }
        )


class ArtistPinnedTrackView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Get an artist's pinned track",
        description="The track pinned to the artist's profile, or null.",
    )
    @extend_schema(responses=docs.PINNED_TRACK_RESPONSE)
    def get(self, request, artist_id):
        artist = catalog_selectors.artist_get(artist_id=parse_pk(artist_id))
        return Response(
            {"status": "success", "pinned_track": present_pinned_track(request, artist)}
        )
