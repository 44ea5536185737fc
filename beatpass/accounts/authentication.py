from rest_framework_simplejwt.authentication import JWTAuthentication


class BearerAuthentication(JWTAuthentication):
    """simplejwt Bearer auth. The 401 body comes from our exception handler."""

    www_authenticate_realm = "api"
