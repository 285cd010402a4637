"""Which store an index lives in, and the interface every store offers.

Covers: the `Store` protocol (what retrieval, answers and updates read) and
the `VersionWriter` protocol (what a build writes through), both implemented
by the folder store (`FolderStore`, `FolderWriter`) and by Qdrant
(`QdrantStore`, `QdrantWriter`); and `store_location(settings)`, which reads
`Settings.store` (`RAG_STORE`, `--store`): empty for the folder
`Settings.index_dir` (the default), a folder path, or a `qdrant+...`
location (rag/store/qdrant.py lists the forms). A location can be locked for
a build, opened (checked against the configuration), asked for the live
index, its manifest, or a version token that changes when a build commits,
and give a writer.

Does not implement either store. Qdrant is imported only when a location names it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .files import CURRENT, BuildLock
from .manifest import Manifest
from .records import ChunkRecord, SourceInfo, SourceRecord

if TYPE_CHECKING:
    from ..filters import Filter
    from ..settings import Settings
    from .qdrant import QdrantLocation


class Vectors(Protocol):
    """Stored chunk vectors, row i being the chunk at position i of `Store.chunk_hashes()`."""

    shape: tuple[int, int]

    def __len__(self) -> int: ...
    def __getitem__(self, key: Any) -> np.ndarray: ...


class Store(Protocol):
    """A live index, read-only. "Rows" are whatever ids `dense_search` returns and `chunks` takes.
    A `Filter` given to a search is applied inside it: the k best of the allowed articles' chunks."""

    manifest: Manifest

    def __len__(self) -> int: ...
    def dense_search(
        self, query_vector: np.ndarray, k: int, where: Filter | None = None
    ) -> tuple[np.ndarray, np.ndarray]: ...
    def sparse_search(self, query: str, k: int, where: Filter | None = None) -> tuple[np.ndarray, np.ndarray]: ...
    def idf(self, term: str) -> float: ...
    def chunks(self, rows: Sequence[int]) -> list[ChunkRecord]: ...
    def source(self, source_id: str) -> SourceRecord | None: ...
    def source_ids(self) -> list[str]: ...
    def source_infos(self) -> list[SourceInfo]: ...
    def rows_of_sources(self) -> dict[str, list[int]]: ...
    def chunk_hashes(self) -> list[str]: ...
    def vectors(self) -> Vectors: ...


class VersionWriter(Protocol):
    """Writes the next version of an index; `commit` makes it live, leaving without one changes nothing.

    `in_place` writers update the live index (Qdrant): unchanged sources are
    kept with `keep`. The others (the folder store) write a whole new version,
    so indexing copies unchanged sources into it.
    """

    in_place: bool
    count: int
    dimension: int | None

    def __enter__(self) -> VersionWriter: ...
    def __exit__(self, *exc: object) -> None: ...
    def keep(self, old: Any, source_ids: Iterable[str]) -> None: ...
    def add_chunks(self, chunks: Sequence[ChunkRecord], vectors: np.ndarray) -> None: ...
    def truncate(self, count: int) -> None: ...
    def add_source(self, info: SourceInfo) -> None: ...
    def add_source_part(self, source_id: str, start: int, text: str) -> None: ...
    def drop_source(self, source_id: str) -> None: ...
    def copy_sources(self, old: Any, source_ids: Iterable[str]) -> None: ...
    def commit(self, manifest: Manifest, index_factory: str = ...) -> object: ...
    def abort(self) -> None: ...


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
        from .qdrant import QdrantLocation

        return QdrantLocation.parse(where)
    return FolderLocation(Path(where).expanduser())
