"""Django's model registry for the ``content`` app: imports every sub-domain's models, nothing
else. Code imports a model from its sub-domain (``content.catalog.models``), not from here."""

from content.analytics import models as analytics  # noqa: F401
from content.catalog import models as catalog  # noqa: F401
from content.commerce import models as commerce  # noqa: F401
from content.credits import models as credits  # noqa: F401
from content.fingerprints import models as fingerprints  # noqa: F401
from content.licensing import models as licensing  # noqa: F401
from content.lyrics import models as lyrics  # noqa: F401
from content.media import models as media  # noqa: F401
from content.playlists import models as playlists  # noqa: F401
from content.search import models as search  # noqa: F401
from content.uploads import models as uploads  # noqa: F401
