"""Routes of license certificates. ``page_urlpatterns`` are mounted at the site root (the
human-readable verification page the certificates' QR codes point at)."""

from django.urls import path

from content.licensing import api, pages

urlpatterns = [
    # Under the tracks prefix: mounted before the catalog's router.
    path(
        "tracks/check-licenses-batch",
        api.CheckLicensesBatchView.as_view(),
        name="track-check-licenses-batch",
    ),
    path(
        "tracks/<str:track_id>/generate-license",
        api.GenerateLicenseView.as_view(),
        name="track-generate-license",
    ),
    path(
        "tracks/<str:track_id>/check-license",
        api.CheckLicenseView.as_view(),
        name="track-check-license",
    ),
    path(
        "tracks/<str:track_id>/license-certificate",
        api.LicenseCertificateView.as_view(),
        name="track-license-certificate",
    ),
    path(
        "tracks/<str:track_id>/download-license-pdf",
        api.LicensePdfView.as_view(),
        name="track-download-license-pdf",
    ),
    path("user/licenses", api.UserLicensesView.as_view(), name="user-licenses"),
    path(
        "verify-license/<str:license_uuid>", api.VerifyLicenseView.as_view(), name="verify-license"
    ),
    path(
        "licenses/<str:license_uuid>/revoke", api.RevokeLicenseView.as_view(), name="license-revoke"
    ),
]

page_urlpatterns = [
    path(
        "verify-license/<str:license_uuid>", pages.verify_license_page, name="verify-license-page"
    ),
]
