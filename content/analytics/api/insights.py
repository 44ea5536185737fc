"""Producer analytics, engagement, charts, downloads analytics and exports.

Bodies use the insights.mdx envelope ``{"success": true, "data": {...}}``; errors keep the
API's one error format. Read access: managers of a credited artist and staff (403 otherwise,
404 for tracks hidden from the caller).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from beatpass.accounts.authentication import BearerAuthentication
from beatpass.api import lean
from beatpass.api.exceptions import exception_handler
from beatpass.api.params import parse_pk
from beatpass.api.renderers import ORJSONRenderer
from beatpass.api.schema import errors
from beatpass.api.throttling import AnonRateThrottle, UserRateThrottle, WriteRateThrottle
from content import clock
from content.analytics import periods, presenters, schemas
from content.analytics.days import today
from content.analytics.inputs import (
    ChartQuery,
    DownloadsQuery,
    EngagementQuery,
    ExportInput,
    PeriodQuery,
)
from content.analytics.pdf import render_report
from content.analytics.selectors import access, stats

KINDS = {"tracks": "track", "albums": "album", "artists": "artist"}
READ_ERRORS = errors(401, 403, 404, 422)


def _query(serializer_class, request) -> dict:
    data = serializer_class(data=request.query_params)
    data.is_valid(raise_exception=True)
    return data.validated_data


def scope_for(request, kind: str, object_id: int) -> stats.Scope:
    """The analytics scope of a track/album/artist the caller may read (else 403/404)."""
    if kind == "track":
        return stats.track_scope(access.analytics_track(viewer=request.user, track_id=object_id))
    if kind == "album":
        return stats.album_scope(access.analytics_album(viewer=request.user, album_id=object_id))
    if kind == "artist":
        return stats.artist_scope(access.analytics_artist(viewer=request.user, artist_id=object_id))
    raise NotFound()


def _period(request) -> str:
    """``?period=``: a known period is taken as is; anything else goes through ``PeriodQuery``
    (its default, its 422 wording) — a serializer per request was a tenth of the track
    analytics' own CPU."""
    period = request.query_params.get("period")
    if period in periods.PERIOD_DAYS and len(request.query_params) == 1:
        return period
    return _query(PeriodQuery, request)["period"]


def _analytics_response(request, kind: str, object_id) -> Response:
    period = _period(request)
    if kind == "track":  # the read check and the sums in one statement
        data = stats.track_producer_analytics(
            viewer=request.user, track_id=parse_pk(object_id), period=period, today=today()
        )
        return Response({"success": True, "data": data})
    scope = scope_for(request, kind, parse_pk(object_id))
    data = stats.producer_analytics(scope=scope, period=period, today=today())
    return Response({"success": True, "data": data})


def _analytics_schema(what: str, path, operation_id: str):
    return extend_schema(
        operation_id=operation_id,
        summary=f"{what.capitalize()} producer analytics",
        description=(
            f"Totals and values for the period (plays, daily unique listeners, likes, "
            f"downloads, licenses, completed plays, listen time) of the {what}, with the "
            "growth against the previous period of the same length. "
            + ("Albums and artists add their top tracks. " if what != "track" else "")
            + "Managers of a credited artist and staff only."
        ),
        tags=[schemas.TAG_INSIGHTS],
        parameters=[path, schemas.PERIOD_PARAM],
        responses={200: schemas.AnalyticsOut, **READ_ERRORS},
    )


class TrackAnalyticsView(APIView):
    permission_classes = [IsAuthenticated]

    @_analytics_schema("track", schemas.TRACK_PATH, "track_producer_analytics")
    def get(self, request, track_id):
        return _analytics_response(request, "track", track_id)


_LEAN_ACCEPT = frozenset({None, "*/*", "application/json"})
# The common query strings, known without parsing them.
_LEAN_QUERIES = {f"period={period}": period for period in periods.PERIOD_DAYS}


