"""Django's admin discovery for the ``content`` app: imports every sub-domain's admin, which
registers its model admins, nothing else."""

from content.analytics import admin as analytics  # noqa: F401
from content.catalog import admin as catalog  # noqa: F401
from content.commerce import admin as commerce  # noqa: F401
from content.credits import admin as credits  # noqa: F401
from content.fingerprints import admin as fingerprints  # noqa: F401
from content.licensing import admin as licensing  # noqa: F401
from content.lyrics import admin as lyrics  # noqa: F401
from content.media import admin as media  # noqa: F401
from content.playlists import admin as playlists  # noqa: F401
from content.search import admin as search  # noqa: F401
from content.uploads import admin as uploads  # noqa: F401
