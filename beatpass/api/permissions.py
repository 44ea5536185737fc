from rest_framework.permissions import SAFE_METHODS, BasePermission


class PublicReadAuthenticatedWrite(BasePermission):
    """Reads are public (the two-tier model decides what they show); writes need a user."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )


class IsStaff(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
