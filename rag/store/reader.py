"""Reading the live index version: finding and verifying it, and the `Store` that searches it.

Covers: following `CURRENT` to the live version and verifying its manifest
(hash, JSON, format, file sizes), opening a version as a read-only `FolderStore`
(checksums, the dense index with its search parameters, BM25, SQLite), dense
and BM25 search, BM25's idf, and reading chunks, sources and, for an update,
the stored vectors. Every problem says which command fixes it.

Does not write (the writer does) and does not fuse or rank (retrieval does).
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError
from ..filters import Filter
from .bm25 import BM25
from .dense import tune_search
from .files import CURRENT, DATA_FILES, REBUILD_HINT, verify_checksums
from .manifest import FORMAT_VERSION, Manifest, check_config
from .records import ChunkRecord, SourceInfo, SourceRecord
from .vectors import VectorFile

# With a filter over an approximate (IVF) index, up to this many allowed chunks are scored
# exactly from the stored vectors; more are searched in the index with a selector.
FILTER_EXACT_MAX = 20_000
# Allowed rows remembered per filter (a chat asks many questions under one filter).
FILTER_CACHE = 8
# With IVF, the allowed chunks' vectors (float32, at most FILTER_EXACT_MAX rows: 30 MB at 384
# dimensions) are kept for this many filters, so that a filter's later questions read no file.
FILTER_VECTORS_CACHE = 2


def live_version(index_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    """The live version folder and its verified manifest (as JSON), or None if there is no index."""
    index_dir = Path(index_dir)
    pointer = index_dir / CURRENT
    if not pointer.exists():
        return None
    try:
        name, digest = pointer.read_text().split()
    except ValueError:
        raise IndexCorruptError(f"{pointer} is damaged: {REBUILD_HINT} --index {index_dir}.") from None
    folder = index_dir / name
    try:
        body = (folder / "manifest.json").read_bytes()
    except OSError:
        raise IndexCorruptError(f"The manifest of {folder} is missing: {REBUILD_HINT}.") from None
    if hashlib.sha256(body).hexdigest() != digest:
        raise IndexCorruptError(f"{folder / 'manifest.json'} was modified or damaged: {REBUILD_HINT}.")
    try:
        manifest = json.loads(body)
    except ValueError:
        raise IndexCorruptError(f"{folder / 'manifest.json'} is not valid JSON: {REBUILD_HINT}.") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"The index in {index_dir} has format {manifest.get('format')}, this rag reads "
            f"format {FORMAT_VERSION}: {REBUILD_HINT}."
        )
    for fname, size in manifest.get("files", {}).items():
        path = folder / fname
        if not path.exists() or path.stat().st_size != size:
            raise IndexCorruptError(f"{path} is missing or truncated: {REBUILD_HINT}.")
    return folder, manifest


def live_manifest(index_dir: Path) -> tuple[Path, Manifest] | None:
    """`live_version` with the manifest typed."""
    found = live_version(index_dir)
    return None if found is None else (found[0], Manifest.from_json(found[1]))


class FolderStore:
    """A loaded, read-only index version of a folder (a `Store`). Thread-safe for concurrent searches."""

    def __init__(self, folder: Path, manifest: Manifest) -> None:
        import faiss

        self.folder = folder
        self.manifest = manifest
        # vectors.npy is only read by an update, which checks it in vectors().
        verify_checksums(folder, manifest.crc32, [n for n in DATA_FILES if n != "vectors.npy"])
        try:
            self._dense = faiss.read_index(str(folder / "dense.faiss"))
            tune_search(self._dense)
            self._bm25 = BM25.load(folder)
            self._db = sqlite3.connect(f"file:{folder / 'chunks.sqlite'}?mode=ro", uri=True, check_same_thread=False)
            self._db.execute("SELECT count(*) FROM chunks").fetchone()
        except Exception as exc:
            raise IndexCorruptError(f"Cannot read the index in {folder}: {exc}. {REBUILD_HINT}.") from None
        self._lock = threading.Lock()
        self._allowed: dict[Filter, np.ndarray] = {}
        self._allowed_vectors: dict[Filter, np.ndarray] = {}
        self._by_source: tuple[list[SourceInfo], dict[str, list[int]]] | None = None  # once a filter needs it
        if self._dense.ntotal != manifest.count or self._bm25.matrix.shape[0] != manifest.count:
            raise IndexCorruptError(f"The index files in {folder} disagree on the chunk count: {REBUILD_HINT}.")

    def __len__(self) -> int:
        return self.manifest.count

    def dense_search(
        self, query_vector: np.ndarray, k: int, where: Filter | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the k chunks nearest the query vector (inner product) and their scores, best first;
        with `where`, among the chunks of the articles it allows only."""
        import faiss

        query = np.asarray(query_vector, dtype=np.float32).reshape(1, -1)
        if where is None:
            k = min(k, len(self))
            if k <= 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            scores, rows = self._dense.search(query, k)
        else:
            allowed = self.allowed_rows(where)
            k = min(k, len(allowed))
            if k <= 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            ivf = faiss.try_extract_index_ivf(self._dense)
            if ivf is not None and len(allowed) <= FILTER_EXACT_MAX:  # few: exact, from the stored vectors
                sims = self._vectors_of(where, allowed) @ query[0]
                top = np.argsort(-sims, kind="stable")[:k]
                return allowed[top], sims[top]
            selector = faiss.IDSelectorBatch(allowed)  # kept referenced until the search returns
            if ivf is None:
                params = faiss.SearchParameters()
            else:
                params = faiss.SearchParametersIVF()
                params.nprobe = ivf.nprobe
            params.sel = selector
            scores, rows = self._dense.search(query, k, params=params)
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]

    def sparse_search(self, query: str, k: int, where: Filter | None = None) -> tuple[np.ndarray, np.ndarray]:
        """BM25: the rows of the k best chunks for the query's terms and their scores, best first;
        with `where`, among the chunks of the articles it allows only."""
        if where is None:
            return self._bm25.search(query, k)
        allowed = self.allowed_rows(where)
        scores = self._bm25.scores(query)[allowed]
        k = min(k, len(allowed))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        top = top[scores[top] > 0]
        return allowed[top], scores[top]

    def allowed_rows(self, where: Filter) -> np.ndarray:
        """The rows of the chunks of the articles a filter allows, sorted (remembered per filter)."""
        with self._lock:
            found = self._allowed.get(where)
        if found is not None:
            return found
        if self._by_source is None:
            self._by_source = (self.source_infos(), self.rows_of_sources())
        infos, rows = self._by_source
        ok = {s.source_id for s in infos if where.allows(s.outlet, s.date, s.source_id)}
        found = np.sort(np.asarray([r for sid in ok for r in rows.get(sid, [])], dtype=np.int64))
        with self._lock:
            while len(self._allowed) >= FILTER_CACHE:
                del self._allowed[next(iter(self._allowed))]
            self._allowed[where] = found
        return found

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of an analysed term (a `language.text.tokenize` output);
        a term no chunk holds gets the highest value."""
        matrix = self._bm25.matrix
        n = max(1, matrix.shape[0])
        col = self._bm25.vocab.get(term)
        if col is None or matrix.format != "csc":
            return math.log(1.0 + (n + 0.5) / 0.5)
        d = float(matrix.indptr[col + 1] - matrix.indptr[col])
        return math.log(1.0 + (n - d + 0.5) / (d + 0.5))

    def _vectors_of(self, where: Filter, allowed: np.ndarray) -> np.ndarray:
        """The stored vectors of a filter's allowed rows as float32 (kept for the last few filters)."""
        with self._lock:
            found = self._allowed_vectors.get(where)
        if found is None:
            found = np.asarray(self.vectors()[allowed], dtype=np.float32)
            with self._lock:
                while len(self._allowed_vectors) >= FILTER_VECTORS_CACHE:
                    del self._allowed_vectors[next(iter(self._allowed_vectors))]
                self._allowed_vectors[where] = found
        return found

    def chunks(self, rows: Sequence[int]) -> list[ChunkRecord]:
        if not len(rows):
            return []
        marks = ",".join("?" * len(rows))
        with self._lock:
            found = self._db.execute(
                f"SELECT row, chunk_id, source_id, start, end, title, text, hash FROM chunks WHERE row IN ({marks})",
                [int(r) for r in rows],
            ).fetchall()
        by_row = {r[0]: ChunkRecord(*r[1:]) for r in found}
        return [by_row[int(r)] for r in rows]

    def source(self, source_id: str) -> SourceRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT source_id, path, title, hash, outlet, author, date FROM sources WHERE source_id = ?",
                (source_id,),
            ).fetchone()
            if not row:
                return None
            parts = self._db.execute(
                "SELECT text FROM source_parts WHERE source_id = ? ORDER BY start", (source_id,)
            ).fetchall()
        text = "".join(p[0] for p in parts)
        return SourceRecord(row[0], row[1], row[2], row[3], text, row[4] or "", row[5] or "", row[6] or "")

    def source_infos(self) -> list[SourceInfo]:
        """Every source's path, title, hash, outlet, author and date (no texts), by source ID."""
        with self._lock:
            found = self._db.execute(
                "SELECT source_id, path, title, hash, outlet, author, date FROM sources ORDER BY source_id"
            ).fetchall()
        return [SourceInfo(*(v or "" for v in r)) for r in found]

    def source_ids(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT source_id FROM sources ORDER BY source_id")]

    def rows_of_sources(self) -> dict[str, list[int]]:
        with self._lock:
            found = self._db.execute("SELECT source_id, row FROM chunks ORDER BY row").fetchall()
        out: dict[str, list[int]] = {}
        for sid, row in found:
            out.setdefault(sid, []).append(row)
        return out

    def chunk_hashes(self) -> list[str]:
        """The content hash of every chunk, by row (no texts loaded)."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT hash FROM chunks ORDER BY row")]

    def vectors(self) -> VectorFile:
        path = self.folder / "vectors.npy"
        verify_checksums(self.folder, self.manifest.crc32, ["vectors.npy"])
        try:
            vectors = VectorFile(path)
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"Cannot read {path}: {exc}. {REBUILD_HINT}.") from None
        if vectors.shape[0] != len(self):
            raise IndexCorruptError(f"{path} does not hold one vector per chunk: {REBUILD_HINT}.")
        return vectors


def open_store(index_dir: Path, expected: dict[str, Any] | None = None) -> FolderStore:
    """The live version of an index, checked against the configuration `expected` (manifest keys) if given."""
    found = live_manifest(index_dir)
    if found is None:
        raise IndexNotFoundError(
            f"No index in {index_dir}: run `rag index` (or `rag index --source DIR --index {index_dir}`)."
        )
    folder, manifest = found
    if expected:
        check_config(manifest, expected, Path(index_dir))
    return FolderStore(folder, manifest)
