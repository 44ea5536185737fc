"""Admin for plans and subscriptions. Granting and cancelling go through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.template.response import TemplateResponse

from content.commerce import services
from content.commerce.models import (
    ConnectAccount,
    Coupon,
    ExclusiveLicensePreset,
    Payout,
    Plan,
    Purchase,
    RefundRequest,
    Subscription,
    TrackStem,
    WebhookEvent,
)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "price", "currency", "interval", "downloads_per_period", "is_active")
    list_filter = ("is_active", "interval", "currency")
    search_fields = ("name", "gateway_price_id")
    readonly_fields = ("created_at", "updated_at")


class GrantAddForm(forms.ModelForm):
    days = forms.IntegerField(min_value=1, max_value=3660, initial=30)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Subscription
        fields = ("user", "plan")

    def _post_clean(self):
        # The grant service builds the row (period from `days`); skip the model's own checks
        # of fields this form does not have.
        pass


class GrantForm(forms.Form):
    plan = forms.ModelChoiceField(queryset=Plan.objects.filter(is_active=True))
    days = forms.IntegerField(min_value=1, max_value=3660, initial=30)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "plan",
        "status",
        "current_period_start",
        "current_period_end",
        "gateway",
        "granted_by",
    )
    list_filter = ("status", "plan", "gateway")
    search_fields = ("user__email", "gateway_customer_id", "gateway_subscription_id")
    list_select_related = ("user", "plan", "granted_by")
    raw_id_fields = ("user", "granted_by")
    date_hierarchy = "current_period_end"
    readonly_fields = (
        "gateway",
        "gateway_customer_id",
        "gateway_subscription_id",
        "granted_by",
        "canceled_at",
        "created_at",
        "updated_at",
    )
    actions = ("grant_period", "cancel_now")

    # Adding = granting: the form asks for the user, the plan and a number of days, and the
    # grant service (which reuses a live subscription, never a second one) does the write.
    add_form_fields = ("user", "plan", "days", "notes")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return GrantAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": self.add_form_fields}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The workflow fields move only through the actions (services), never by hand.
        return (*self.readonly_fields, "user", "status", "current_period_start",
                "current_period_end")  # fmt: skip

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        granted = services.subscription_grant(
            user=form.cleaned_data["user"],
            plan=form.cleaned_data["plan"],
            days=form.cleaned_data["days"],
            actor=request.user,
            notes=form.cleaned_data["notes"],
        )
        # The admin logs and redirects to the object it passed in: point it at the grant.
        obj.__dict__.update({k: v for k, v in granted.__dict__.items() if k != "_state"})
        obj._state.adding = False

    @admin.action(description="Grant a new period (plan, days)…")
    def grant_period(self, request, queryset):
        form = GrantForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            users = {s.user for s in queryset.select_related("user")}
            for user in users:
                services.subscription_grant(
                    user=user,
                    plan=form.cleaned_data["plan"],
                    days=form.cleaned_data["days"],
                    actor=request.user,
                    notes=form.cleaned_data["notes"],
                )
            self.message_user(request, f"Granted {len(users)} subscription(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Grant a subscription period",
            "opts": self.model._meta,
            "queryset": queryset.select_related("user", "plan"),
            "form": form,
            "action": "grant_period",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/commerce/grant_confirmation.html", context)

    @admin.action(description="Cancel now (licenses stay valid)")
    def cancel_now(self, request, queryset):
        for subscription in queryset:
            services.subscription_cancel(subscription=subscription)
        self.message_user(
            request, f"Canceled {queryset.count()} subscription(s).", messages.SUCCESS
        )


# --- exclusive purchases, webhooks, payouts, coupons, presets ---------------------------------


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    """Money and gateway fields are read-only: purchases change through gateway events."""

    list_display = (
        "id",
        "track_name",
        "buyer",
        "seller_artist",
        "status",
        "total_amount",
        "currency",
        "created_at",
        "succeeded_at",
    )
    list_filter = ("status", "gateway", "currency")
    search_fields = ("buyer__email", "buyer__name", "track_name", "payment_intent_id")
    list_select_related = ("buyer", "seller_artist")
    raw_id_fields = ("buyer", "track", "seller_artist", "license")
    date_hierarchy = "created_at"
    readonly_fields = (
        "buyer",
        "track",
        "track_name",
        "seller_artist",
        "status",
        "base_price",
        "platform_fee",
        "total_amount",
        "artist_amount",
        "currency",
        "gateway",
        "payment_intent_id",
        "destination_account_id",
        "hold_expires_at",
        "license",
        "succeeded_at",
        "failed_at",
        "refunded_at",
        "failure_code",
        "failure_message",
        "refund_id",
        "amount_refunded",
        "coupon",
        "discount_amount",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ("event_id", "type", "status", "attempts", "created_at", "processed_at")
    list_filter = ("status", "type", "gateway")
    search_fields = ("event_id", "type")
    date_hierarchy = "created_at"
    readonly_fields = (
        "event_id",
        "type",
        "gateway",
        "status",
        "attempts",
        "processed_at",
        "error",
        "payload_pretty",
        "created_at",
        "updated_at",
    )
    exclude = ("payload",)
    actions = ("reprocess",)

    @admin.display(description="Payload")
    def payload_pretty(self, obj) -> str:
        import json

        from django.utils.html import format_html

        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))

    @admin.action(description="Reprocess the selected events")
    def reprocess(self, request, queryset):
        from content.commerce.services.webhooks import webhook_reprocess

        results = [webhook_reprocess(event=event).status for event in queryset]
        failed = results.count(WebhookEvent.Status.FAILED)
        rejected = results.count(WebhookEvent.Status.REJECTED)
        self.message_user(
            request,
            f"Reprocessed {len(results)} event(s); {failed} failed, {rejected} rejected.",
            messages.WARNING if failed or rejected else messages.SUCCESS,
        )

    def has_add_permission(self, request):
        return False


@admin.register(ConnectAccount)
class ConnectAccountAdmin(admin.ModelAdmin):
    list_display = ("artist", "account_id", "gateway", "charges_enabled", "payouts_enabled")
    list_filter = ("gateway", "charges_enabled", "payouts_enabled")
    search_fields = ("artist__name", "account_id")
    list_select_related = ("artist",)
    raw_id_fields = ("artist",)
    readonly_fields = ("created_at", "updated_at", "onboarded_at")


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ("code", "type", "amount", "is_active", "expires_at", "times_used", "max_uses")
    list_filter = ("type", "is_active")
    search_fields = ("code",)
    filter_horizontal = ("applicable_plans",)
    raw_id_fields = ("allowed_users",)
    readonly_fields = ("times_used", "created_at", "updated_at")


@admin.register(ExclusiveLicensePreset)
class ExclusiveLicensePresetAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "is_default", "updated_at")
    list_filter = ("is_default",)
    search_fields = ("name", "owner__email")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at", "updated_at")


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    """Payouts come from the gateway's ``payout.*`` events: read-only."""

    list_display = ("payout_id", "account", "amount", "currency", "status", "created_at")
    list_filter = ("status", "currency")
    search_fields = ("payout_id", "account__account_id", "account__artist__name")
    list_select_related = ("account", "account__artist")
    readonly_fields = [f.name for f in Payout._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(TrackStem)
class TrackStemAdmin(admin.ModelAdmin):
    list_display = ("id", "track", "name", "position", "file", "created_at")
    search_fields = ("track__name", "name")
    raw_id_fields = ("track", "file", "uploaded_by")

    # Deleting goes through ``stem_remove`` with the producer's rules (not a takedown): a
    # sold or held exclusive keeps its stems, and a removed stem's file leaves storage.

    def has_delete_permission(self, request, obj=None):
        if obj is not None:
            from content.commerce.services.purchases import tracks_delete_refusal

            if tracks_delete_refusal(tracks=[obj.track]) is not None:
                return False  # sold or held: the page says so, the bulk action lists it
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        self._remove(request, [obj])

    def delete_queryset(self, request, queryset):
        self._remove(request, list(queryset))

    def _remove(self, request, stems) -> None:
        from beatpass.api.errors import ApplicationError
        from content.commerce.services.stems import stem_remove

        try:
            with transaction.atomic():
                for stem in stems:
                    stem_remove(actor=request.user, stem=stem, takedown=False)
        except ApplicationError as exc:
            self.message_user(request, f"Nothing was deleted. {exc.message}", messages.ERROR)


# --- refund requests ------------------------------------------------------------------------------


class RefundDenyForm(forms.Form):
    decision_note = forms.CharField(
        label="Why (sent to the buyer)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(RefundRequest)
class RefundRequestAdmin(admin.ModelAdmin):
    """The review queue of refund requests. Everything is read-only: approving and denying go
    through the refund services (approve: license revoked, refund asked of the gateway; deny:
    the buyer is told why)."""

    list_display = (
        "id",
        "purchase",
        "requested_by",
        "status",
        "created_at",
        "decided_by",
        "decided_at",
        "refund_id",
    )
    list_filter = ("status",)
    search_fields = ("requested_by__email", "purchase__track_name", "purchase__payment_intent_id")
    list_select_related = ("purchase", "requested_by", "decided_by")
    raw_id_fields = ("purchase", "requested_by", "decided_by")
    date_hierarchy = "created_at"
    readonly_fields = (
        "purchase",
        "requested_by",
        "reason",
        "status",
        "decided_by",
        "decided_at",
        "decision_note",
        "refund_id",
        "refund_error",
        "refunded_at",
        "created_at",
        "updated_at",
    )
    actions = ("approve", "deny")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of who decided what stays

    @admin.action(description="Approve: revoke the license and refund the payment")
    def approve(self, request, queryset):
        from beatpass.api.errors import ApplicationError
        from content.commerce.errors import GatewayError, GatewayNotConfigured
        from content.commerce.services.refunds import refund_request_approve

        done = 0
        for refund_request in queryset:
            try:
                refund_request_approve(refund_request=refund_request, actor=request.user)
                done += 1
            except (GatewayError, GatewayNotConfigured) as exc:
                self.message_user(
                    request,
                    f"Request {refund_request.pk}: approved, but the payment provider refused "
                    f"the refund ({getattr(exc, 'detail', '') or exc.message}). Approve it "
                    "again to retry.",
                    messages.ERROR,
                )
            except ApplicationError as exc:
                self.message_user(
                    request, f"Request {refund_request.pk}: {exc.message}", messages.WARNING
                )
        if done:
            self.message_user(
                request,
                f"Approved {done} request(s): refunds asked of the payment provider.",
                messages.SUCCESS,
            )

    @admin.action(description="Deny (say why)…")
    def deny(self, request, queryset):
        from beatpass.api.errors import ApplicationError
        from content.commerce.services.refunds import refund_request_deny

        form = RefundDenyForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            done = 0
            for refund_request in queryset:
                try:
                    refund_request_deny(
                        refund_request=refund_request,
                        actor=request.user,
                        note=form.cleaned_data["decision_note"],
                    )
                    done += 1
                except ApplicationError as exc:
                    self.message_user(
                        request, f"Request {refund_request.pk}: {exc.message}", messages.WARNING
                    )
            if done:
                self.message_user(request, f"Denied {done} request(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Deny refund requests",
            "opts": self.model._meta,
            "queryset": queryset.select_related("purchase", "requested_by"),
            "form": form,
            "action": "deny",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/commerce/refund_deny_confirmation.html", context)
