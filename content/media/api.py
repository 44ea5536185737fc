"""Audio endpoints on tracks: extract-metadata, wave, wave-batch and download.

Registered as explicit paths in ``urls.py`` before the router (``tracks/wave-batch`` must not
be taken for a track id). Thin views: selector/service, then the spec's body.
"""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.utils.functional import SimpleLazyObject
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from beatpass.api import lean
from beatpass.api.errors import ApplicationError
from beatpass.api.params import parse_pk
from beatpass.api.schema import ErrorOut, errors
from beatpass.api.throttling import UserRateThrottle
from content.catalog import selectors
from content.licensing.context import client_ip, issuance_context
from content.licensing.errors import RetryAfterMixin
from content.licensing.selectors import download_facts_of, download_policy
from content.media.inputs import ExtractMetadataQuery, WaveBatchInput
from content.media.models import ProcessingStatus
from content.media.selectors import (
    download_track_and_viewer_get,
    download_track_get,
    waveform_batch,
    waveform_for,
)
from content.media.services import downloads as download_services
from content.media.services.metadata import file_entry_extract_metadata
from content.media.services.waveforms import waveform_schedule

TRACK_PATH = OpenApiParameter("track_id", int, OpenApiParameter.PATH, description="Track id.")
ENTRY_PATH = OpenApiParameter(
    "file_entry_id", int, OpenApiParameter.PATH, description="Your audio upload's id."
)

PeaksOut = inline_serializer(
    "WaveformPeaks",
    {"peaks": serializers.ListField(child=serializers.FloatField())},
)
MetadataOut = inline_serializer(
    "ExtractedMetadata",
    {
        "status": serializers.CharField(),
        "metadata": inline_serializer(
            "ExtractedMetadataBody",
            {
                "name": serializers.CharField(),
                "artists": serializers.ListField(child=serializers.CharField()),
                "album": serializers.CharField(allow_null=True),
                "genres": serializers.ListField(child=serializers.CharField()),
                "release_date": serializers.DateField(allow_null=True),
                "bpm": serializers.IntegerField(allow_null=True),
                "bpm_estimated": serializers.BooleanField(
                    help_text="True when the BPM was estimated from the audio (no usable tag)."
                ),
                "bpm_confidence": serializers.FloatField(
                    allow_null=True,
                    help_text="0-1; 1.0 for a tag value. Estimates at 0.5 or more are right "
                    "markedly more often than the rest (bench/estimation_real.py).",
                ),
                "bpm_exact": serializers.FloatField(
                    allow_null=True,
                    help_text="The estimated tempo to a hundredth of a BPM (the tag value when "
                    "tagged; null when it could not be estimated).",
                ),
                "bpm_alternatives": serializers.ListField(
                    child=inline_serializer(
                        "TempoAlternative",
                        {
                            "bpm": serializers.IntegerField(),
                            "bpm_exact": serializers.FloatField(),
                            "score": serializers.FloatField(help_text="0-1 share of evidence."),
                        },
                    ),
                    help_text="Other metrical levels (half / double time) with their scores, "
                    "best first, so a client can ask 'did you mean 70?'. Empty for a tag value.",
                ),
                "key": serializers.CharField(allow_null=True),
                "scale": serializers.CharField(allow_null=True),
                "key_estimated": serializers.BooleanField(),
                "key_confidence": serializers.FloatField(allow_null=True),
                "camelot": serializers.CharField(
                    allow_null=True, help_text="Camelot wheel code of the key, e.g. 8A (A minor)."
                ),
                "open_key": serializers.CharField(
                    allow_null=True, help_text="Open Key notation of the key, e.g. 1m (A minor)."
                ),
                "duration": serializers.IntegerField(help_text="Milliseconds."),
                "bitrate": serializers.IntegerField(allow_null=True),
                "sample_rate": serializers.IntegerField(),
                "channels": serializers.IntegerField(),
                "format": serializers.CharField(),
                "image": serializers.IntegerField(
                    allow_null=True, help_text="FileEntry id of the embedded artwork."
                ),
            },
        ),
    },
)