def _has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def track_analytics_view():
    """``TrackAnalyticsView`` with a lean path (``beatpass.api.lean``) for the common request:
    GET with a Bearer token, ``?period=`` one of the four periods and nothing else, no cookie,
    ``Accept`` absent, ``*/*`` or ``application/json``. The same token validation (once per
    token and process), user checks, throttle (X-RateLimit numbers) and read check, but the
    viewer's columns, the track's row, the read check and the 21 sums are one prepared
    statement (``stats.read_viewer_and_track``; DRF's path reads the user first), without
    DRF's request wrapping, negotiation and ``Response``.

    The statement is sent first and its row read last: the throttle's hit is counted while
    PostgreSQL runs it (with Redis, one round trip hidden behind the other); a throttled
    request's row is discarded. (Not with a database cache for the throttles: the statement
    then runs after the hit.) Anything else goes to ``TrackAnalyticsView``, which also
    documents the operation (``cls``): a throttled request (its 429, or its 401 if the user is
    refused: a refused hit is not counted; a statement already run is discarded), and a
    request the authentication refuses (its 401, WWW-Authenticate and all), whose hit is taken
    back first. A missing or unreadable track is answered here (404, 403), as DRF would, its
    hit counted once."""
    drf_view = TrackAnalyticsView.as_view()
    headers = lean.drf_headers(TrackAnalyticsView)
    user_model = get_user_model()
    user_scope = UserRateThrottle.scope
    lean_ok = (
        TrackAnalyticsView.authentication_classes == [BearerAuthentication]
        and TrackAnalyticsView.permission_classes == [IsAuthenticated]
        and TrackAnalyticsView.renderer_classes == [ORJSONRenderer]
        # an authenticated GET counts only the user scope
        and lean.drf_throttles_are(
            TrackAnalyticsView, AnonRateThrottle, UserRateThrottle, WriteRateThrottle
        )
        and user_model._meta.pk.name == jwt_settings.USER_ID_FIELD
        and all(_has_field(user_model, name) for name in stats.VIEWER_FIELDS)
    )

    @csrf_exempt
    def view(request, track_id):
        meta = request.META
        if (
            not lean_ok
            or request.method != "GET"
            or meta.get("HTTP_COOKIE")
            or meta.get("HTTP_ACCEPT") not in _LEAN_ACCEPT
        ):
            return drf_view(request, track_id=track_id)
        db = connections[DEFAULT_DB_ALIAS]  # once: ``connection`` looks it up on every read
        if db.vendor != "postgresql" or router.db_for_read(user_model) != db.alias:
            return drf_view(request, track_id=track_id)
        period = _LEAN_QUERIES.get(meta.get("QUERY_STRING"))
        if period is None:  # the same test on the parsed query (any spelling of it)
            query = request.GET
            period = query.get("period")
            if period not in periods.PERIOD_DAYS or len(query) != 1:
                return drf_view(request, track_id=track_id)
        token = lean.access_token(request)
        user_id = None if token is None else lean.token_user_id(token)
        raw_pk = str(track_id)
        if user_id is None or not raw_pk.isdigit():
            return drf_view(request, track_id=track_id)
        try:
            pk = parse_pk(raw_pk)
        except NotFound:
            return drf_view(request, track_id=track_id)
        ident = str(user_id)
        # The statement is sent first and read last: PostgreSQL runs it while the throttle
        # counts the hit (with Redis, both round trips at once). A throttled request's result
        # is discarded.
        with stats.send_viewer_and_track(
            user_model=user_model,
            id_field=jwt_settings.USER_ID_FIELD,
            user_id=user_id,
            track_id=pk,
            period=period,
            today=today(),
            using=db.alias,
            send=lean.throttle_keeps_off_the_database(),
        ) as pending:
            hit = lean.throttle_send(request, scope=user_scope, ident=ident)
            try:
                allowed = hit.allowed()
            finally:
                hit.close()
            # The 200's response object too is built while the statement runs (dropped if
            # the answer is another).
            response = lean.json_response_to_fill(headers=headers) if allowed else None
            read = pending.result() if allowed else None
        if not allowed:
            return drf_view(request, track_id=track_id)
        row = None if read is None else dict(zip(read.user_fields, read.user_row, strict=True))
        # Built on first use: the answer needs only the row's checks and its ``is_staff``.
        user = lean.lazy_token_user(token, user_id=user_id, row=row)
        if user is None:
            lean.throttle_undo(request, scope=user_scope, ident=ident)
            return drf_view(request, track_id=track_id)
        request.user = user
        try:
            data = stats.viewer_track_analytics(read)
        except (NotFound, PermissionDenied) as exc:
            response = exception_handler(exc, {"request": request})
            response.exception = True
            return lean.finish(response, headers=headers)
        return lean.fill_json(response, {"success": True, "data": data})

    view.cls = TrackAnalyticsView  # what the schema generator documents
    view.initkwargs = {}
    return view


