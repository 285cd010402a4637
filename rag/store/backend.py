"""Which store an index lives in: the folder's location, and the one a setting names.

Covers: `FolderLocation` and `store_location(settings)`, which reads
`Settings.store` (`RAG_STORE`, `--store`): empty for the folder
`Settings.index_dir` (the default), a folder path, or a `qdrant+...`
location (rag/store/qdrant_location.py lists the forms). A location can be locked for
a build, opened (checked against the configuration), asked for the live
index, its manifest, or a version token that changes when a build commits,
and give a writer.

The interfaces both stores implement are in rag/store/protocols.py. Does not
implement either store. Qdrant is imported only when a location names it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .files import CURRENT, BuildLock
from .protocols import Store, Vectors, VersionWriter

if TYPE_CHECKING:
    from ..settings import Settings
    from .qdrant_location import QdrantLocation

__all__ = ["FolderLocation", "Store", "Vectors", "VersionWriter", "store_location"]


@dataclass(frozen=True)
class FolderLocation:
    """An index folder (rag/store/__init__.py describes its layout)."""

    path: Path

    @property
    def label(self) -> str:
        return str(self.path)

    @property
    def key(self) -> str:
        return str(self.path.resolve())

    def lock(self) -> contextlib.AbstractContextManager[object]:
        return BuildLock(self.path)

    def live(self) -> Store | None:
        from .reader import FolderStore, live_manifest

        found = live_manifest(self.path)
        return None if found is None else FolderStore(*found)

    def manifest_json(self) -> dict[str, Any] | None:
        """The live manifest as JSON (verified, not loaded with the index), or None if there is no index."""
        from .reader import live_version

        found = live_version(self.path)
        return None if found is None else found[1]

    def open(self, expected: dict[str, Any] | None = None) -> Store:
        from .reader import open_store

        return open_store(self.path, expected)

    def version(self) -> str:
        try:
            return (self.path / CURRENT).read_text()
        except OSError:
            return ""

    def writer(self, previous: Store | None, dimension: int | None) -> VersionWriter:
        from .writer import FolderWriter

        return FolderWriter(self.path, dimension)


def store_location(settings: Settings) -> FolderLocation | QdrantLocation:
    """Where `settings` say the index is: `settings.store` if set, else the folder `settings.index_dir`."""
    where = (settings.store or "").strip()
    if not where:
        return FolderLocation(Path(settings.index_dir))
    if "://" in where or where.startswith("qdrant"):
        from .qdrant_location import QdrantLocation

        return QdrantLocation.parse(where)
    return FolderLocation(Path(where).expanduser())
