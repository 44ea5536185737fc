# BeatPass API image: gunicorn for the web process; the same image runs the Celery worker and beat
# (see docker-compose.yml). Build: docker build -t beatpass .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=beatpass.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media

# System packages the Python wheels do not bring:
# - libchromaprint-tools: `fpcalc`, which the audio pipeline runs for fingerprints (pyacoustid);
# - libpq5: the system libpq, for psycopg should its bundled binary build be unavailable.
# PyAV (FFmpeg), numpy and Pillow ship self-contained manylinux wheels.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libchromaprint-tools libpq5 \
    && rm -rf /var/lib/apt/lists/*

# The app runs unprivileged; the code stays owned by root, so the process cannot rewrite it.
RUN groupadd --system --gid 1000 beatpass \
    && useradd --system --uid 1000 --gid beatpass --home-dir /app --shell /usr/sbin/nologin beatpass

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Production settings require SECRET_KEY; collectstatic needs none of the real secrets.
RUN SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && mkdir -p /data/media \
    && chown beatpass:beatpass /data/media

USER beatpass
EXPOSE 8000
# Gunicorn reads WEB_CONCURRENCY for the worker count; long timeout for large uploads.
CMD ["gunicorn", "beatpass.wsgi:application", "--bind", "0.0.0.0:8000", "--timeout", "120", "--access-logfile", "-"]