class AlbumAnalyticsView(APIView):
    permission_classes = [IsAuthenticated]

    @_analytics_schema("album", schemas.ALBUM_PATH, "album_producer_analytics")
    def get(self, request, album_id):
        return _analytics_response(request, "album", album_id)


class ArtistAnalyticsView(APIView):
    permission_classes = [IsAuthenticated]

    @_analytics_schema("artist", schemas.ARTIST_PATH, "artist_producer_analytics")
    def get(self, request, artist_id):
        return _analytics_response(request, "artist", artist_id)


class InsightsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="insights_analytics",
        summary="Insights: analytics of a track, album or artist",
        description=(
            "The same body as the matching producer-analytics endpoint, under the Insights "
            "API's path."
        ),
        tags=[schemas.TAG_INSIGHTS],
        parameters=[schemas.KIND_PATH, schemas.OBJECT_PATH, schemas.PERIOD_PARAM],
        responses={200: schemas.AnalyticsOut, **READ_ERRORS},
    )
    def get(self, request, kind, object_id):
        return _analytics_response(request, KINDS[kind], object_id)


class ChartView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="insights_charts",
        summary="Insights: daily chart series",
        description=(
            "One zero-filled point per day of the timeframe (7d, 30d, 90d, 1y) for each series "
            "(plays, listeners, listen time, completed plays, likes, downloads, licenses, "
            "average listen), in the analytics timezone, plus the chart footer: total, peak "
            "day, daily average, data points and the trend (second half against the first)."
        ),
        tags=[schemas.TAG_INSIGHTS],
        parameters=[schemas.KIND_PATH, schemas.OBJECT_PATH, schemas.TIMEFRAME_PARAM],
        responses={200: schemas.ChartOut, **READ_ERRORS},
    )
    def get(self, request, kind, object_id):
        timeframe = _query(ChartQuery, request)["timeframe"]
        scope = scope_for(request, KINDS[kind], parse_pk(object_id))
        data = stats.chart(
            scope=scope,
            timeframe=timeframe,
            today=today(),
            timezone_name=settings.ANALYTICS_TIMEZONE,
        )
        return Response({"success": True, "data": data})


class EngagementView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="track_engagement_metrics",
        summary="Track engagement metrics",
        description=(
            "Average listen duration and completion rate (with its retention level), total "
            "listen time, completed listens (≥ 80 %, count and share), the completion "
            "breakdown and quality score, and the retention curve (share of plays still "
            "listening at every 5 % of the track), for all time or a `period`; plus the daily "
            "listen-duration series. Managers of a credited artist and staff only."
        ),
        tags=[schemas.TAG_INSIGHTS],
        parameters=[
            schemas.TRACK_PATH,
            schemas.OpenApiParameter(
                "period",
                str,
                enum=[*periods.PERIOD_DAYS, "all"],
                description="Default all (every play of the track).",
            ),
        ],
        responses={200: schemas.EngagementOut, **READ_ERRORS},
    )
    def get(self, request, track_id):
        period = _query(EngagementQuery, request)["period"]
        track = access.analytics_track(viewer=request.user, track_id=parse_pk(track_id))
        now = today()
        days = None if period == "all" else periods.ending_today(periods.PERIOD_DAYS[period], now)
        return Response(
            {"success": True, "data": stats.engagement(track=track, days=days, today=now)}
        )


class DownloadsAnalyticsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="artist_downloads_analytics",
        summary="Artist downloads analytics",
        description=(
            "Downloads of every track credited to the artist: totals, per day (zero-filled), "
            "per track, per file format, unique downloaders (counted, never listed) and "
            "licenses issued. No location is recorded. `period`: 7-days, 30-days (default), "
            "90-days, 1-year or all."
        ),
        tags=[schemas.TAG_INSIGHTS],
        parameters=[
            schemas.ARTIST_PATH,
            schemas.OpenApiParameter(
                "period", str, enum=[*periods.PERIOD_DAYS, "all"], description="Default 30-days."
            ),
        ],
        responses={200: schemas.DownloadsOut, **READ_ERRORS},
    )
    def get(self, request, artist_id):
        period = _query(DownloadsQuery, request)["period"]
        scope = scope_for(request, "artist", parse_pk(artist_id))
        data = stats.downloads_analytics(scope=scope, period=period, today=today())
        return Response({"success": True, "data": data})


