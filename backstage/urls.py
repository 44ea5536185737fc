"""Mounted under /api/v1 by ``beatpass.urls``."""

from .api.urls import urlpatterns

__all__ = ["urlpatterns"]
