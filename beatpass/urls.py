from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from beatpass.api.views import api_index, api_not_found, site_root
from content.licensing.urls import page_urlpatterns as license_pages

api_v1 = [
    path("", api_index, name="api-index"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file: no inline script, strict CSP.
    path("docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    # First: the hottest write (plays) and the analytics reads; resolving them behind every
    # other app's routes cost more CPU than their views (bench/analytics.py).
    path("", include("content.analytics.play_urls")),
    path("", include("content.analytics.urls")),
    path("", include("beatpass.accounts.urls")),
    path("", include("coverart.urls")),  # before content: its router reads tracks/<any>
    path("", include("recon.urls")),  # before content, for the same reason
    path("", include("content.urls")),
    path("", include("backstage.urls")),
]

urlpatterns = [
    path("", site_root, name="site-root"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/<path:rest>", api_not_found),
    path("", include(license_pages)),  # /verify-license/<uuid>: the certificates' QR target
]

# Under /api/ Django's own error pages answer in the API's JSON wire format (DEBUG off).
handler400 = "beatpass.api.views.bad_request"
handler403 = "beatpass.api.views.permission_denied"
handler500 = "beatpass.api.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
