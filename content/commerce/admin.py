"""Admin for plans and subscriptions. Granting and cancelling go through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from content.commerce import services
from content.commerce.models import Plan, Subscription


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
