"""Admin for license certificates: searchable, read-only, revoked through the service."""

from __future__ import annotations

import json
import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.html import format_html

from beatpass.api.errors import ApplicationError
from content.licensing import services
from content.licensing.models import License


class RevokeForm(forms.Form):
    notes = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text="Required. Sent to the holder and shown on the verification page.",
    )


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = (
        "uuid",
        "license_type",
        "status",
        "user",
        "track_name",
        "issued_at",
        "verification_count",
        "signing_key_id",
    )
    list_filter = ("status", "license_type", "signing_key_id")
    search_fields = ("=uuid", "user__email", "track__name")
    list_select_related = ("user", "track")
    raw_id_fields = ("user", "track", "subscription", "revoked_by")
    date_hierarchy = "issued_at"
    exclude = ("snapshot",)
    readonly_fields = (
        "uuid",
        "license_type",
        "status",
        "user",
        "track",
        "subscription",
        "snapshot_pretty",
        "authenticity",
        "signature",
        "signing_key_id",
        "certificate_hash",
        "issued_at",
        "verification_count",
        "last_verified_at",
        "ip_hash",
        "user_agent",
        "platform",
        "client_context",
        "revoked_at",
        "revoked_by",
        "revoked_reason",
        "created_at",
        "updated_at",
    )
    actions = ("revoke_licenses",)

    def get_search_results(self, request, queryset, search_term):
        # "=uuid" needs a valid UUID; anything else would be a database error.
        term = search_term.strip()
        try:
            uuid.UUID(term)
        except ValueError:
            self.search_fields = ("user__email", "track__name")
        else:
            self.search_fields = ("=uuid", "user__email", "track__name")
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False  # licenses are issued by downloads and purchases

    def has_delete_permission(self, request, obj=None):
        return False  # the record of a grant of rights; revoke instead

    def has_revoke_permission(self, request) -> bool:
        return request.user.is_staff and request.user.has_perm("content.revoke_license")

    @admin.display(description="track (as licensed)")
    def track_name(self, obj):
        return obj.snapshot.get("track", {}).get("name")

    @admin.display(description="snapshot (signed)")
    def snapshot_pretty(self, obj):
        text = json.dumps(obj.snapshot, indent=2, ensure_ascii=False, sort_keys=True)
        return format_html('<pre style="white-space: pre-wrap; margin: 0;">{}</pre>', text)

    @admin.display(description="authenticity")
    def authenticity(self, obj):
        check = services.license_check(license=obj)
        if check.authentic:
            return "✓ signature and hash match"
        return f"✗ signature {'ok' if check.signature_ok else 'MISMATCH'}, hash " + (
            "ok" if check.hash_ok else "MISMATCH"
        )

    @admin.action(description="Revoke selected licenses…", permissions=["revoke"])
    def revoke_licenses(self, request, queryset):
        if not self.has_revoke_permission(request):
            raise PermissionDenied
        form = RevokeForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            done, refused = [], []
            for license in queryset.order_by("pk"):
                try:
                    services.license_revoke(
                        license=license, actor=request.user, reason=form.cleaned_data["notes"]
                    )
                except ApplicationError as exc:
                    refused.append(f"{license.uuid}: {exc.message}")
                else:
                    done.append(str(license.uuid))
            if done:
                self.message_user(request, f"Revoked {len(done)} license(s).", messages.SUCCESS)
            if refused:
                self.message_user(request, "Not revoked: " + "; ".join(refused), messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Revoke license certificates",
            "opts": self.model._meta,
            "queryset": queryset.order_by("pk"),
            "form": form,
            "action": "revoke_licenses",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/licensing/revoke_confirmation.html", context)
