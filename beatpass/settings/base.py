"""Settings shared by every environment; everything deployment-specific comes from the env."""

from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-secret-key-change-me-0123456789abcdef")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "beatpass.accounts",
    "content",
    "backstage",
    "recon",
    "coverart",
]

MIDDLEWARE = [
    "beatpass.api.middleware.RejectNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "beatpass.api.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "beatpass.api.middleware.AuthenticationMiddleware",
    "beatpass.api.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "beatpass.api.middleware.RateLimitHeadersMiddleware",
]
# Sessions, request.user and messages (the admin's) skip requests under this prefix: the API
# authenticates with Bearer tokens only (beatpass.api.middleware).
SITE_ONLY_SKIP_PREFIX = "/api/"

ROOT_URLCONF = "beatpass.urls"
WSGI_APPLICATION = "beatpass.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

# An empty DATABASE_URL counts as unset (shells and CI templates often export it empty).
DATABASES = {
    "default": env.db_url_config(
        env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if "postgresql" in DATABASES["default"]["ENGINE"] and env.bool("DB_DISABLE_JIT", default=True):
    # Short OLTP queries never win from JIT, but a count over ~100k rows crosses
    # jit_above_cost and then pays ~100 ms compiling (measured in bench/api_lists.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://beatpass")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))

# --- Uploads -------------------------------------------------------------------------------
# Hard cap enforced by the upload service (bytes). Django's own memory limit stays small so big
# files stream to a temporary file instead of RAM.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=256 * 1024 * 1024)
UPLOAD_MIN_AUDIO_SECONDS = env.float("UPLOAD_MIN_AUDIO_SECONDS", default=1.0)
UPLOAD_MAX_AUDIO_SECONDS = env.float("UPLOAD_MAX_AUDIO_SECONDS", default=30 * 60)
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)
FILE_UPLOAD_HANDLERS = ["content.uploads.services.SizeCappedUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- REST framework ------------------------------------------------------------------------
THROTTLE_RATES = {
    "anon": env("THROTTLE_RATE_ANON", default="300/min"),
    "user": env("THROTTLE_RATE_USER", default="300/min"),
    "auth": env("THROTTLE_RATE_AUTH", default="30/min"),
    "login_failure": env("THROTTLE_RATE_LOGIN_FAILURE", default="5/15min"),
    # Failed logins per account from all IPs (the line above is per account and IP).
    "login_failure_account": env("THROTTLE_RATE_LOGIN_FAILURE_ACCOUNT", default="100/15min"),
    "write": env("THROTTLE_RATE_WRITE", default="120/min"),
    "upload": env("THROTTLE_RATE_UPLOAD", default="30/min"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["beatpass.accounts.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["beatpass.api.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "beatpass.api.parsers.StrictJSONParser",
        "beatpass.api.parsers.StrictFormParser",
        "beatpass.api.parsers.StrictMultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "beatpass.api.throttling.AnonRateThrottle",
        "beatpass.api.throttling.UserRateThrottle",
        "beatpass.api.throttling.WriteRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "DEFAULT_PAGINATION_CLASS": "beatpass.api.pagination.LaravelPagination",
    "PAGE_SIZE": 15,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "beatpass.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

# Hot statements (``CompiledQuery(..., prepared=True)``: the download's) run as server-side
# prepared statements; turn off behind a pooler that cannot follow them (PgBouncer in
# transaction mode before 1.21).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "CHECK_USER_IS_ACTIVE": True,
    # Tokens carry a hash of the password hash: changing the password revokes every old token.
    "CHECK_REVOKE_TOKEN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": env("JWT_SIGNING_KEY", default=SECRET_KEY),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "BeatPass Content Management API",
    "DESCRIPTION": "Tracks, albums, artists, uploads and everything around them.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Audio pipeline (waveforms, downloads) -----------------------------------------------
WAVEFORM_BUCKETS = env.int("WAVEFORM_BUCKETS", default=1800)
# Rows left in "processing" longer than this are re-queued by content.sweep_stuck_processing.
PROCESSING_STUCK_AFTER_SECONDS = env.int("PROCESSING_STUCK_AFTER_SECONDS", default=15 * 60)
PROCESSING_MAX_ATTEMPTS = env.int("PROCESSING_MAX_ATTEMPTS", default=5)
# none: Django streams the file; nginx: X-Accel-Redirect to DOWNLOAD_ACCEL_PREFIX + storage
# name (an `internal` location); apache: X-Sendfile with the file's absolute path.
DOWNLOAD_ACCEL_MODE = env("DOWNLOAD_ACCEL_MODE", default="none")
DOWNLOAD_ACCEL_PREFIX = env("DOWNLOAD_ACCEL_PREFIX", default="/protected-media/")
DOWNLOAD_IP_HASH_SALT = env("DOWNLOAD_IP_HASH_SALT", default="")
# --- Audio pipeline: fingerprints and duplicate detection ------------------------------------
# Similarity (0-100) at or above which an upload is refused as a duplicate.
DUPLICATE_SIMILARITY_THRESHOLD = env.float("DUPLICATE_SIMILARITY_THRESHOLD", default=90.0)
# Time limits of the fingerprinting decode (content.audio.digest) in workers and, inside a request
# (duplicate check on POST /tracks, ~0.3 s per minute of audio), past which the fingerprint
# check is skipped (it never blocks an upload) and the Celery task computes it.
FPCALC_TIMEOUT_SECONDS = env.float("FPCALC_TIMEOUT_SECONDS", default=120.0)
FPCALC_REQUEST_TIMEOUT_SECONDS = env.float("FPCALC_REQUEST_TIMEOUT_SECONDS", default=20.0)
# Fingerprints of uploads, keyed by file SHA-256, so the check in POST /tracks and the task after
# commit compute them once.
FINGERPRINT_CACHE_SECONDS = env.int("FINGERPRINT_CACHE_SECONDS", default=24 * 3600)

# --- Email ---------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env("EMAIL_URL", default=None):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="BeatPass <no-reply@beatpass.local>")

# --- Downloads / integrations (filled in by later features) --------------------------------
SPOTIFY_CLIENT_ID = env("SPOTIFY_CLIENT_ID", default="")
SPOTIFY_CLIENT_SECRET = env("SPOTIFY_CLIENT_SECRET", default="")
# Credits' Spotify adapter (content/credits/spotify.py). The URLs exist so tests (and a
# proxy, if ever needed) can point spotipy somewhere else; production keeps the defaults.
SPOTIFY_API_PREFIX = env("SPOTIFY_API_PREFIX", default="https://api.spotify.com/v1/")
SPOTIFY_TOKEN_URL = env("SPOTIFY_TOKEN_URL", default="https://accounts.spotify.com/api/token")
SPOTIFY_TIMEOUT_SECONDS = env.float("SPOTIFY_TIMEOUT_SECONDS", default=5.0)
SPOTIFY_MAX_RETRIES = env.int("SPOTIFY_MAX_RETRIES", default=1)  # 5xx/connect only, never 429
SPOTIFY_CACHE_TTL = env.int("SPOTIFY_CACHE_TTL", default=6 * 3600)
SPOTIFY_MARKET = env("SPOTIFY_MARKET", default="")  # ISO country, optional

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        # Eager tasks (dev, seed_demo) would log every success at INFO.
        "celery.app.trace": {"level": "WARNING"},
    },
}

# --- Hardening: public links, invitation throttle, CORS --------------------------------------
# Where the site is reached from outside: notifications and emails carry absolute links built on
# it (an email client has no "current host" to resolve "/admin/..." against).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Playlist invitations per inviter: each one notifies (and emails) another user.
THROTTLE_RATES["invite"] = env("THROTTLE_RATE_INVITE", default="30/hour")
# An error answered before the request body was read leaves the rest on the connection: drain it
# (outermost, so answers of other middleware are covered too).
MIDDLEWARE.insert(0, "beatpass.api.middleware.DrainUnreadBodyMiddleware")
# CORS: browser clients on other origins (a web or mobile front end) may call /api/ with their
# Bearer token; no cookies cross origins (Bearer auth needs none). Empty = same origin only.
INSTALLED_APPS += ["corsheaders", "csp"]
# django-cors-headers' (beatpass.api.middleware.CorsMiddleware: the same headers, without
# parsing every request header when there is no Origin); before anything that answers.
MIDDLEWARE.insert(1, "beatpass.api.middleware.CorsMiddleware")
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = [
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Content-Disposition",
    "Content-Range",
]
# Content-Security-Policy (django-csp) on every response; it is what protects the admin and the
# Swagger UI (served from our own static files, its init script as a file, not inline). Inline
# style attributes are allowed: the admin's templates and Swagger UI's page use them.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    # django-csp's, with the policy of a plain response built once per process.
    "beatpass.api.middleware.CSPMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *env.list("CSP_IMG_SRC", default=[])],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# --- Licensing and subscriptions (license certificates, download entitlement) ---------------
# Certificates are signed with HMAC-SHA256 keys that are NOT the SECRET_KEY, each with an id so
# keys can rotate: "kid1:secret1,kid2:secret2". New certificates use LICENSE_SIGNING_KEY_ID
# (default: the first); every listed key still verifies. Unset outside production: a
# well-known development key. Unset in production: issuing answers 503.
LICENSE_SIGNING_KEYS = env("LICENSE_SIGNING_KEYS", default="")
LICENSE_SIGNING_KEY_ID = env("LICENSE_SIGNING_KEY_ID", default="")
# (PUBLIC_BASE_URL above is the public site the verification links and QR codes point at.)
# Public license verification (JSON and HTML page), per client IP.
THROTTLE_RATES["license_verify"] = env("THROTTLE_RATE_LICENSE_VERIFY", default="60/min")
# MP3 downloads are transcoded once (Celery) at this bitrate and cached in storage.
DOWNLOAD_MP3_BITRATE = env.int("DOWNLOAD_MP3_BITRATE", default=320_000)
# Seconds a client is told to wait (Retry-After) while an MP3 is being prepared.
DOWNLOAD_TRANSCODE_RETRY_SECONDS = env.int("DOWNLOAD_TRANSCODE_RETRY_SECONDS", default=10)
# --- Search and discovery ------------------------------------------------------------------
# auto: PostgreSQL full-text search on PostgreSQL, the simple ORM fallback elsewhere (SQLite);
# or "postgres", "simple", or the dotted path of another SearchBackend (e.g. an OpenSearch one).
SEARCH_BACKEND = env("SEARCH_BACKEND", default="auto")
# Candidates each query branch ranks at most (in popularity order): bounds the work of a query
# that matches a large part of the catalog; also the deepest result a query can reach.
SEARCH_MAX_CANDIDATES = env.int("SEARCH_MAX_CANDIDATES", default=200)
# --- Plays, analytics and achievements -----------------------------------------------------
# Analytics days (rollups, periods, charts) are calendar days in this timezone.
ANALYTICS_TIMEZONE = env("ANALYTICS_TIMEZONE", default="UTC")
# The same listener restarting a track within this many seconds counts once.
ANALYTICS_DEDUPE_SECONDS = env.int("ANALYTICS_DEDUPE_SECONDS", default=30)
# update-duration accepts reports for plays started at most this long ago.
ANALYTICS_PLAY_UPDATE_SECONDS = env.int("ANALYTICS_PLAY_UPDATE_SECONDS", default=3 * 3600)
# Events per fold transaction.
ANALYTICS_FOLD_BATCH_SIZE = env.int("ANALYTICS_FOLD_BATCH_SIZE", default=5000)
# Likes, downloads and licenses of this many recent days are recounted on every fold.
ANALYTICS_REFRESH_DAYS = env.int("ANALYTICS_REFRESH_DAYS", default=2)
# Licenses issued come from this model ("app_label.Model", empty = none recorded) with a track
# foreign key and a timestamp field; index that field.
ANALYTICS_LICENSE_MODEL = env("ANALYTICS_LICENSE_MODEL", default="content.License")
ANALYTICS_LICENSE_TRACK_FIELD = env("ANALYTICS_LICENSE_TRACK_FIELD", default="track")
ANALYTICS_LICENSE_TIME_FIELD = env("ANALYTICS_LICENSE_TIME_FIELD", default="issued_at")
# Percentile achievements ("top 10 % of producers") need at least this many to compare with.
ACHIEVEMENTS_MIN_POPULATION = env.int("ACHIEVEMENTS_MIN_POPULATION", default=10)
# SQLite (`make run`): transactions that read then write (a play start, a like) must take the
# write lock up front, or two concurrent ones fail with "database is locked" instead of waiting.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("transaction_mode", "IMMEDIATE")
# Play logging has its own throttle scope (per user, or per IP for anonymous listeners).
THROTTLE_RATES["plays"] = env("THROTTLE_RATE_PLAYS", default="120/min")
# The export body's "type" is the second enum of that name: both get explicit names (the
# backstage one keeps the name it had alone).
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "AnalyticsExportTypeEnum": "content.analytics.inputs.EXPORT_TYPES",
        "TypeEnum": "backstage.models.BackstageRequest.Type",
    }
)
# --- Cover art (coverart app) ----------------------------------------------------------------
# Custom cover uploads (help: custom artwork): at most this many bytes, both sides at least
# this many pixels; the general upload checks (sniff, probe, decompression-bomb limit) apply too.
COVERART_MAX_UPLOAD_BYTES = env.int("COVERART_MAX_UPLOAD_BYTES", default=2 * 1024 * 1024)
COVERART_MIN_UPLOAD_PIXELS = env.int("COVERART_MIN_UPLOAD_PIXELS", default=500)
# POST /cover-art/preview results live this long after their last request; the periodic
# cleanup (coverart.cleanup_previews) deletes them afterwards.
COVERART_PREVIEW_TTL_SECONDS = env.int("COVERART_PREVIEW_TTL_SECONDS", default=24 * 3600)
# Shown for tracks and albums without a cover (a track first falls back to its album's).
# Empty: `image` is null and clients draw their own placeholder.
COVERART_PLACEHOLDER_URL = env(
    "COVERART_PLACEHOLDER_URL",
    default=(STATIC_URL if STATIC_URL.startswith(("/", "http")) else f"/{STATIC_URL}")
    + "coverart/placeholder.png",
)
# One OpenAPI enum for the moods, however many fields use them.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["CoverArtMoodEnum"] = (
    "coverart.matching.MOODS"
)
# --- Audio Recon (recon app) ---------------------------------------------------------------------
# A track is rescanned when its last scan is this many days old (the rolling ~30-day cycle); the
# daily run takes at most ceil(eligible × 1.25 / RECON_RESCAN_DAYS) tracks, and never fewer than
# RECON_SCAN_MIN_PER_RUN, so a full cycle spreads over the month.
RECON_RESCAN_DAYS = env.int("RECON_RESCAN_DAYS", default=30)
RECON_SCAN_MIN_PER_RUN = env.int("RECON_SCAN_MIN_PER_RUN", default=50)
# A failed scan is retried by the daily run once this many hours have passed.
RECON_RETRY_HOURS = env.int("RECON_RETRY_HOURS", default=20)
# A scan left "processing" longer than this (its worker died) is claimed again.
RECON_SCAN_LEASE_MINUTES = env.int("RECON_SCAN_LEASE_MINUTES", default=60)
# Common hashes (recon.matching.common): a landmark hash with more postings in the reference
# index than max(MIN_POSTINGS, SHARE × indexed recordings) is skipped by scans; recounted daily.
RECON_COMMON_HASH_MIN_POSTINGS = env.int("RECON_COMMON_HASH_MIN_POSTINGS", default=200)
RECON_COMMON_HASH_SHARE = env.float("RECON_COMMON_HASH_SHARE", default=0.02)
# (the defaults are recon.matching.common's DEFAULT_MIN_POSTINGS and DEFAULT_SHARE)
# POST /tracks/{id}/placements/rescan by a manager (staff are not throttled), per user and track.
THROTTLE_RATES["recon_rescan"] = env("THROTTLE_RATE_RECON_RESCAN", default="2/day")
# Reference sources: Deezer's public API, YouTube Data API v3 (metadata only), preview size cap.
RECON_DEEZER_API_PREFIX = env("RECON_DEEZER_API_PREFIX", default="https://api.deezer.com/")
RECON_YOUTUBE_API_PREFIX = env(
    "RECON_YOUTUBE_API_PREFIX", default="https://www.googleapis.com/youtube/v3/"
)
RECON_YOUTUBE_API_KEY = env("RECON_YOUTUBE_API_KEY", default="")
RECON_SOURCE_TIMEOUT_SECONDS = env.float("RECON_SOURCE_TIMEOUT_SECONDS", default=10.0)
RECON_MAX_PREVIEW_BYTES = env.int("RECON_MAX_PREVIEW_BYTES", default=5 * 1024 * 1024)
# --- Commerce (exclusive purchases, payment gateway, Connect payouts) ----------------------------
# `test` (local gateway: payments complete through `manage.py simulate_payment`, Connect
# onboarding completes at once) or `stripe` (the official library, keys below).
COMMERCE_GATEWAY = env("COMMERCE_GATEWAY", default="test")
# Off: POST .../purchase/initiate answers 403 "Track purchases not enabled".
COMMERCE_PURCHASES_ENABLED = env.bool("COMMERCE_PURCHASES_ENABLED", default=True)
# The buyer pays the producer's price plus this platform fee (help: 12% + $3); the producer
# receives 100% of the listed price. Decimal strings, never floats.
COMMERCE_PLATFORM_FEE_PERCENT = env("COMMERCE_PLATFORM_FEE_PERCENT", default="12")
COMMERCE_PLATFORM_FEE_FIXED = env("COMMERCE_PLATFORM_FEE_FIXED", default="3.00")
# How long an initiated purchase holds an exclusive (track `pending`) before the periodic
# release (content.release_exclusive_holds) makes it available again.
COMMERCE_EXCLUSIVE_HOLD_SECONDS = env.int("COMMERCE_EXCLUSIVE_HOLD_SECONDS", default=15 * 60)
# Exclusives one buyer may hold at once (live pending purchases): 409 too_many_pending_purchases.
COMMERCE_MAX_HOLDS_PER_BUYER = env.int("COMMERCE_MAX_HOLDS_PER_BUYER", default=3)
# Sales older than this count as paid out in GET /artist/sales (help: 2-7 business days).
COMMERCE_PAYOUT_DELAY_DAYS = env.int("COMMERCE_PAYOUT_DELAY_DAYS", default=7)
# Webhooks: signing secret (Stripe's `whsec_...`; the test gateway signs with it too) and the
# accepted age of the signed timestamp.
COMMERCE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_local_test_gateway")
COMMERCE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
# The Connect endpoint's signing secret (payout.*, account.updated), when it has its own.
COMMERCE_CONNECT_WEBHOOK_SECRET = env("STRIPE_CONNECT_WEBHOOK_SECRET", default="")
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
# Empty: api.stripe.com. Tests point it at a loopback fake.
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10.0)
STRIPE_CONNECT_COUNTRY = env("STRIPE_CONNECT_COUNTRY", default="US")
# Where Connect onboarding sends the producer back (refresh = the link expired).
STRIPE_CONNECT_RETURN_URL = env("STRIPE_CONNECT_RETURN_URL", default="http://localhost:8000/")
STRIPE_CONNECT_REFRESH_URL = env("STRIPE_CONNECT_REFRESH_URL", default="http://localhost:8000/")
# Stems a track may carry (each one an audio upload, validated like the track's own audio).
COMMERCE_MAX_STEMS_PER_TRACK = env.int("COMMERCE_MAX_STEMS_PER_TRACK", default=32)

# --- API documentation (OpenAPI) -----------------------------------------------------------------
# The project's AutoSchema documents what every endpoint shares (tags, access, error responses).
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "beatpass.api.schema.AutoSchema"
# Two choice sets share the field name `source` (cover art, play events): name both enums.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "PlaySourceEnum": "content.analytics.models.PlaySource.values",
        "CoverArtSourceEnum": ["template", "upload"],
    }
)

# --- Lists at scale ----------------------------------------------------------------------------
# Lists without an exact counter count at most this many rows; beyond it ``total`` is the
# planner's estimate and ``total_is_estimate`` is true (beatpass/api/pagination.py).
PAGINATION_COUNT_CAP = env.int("PAGINATION_COUNT_CAP", default=2000)

# --- Audit fixes ---------------------------------------------------------------------------------
# The track and stem download routes hand the license UUID in X-License-Id: a web client on an
# allowed origin can only read it when CORS exposes it.
CORS_EXPOSE_HEADERS += ["X-License-Id"]
