"""Routes of uploads."""

from rest_framework.routers import SimpleRouter

from content.uploads import api

router = SimpleRouter(trailing_slash=False)
router.register("uploads", api.UploadViewSet, basename="upload")

urlpatterns = [*router.urls]
