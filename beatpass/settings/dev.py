"""Local development: SQLite file, eager Celery, console email. No services needed."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# SQLite cannot create the deferrable unique (playlist, position) constraint; on SQLite the
# playlist row lock still serialises writes, and PostgreSQL (tests, production) has it.
SILENCED_SYSTEM_CHECKS = ["models.W038"]
