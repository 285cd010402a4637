"""Writing a new index version beside the live one, batch by batch, and switching to it.

Covers: the SQLite chunk and source tables, the raw float16 vectors appended
as they come, the BM25 term counts, taking out the rows of a file that failed
part-way, copying unchanged sources from the live version inside SQLite, and
the commit: `vectors.npy`, the dense index, BM25, the manifest with sizes and
checksums, fsync, one atomic rename of the version and one of `CURRENT`.
Memory holds a batch, the BM25 term counts and, at commit, the dense index.

Does not decide what goes in a version (indexing does) nor read one back (the
reader does). A writer left without a commit deletes its half-written folder;
the live version is never touched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .bm25 import BM25Builder
from .dense import build_dense, choose_index_factory
from .files import CURRENT, DATA_FILES, file_crc32, fsync_file, fsync_tree, remove_stale_versions
from .manifest import FORMAT_VERSION, Manifest
from .records import ChunkRecord, SourceInfo
from .vectors import VectorFile, write_npy

if TYPE_CHECKING:
    from .reader import FolderStore

SCHEMA = """
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
CREATE TABLE chunks (row INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE, source_id TEXT,
                     start INTEGER, end INTEGER, title TEXT, text TEXT, hash TEXT);
CREATE INDEX chunks_source ON chunks(source_id);
CREATE TABLE sources (source_id TEXT PRIMARY KEY, path TEXT, title TEXT, hash TEXT,
                      outlet TEXT, author TEXT, date TEXT);
CREATE TABLE source_parts (source_id TEXT, start INTEGER, text TEXT, PRIMARY KEY (source_id, start));
"""


class FolderWriter:
    """Writes one new index version of a folder batch by batch and makes it live on `commit()` (a `VersionWriter`).

    Use as a context manager: leaving it without a commit (an error, Ctrl-C)
    deletes the half-written folder; the live version is never touched.
    """

    in_place = False  # a whole new version: indexing copies unchanged sources into it

    def __init__(self, index_dir: Path, dimension: int | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.tmp = self.index_dir / f".tmp-{uuid.uuid4().hex[:8]}"
        self.tmp.mkdir()
        self.db = sqlite3.connect(self.tmp / "chunks.sqlite")
        self.db.executescript(SCHEMA)
        self._raw = open(self.tmp / "vectors.f16", "wb")  # noqa: SIM115 - closed in commit/abort
        self.dimension = dimension
        self.bm25 = BM25Builder()
        self.count = 0
        self.committed = False

    def __enter__(self) -> FolderWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.tmp.exists() and not self.committed:
            self.abort()

    def keep(self, old: object, source_ids: Iterable[str]) -> None:
        raise TypeError("a folder version is written whole: copy unchanged sources into it instead")

    def add_chunks(self, chunks: Sequence[ChunkRecord], vectors: np.ndarray) -> None:
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        if not len(chunks):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float16)
        if self.dimension is None:
            self.dimension = int(vectors.shape[1])
        self.db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?)",
            (
                (self.count + i, c.chunk_id, c.source_id, c.start, c.end, c.title, c.text, c.hash)
                for i, c in enumerate(chunks)
            ),
        )
        self._raw.write(vectors.tobytes())
        self.bm25.add([f"{c.title}\n{c.text}" for c in chunks])
        self.count += len(chunks)

    def truncate(self, count: int) -> None:
        """Drop the chunks from row `count` on (a file that failed part-way through)."""
        self.db.execute("DELETE FROM chunks WHERE row >= ?", (count,))
        self._raw.flush()
        self._raw.truncate(count * 2 * (self.dimension or 0))
        self._raw.seek(0, os.SEEK_END)
        self.bm25.truncate(count)
        self.count = count

    def add_source(self, info: SourceInfo) -> None:
        self.db.execute(
            "INSERT INTO sources VALUES (?,?,?,?,?,?,?)",
            (info.source_id, info.path, info.title, info.hash, info.outlet, info.author, info.date),
        )

    def add_source_part(self, source_id: str, start: int, text: str) -> None:
        self.db.execute("INSERT INTO source_parts VALUES (?,?,?)", (source_id, start, text))

    def drop_source(self, source_id: str) -> None:
        self.db.execute("DELETE FROM sources WHERE source_id = ?", (source_id,))
        self.db.execute("DELETE FROM source_parts WHERE source_id = ?", (source_id,))

    def copy_sources(self, old: FolderStore, source_ids: Iterable[str]) -> None:
        """Copy sources and their texts from a live version, inside SQLite."""
        self.db.execute("CREATE TEMP TABLE keep (source_id TEXT PRIMARY KEY)")
        self.db.executemany("INSERT INTO keep VALUES (?)", ((sid,) for sid in source_ids))
        self.db.execute("ATTACH DATABASE ? AS old", (f"file:{old.folder / 'chunks.sqlite'}?mode=ro",))
        self.db.execute("INSERT INTO sources SELECT * FROM old.sources WHERE source_id IN (SELECT source_id FROM keep)")
        self.db.execute(
            "INSERT INTO source_parts SELECT * FROM old.source_parts WHERE source_id IN (SELECT source_id FROM keep)"
        )
        self.db.commit()
        self.db.execute("DETACH DATABASE old")
        self.db.execute("DROP TABLE keep")

    def commit(self, manifest: Manifest, index_factory: str = "Flat") -> Path:
        """Finish the files, write the manifest and switch CURRENT to this version."""
        import faiss

        tmp, n, dim = self.tmp, self.count, self.dimension or 1
        if index_factory == "auto":  # the manifest records the index actually built
            index_factory = choose_index_factory(n)
        self.db.commit()
        self.db.close()
        self._raw.close()
        write_npy(tmp / "vectors.npy", tmp / "vectors.f16", n, dim)
        (tmp / "vectors.f16").unlink()
        faiss.write_index(build_dense(VectorFile(tmp / "vectors.npy"), index_factory), str(tmp / "dense.faiss"))
        self.bm25.finish().save(tmp)
        manifest = dataclasses.replace(
            manifest,
            format=FORMAT_VERSION,
            count=n,
            index_factory=index_factory,
            embed_dim=dim,
            files={name: (tmp / name).stat().st_size for name in DATA_FILES},
            crc32={name: file_crc32(tmp / name) for name in DATA_FILES},
        )
        body = json.dumps(manifest.to_json(), indent=1, sort_keys=True).encode()
        (tmp / "manifest.json").write_bytes(body)
        fsync_tree(tmp)
        name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        final = self.index_dir / name
        os.rename(tmp, final)
        self.committed = True
        pointer = self.index_dir / f"{CURRENT}.tmp"
        pointer.write_text(f"{name} {hashlib.sha256(body).hexdigest()}\n")
        fsync_file(pointer)
        os.replace(pointer, self.index_dir / CURRENT)
        fsync_file(self.index_dir)
        remove_stale_versions(self.index_dir, keep=name)
        return final

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()
        with contextlib.suppress(Exception):
            self._raw.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