class ExtractMetadataView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Extract tags, stream info and estimated tempo/key from an audio upload",
        description=(
            "Reads tags (title, artist, genre, BPM, key...) from one of your audio uploads and "
            "estimates tempo (`bpm`, `bpm_exact`, `bpm_alternatives`) and key (`camelot`, "
            "`open_key`) when they are missing."
        ),
        request=None,
        responses={200: MetadataOut, **errors(401, 404, 422)},
        parameters=[
            ENTRY_PATH,
            OpenApiParameter(
                "genre",
                str,
                OpenApiParameter.QUERY,
                required=False,
                description="Genre the track is filed under (e.g. trap, boom bap, house): the "
                "tempo estimate is counted the way that genre is labelled.",
            ),
        ],
        tags=["Tracks"],
    )
    def post(self, request, file_entry_id):
        query = ExtractMetadataQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        metadata = file_entry_extract_metadata(
            user=request.user,
            entry_id=parse_pk(file_entry_id),
            genre=query.validated_data.get("genre") or None,
        )
        return Response({"status": "success", "metadata": metadata})


class TrackWaveView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Get a track's waveform",
        description="The waveform peaks of a track; 202 while they are being computed.",
    )
    @extend_schema(
        responses={
            200: PeaksOut,
            202: OpenApiResponse(description="`{status: pending|processing, message}`"),
            422: OpenApiResponse(ErrorOut, description="`error_code: waveform_failed`"),
        },
        parameters=[TRACK_PATH],
        tags=["Tracks"],
    )
    def get(self, request, track_id):
        track = selectors.track_get(viewer=request.user, track_id=parse_pk(track_id))
        if track.file_id is None:
            raise NotFound("This track has no audio.")
        waveform = waveform_for(track=track)
        if waveform is None or (
            waveform.source_file_id != track.file_id
            and waveform.status in (ProcessingStatus.COMPLETED, ProcessingStatus.FAILED)
        ):
            # Tracks from before the pipeline (or a lost enqueue): schedule now, idempotently.
            waveform = waveform_schedule(track_id=track.pk)
            if waveform is None:  # the track or its audio went away meanwhile
                raise NotFound()
        if waveform.status == ProcessingStatus.COMPLETED:
            return Response({"peaks": waveform.peaks})
        if waveform.status == ProcessingStatus.FAILED:
            raise ApplicationError(
                f"The waveform could not be computed: {waveform.error or 'unknown error'}",
                code="waveform_failed",
                status=422,
                extra={"status": waveform.status},
            )
        return Response(
            {"status": waveform.status, "message": "The waveform is being computed."},
            status=status.HTTP_202_ACCEPTED,
        )


class WaveBatchView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Get many waveforms",
        description=(
            "Waveform peaks of several tracks at once; tracks you cannot see are left out."
        ),
    )
    @extend_schema(
        request=WaveBatchInput,
        responses={
            200: inline_serializer(
                "WaveBatch",
                {
                    "waves": serializers.DictField(
                        # the same component, null for a waveform not computed yet
                        child=type(PeaksOut)(allow_null=True),
                        help_text="Track id → {peaks} or null while not computed; tracks you "
                        "cannot see are left out.",
                    )
                },
            )
        },
        tags=["Tracks"],
    )
    def post(self, request):
        data = WaveBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = list(dict.fromkeys(data.validated_data["track_ids"]))
        waves = waveform_batch(viewer=request.user, track_ids=ids)
        return Response(
            {
                "waves": {
                    str(pk): ({"peaks": waves[pk]} if waves[pk] is not None else None)
                    for pk in ids
                    if pk in waves
                }
            }
        )


