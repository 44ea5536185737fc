"""Local filesystem access to stored files for the audio library (which takes paths)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator

from content.models import FileEntry


@contextlib.contextmanager
def local_path(entry: FileEntry) -> Iterator[str]:
    """A path to ``entry``'s bytes: the storage path itself, or a temporary copy for remote
    storages (S3), streamed in chunks and removed afterwards. Raises ``FileNotFoundError``."""
    storage = entry.file.storage
    try:
        path = storage.path(entry.file.name)
    except NotImplementedError:
        path = None
    if path is not None:
        if not os.path.exists(path):
            raise FileNotFoundError(f"The stored file {entry.file.name} is missing.")
        yield path
        return
    suffix = entry.extension or ""
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        with storage.open(entry.file.name, "rb") as src:
            shutil.copyfileobj(src, tmp, length=1024 * 1024)
        tmp.flush()
        yield tmp.name
