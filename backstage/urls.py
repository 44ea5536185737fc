"""Routes of backstage requests, mounted under /api/v1 by ``beatpass.urls``."""

from rest_framework.routers import SimpleRouter

from backstage import api

router = SimpleRouter(trailing_slash=False)
router.register("backstage-request", api.BackstageRequestViewSet, basename="backstage-request")

urlpatterns = [*router.urls]
