"""Exclusive license presets and the producer's default configuration."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from beatpass.api.params import parse_pk
from beatpass.api.schema import errors
from content.commerce import selectors, terms
from content.commerce.inputs import DefaultConfigInput, PresetInput
from content.commerce.presenters import present_preset
from content.commerce.schemas import (
    ArtistDefaultEnvelope,
    DefaultConfigEnvelope,
    PresetEnvelope,
    PresetListEnvelope,
)
from content.commerce.services import presets as services

TAG = "Exclusive License Presets"


def _one(preset) -> dict:
    return present_preset(preset, usage_count=getattr(preset, "usage_count", 0))


def _fresh(request, preset) -> dict:
    return _one(selectors.preset_get(user=request.user, preset_id=preset.pk))


class PresetListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="exclusive_license_presets_list",
        summary="Your exclusive license presets",
        description=("Every preset of yours, the default first, each with how many tracks use it."),
        responses={200: PresetListEnvelope, **errors(401)},
        tags=[TAG],
    )
    def get(self, request):
        presets = [_one(p) for p in selectors.presets_of(user=request.user)]
        return Response({"status": "success", "presets": presets})

    @extend_schema(
        operation_id="exclusive_license_presets_create",
        summary="Save an exclusive license preset",
        description=(
            "A named set of exclusive terms to apply to tracks; the first one becomes the default."
        ),
        request=PresetInput,
        responses={201: PresetEnvelope, **errors(401, 422)},
        tags=[TAG],
    )
    def post(self, request):
        data = PresetInput(data=request.data)
        data.is_valid(raise_exception=True)
        preset = services.preset_create(owner=request.user, **data.validated_data)
        return Response(
            {"status": "success", "preset": _fresh(request, preset)}, status=status.HTTP_201_CREATED
        )


class PresetDefaultConfigView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="exclusive_license_presets_default_config",
        summary="The platform's default exclusive configuration",
        description=("The terms a new preset starts from when the producer has none of their own."),
        responses={200: DefaultConfigEnvelope, **errors(401)},
        tags=[TAG],
    )
    def get(self, request):
        return Response(
            {
                "status": "success",
                "config": terms.DEFAULT_CONFIG,
                "options": {
                    "territories": list(terms.TERRITORIES),
                    "governing_laws": list(terms.GOVERNING_LAWS),
                    "files_to_deliver": list(terms.DELIVERABLES),
                },
            }
        )


class PresetDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def _preset(self, request, preset_id):
        return selectors.preset_get(user=request.user, preset_id=parse_pk(preset_id))

    @extend_schema(
        operation_id="exclusive_license_presets_retrieve",
        summary="One of your presets",
        description=(
            "One preset with its terms and usage count; another producer's preset is 404."
        ),
        responses={200: PresetEnvelope, **errors(401, 404)},
        tags=[TAG],
    )
    def get(self, request, preset_id):
        return Response({"status": "success", "preset": _one(self._preset(request, preset_id))})

    @extend_schema(
        operation_id="exclusive_license_presets_update",
        summary="Edit a preset",
        description="Tracks already using it keep the terms they copied.",
        request=PresetInput,
        responses={200: PresetEnvelope, **errors(401, 404, 422)},
        tags=[TAG],
    )
    def put(self, request, preset_id):
        preset = self._preset(request, preset_id)
        data = PresetInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        preset = services.preset_update(preset=preset, data=data.validated_data)
        return Response({"status": "success", "preset": _fresh(request, preset)})

    @extend_schema(
        operation_id="exclusive_license_presets_destroy",
        summary="Delete a preset",
        description="409 `preset_in_use` while tracks use it.",
        responses={204: None, **errors(401, 404, 409)},
        tags=[TAG],
    )
    def delete(self, request, preset_id):
        services.preset_delete(preset=self._preset(request, preset_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PresetSetDefaultView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="exclusive_license_presets_set_default",
        summary="Make a preset your default",
        description=("Exactly one default per producer: the previous default stops being one."),
        request=None,
        responses={200: PresetEnvelope, **errors(401, 404)},
        tags=[TAG],
    )
    def post(self, request, preset_id):
        preset = selectors.preset_get(user=request.user, preset_id=parse_pk(preset_id))
        preset = services.preset_set_default(preset=preset)
        return Response({"status": "success", "preset": _fresh(request, preset)})


class ArtistDefaultView(APIView):
    permission_classes = [IsAuthenticated]

    def _body(self, request) -> dict:
        preset = selectors.default_preset_of(user=request.user)
        return {
            "status": "success",
            "preset": _one(preset) if preset else None,
            "config": terms.config_with_defaults(preset.config if preset else None),
        }

    @extend_schema(
        operation_id="artist_exclusive_license_default",
        summary="Your default exclusive configuration",
        description="New tracks start from it: your default preset's, else the platform's.",
        responses={200: ArtistDefaultEnvelope, **errors(401)},
        tags=[TAG],
    )
    def get(self, request):
        return Response(self._body(request))

    @extend_schema(
        operation_id="artist_exclusive_license_default_set",
        summary="Set your default exclusive configuration",
        description="`preset_id`: make that preset the default; `config`: save it as the "
        "default (in the preset named “My default”).",
        request=DefaultConfigInput,
        responses={200: ArtistDefaultEnvelope, **errors(401, 404, 422)},
        tags=[TAG],
    )
    def post(self, request):
        data = DefaultConfigInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        preset = None
        if "preset_id" in values:
            preset = selectors.preset_get(user=request.user, preset_id=values["preset_id"])
        services.default_config_set(owner=request.user, config=values.get("config"), preset=preset)
        return Response(self._body(request))