# --- export ---------------------------------------------------------------------------------------


class ExportFormatsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="insights_export_formats",
        summary="Export formats",
        description="The formats analytics can be exported in.",
        tags=[schemas.TAG_INSIGHTS],
        responses={200: schemas.FormatsOut, **errors(401)},
    )
    def get(self, request):
        return Response({"success": True, "formats": list(presenters.EXPORT_FORMATS)})


def _export_scope(request, data: dict) -> stats.Scope:
    if data["type"] == "artist" and "id" not in data:
        artist = access.producer_artist(viewer=request.user, artist_id=None)
        return stats.artist_scope(artist)
    return scope_for(request, data["type"], data["id"])


def _filename(scope: stats.Scope, period: str, extension: str) -> str:
    return f"beatpass-{scope.kind}-{scope.obj.pk}-{period}.{extension}"


class ExportView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="insights_export",
        summary="Export analytics (CSV, JSON or PDF)",
        description=(
            "Exports a track, an album or an artist's catalog (`type` + `id`; an artist "
            "defaults to your first profile) for a `period`. `csv`: one row per day and "
            "track, streamed. `json`: the period's summary, the daily chart series and the "
            "same rows, streamed. `pdf`: a printable report (key metrics against the previous "
            "period, plays chart, top tracks)."
        ),
        tags=[schemas.TAG_INSIGHTS],
        parameters=[
            schemas.OpenApiParameter(
                "fmt",
                str,
                schemas.OpenApiParameter.PATH,
                enum=["csv", "json", "pdf"],
                description="Export format.",
            ),
        ],  # fmt: skip
        request=ExportInput,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV (attachment)."),
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="`{success, export: {..., rows: [...]}}`."
            ),
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="PDF report (attachment)."
            ),
            **errors(400, 401, 403, 404, 422),
        },
    )
    def post(self, request, fmt):
        data = ExportInput(data=request.data)
        data.is_valid(raise_exception=True)
        params = data.validated_data
        scope = _export_scope(request, params)
        now = today()
        days = periods.ending_today(periods.PERIOD_DAYS[params["period"]], now)
        if fmt == "csv":
            rows = stats.export_rows(scope=scope, days=days)
            response = StreamingHttpResponse(presenters.csv_stream(rows), content_type="text/csv")
            response["Content-Disposition"] = (
                f'attachment; filename="{_filename(scope, params["period"], "csv")}"'
            )
            return response
        analytics = stats.producer_analytics(scope=scope, period=params["period"], today=now)
        timeframe = {7: "7d", 30: "30d", 90: "90d", 365: "1y"}[days.days]
        chart = stats.chart(
            scope=scope, timeframe=timeframe, today=now, timezone_name=settings.ANALYTICS_TIMEZONE
        )
        if fmt == "json":
            head = {
                "scope": scope.kind,
                scope.kind: scope.header(),
                "period": params["period"],
                "range": days.as_dict(),
                "generated_at": clock.now().isoformat(),
                "summary": analytics,
                "chart": {"labels": chart["labels"], "series": chart["series"]},
            }
            rows = stats.export_rows(scope=scope, days=days)
            return StreamingHttpResponse(
                presenters.json_stream(head=head, rows=rows), content_type="application/json"
            )
        pdf = render_report(
            title=f"BeatPass analytics: {scope.obj.name}",
            subtitle=f"{scope.kind.capitalize()} report, last {days.days} days "
            f"({days.first.isoformat()} to {days.last.isoformat()}, {settings.ANALYTICS_TIMEZONE})",
            analytics=analytics,
            chart=chart,
            generated=clock.now().strftime("%Y-%m-%d %H:%M UTC"),
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{_filename(scope, params["period"], "pdf")}"'
        )
        return response
