"""Copying a folder index into Qdrant, chunks, vectors, texts and manifest, without embedding again.

`rag index --store qdrant+... --copy-from index/` moves an existing index into
a Qdrant collection (a new one behind the alias, as a full build does); later
`rag index --store ...` runs update it in place as usual.

Does not convert the other way, and does not read the source folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import IndexNotFoundError, StoreLocationError
from .backend import store_location

if TYPE_CHECKING:
    from ..settings import Settings
    from .qdrant_location import QdrantLocation
    from .reader import FolderStore

COPY_BATCH = 2048


def copy_folder(store: FolderStore, location: QdrantLocation) -> tuple[str, int]:
    """Copy a loaded folder index into a new collection behind `location`'s alias; (collection, chunks)."""
    from .qdrant_writer import QdrantWriter

    with location.lock(), QdrantWriter(location, None, store.manifest.embed_dim or None) as writer:
        writer.copy_sources(store, store.source_ids())
        rows = sorted(r for rs in store.rows_of_sources().values() for r in rs)
        vectors = store.vectors()
        for i in range(0, len(rows), COPY_BATCH):
            block = rows[i : i + COPY_BATCH]
            writer.add_chunks(store.chunks(block), np.asarray(vectors[block]))
        return writer.commit(store.manifest), writer.count


def copy_index(folder: Path, settings: Settings) -> str:
    """`rag index --copy-from FOLDER`: copy the folder's live index into the Qdrant store the settings name."""
    from .qdrant_location import QdrantLocation
    from .reader import open_store

    where = store_location(settings)
    if not isinstance(where, QdrantLocation):
        raise StoreLocationError("--copy-from copies into Qdrant: give --store qdrant+... (or set RAG_STORE).")
    try:
        store = open_store(folder)
    except IndexNotFoundError:
        raise IndexNotFoundError(
            f"No index in {folder} to copy: build one with `rag index --index {folder}`."
        ) from None
    collection, count = copy_folder(store, where)
    return f"Copied {folder} into {where.label} (collection {collection}): {count} chunks, {len(store.source_ids())} sources."
