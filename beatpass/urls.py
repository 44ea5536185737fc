from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from beatpass.api.views import api_not_found
from content.licensing.urls import page_urlpatterns as license_pages

api_v1 = [
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include("beatpass.accounts.urls")),
    path("", include("content.urls")),
    path("", include("backstage.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/<path:rest>", api_not_found),
    path("", include(license_pages)),  # /verify-license/<uuid>: the certificates' QR target
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
