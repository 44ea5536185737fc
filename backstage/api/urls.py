from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=False)
router.register("backstage-request", views.BackstageRequestViewSet, basename="backstage-request")

urlpatterns = [*router.urls]
