import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beatpass.settings.production")

# As ``django.core.wsgi.get_wsgi_application``, with the project's handler (API requests take
# the flat middleware lane: beatpass.api.handler).
django.setup(set_prefix=False)

from beatpass.api.handler import WSGIHandler  # noqa: E402 - needs the apps loaded

application = WSGIHandler()
