"""Cover art endpoints: templates, previews, matching, and the cover of a track or album."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from beatpass.api.pagination import paginate
from beatpass.api.params import parse_pk
from beatpass.api.schema import PAGE_PARAMS, errors, paginated
from beatpass.api.throttling import UploadRateThrottle
from content.catalog.models import Album, Track
from content.catalog.presenters import image_or_placeholder
from content.catalog.selectors import album_get, track_get
from content.uploads.models import FileEntry
from content.uploads.services import human_size
from coverart import presenters, selectors, services
from coverart.inputs import (
    CoverApplyInput,
    MatchingInput,
    PreviewInput,
    TemplateListInput,
    TemplateWriteInput,
)
from coverart.matching import mood_for, normalize_genres, rank
from coverart.schemas import (
    COVER_DELETED,
    COVER_ENVELOPE,
    MATCHING,
    PREVIEW,
    TEMPLATE_ENVELOPE,
    CoverApplyMultipart,
    TemplateOut,
)

TAG = "Cover Art"
TEMPLATE_PATH = OpenApiParameter(
    "id", int, OpenApiParameter.PATH, description="Template id (`template` in the spec's path)."
)


def _template_for(request, template_id: int, *, field: str | None = None):
    """The template by id: 404 on the detail route, 422 on the field of a request body."""
    try:
        return selectors.template_get(viewer=request.user, template_id=template_id)
    except NotFound:
        if field is None:
            raise
        raise ValidationError({field: ["The selected template id is invalid."]}) from None


class TemplateViewSet(ViewSet):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[TAG],
        operation_id="cover_art_templates_list",
        summary="List cover art templates",
        description=(
            "Active templates in display order, each with a placeholder preview "
            "(`preview_url`, 600×600 JPEG). Filter by `genre` (slug, e.g. `trap`, `r-n-b`) "
            "and `mood`."
        ),
        parameters=[
            *PAGE_PARAMS,
            OpenApiParameter("genre", str, description="Only templates made for this genre."),
            OpenApiParameter(
                "mood",
                str,
                description="Only templates for this mood.",
                enum=["dark", "chill", "energetic", "melancholic", "uplifting"],
            ),
        ],
        responses={200: paginated("CoverTemplates", TemplateOut()), **errors(401, 422)},
    )
    def list(self, request):
        params = TemplateListInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        genre = params.validated_data.get("genre")
        # A genre with nothing left after normalising (emoji, punctuation) matches no template.
        genre = (normalize_genres([genre]) or [genre])[0] if genre else None
        page = paginate(
            selectors.template_list(
                genre=genre,
                mood=params.validated_data.get("mood"),
            ),
            request,
        )
        services.template_previews_ensure(templates=page.items)
        return Response(page.envelope(presenters.present_templates(page.items)))

    @extend_schema(
        tags=[TAG],
        operation_id="cover_art_templates_retrieve",
        summary="Get a cover art template",
        description=(
            "One template with its palettes and spec. Inactive templates are 404 except for staff."
        ),
        parameters=[TEMPLATE_PATH],
        responses={200: TEMPLATE_ENVELOPE, **errors(401, 404)},
    )
    def retrieve(self, request, pk=None):
        template = selectors.template_get(viewer=request.user, template_id=parse_pk(pk))
        services.template_previews_ensure(templates=[template])
        return Response({"status": "success", "template": presenters.present_template(template)})

    @extend_schema(
        tags=[TAG],
        operation_id="cover_art_templates_create",
        summary="Create a cover art template (staff)",
        description=(
            "The spec is validated against the version 1 schema and its references; every "
            "problem is reported with its path (`spec.layers.2.box`)."
        ),
        request=TemplateWriteInput,
        responses={201: TEMPLATE_ENVELOPE, **errors(401, 403, 422)},
    )
    def create(self, request):
        _require_staff(request)
        data = TemplateWriteInput(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.template_create(user=request.user, data=data.validated_data)
        services.template_previews_ensure(templates=[template])
        return Response(
            {"status": "success", "template": presenters.present_template(template)},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=[TAG],
        operation_id="cover_art_templates_update",
        summary="Edit a cover art template (staff)",
        description="Partial update; the resulting spec is validated as on create.",
        parameters=[TEMPLATE_PATH],
        request=TemplateWriteInput,
        responses={200: TEMPLATE_ENVELOPE, **errors(401, 403, 404, 422)},
    )
    def partial_update(self, request, pk=None):
        _require_staff(request)
        template = selectors.template_get(viewer=request.user, template_id=parse_pk(pk))
        data = TemplateWriteInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        template = services.template_update(
            user=request.user, template=template, data=data.validated_data
        )
        services.template_previews_ensure(templates=[template])
        return Response({"status": "success", "template": presenters.present_template(template)})

    @extend_schema(
        tags=[TAG],
        operation_id="cover_art_templates_replace",
        summary="Replace a cover art template (staff)",
        description="Same as PATCH: fields left out keep their value.",
        parameters=[TEMPLATE_PATH],
        request=TemplateWriteInput,
        responses={200: TEMPLATE_ENVELOPE, **errors(401, 403, 404, 422)},
    )
    def update(self, request, pk=None):
        return self.partial_update(request, pk)


def _require_staff(request) -> None:
    if not request.user.is_staff:
        raise PermissionDenied("Only staff can edit cover templates.")


class PreviewView(APIView):
    permission_classes = [IsAuthenticated]

    def get_throttles(self):
        return [*super().get_throttles(), UploadRateThrottle()]

    @extend_schema(
        tags=[TAG],
        operation_id="cover_art_preview",
        summary="Preview cover art",
        description=(
            "Renders the template with this title and artist (and optional genres, mood, "
            "seed, palette) and returns a URL to a 600×600 JPEG. Identical requests share "
            "one cached preview; previews expire after `COVERART_PREVIEW_TTL_SECONDS` since "
            "their last request. Rate-limited with the `upload` scope."
        ),
        request=PreviewInput,
        responses={200: PREVIEW, **errors(401, 422, 429)},
    )
    def post(self, request):
        data = PreviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        template = _template_for(request, values["template_id"], field="template_id")
        preview = services.preview_create(
            template=template,
            title=values["title"],
            artist=values.get("artist", ""),
            genres=values.get("genres", []),
            mood=values.get("mood"),
            seed=values.get("seed") or None,
            palette=values.get("palette"),
        )
        return Response(presenters.present_preview(preview))


class MatchingView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[TAG],
        operation_id="cover_art_matching_templates",
        summary="Templates matching a track's genres and mood",
        description=(
            "Ranks active templates by the number of genres they share with the request, then "
            "by mood, then by a stable per-track shuffle. With `track_id`, missing genres and "
            "mood come from the track (mood from its scale, tempo and genres). When nothing "
            "shares a genre, templates of related genres are returned (`match: related`), and "
            "failing those, all templates (`match: any`)."
        ),
        parameters=[
            OpenApiParameter("genres", str, description="Comma-separated genre names."),
            OpenApiParameter(
                "mood", str, description="dark, chill, energetic, melancholic or uplifting."
            ),
            OpenApiParameter(
                "track_id", int, description="A track you can see; supplies genres and mood."
            ),
            OpenApiParameter("limit", int, description="How many templates (1-50, default 12)."),
        ],
        responses={200: MATCHING, **errors(401, 404, 422)},
    )
    def get(self, request):
        params = MatchingInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        values = params.validated_data
        genres = normalize_genres(values.get("genres", []))
        mood = values.get("mood")
        if "track_id" in values:
            track = track_get(viewer=request.user, track_id=values["track_id"])
            profile = selectors.track_profile(track)
            genres = genres or normalize_genres(profile["genres"])
            mood = mood or profile["mood"]
            seed = f"track:{track.pk}"
        else:
            seed = f"{','.join(sorted(genres))}|{mood or ''}"
        if not genres:
            raise ValidationError(
                {"genres": ["Give at least one genre, or the track_id of a track with genres."]}
            )
        mood = mood or mood_for(genres=genres)
        candidates = selectors.template_candidates()
        by_id = {template.pk: template for template, _ in candidates}
        matches = rank(
            [candidate for _, candidate in candidates],
            genres=genres,
            mood=mood,
            seed=seed,
            limit=values["limit"],
        )
        templates = [by_id[m.candidate.id] for m in matches]
        services.template_previews_ensure(templates=templates)
        items = []
        for match, item in zip(matches, presenters.present_templates(templates), strict=True):
            item.update({"match": match.match, "matched_genres": list(match.matched_genres)})
            items.append(item)
        return Response(
            {
                "status": "success",
                "genres": genres,
                "mood": mood,
                "match": matches[0].match if matches else None,
                "templates": items,
            }
        )


class _CoverView(APIView):
    """``GET``/``POST``/``DELETE /{tracks|albums}/{id}/cover-art``."""

    permission_classes = [IsAuthenticated]
    kind = ""

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(UploadRateThrottle())
        return throttles

    def owner(self, request, pk: int):  # pragma: no cover - overridden
        raise NotImplementedError

    def fallback_image(self, owner) -> str | None:
        return image_or_placeholder(owner.image)

    def show(self, request, pk):
        owner = self.owner(request, pk)
        cover = selectors.cover_of(**{self.kind: owner})
        return Response(
            {
                "status": "success",
                "cover_art": presenters.present_cover(cover) if cover else None,
                "image": self.fallback_image(owner),
            }
        )

    def apply(self, request, pk):
        owner = self.owner(request, pk)
        payload = request.data  # parse first: the upload handler flags oversized files
        if getattr(request._request, "upload_too_large", False):
            limit = human_size(settings.COVERART_MAX_UPLOAD_BYTES)
            raise ValidationError({"image": [f"Cover art may not be greater than {limit}."]})
        data = CoverApplyInput(data=payload)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        target = {self.kind: owner}
        entry = None
        if "file_id" in values:
            entry = FileEntry.objects.filter(pk=values["file_id"], owner=request.user).first()
            if entry is None:
                raise ValidationError({"file_id": ["The selected file id is invalid."]})
        if "template_id" in values:
            template = _template_for(request, values["template_id"], field="template_id")
            cover = services.cover_apply_template(
                user=request.user,
                template=template,
                palette=values.get("palette"),
                seed=values.get("seed") or None,
                picture_entry=entry,
                **target,
            )
        elif entry is not None:
            cover = services.cover_apply_file_entry(user=request.user, entry=entry, **target)
        else:
            uploaded = values["image"]
            cover = services.cover_apply_upload(
                user=request.user,
                path=uploaded.temporary_file_path(),
                filename=uploaded.name or "",
                **target,
            )
        return Response(
            {
                "status": "success",
                "cover_art": presenters.present_cover(cover),
                "image": presenters.present_cover(cover)["image"],
            }
        )

    def remove(self, request, pk):
        owner = self.owner(request, pk)
        services.cover_remove(user=request.user, **{self.kind: owner})
        owner.refresh_from_db(fields=["image"])
        return Response({"status": "success", "image": self.fallback_image(owner)})


def _cover_schema(noun: str, verb: str):
    path = OpenApiParameter("id", int, OpenApiParameter.PATH, description=f"{noun.title()} id.")
    fallback = (
        "a track without its own cover shows its album's, then the placeholder"
        if noun == "track"
        else "an album without a cover shows the placeholder"
    )
    if verb == "get":
        return extend_schema(
            tags=[TAG],
            operation_id=f"{noun}_cover_art_retrieve",
            summary=f"Get the cover art of a {noun}",
            description=(
                f"`cover_art` is null when the {noun} has none; `image` is what is shown "
                f"({fallback})."
            ),
            parameters=[path],
            responses={200: COVER_ENVELOPE, **errors(401, 404)},
        )
    if verb == "post":
        return extend_schema(
            tags=[TAG],
            operation_id=f"{noun}_cover_art_apply",
            summary=f"Set the cover art of a {noun}",
            description=(
                "Managers of the main artist (and staff) only. Either render a template "
                "(JSON `template_id`, optional `palette` and `seed`; the seed defaults to the "
                f"{noun}, so the same {noun} always gets the same cover), use an image uploaded "
                "earlier (`file_id`), or upload the picture itself (multipart `image`: JPG, PNG "
                "or WebP, at most 2 MB, at least 500×500; non-square pictures are "
                "centre-cropped). The cover is stored as a 1000×1000 master and 600/300/64 "
                f"derivatives (JPEG and WebP); the {noun}'s `image` becomes the master. "
                "Rate-limited with the `upload` scope."
            ),
            parameters=[path],
            request={
                "application/json": CoverApplyInput,
                "multipart/form-data": CoverApplyMultipart,
            },
            responses={200: COVER_ENVELOPE, **errors(401, 403, 404, 422, 429)},
        )
    return extend_schema(
        tags=[TAG],
        operation_id=f"{noun}_cover_art_remove",
        summary=f"Remove the cover art of a {noun}",
        description=f"Deletes the cover and its files; `image` is what is shown now ({fallback}).",
        parameters=[path],
        responses={200: COVER_DELETED, **errors(401, 403, 404)},
    )


class TrackCoverView(_CoverView):
    kind = "track"

    def owner(self, request, pk) -> Track:
        return track_get(viewer=request.user, track_id=parse_pk(pk))

    def fallback_image(self, owner: Track) -> str | None:
        album_image = (
            Album.objects.filter(pk=owner.album_id).values_list("image", flat=True).first()
            if owner.album_id
            else None
        )
        return image_or_placeholder(owner.image, album_image)

    @_cover_schema("track", "get")
    def get(self, request, pk):
        return self.show(request, pk)

    @_cover_schema("track", "post")
    def post(self, request, pk):
        return self.apply(request, pk)

    @_cover_schema("track", "delete")
    def delete(self, request, pk):
        return self.remove(request, pk)


class AlbumCoverView(_CoverView):
    kind = "album"

    def owner(self, request, pk) -> Album:
        return album_get(album_id=parse_pk(pk))

    @_cover_schema("album", "get")
    def get(self, request, pk):
        return self.show(request, pk)

    @_cover_schema("album", "post")
    def post(self, request, pk):
        return self.apply(request, pk)

    @_cover_schema("album", "delete")
    def delete(self, request, pk):
        return self.remove(request, pk)
