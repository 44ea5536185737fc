"""Playlist and collaboration endpoints. Thin: parse → selector/service → bulk presenter.

Visibility is decided by the selector (a private playlist is 404 to anyone but its owner, its
editors and staff); the role table (who may edit tracks, settings, editors) by the services.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from beatpass.api.pagination import paginate
from beatpass.api.params import parse_id_list, parse_pk
from beatpass.api.permissions import PublicReadAuthenticatedWrite
from beatpass.api.schema import ID_PATH, PAGE_PARAMS, envelope, errors, paginated, status_only
from beatpass.api.throttling import ScopedThrottle
from content.catalog import presenters
from content.playlists import selectors, services
from content.playlists.inputs import PlaylistInput, TrackIdsInput, TrackOrderInput, UserIdInput
from content.playlists.models import Playlist, PlaylistTrack
from content.playlists.presenters import (
    present_invitation,
    present_playlist,
    present_playlists,
)
from content.playlists.schemas import (
    InvitationOut,
    PlaylistDetailOut,
    PlaylistOut,
    PlaylistTrackOut,
)


def _valid(serializer_class, request, **kwargs) -> dict[str, Any]:
    data = serializer_class(data=request.data, **kwargs)
    data.is_valid(raise_exception=True)
    return data.validated_data


def _playlist_response(playlist: Playlist, request, code=status.HTTP_200_OK, **extra) -> Response:
    body = {"status": "success", "playlist": present_playlist(playlist, viewer=request.user)}
    body.update(extra)
    return Response(body, status=code)


def _once_envelope(name: str, **extra):
    return status_only(name, playlist=PlaylistDetailOut(), **extra)


# --- views --------------------------------------------------------------------------------------

IDS_PATH = OpenApiParameter("id", str, OpenApiParameter.PATH, description="Comma-separated ids.")
PLAYLIST = envelope("Playlist", "playlist", PlaylistDetailOut())
STATUS = status_only("PlaylistStatus")
FOLLOW = status_only("PlaylistFollow", is_following=serializers.BooleanField())


class InviteRateThrottle(ScopedThrottle):
    """Invitations per inviter, whatever the outcome: each one notifies (and emails) another
    user, and probing user ids one by one must stay slow."""

    scope = "invite"

    def ident_for(self, request):
        return request.user.pk if request.user.is_authenticated else None


class PlaylistViewSet(ViewSet):
    permission_classes = [PublicReadAuthenticatedWrite]
    lookup_value_regex = r"[^/]+"

    def _visible(self, request, pk) -> Playlist:
        return selectors.playlist_get(viewer=request.user, playlist_id=parse_pk(pk))

    @extend_schema(
        operation_id="playlists_list",
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("query", str, description="Name contains."),
            OpenApiParameter("owner", int, description="Owner's user id."),
        ],
        responses=paginated("Playlists", PlaylistOut()),
    )
    def list(self, request):
        owner = request.query_params.get("owner")
        if owner is not None and (not (owner.isascii() and owner.isdigit()) or len(owner) > 18):
            raise ValidationError({"owner": ["The owner field must be an integer."]})
        queryset = selectors.playlist_list(
            viewer=request.user,
            query=request.query_params.get("query", "").strip(),
            owner_id=int(owner) if owner else None,
        )
        page = paginate(selectors.playlist_rows(queryset, viewer=request.user), request)
        return Response(page.envelope(present_playlists(page.items, viewer=request.user)))

    @extend_schema(parameters=[ID_PATH], responses=PLAYLIST)
    def retrieve(self, request, pk=None):
        return _playlist_response(self._visible(request, pk), request)

    @extend_schema(request=PlaylistInput, responses={201: PLAYLIST})
    def create(self, request):
        data = _valid(PlaylistInput, request)
        playlist = services.playlist_create(owner=request.user, data=data)
        return _playlist_response(playlist, request, status.HTTP_201_CREATED)

    @extend_schema(parameters=[ID_PATH], request=PlaylistInput, responses=PLAYLIST)
    def update(self, request, pk=None):
        playlist = self._visible(request, pk)
        data = _valid(PlaylistInput, request, partial=True)
        playlist = services.playlist_update(playlist=playlist, actor=request.user, data=data)
        return _playlist_response(playlist, request)

    partial_update = update

    @extend_schema(
        parameters=[IDS_PATH],
        responses=status_only("PlaylistsDeleted", deleted=serializers.IntegerField()),
    )
    def destroy(self, request, pk=None):
        deleted = services.playlists_delete(actor=request.user, ids=parse_id_list(pk))
        return Response({"status": "success", "deleted": deleted})

    @extend_schema(
        summary="Follow a playlist",
        description="Adds a playlist you may see to the ones you follow.",
    )
    @extend_schema(parameters=[ID_PATH], request=None, responses=FOLLOW)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def follow(self, request, pk=None):
        playlist = self._visible(request, pk)
        services.playlist_follow(playlist=playlist, user=request.user)
        return Response({"status": "success", "is_following": True})

    @extend_schema(
        summary="Unfollow a playlist",
        description="Removes the playlist from the ones you follow.",
    )
    @extend_schema(parameters=[ID_PATH], request=None, responses=FOLLOW)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def unfollow(self, request, pk=None):
        playlist = self._visible(request, pk)
        services.playlist_unfollow(playlist=playlist, user=request.user)
        return Response({"status": "success", "is_following": False})

    @extend_schema(
        summary="List a playlist's tracks",
        description=(
            "The playlist's tracks you may see, in playlist order, each with its position."
        ),
    )
    @extend_schema(
        parameters=[ID_PATH, *PAGE_PARAMS],
        responses=paginated("PlaylistTracks", PlaylistTrackOut()),
    )
    @action(detail=True, methods=["get"])
    def tracks(self, request, pk=None):
        """Visible tracks in playlist order, each with ``position``, ``added_at``, ``added_by``."""
        playlist = self._visible(request, pk)
        queryset = selectors.playlist_tracks(viewer=request.user, playlist=playlist)
        page = paginate(
            presenters.track_rows(queryset, viewer=request.user, include={"album"}), request
        )
        data = presenters.present_tracks(page.items, viewer=request.user, include={"album"})
        entries = {
            e["track_id"]: e
            for e in PlaylistTrack.objects.filter(
                playlist=playlist, track_id__in=[t["id"] for t in data]
            ).values("track_id", "position", "added_at", "added_by_id")
        }
        for item in data:
            entry = entries[item["id"]]
            item["position"] = entry["position"]
            item["added_at"] = entry["added_at"]
            item["added_by_id"] = entry["added_by_id"]
        return Response(page.envelope(data))

    @extend_schema(
        summary="Add tracks to a playlist",
        description="Appends tracks to a playlist you own or edit.",
    )
    @extend_schema(
        parameters=[ID_PATH],
        request=TrackIdsInput,
        responses=_once_envelope(
            "PlaylistTracksAdded", added=serializers.ListField(child=serializers.IntegerField())
        ),
    )
    @action(
        detail=True, methods=["post"], url_path="tracks/add", permission_classes=[IsAuthenticated]
    )
    def tracks_add(self, request, pk=None):
        playlist = self._visible(request, pk)
        ids = _valid(TrackIdsInput, request)["ids"]
        added = services.playlist_add_tracks(playlist=playlist, actor=request.user, track_ids=ids)
        return _playlist_response(playlist, request, added=added)

    @extend_schema(
        summary="Remove tracks from a playlist",
        description="Removes tracks from a playlist you own or edit.",
    )
    @extend_schema(
        parameters=[ID_PATH],
        request=TrackIdsInput,
        responses=_once_envelope("PlaylistTracksRemoved", removed=serializers.IntegerField()),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="tracks/remove",
        permission_classes=[IsAuthenticated],
    )
    def tracks_remove(self, request, pk=None):
        playlist = self._visible(request, pk)
        ids = _valid(TrackIdsInput, request)["ids"]
        removed = services.playlist_remove_tracks(
            playlist=playlist, actor=request.user, track_ids=ids
        )
        return _playlist_response(playlist, request, removed=removed)

    @extend_schema(
        summary="Reorder a playlist",
        description="Sets the order of the playlist's tracks.",
    )
    @extend_schema(parameters=[ID_PATH], request=TrackOrderInput, responses=PLAYLIST)
    @action(
        detail=True,
        methods=["post"],
        url_path="tracks/order",
        permission_classes=[IsAuthenticated],
    )
    def tracks_order(self, request, pk=None):
        playlist = self._visible(request, pk)
        ids = _valid(TrackOrderInput, request)["ids"]
        services.playlist_reorder_tracks(playlist=playlist, actor=request.user, track_ids=ids)
        return _playlist_response(playlist, request)

    @extend_schema(
        parameters=[ID_PATH],
        request=UserIdInput,
        responses={
            200: status_only(
                "PlaylistInvitationSent",
                message=serializers.CharField(),
                invitation=InvitationOut(),
            ),
            **errors(401, 403, 404, 409, 422, 429),
        },
        summary="Invite an editor",
        description="The owner invites a user to edit a collaborative playlist (in-app "
        "notification + email, expires after 7 days). Throttled per inviter "
        "(`THROTTLE_RATE_INVITE`, every attempt counts). An unknown, inactive or otherwise "
        "uninvitable user gets a 422 that names nobody.",
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[IsAuthenticated],
        throttle_classes=[*ViewSet.throttle_classes, InviteRateThrottle],
    )
    def invite(self, request, pk=None):
        playlist = self._visible(request, pk)
        user_id = _valid(UserIdInput, request)["user_id"]
        invitation = services.playlist_invite(
            playlist=playlist, actor=request.user, invitee_id=user_id
        )
        return Response(
            {
                "status": "success",
                "message": "Invitation sent successfully",
                "invitation": present_invitation(invitation),
            }
        )

    def _invited(self, pk) -> Playlist:
        # The invitee may not see a private playlist yet: the service answers 404 unless
        # the user holds an invitation to it.
        playlist = Playlist.objects.filter(pk=parse_pk(pk)).first()
        if playlist is None:
            raise NotFound()
        return playlist

    @extend_schema(
        summary="Accept a playlist invitation",
        description="Makes you an editor of the playlist you were invited to.",
    )
    @extend_schema(parameters=[ID_PATH], request=None, responses=PLAYLIST)
    @action(
        detail=True,
        methods=["post"],
        url_path="accept-invite",
        permission_classes=[IsAuthenticated],
    )
    def accept_invite(self, request, pk=None):
        playlist = services.playlist_invitation_accept(
            playlist=self._invited(pk), user=request.user
        )
        return _playlist_response(playlist, request)

    @extend_schema(
        summary="Decline a playlist invitation",
        description="Declines the invitation to edit the playlist.",
    )
    @extend_schema(parameters=[ID_PATH], request=None, responses=STATUS)
    @action(
        detail=True,
        methods=["post"],
        url_path="decline-invite",
        permission_classes=[IsAuthenticated],
    )
    def decline_invite(self, request, pk=None):
        services.playlist_invitation_decline(playlist=self._invited(pk), user=request.user)
        return Response({"status": "success"})

    @extend_schema(
        summary="Remove a playlist editor",
        description="The owner removes an editor; an editor may remove themself.",
    )
    @extend_schema(parameters=[ID_PATH], request=UserIdInput, responses=STATUS)
    @action(
        detail=True,
        methods=["post"],
        url_path="remove-editor",
        permission_classes=[IsAuthenticated],
    )
    def remove_editor(self, request, pk=None):
        playlist = self._visible(request, pk)
        user_id = _valid(UserIdInput, request)["user_id"]
        services.playlist_remove_editor(playlist=playlist, actor=request.user, user_id=user_id)
        return Response({"status": "success"})


class MyPlaylistsView(APIView):
    """``GET /users/me/playlists``: created, edited and followed playlists (paginated)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your playlists",
        description="Playlists you created, edit or follow, one page at a time.",
    )
    @extend_schema(
        operation_id="my_playlists_list",
        parameters=PAGE_PARAMS,
        responses=paginated("Playlists", PlaylistOut()),
    )
    def get(self, request):
        queryset = selectors.playlist_library(user=request.user)
        page = paginate(selectors.playlist_rows(queryset, viewer=request.user), request)
        return Response(page.envelope(present_playlists(page.items, viewer=request.user)))
