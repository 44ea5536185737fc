"""Admin for cover art: templates with thumbnails, a JSON editor that validates as you type and
shows a live preview, duplicate and activate/deactivate actions (all through the services)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html

from coverart import services
from coverart.models import (
    CoverArt,
    CoverPreview,
    CoverTemplate,
    field_errors,
    validate_template_fields,
)
from coverart.render import CoverInputs, render_cover
from coverart.render.output import encode

LIVE_PREVIEW_SIZE = 400


def _thumbnail(url: str | None, size: int = 72):
    if not url:
        return "—"
    return format_html(
        '<img src="{}" width="{}" height="{}" style="border-radius:4px" alt="">', url, size, size
    )


class SpecEditor(forms.Textarea):
    """A monospace JSON editor; the change page's script validates it as you type."""

    def __init__(self) -> None:
        super().__init__(
            attrs={
                "rows": 30,
                "cols": 100,
                "spellcheck": "false",
                "class": "coverart-spec",
                "style": "font-family: ui-monospace, monospace; font-size: 12px; width: 95%;",
            }
        )

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return value  # invalid JSON the user typed: give it back untouched
        return json.dumps(value, indent=2, ensure_ascii=False)


class CoverTemplateForm(forms.ModelForm):
    class Meta:
        model = CoverTemplate
        fields = ("name", "slug", "description", "genres", "moods", "spec", "active", "sort_order")
        widgets = {"spec": SpecEditor()}

    def clean(self):
        data = super().clean()
        if {"spec", "genres", "moods"} <= set(data):
            errors = validate_template_fields(
                spec=data["spec"], genres=data["genres"], moods=data["moods"]
            )
            for field, messages_ in field_errors(errors).items():
                for message in messages_:
                    self.add_error(field, message)
        return data


@admin.register(CoverTemplate)
class CoverTemplateAdmin(admin.ModelAdmin):
    form = CoverTemplateForm
    change_form_template = "admin/coverart/covertemplate/change_form.html"
    list_display = (
        "thumbnail",
        "name",
        "slug",
        "genre_list",
        "mood_list",
        "active",
        "sort_order",
        "updated_at",
    )
    list_display_links = ("thumbnail", "name")
    list_filter = ("active",)
    list_editable = ("sort_order",)
    search_fields = ("name", "slug", "description")
    list_select_related = ()
    ordering = ("sort_order", "id")
    readonly_fields = ("preview_image", "spec_version", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "slug", "description", "active", "sort_order")}),
        ("Matching", {"fields": ("genres", "moods")}),
        ("Design", {"fields": ("spec", "spec_version", "preview_image")}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    prepopulated_fields = {"slug": ("name",)}
    actions = ("duplicate", "activate", "deactivate")

    @admin.display(description="Preview")
    def thumbnail(self, obj: CoverTemplate):
        return _thumbnail(services.file_url(obj.preview) if obj.preview else None)

    @admin.display(description="Saved preview")
    def preview_image(self, obj: CoverTemplate):
        return _thumbnail(services.file_url(obj.preview) if obj.preview else None, size=300)

    @admin.display(description="Genres")
    def genre_list(self, obj: CoverTemplate) -> str:
        return ", ".join(obj.genres)

    @admin.display(description="Moods")
    def mood_list(self, obj: CoverTemplate) -> str:
        return ", ".join(obj.moods)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.template_preview_ensure(template=obj)

    @admin.action(description="Duplicate (as an inactive copy)", permissions=["add"])
    def duplicate(self, request, queryset):
        copies = [services.template_duplicate(template=t) for t in queryset]
        self.message_user(
            request,
            f"Created {len(copies)} inactive copies: {', '.join(c.slug for c in copies)}.",
            messages.SUCCESS,
        )

    @admin.action(description="Activate", permissions=["change"])
    def activate(self, request, queryset):
        changed = services.templates_set_active(templates=queryset, active=True)
        self.message_user(request, f"Activated {changed} template(s).", messages.SUCCESS)

    @admin.action(description="Deactivate (hide from producers)", permissions=["change"])
    def deactivate(self, request, queryset):
        changed = services.templates_set_active(templates=queryset, active=False)
        self.message_user(request, f"Deactivated {changed} template(s).", messages.SUCCESS)

    # --- live preview -------------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "live-preview/",
                self.admin_site.admin_view(self.live_preview_view),
                name="coverart_covertemplate_live_preview",
            ),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, *args, **kwargs):
        context["live_preview_url"] = reverse("admin:coverart_covertemplate_live_preview")
        return super().render_change_form(request, context, *args, **kwargs)

    def live_preview_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_change_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        return _live_preview(request)


def _live_preview(request):
    """POST ``spec`` (JSON text), ``title``, ``artist``, ``palette`` → a JPEG, or 422 with the
    spec's problems by path, which the page shows under the editor."""
    try:
        spec = json.loads(request.POST.get("spec", ""))
    except ValueError as exc:
        return JsonResponse({"errors": {"spec": [f"Not valid JSON: {exc}"]}}, status=422)
    errors = validate_template_fields(spec=spec, genres=[], moods=[])
    if errors:
        return JsonResponse({"errors": errors}, status=422)
    palette = request.POST.get("palette", "")
    inputs = CoverInputs(
        title=request.POST.get("title", "") or "Track Title",
        artist=request.POST.get("artist", "") or "Artist Name",
        seed=request.POST.get("seed", "") or "preview",
        palette=int(palette) if palette.isdigit() and int(palette) < len(spec["palettes"]) else 0,
    )
    image = render_cover(spec, inputs).resize((LIVE_PREVIEW_SIZE, LIVE_PREVIEW_SIZE))
    return HttpResponse(encode(image, "jpeg"), content_type="image/jpeg")


@admin.register(CoverArt)
class CoverArtAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "id", "track", "album", "source", "template", "created_at")
    list_filter = ("source",)
    search_fields = ("track__name", "album__name", "storage_key")
    list_select_related = ("track", "album", "template")
    raw_id_fields = ("track", "album", "template", "created_by")
    readonly_fields = (
        "thumbnail",
        "source",
        "template",
        "palette",
        "seed",
        "storage_key",
        "files",
        "created_by",
        "created_at",
        "updated_at",
    )

    @admin.display(description="Cover")
    def thumbnail(self, obj: CoverArt):
        return _thumbnail(services.file_url(f"{obj.storage_key}/300.jpg"))

    def has_add_permission(self, request):
        return False  # covers are applied through the API (rendering, derivatives, locks)


@admin.register(CoverPreview)
class CoverPreviewAdmin(admin.ModelAdmin):
    list_display = ("key", "template", "expires_at", "created_at")
    list_select_related = ("template",)
    search_fields = ("key",)
    list_filter = ("template",)
    readonly_fields = ("key", "template", "path", "expires_at", "created_at", "updated_at")
    actions = ("cleanup_expired",)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Delete every expired preview now", permissions=["delete"])
    def cleanup_expired(self, request, queryset):
        deleted = services.previews_cleanup()
        self.message_user(request, f"Deleted {deleted} expired preview(s).", messages.SUCCESS)
