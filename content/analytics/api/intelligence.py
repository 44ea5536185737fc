"""Producer intelligence: achievements, XP sources, level, progress data and the dashboard.

They speak about one artist profile: ``?artist_id=`` (one the caller manages; any for staff),
by default the caller's first artist profile; a caller without one gets 403
``no_artist_profile``. ``GET /artists/{id}/producer-achievements`` names the artist in the path.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.params import parse_pk
from beatpass.api.schema import errors
from content.analytics import schemas
from content.analytics.days import today
from content.analytics.inputs import ArtistQuery
from content.analytics.selectors import access, gamification, stats

ERRORS = errors(401, 403, 404, 422)


def _artist(request):
    query = ArtistQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return access.producer_artist(
        viewer=request.user, artist_id=query.validated_data.get("artist_id")
    )


def _artist_header(artist) -> dict:
    return {"id": artist.pk, "name": artist.name}


def _achievements_body(artist) -> dict:
    return {"artist": _artist_header(artist), **gamification.achievements_status(artist=artist)}


class ArtistAchievementsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="artist_producer_achievements",
        summary="Artist achievements",
        description=(
            "Every achievement of the catalog (39) with the artist's unlock (date, XP) and the "
            "share of producers holding it, plus unlocked/locked/total counts, completion and "
            "XP from achievements. The artist's managers and staff only."
        ),
        tags=[schemas.TAG_PRODUCER],
        parameters=[schemas.ARTIST_PATH],
        responses={200: schemas.AchievementsOut, **ERRORS},
    )
    def get(self, request, artist_id):
        artist = access.analytics_artist(viewer=request.user, artist_id=parse_pk(artist_id))
        return Response({"success": True, "data": _achievements_body(artist)})


class AchievementsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="producer_achievements",
        summary="Your achievements",
        description="As `GET /artists/{id}/producer-achievements`, for your artist profile.",
        tags=[schemas.TAG_PRODUCER],
        parameters=[schemas.ARTIST_PARAM],
        responses={200: schemas.AchievementsOut, **ERRORS},
    )
    def get(self, request):
        return Response({"success": True, "data": _achievements_body(_artist(request))})


class AchievementDetailsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="producer_achievement_details",
        summary="Achievement details",
        description=(
            "One achievement (by id or slug) with its criteria, your unlock, how many "
            "producers hold it and, while locked, your progress (`current`, `target`, `unit`; "
            "`unlocks_on` for profile-age milestones)."
        ),
        tags=[schemas.TAG_PRODUCER],
        parameters=[schemas.ACHIEVEMENT_PATH, schemas.ARTIST_PARAM],
        responses={200: schemas.GenericSuccessOut, **ERRORS},
    )
    def get(self, request, key):
        artist = _artist(request)
        achievement = gamification.achievement_get(key=key)
        if achievement is None:
            raise NotFound()
        body = gamification.achievement_details(artist=artist, achievement=achievement)
        return Response({"success": True, "data": body})


class XPSourcesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="producer_xp_sources",
        summary="XP sources",
        description=(
            "Your XP by source: track uploads (+100 each), complete metadata (+50 per track), "
            "collaborations (+25 each), plays (+1 each) and achievements (their XP)."
        ),
        tags=[schemas.TAG_PRODUCER],
        parameters=[schemas.ARTIST_PARAM],
        responses={200: schemas.GenericSuccessOut, **ERRORS},
    )
    def get(self, request):
        artist = _artist(request)
        sources = gamification.xp_sources(artist=artist)
        return Response(
            {
                "success": True,
                "data": {
                    "artist": _artist_header(artist),
                    "total_xp": sum(s["xp"] for s in sources),
                    "sources": sources,
                },
            }
        )


class ProducerLevelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="producer_level",
        summary="Producer level",
        description=(
            "Your level (XP for level L: 100 × (L − 1)^1.5, at most 100), its title and the "
            "progress to the next level."
        ),
        tags=[schemas.TAG_PRODUCER],
        parameters=[schemas.ARTIST_PARAM],
        responses={200: schemas.LevelOut, **ERRORS},
    )
    def get(self, request):
        level, _sources = gamification.producer_level(artist=_artist(request))
        return Response({"success": True, "data": level})


def dashboard_body(artist) -> dict:
    level, _sources = gamification.producer_level(artist=artist)
    now = today()
    return {
        "artist": _artist_header(artist),
        "xp": level["xp"],
        "level": level["level"],
        "level_info": level,
        "achievements": gamification.recent_unlocks(artist=artist),
        "stats": gamification.catalog_stats(artist=artist, today=now),
        "analytics": stats.producer_analytics(
            scope=stats.artist_scope(artist), period="30-days", today=now
        ),
    }


class DashboardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="producer_dashboard",
        summary="Producer dashboard",
        description=(
            "One call for the dashboard: XP and level, recent achievement unlocks, catalog "
            "stats (tracks, tracks this month, plays, likes, followers) and the artist's 30-day "
            "analytics with growth."
        ),
        tags=[schemas.TAG_PRODUCER],
        parameters=[schemas.ARTIST_PARAM],
        responses={200: schemas.DashboardOut, **ERRORS},
    )
    def get(self, request):
        return Response({"success": True, **dashboard_body(_artist(request))})


class ProgressDataView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="producer_progress_data",
        summary="Progress data (combined)",
        description=(
            "Dashboard, XP sources, level and every achievement in one response: use it "
            "instead of calling each endpoint."
        ),
        tags=[schemas.TAG_PRODUCER],
        parameters=[schemas.ARTIST_PARAM],
        responses={200: schemas.GenericSuccessOut, **ERRORS},
    )
    def get(self, request):
        artist = _artist(request)
        level, sources = gamification.producer_level(artist=artist)
        status = gamification.achievements_status(artist=artist)
        dashboard = dashboard_body(artist)
        return Response(
            {
                "success": True,
                "data": {
                    "artist": _artist_header(artist),
                    "dashboard": dashboard,
                    "level": level,
                    "xp_sources": sources,
                    "achievements": status["achievements"],
                    "achievement_stats": status["stats"],
                },
            }
        )
