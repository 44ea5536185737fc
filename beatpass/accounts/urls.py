from django.urls import path
from rest_framework.routers import SimpleRouter

from beatpass.accounts import api

router = SimpleRouter(trailing_slash=False)
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/register", api.RegisterView.as_view(), name="auth-register"),
    path("auth/login", api.LoginView.as_view(), name="auth-login"),
    path("auth/token/refresh", api.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", api.LogoutView.as_view(), name="auth-logout"),
    path("users/me", api.MeView.as_view(), name="users-me"),
    path(
        "notifications/settings",
        api.NotificationSettingsView.as_view(),
        name="notification-settings",
    ),
    *router.urls,
]