class TrackDownloadView(RetryAfterMixin, APIView):
    """``GET /tracks/{id}/download?format=wav|mp3``: the download flow (see
    ``content.licensing.selectors.download_policy`` for who may download and why not)."""

    permission_classes = [AllowAny]

    def perform_content_negotiation(self, request, force=False):
        # ``?format=`` picks the audio format here, not one of DRF's renderers.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="tracks_download",
        summary="Download a track",
        description=(
            "Streams the track in the requested `format` (one HTTP byte range supported: 206 / "
            "416). Managers of the main artist and staff download without a license; anyone "
            "downloads a free-download track. Everyone else needs an active subscription, a "
            "completed fingerprint and a track not sold exclusively: their first download "
            "issues a non-exclusive license certificate (within the plan's quota), later ones "
            "reuse it. The license UUID is in the `X-License-Id` header. An MP3 is transcoded "
            "once (320 kbps); until it is ready the answer is 409 `transcode_pending` with "
            "`Retry-After`."
        ),
        responses={
            (200, "audio/*"): OpenApiResponse(description="The file."),
            (206, "audio/*"): OpenApiResponse(description="A byte range of it."),
            **errors(
                401,
                403,
                404,
                409,
                410,
                416,
                422,
                429,
                503,
                e403="`subscription_required`.",
                e409="`fingerprint_pending` or `transcode_pending` (both with `Retry-After`), "
                "`fingerprint_failed`.",
                e410="`exclusive_sold` or `license_revoked`.",
                e416="The byte range cannot be satisfied.",
                e422="An unknown `format`.",
                e429="`download_quota_exceeded` (with `Retry-After`).",
                e503="`transcode_failed`, or `license_signing_unavailable`.",
            ),
        },
        parameters=[
            TRACK_PATH,
            OpenApiParameter(
                "format",
                str,
                enum=list(download_services.FORMATS),
                description="`wav` (lossless; default) or `mp3` (320 kbps).",
            ),
        ],
        tags=["Tracks"],
    )
    def get(self, request, track_id):
        pk = parse_pk(track_id)
        fmt = (request.query_params.get("format") or "wav").lower()
        if fmt not in download_services.FORMATS:
            selectors.track_get(viewer=request.user, track_id=pk)  # a missing track is a 404
            raise ValidationError({"format": ["The format must be one of: wav, mp3."]})
        user = request.user
        # One query: the track, its file, the rendition, the credits and the policy's facts
        # (none when the lean path read them for this user and handed the request over).
        track = _read_by_lean_path(request, user=user, track_id=pk, fmt=fmt)
        if track is None:
            track = download_track_get(viewer=user, track_id=pk, fmt=fmt)
        facts = download_facts_of(track, user=user) if user.is_authenticated else None
        decision = download_policy(user=request.user, track=track, facts=facts)
        entry = track.file
        if entry is None:
            raise NotFound("This track has no audio file.")
        served = download_services.servable_for(
            entry=entry, fmt=fmt, rendition=track.download_rendition
        )
        return _serve_download(
            request, track=track, user=user, decision=decision, fmt=fmt, served=served
        )


def _serve_download(request, *, track, user, decision, fmt: str, served, recorded=False):
    """The response of an allowed download (both paths): the file (or its range), the license
    used or issued (``X-License-Id``) and the ``Download`` row, written before the response
    (``recorded``: already written by the lean path's statement)."""
    filename = download_services.download_filename(
        track=track, artist_names=track.download_artist_names, extension=served.extension
    )
    response = download_services.file_response(
        served=served, filename=filename, range_header=request.headers.get("Range")
    )
    if request.method != "GET" or response.status_code not in (200, 206):
        return response  # HEAD probes and 416s are not downloads and issue nothing
    # One event per download, not per chunk: players fetch ranges; count the one that
    # starts at byte 0. Every GET still gets (or issues) the license: the file is never
    # served unlicensed, whatever the range.
    starts_at_zero = response.status_code == 200 or response["Content-Range"].startswith("bytes 0-")
    try:
        license = download_services.download_grant(
            track=track,
            user=user,
            decision=decision,
            context=lambda: issuance_context(request),
            ip=client_ip(request),
            fmt=fmt,
            record=starts_at_zero and not recorded,
        )
    except BaseException:
        response.close()  # the file it opened
        raise
    if license is not None:
        response["X-License-Id"] = str(license.uuid)
    return response


# The query strings of nearly every download, and the format each means (as parsed below).
_LEAN_FORMATS = {"": "wav", "format=wav": "wav", "format=mp3": "mp3"}

# Users whose ``user`` throttle this process saw at its limit, until the time (unix seconds)
# the window frees a slot. The lean statement records the download before the throttle's
# answer is read, and deletes the row when the hit is refused; for these users the request
# goes straight to the DRF view, which refuses it before any write, so a client hammering past
# its limit costs no database writes. Bounded: cleared when it grows past ``_AT_LIMIT_MAX``.
_AT_LIMIT: dict[int, float] = {}
_AT_LIMIT_MAX = 4096


