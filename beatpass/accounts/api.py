from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from beatpass.accounts import selectors, services
from beatpass.accounts.inputs import (
    LoginInput,
    NotificationSettingsInput,
    RefreshInput,
    RegisterInput,
    UserUpdateInput,
)
from beatpass.accounts.models import Notification
from beatpass.accounts.presenters import NotificationOutput, user_payload
from beatpass.accounts.schemas import (
    AuthOutput,
    MeOutput,
    NotificationSettingsOutput,
    ProfileUpdateOutput,
)
from beatpass.api.schema import envelope, errors
from beatpass.api.throttling import AuthRateThrottle


def _auth_response(user, code=status.HTTP_200_OK) -> Response:
    return Response(
        {"status": "success", "user": user_payload(user), **services.tokens_for(user)}, status=code
    )


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        summary="Register",
        description=(
            "Creates an account and answers with the user and a fresh access/refresh token pair."
        ),
    )
    @extend_schema(request=RegisterInput, responses={201: AuthOutput}, tags=["Auth"])
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return _auth_response(user, status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        summary="Log in",
        description=(
            "Exchanges an email and password for an access/refresh token pair. "
            "Repeated failures are throttled per account and address (429)."
        ),
    )
    @extend_schema(request=LoginInput, responses={200: AuthOutput}, tags=["Auth"])
    def post(self, request):
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_login(**data.validated_data, request=request)
        return _auth_response(user)


class RefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        summary="Refresh the access token",
        description=(
            "Exchanges a refresh token for a new pair; the refresh token sent is "
            "used up (rotation), so a second use is 401."
        ),
    )
    @extend_schema(
        request=RefreshInput,
        responses={
            200: inline_serializer(
                "TokenPair", {"access": serializers.CharField(), "refresh": serializers.CharField()}
            )
        },
        tags=["Auth"],
    )
    def post(self, request):
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.token_refresh(refresh=data.validated_data["refresh"]))


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Log out",
        description="Revokes the refresh token sent, so it can no longer be exchanged.",
    )
    @extend_schema(request=RefreshInput, responses={200: None}, tags=["Auth"])
    def post(self, request):
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.token_logout(refresh=data.validated_data["refresh"], user=request.user)
        return Response({"status": "success"})


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your account",
        description="The signed-in user's own profile, in the `user` key of the envelope.",
    )
    @extend_schema(responses={200: MeOutput}, tags=["Users"])
    def get(self, request):
        return Response({"status": "success", "user": user_payload(request.user)})

    @extend_schema(
        request=UserUpdateInput,
        responses={200: ProfileUpdateOutput, **errors(401, 422)},
        tags=["Users"],
        summary="Update your profile",
        description="Partial update of name, avatar, email or password. Changing the password "
        "needs `current_password`, revokes every token issued before, and returns a fresh "
        "`access`/`refresh` pair.",
    )
    def put(self, request):
        data = UserUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, data=data.validated_data)
        body = {"status": "success", "user": user_payload(user)}
        if data.validated_data.get("password"):
            # The change revoked every earlier token, the caller's included: hand over new ones
            # so the client stays signed in.
            body.update(services.tokens_for(user))
        return Response(body)

    patch = put


class NotificationViewSet(GenericViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOutput

    queryset = Notification.objects.none()  # for the schema; real rows come from get_queryset
    lookup_value_regex = r"\d+"  # anything else is a 404, never a ValueError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return Notification.objects.filter(user=self.request.user)

    @extend_schema(
        summary="List your notifications",
        description=("Your in-app notifications, newest first; `?unread=1` keeps the unread ones."),
    )
    @extend_schema(tags=["Notifications"])
    def list(self, request):
        queryset = self.get_queryset()
        if request.query_params.get("unread") in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(NotificationOutput(page, many=True).data)

    @extend_schema(
        summary="Mark a notification as read",
        description="Marks one of your notifications as read and answers it.",
    )
    @extend_schema(
        request=None,
        responses=envelope("Notification", "notification", NotificationOutput()),
        tags=["Notifications"],
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        services.notification_mark_read(notification=notification)
        return Response(
            {"status": "success", "notification": NotificationOutput(notification).data}
        )


class NotificationSettingsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your notification preferences",
        description=(
            "The notification groups you can receive (producer groups such as Audio Recon and "
            "Sales need a managed artist; the moderation queue is staff only), each with its "
            "in-app and email channel. A locked channel cannot be turned off."
        ),
        responses={200: NotificationSettingsOutput, **errors(401)},
        tags=["Notifications"],
    )
    def get(self, request):
        return self._answer(request.user)

    @extend_schema(
        summary="Change your notification preferences",
        description=(
            '`{"groups": [{"key": "audio_recon", "email": false}]}`: a channel not '
            "sent keeps its value. All or nothing: an unknown group or turning a locked "
            "channel off is a 422 naming the item (`groups.0.key`). Answers the new settings."
        ),
        request=NotificationSettingsInput,
        responses={200: NotificationSettingsOutput, **errors(401, 422)},
        tags=["Notifications"],
    )
    def put(self, request):
        data = NotificationSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.notification_settings_update(
            user=request.user, changes=data.validated_data["groups"]
        )
        return self._answer(request.user)

    patch = put

    @staticmethod
    def _answer(user) -> Response:
        return Response({"status": "success", "groups": selectors.notification_settings(user=user)})
