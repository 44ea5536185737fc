"""Celery's task discovery for the ``content`` app: imports every sub-domain's tasks, which
registers their names, nothing else. Services never import tasks: they enqueue by name after
commit (``beatpass.tasks.enqueue_on_commit``)."""

from content.analytics import tasks as analytics  # noqa: F401
from content.commerce import tasks as commerce  # noqa: F401
from content.fingerprints import tasks as fingerprints  # noqa: F401
from content.media import tasks as media  # noqa: F401
from content.playlists import tasks as playlists  # noqa: F401
from content.search import tasks as search  # noqa: F401