def _at_the_limit(user_id: int) -> bool:
    until = _AT_LIMIT.get(user_id)
    if until is None:
        return False
    if time.time() < until:
        return True
    _AT_LIMIT.pop(user_id, None)
    return False


def _note_the_limit(request, user_id: int, allowed: bool) -> None:
    info = getattr(request, "ratelimit", None)
    if info is not None and (not allowed or info.remaining <= 0):
        if len(_AT_LIMIT) >= _AT_LIMIT_MAX:
            _AT_LIMIT.clear()
        _AT_LIMIT[user_id] = float(info.reset)


def _lean_download(request, track_id):
    """The common download, a signed-in non-staff user getting a whole file they hold a
    license for (or own, or a free download), served without DRF (``beatpass.api.lean``) in
    ONE statement: the user row, the download's read and its ``Download`` row
    (``download_read_and_record``). A byte range reads (the same prepared read, without the
    INSERT) and then records as the DRF view does.
    None for anything else — no token or a refused one, staff, a hidden or missing track, any
    refusal of the policy, a first license, a rendition not ready, a throttled request:
    ``TrackDownloadView`` answers those as before (reusing the read), after this path has
    deleted a row its statement recorded, and without a throttle hit counted here."""
    token = lean.access_token(request)
    if token is None:
        return None
    user_id = lean.token_user_id(token)
    fmt = _LEAN_FORMATS.get(request.META.get("QUERY_STRING", ""))
    if fmt is None:  # any other query: parsed (Django's QueryDict, as DRF's ``query_params``)
        fmt = (request.GET.get("format") or "wav").lower()
    raw_pk = str(track_id)
    if user_id is None or fmt not in download_services.FORMATS or not raw_pk.isdigit():
        return None
    if _at_the_limit(user_id):  # the DRF view refuses it before any write
        return None
    try:
        pk = parse_pk(raw_pk)
    except NotFound:
        return None
    whole_file = not request.META.get("HTTP_RANGE")  # ``request.headers["Range"]``, unbuilt
    scope, ident = UserRateThrottle.scope, str(user_id)
    if whole_file and lean.throttle_keeps_off_the_database():
        pending = download_services.download_serve_and_record_send(
            user_id=user_id,
            track_id=pk,
            fmt=fmt,
            ip=client_ip(request),
            revoke_claim=token.get(jwt_settings.REVOKE_TOKEN_CLAIM),
        )
        if pending is not None:
            return _lean_serve(request, pending, user_id=user_id, track_id=pk, scope=scope)
    recorded = None
    if whole_file:
        found = download_services.download_read_and_record(
            user_id=user_id,
            track_id=pk,
            fmt=fmt,
            ip=client_ip(request),
            revoke_claim=token.get(jwt_settings.REVOKE_TOKEN_CLAIM),
        )
        if found is None:
            return None
        track, viewer, recorded = found
    else:
        found = download_track_and_viewer_get(user_id=user_id, track_id=pk, fmt=fmt)
        if found is None:
            return None
        track, viewer, _ = found
    # Handed over from here on, the DRF view reuses this read (``_read_by_lean_path``).
    request.lean_download_read = (user_id, pk, fmt, track)
    served = _lean_servable(token, user_id=user_id, viewer=viewer, track=track, fmt=fmt)
    if served is not None:
        user, decision, served = served
        expected = decision.license.pk if decision.license is not None else None
        if recorded is not None and recorded["license_id"] != expected:
            served = None  # the statement and the policy disagree: the policy decides
    allowed = served is not None and lean.throttle_hit(request, scope=scope, ident=ident)
    if served is not None:
        _note_the_limit(request, user_id, allowed)
    if not allowed:
        if recorded is not None:
            download_services.download_unrecord(recorded=recorded)
        return None
    request.user = user
    try:
        response = _serve_download(
            request,
            track=track,
            user=user,
            decision=decision,
            fmt=fmt,
            served=served,
            recorded=recorded is not None,
        )
    except BaseException:
        if recorded is not None:
            download_services.download_unrecord(recorded=recorded)
        raise
    response["Allow"] = _DOWNLOAD_ALLOW  # as DRF's ``finalize_response`` adds
    return response


