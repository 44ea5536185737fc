"""The staff moderation tool. Decisions go through the same services as the API."""

from __future__ import annotations

import json
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from beatpass.api.errors import ApplicationError

from . import selectors, services
from .models import BackstageRequest, BackstageRequestEvent

URL_PATTERN = re.compile(r"https?://[^\s\"'<>\\]+")


def render_json_with_links(data) -> str:
    """Pretty-printed JSON, HTML-escaped, with http(s) URLs turned into links (nothing else is).

    Only http and https are linked, so a ``javascript:`` value stays inert text.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    parts = []
    position = 0
    for match in URL_PATTERN.finditer(text):
        parts.append(format_html("{}", text[position : match.start()]))
        url = match.group(0)
        parts.append(
            format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, url)
        )
        position = match.end()
    parts.append(format_html("{}", text[position:]))
    return format_html(
        '<pre class="backstage-data" style="white-space: pre-wrap; margin: 0;">{}</pre>',
        mark_safe("".join(parts)),  # noqa: S308 - every part above went through format_html
    )


class DecisionForm(forms.Form):
    notes = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        help_text="Optional. Sent to the user with the decision.",
    )


class BackstageRequestEventInline(admin.TabularInline):
    """The audit trail: read-only, never added to or deleted from here."""

    model = BackstageRequestEvent
    fields = ("created_at", "actor", "from_status", "to_status", "notes", "effects")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ("created_at", "id")
    verbose_name = "audit event"
    verbose_name_plural = "Audit trail"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return BackstageRequestAdmin.can_view(request)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(BackstageRequest)
class BackstageRequestAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user_email",
        "type",
        "artist_name",
        "status",
        "created_at",
        "handled_at",
    )
    list_display_links = ("id", "user_email")
    list_filter = ("status", "type")
    search_fields = ("user__email", "artist_name")
    list_select_related = ("user", "artist")
    # Pending first (the review queue), then newest.
    ordering = (
        Case(
            When(status=BackstageRequest.Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ).asc(),
        "-created_at",
        "-id",
    )
    actions = ("approve_requests", "deny_requests", "revoke_requests")
    inlines = (BackstageRequestEventInline,)
    fieldsets = (
        (
            "Request",
            {
                "fields": (
                    "user_link",
                    "type",
                    "status",
                    "artist_name",
                    "artist_link",
                    "artist_managers",
                    "created_at",
                )
            },
        ),
        ("Application data", {"fields": ("data_pretty",)}),
        (
            "Decision",
            {
                "fields": (
                    "notes",
                    "handled_by",
                    "handled_at",
                    "granted_manager",
                    "granted_verification",
                    "updated_at",
                )
            },
        ),
    )
    # Everything but the producer name is read-only: status and grants change only through the
    # actions (and their services), the applicant's data is evidence.
    readonly_fields = (
        "user_link",
        "type",
        "status",
        "artist_link",
        "artist_managers",
        "created_at",
        "data_pretty",
        "notes",
        "handled_by",
        "handled_at",
        "granted_manager",
        "granted_verification",
        "updated_at",
    )

    # --- permissions ----------------------------------------------------------------------------

    @staticmethod
    def can_view(request) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and (
                user.has_perm("backstage.view_backstagerequest")
                or user.has_perm("backstage.change_backstagerequest")
                or selectors.can_handle_requests(user)
            )
        )

    def has_handle_permission(self, request) -> bool:
        return request.user.is_staff and selectors.can_handle_requests(request.user)

    def has_view_permission(self, request, obj=None):
        return self.can_view(request)

    def has_change_permission(self, request, obj=None):
        # Handlers may correct the producer name of a pending request (all else is read-only).
        return super().has_change_permission(request, obj) or self.has_handle_permission(request)

    def has_module_permission(self, request):
        return self.can_view(request)

    def has_add_permission(self, request):
        return False  # users apply through the API

    def has_delete_permission(self, request, obj=None):
        return False  # requests and their events are the audit record

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # The producer name can be corrected while the request waits; after that it is history.
        if obj is None or obj.status != BackstageRequest.Status.PENDING:
            fields.append("artist_name")
        return fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Adds buttons for the decisions the request's status allows (same actions, same page)."""
        extra_context = dict(extra_context or {})
        item = self.get_object(request, object_id)
        if item is not None and self.has_handle_permission(request):
            extra_context["backstage_decisions"] = [
                (f"{name}_requests", label)
                for name, label in (
                    ("approve", "Approve…"),
                    ("deny", "Deny…"),
                    ("revoke", "Revoke…"),
                )
                if item.status in services.TRANSITIONS[name][0]
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    # --- display --------------------------------------------------------------------------------

    @admin.display(description="user email", ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description="user")
    def user_link(self, obj):
        url = reverse("admin:accounts_user_change", args=[obj.user_id])
        return format_html('<a href="{}">{}</a>', url, obj.user.email)

    @admin.display(description="artist")
    def artist_link(self, obj):
        if obj.artist_id is None:
            return "—"
        url = reverse("admin:content_artist_change", args=[obj.artist_id])
        label = obj.artist.name + (" ✔ verified" if obj.artist.verified else "")
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description="artist's current managers")
    def artist_managers(self, obj):
        if obj.artist_id is None:
            return "—"
        emails = obj.artist.managers.order_by("email").values_list("email", flat=True)
        if not emails:
            return "nobody (unclaimed)"
        return format_html_join(", ", "{}", ((email,) for email in emails))

    @admin.display(description="data")
    def data_pretty(self, obj):
        return render_json_with_links(obj.data)

    # --- actions --------------------------------------------------------------------------------

    def _decide(self, request, queryset, *, action: str, verb: str, past: str, service):
        if not self.has_handle_permission(request):
            raise PermissionDenied
        form = DecisionForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            notes = form.cleaned_data["notes"]
            done, refused = [], []
            for item in queryset.order_by("pk"):
                try:
                    service(backstage_request=item, actor=request.user, notes=notes)
                except ApplicationError as exc:
                    refused.append(f"#{item.pk}: {exc.message}")
                else:
                    done.append(f"#{item.pk}")
            if done:
                self.message_user(
                    request,
                    f"{past.capitalize()} {len(done)} request(s): {', '.join(done)}.",
                    messages.SUCCESS,
                )
            if refused:
                self.message_user(request, f"Not {past}: {'; '.join(refused)}", messages.WARNING)
            return None  # back to the changelist
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb} backstage requests",
            "subtitle": None,
            "opts": self.model._meta,
            "queryset": queryset.select_related("user", "artist").order_by("pk"),
            "form": form,
            "action": action,
            "verb": verb,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "revoked_message": selectors.REVOKED_MESSAGE if action == "revoke_requests" else None,
            "media": self.media,
        }
        return TemplateResponse(
            request, "admin/backstage/backstagerequest/decision_confirmation.html", context
        )

    @admin.action(description="Approve selected requests…", permissions=["handle"])
    def approve_requests(self, request, queryset):
        return self._decide(
            request,
            queryset,
            action="approve_requests",
            verb="Approve",
            past="approved",
            service=services.backstage_request_approve,
        )

    @admin.action(description="Deny selected requests…", permissions=["handle"])
    def deny_requests(self, request, queryset):
        return self._decide(
            request,
            queryset,
            action="deny_requests",
            verb="Deny",
            past="denied",
            service=services.backstage_request_deny,
        )

    @admin.action(description="Revoke selected requests…", permissions=["handle"])
    def revoke_requests(self, request, queryset):
        return self._decide(
            request,
            queryset,
            action="revoke_requests",
            verb="Revoke",
            past="revoked",
            service=services.backstage_request_revoke,
        )
