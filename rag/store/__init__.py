"""The index on disk: versions written beside the live one, switched atomically, read back checked.

Layout of an index folder:

    index/
      CURRENT            name of the live version and the SHA-256 of its manifest
      .lock              held by a build (two builds at once are refused)
      v-<time>-<id>/     one complete version:
        manifest.json    format, embedder and dimension, chunking, per-source hashes, file sizes
        chunks.sqlite    chunk table (text, source ID, offsets, title, hash) and source texts
                         (in parts of at most ~1 MiB, so a large file is never one value)
        vectors.npy      float16 chunk vectors, row i = chunk row i (kept so updates never re-embed)
        dense.faiss      FAISS index over those vectors (inner product on normalised vectors)
        bm25.npz, bm25_vocab.json   BM25 matrix and vocabulary

A build writes a new version beside the old one and switches `CURRENT` with
one atomic rename, so a build killed at any moment leaves the previous version
live. Loading checks the manifest hash, the format, the file sizes, the
checksums and the configuration, and says which command fixes a problem.

Modules: `protocols` (the `Store` and `VersionWriter` interfaces both stores
implement), `backend` (which store a setting names), `records` (chunk and source
rows), `manifest` (the typed manifest), `files` (names, build lock, checksums,
fsync), `vectors` (the float16 vectors file), `dense` (the FAISS index: choice,
fill, tuning), `bm25` (the BM25 matrix), `writer` (a new version, `FolderWriter`)
and `reader` (the live version, `FolderStore`).

The same index can instead live in a Qdrant collection (`RAG_STORE=qdrant+...`):
`qdrant_location` (the location forms, `QdrantLocation`), `qdrant` (the engine
connection and point layout), `qdrant_reader` (`QdrantStore`), `qdrant_writer`
(`QdrantWriter`: new collection + alias, or in place), `sparse` (BM25 as sparse
vectors for the engine) and `copy` (a folder index into Qdrant). Qdrant is
imported only when used.

Does not decide what goes in a version (indexing does) nor rank (retrieval).
"""

from __future__ import annotations

from .backend import FolderLocation, Store, Vectors, VersionWriter, store_location
from .files import CURRENT, LOCK, BuildLock
from .manifest import FORMAT_VERSION, Manifest, Unreadable, check_config
from .reader import FolderStore, live_manifest, live_version, open_store
from .records import ChunkRecord, SourceInfo, SourceRecord, chunk_hash
from .vectors import VectorFile
from .writer import FolderWriter

__all__ = [
    "CURRENT",
    "FORMAT_VERSION",
    "LOCK",
    "BuildLock",
    "ChunkRecord",
    "FolderLocation",
    "FolderStore",
    "FolderWriter",
    "Manifest",
    "SourceInfo",
    "SourceRecord",
    "Store",
    "Unreadable",
    "VectorFile",
    "Vectors",
    "VersionWriter",
    "check_config",
    "chunk_hash",
    "live_manifest",
    "live_version",
    "open_store",
    "store_location",
]