def _lean_serve(request, pending, *, user_id: int, track_id: int, scope: str):
    """The lean path's answer from its one statement (``download_serve_and_record_send``,
    already sent), which decided and recorded the download (its condition restates the
    policy's serving routes; ``test_download_sql_agrees`` holds the two together on every
    branch): the throttle's hit is counted while PostgreSQL runs it, then the file is served
    with its license id. None, with the row deleted and the hit taken back, when the statement
    recorded nothing (a refusal, a first license, staff, a refused token: the DRF view answers)
    or the throttle refused (not counted: the DRF view refuses it again and words the 429)."""
    ident = str(user_id)
    try:
        try:
            hit = lean.throttle_send(request, scope=scope, ident=ident)
            try:
                allowed = hit.allowed()
            finally:
                hit.close()
        except BaseException:
            recorded = pending.result()
            if recorded is not None:
                download_services.download_unrecord(recorded={"id": recorded.id})
            raise
        recorded = pending.result()
    finally:
        pending.close()
    _note_the_limit(request, user_id, allowed)
    if recorded is None or recorded.served is None or not allowed:
        if recorded is not None:
            download_services.download_unrecord(recorded={"id": recorded.id})
        if allowed:
            lean.throttle_undo(request, scope=scope, ident=ident)
        return None
    served = recorded.served
    try:
        filename = download_services.download_filename_of(
            name=recorded.track_name,
            pk=track_id,
            artist_names=recorded.artist_names,
            extension=served.extension,
        )
        response = download_services.file_response(
            served=served, filename=filename, range_header=None
        )
    except BaseException:
        download_services.download_unrecord(recorded={"id": recorded.id})
        raise
    if recorded.license_uuid is not None:
        response["X-License-Id"] = recorded.license_uuid
    response["Allow"] = _DOWNLOAD_ALLOW  # as DRF's ``finalize_response`` adds
    request.user = SimpleLazyObject(lambda: get_user_model()._default_manager.get(pk=user_id))
    return response


def _lean_servable(token, *, user_id: int, viewer, track, fmt: str):
    """(user, decision, servable) when the lean path serves this download, else None; reads
    and writes nothing."""
    user = lean.token_user(token, user_id=user_id, row=viewer)
    if user is None or user.is_staff:  # refused (the DRF view says why), or another shape
        return None
    try:
        facts = download_facts_of(track, user=user)
        decision = download_policy(user=user, track=track, facts=facts)
    except (ApplicationError, APIException):
        return None
    if decision.needs_license and decision.license is None:
        return None  # a first license: quota, lock and issuance, on the DRF path
    if track.file is None:
        return None
    served = download_services.servable_ready(
        entry=track.file, fmt=fmt, rendition=track.download_rendition
    )
    return None if served is None else (user, decision, served)


def _read_by_lean_path(request, *, user, track_id: int, fmt: str):
    """The track ``_lean_download`` read for this request before handing it over, when it
    is what ``download_track_get`` would read now: the same track and format, and the facts
    of the user who authenticated, not staff (the lean statement's shape); else None."""
    read = getattr(request._request, "lean_download_read", None)
    if read is None or not user.is_authenticated or user.is_staff:
        return None
    user_id, read_track_id, read_fmt, track = read
    if (user_id, read_track_id, read_fmt) != (user.pk, track_id, fmt):
        return None
    return track


# DRF's ``Allow`` for the view: its handlers plus HEAD (Django's ``View.setup`` maps it to GET).
_DOWNLOAD_ALLOW = "GET, HEAD, OPTIONS"


def track_download_view():
    """``TrackDownloadView`` behind the lean path for the common GET (``_lean_download``);
    the class also documents the operation (``cls``)."""
    drf_view = TrackDownloadView.as_view()

    @csrf_exempt
    def view(request, track_id):
        if request.method == "GET":
            response = _lean_download(request, track_id)
            if response is not None:
                return response
        return drf_view(request, track_id=track_id)

    view.cls = TrackDownloadView  # what the schema generator documents
    view.initkwargs = {}
    return view
