"""The index on disk: its layout, versions, lock, manifest checks and loading.

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

A build writes a new version beside the old one (`VersionWriter`, batch by
batch: texts go to SQLite and vectors to disk as they come, so memory holds a
batch, the BM25 term counts and, at the end, the FAISS index) and switches
`CURRENT` with one atomic rename, so a build killed at any moment leaves the previous version
live. Loading checks the manifest hash, the format, the file sizes and the
configuration, and says which command fixes a problem.

Does not decide what goes in a version (indexing does) nor rank (retrieval).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import sqlite3
import threading
import time
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .bm25 import BM25, BM25Builder
from .errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexNotFoundError

FORMAT_VERSION = 2
CURRENT = "CURRENT"
LOCK = ".lock"
DATA_FILES = ("chunks.sqlite", "vectors.npy", "dense.faiss", "bm25.npz", "bm25_vocab.json")
REBUILD_HINT = "run `rag index --rebuild`"


@dataclass(frozen=True)
class ChunkRecord:
    chunk_id: str
    source_id: str
    start: int
    end: int
    title: str
    text: str
    hash: str


@dataclass(frozen=True)
class SourceRecord:
    source_id: str
    path: str
    title: str
    hash: str
    text: str


@dataclass(frozen=True)
class SourceInfo:
    """A source without its text (the text is written in parts as it is read)."""

    source_id: str
    path: str
    title: str
    hash: str


def chunk_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\x00{text}".encode()).hexdigest()[:32]


# ---------------------------------------------------------------- locking


class BuildLock:
    """An exclusive, non-blocking lock on an index folder for one build."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / LOCK
        self._fd: int | None = None

    def __enter__(self) -> BuildLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
            os.close(fd)
            raise IndexLockedError(
                f"Another `rag index` (pid {holder or '?'}) is building {self.path.parent}: "
                "wait for it to finish, then run again."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        import fcntl

        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# ---------------------------------------------------------------- writing


SCHEMA = """
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
CREATE TABLE chunks (row INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE, source_id TEXT,
                     start INTEGER, end INTEGER, title TEXT, text TEXT, hash TEXT);
CREATE INDEX chunks_source ON chunks(source_id);
CREATE TABLE sources (source_id TEXT PRIMARY KEY, path TEXT, title TEXT, hash TEXT);
CREATE TABLE source_parts (source_id TEXT, start INTEGER, text TEXT, PRIMARY KEY (source_id, start));
"""
# Vectors are copied and added to FAISS this many rows at a time.
VECTOR_BLOCK = 16_384


class VersionWriter:
    """Writes one new index version batch by batch and makes it live on `commit()`.

    Use as a context manager: leaving it without a commit (an error, Ctrl-C)
    deletes the half-written folder; the live version is never touched.
    """

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

    def __enter__(self) -> VersionWriter:
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        if self.tmp.exists() and not getattr(self, "committed", False):
            self.abort()

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
        self.db.execute("INSERT INTO sources VALUES (?,?,?,?)", (info.source_id, info.path, info.title, info.hash))

    def add_source_part(self, source_id: str, start: int, text: str) -> None:
        self.db.execute("INSERT INTO source_parts VALUES (?,?,?)", (source_id, start, text))

    def drop_source(self, source_id: str) -> None:
        self.db.execute("DELETE FROM sources WHERE source_id = ?", (source_id,))
        self.db.execute("DELETE FROM source_parts WHERE source_id = ?", (source_id,))

    def copy_sources(self, old: Store, source_ids: Iterable[str]) -> None:
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

    def commit(self, manifest: dict, index_factory: str = "Flat") -> Path:
        """Finish the files, write the manifest and switch CURRENT to this version."""
        import faiss

        tmp, n, dim = self.tmp, self.count, self.dimension or 1
        self.db.commit()
        self.db.close()
        self._raw.close()
        write_npy(tmp / "vectors.npy", tmp / "vectors.f16", n, dim)
        (tmp / "vectors.f16").unlink()
        faiss.write_index(build_dense(VectorFile(tmp / "vectors.npy"), index_factory), str(tmp / "dense.faiss"))
        self.bm25.finish().save(tmp)
        manifest = dict(manifest, format=FORMAT_VERSION, count=n, index_factory=index_factory, embed_dim=dim)
        manifest["files"] = {name: (tmp / name).stat().st_size for name in DATA_FILES}
        manifest["crc32"] = {name: file_crc32(tmp / name) for name in DATA_FILES}
        body = json.dumps(manifest, indent=1, sort_keys=True).encode()
        (tmp / "manifest.json").write_bytes(body)
        _fsync_tree(tmp)
        name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        final = self.index_dir / name
        os.rename(tmp, final)
        self.committed = True
        pointer = self.index_dir / f"{CURRENT}.tmp"
        pointer.write_text(f"{name} {hashlib.sha256(body).hexdigest()}\n")
        _fsync_file(pointer)
        os.replace(pointer, self.index_dir / CURRENT)
        _fsync_dir(self.index_dir)
        remove_stale_versions(self.index_dir, keep=name)
        return final

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()
        with contextlib.suppress(Exception):
            self._raw.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class VectorFile:
    """The rows of a float16 `.npy` file, read block by block with plain reads.

    Unlike a memory map, the rows read are not counted in the process's resident
    memory once used, so a build's peak memory reflects what it holds. Supports
    `len()`, `.shape`, slices and sorted or unsorted arrays of row numbers.
    """

    ndim = 2

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with open(self.path, "rb") as fh:
            fmt = np.lib.format
            read = fmt.read_array_header_1_0 if fmt.read_magic(fh) == (1, 0) else fmt.read_array_header_2_0
            shape, fortran, dtype = read(fh)
            self.offset = fh.tell()
        if len(shape) != 2 or fortran or dtype != np.float16:
            raise ValueError(f"expected a C-ordered float16 matrix, found {dtype} {shape}")
        self.shape = (int(shape[0]), int(shape[1]))
        if self.offset + self.shape[0] * self.shape[1] * 2 != self.path.stat().st_size:
            raise ValueError("file size does not match its header")

    def __len__(self) -> int:
        return self.shape[0]

    def rows(self, start: int, stop: int) -> np.ndarray:
        start, stop = max(0, start), min(stop, len(self))
        width = self.shape[1] * 2
        with open(self.path, "rb") as fh:
            fh.seek(self.offset + start * width)
            data = fh.read(max(0, stop - start) * width)
        return np.frombuffer(data, dtype=np.float16).reshape(-1, self.shape[1])

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            return self.rows(start, stop)[::step]
        wanted = np.asarray(key, dtype=np.int64).reshape(-1)
        out = np.empty((len(wanted), self.shape[1]), dtype=np.float16)
        order = np.argsort(wanted, kind="stable")
        i = 0
        while i < len(order):
            first = int(wanted[order[i]])
            block = self.rows(first, first + VECTOR_BLOCK)
            j = i
            while j < len(order) and wanted[order[j]] < first + len(block):
                out[order[j]] = block[wanted[order[j]] - first]
                j += 1
            if j == i:
                raise IndexError(f"row {first} out of range")
            i = j
        return out


def write_npy(path: Path, raw: Path, rows: int, dim: int) -> None:
    """A float16 .npy file of shape (rows, dim) whose data are the bytes of `raw`."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float16)), "fortran_order": False, "shape": (rows, dim)}
    with open(path, "wb") as out, open(raw, "rb") as src:
        np.lib.format.write_array_header_1_0(out, header)
        shutil.copyfileobj(src, out, 1 << 20)


# Exact search up to this many vectors, an IVF index above it. One exact query took
# 6.5 ms (quiet machine) to 9.8 ms (loaded, 1 thread) at 100k vectors and 74-180 ms
# at 1M, against a 20 ms budget; figures in docs/benchmarks.md and docs/scaling.md.
EXACT_MAX_VECTORS = 100_000
# k-means wants ~39+ training points per list; 64 keeps training time bounded.
TRAIN_POINTS_PER_LIST = 64
# Lists searched per query: 1/32 of them gave recall@10 >= 0.98 against exact at
# 100k and 1M (docs/benchmarks.md); the cap bounds latency on much larger indexes.
NPROBE_FRACTION = 1 / 32
MIN_NPROBE = 32
MAX_NPROBE = 256
HNSW_EF_SEARCH = 128


def choose_index_factory(n_vectors: int) -> str:
    """The FAISS factory string for a collection of n vectors: exact when small, IVF+SQ8 when large.

    IVF with 8-bit scalar quantisation keeps 1M 384-d vectors in 380 MiB (flat float32
    needs 1.5 GB) and answered in ~1-2 ms at recall@10 0.98 with the nprobe of
    `tune_search`. nlist ~ 4 * sqrt(n), a power of two, at least 1024.
    """
    if n_vectors <= EXACT_MAX_VECTORS:
        return "Flat"
    nlist = 1 << max(10, round(float(np.log2(4 * np.sqrt(n_vectors)))))
    return f"IVF{nlist},SQ8"


def tune_search(index) -> None:
    """Set search-time parameters that the factory string cannot carry (nprobe, efSearch)."""
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        ivf.nprobe = min(ivf.nlist, MAX_NPROBE, max(MIN_NPROBE, round(ivf.nlist * NPROBE_FRACTION)))
    hnsw = getattr(faiss.downcast_index(index), "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = max(hnsw.efSearch, HNSW_EF_SEARCH)


def build_dense(vectors: np.ndarray, index_factory: str = "Flat"):
    """A FAISS inner-product index over the vectors; index_factory "auto" picks by size."""
    import faiss

    if index_factory == "auto":
        index_factory = choose_index_factory(len(vectors))
    dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 1
    index = faiss.index_factory(dim, index_factory, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained and len(vectors):
        ivf = faiss.try_extract_index_ivf(index)
        pick = np.arange(len(vectors))
        if ivf is not None and len(vectors) > ivf.nlist * TRAIN_POINTS_PER_LIST:
            # A fixed seed keeps rebuilds of the same vectors identical.
            pick = np.sort(
                np.random.default_rng(0).choice(len(vectors), ivf.nlist * TRAIN_POINTS_PER_LIST, replace=False)
            )
        index.train(np.asarray(vectors[pick], dtype=np.float32))
    # In blocks: the vectors may be a float16 file on disk, larger than memory should hold twice.
    flat = faiss.downcast_index(index)
    if isinstance(flat, faiss.IndexFlat) and len(vectors):
        # Sized once and filled in place: add() would grow the storage by doubling,
        # briefly holding twice the index (+150 MB at 100k chunks).
        n = len(vectors)
        flat.codes.resize(n * dim * 4)
        storage = faiss.rev_swig_ptr(flat.codes.data(), n * dim * 4).view(np.float32).reshape(n, dim)
        for i in range(0, n, VECTOR_BLOCK):
            storage[i : i + VECTOR_BLOCK] = vectors[i : i + VECTOR_BLOCK]
        index.ntotal = n
    else:
        for i in range(0, len(vectors), VECTOR_BLOCK):
            index.add(np.ascontiguousarray(vectors[i : i + VECTOR_BLOCK], dtype=np.float32))
    tune_search(index)
    return index


def remove_stale_versions(index_dir: Path, keep: str | None) -> None:
    for child in Path(index_dir).iterdir():
        if child.is_dir() and (child.name.startswith(".tmp-") or child.name.startswith("v-")) and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)


def file_crc32(path: Path) -> str:
    """CRC-32 of a file, as 8 hex digits (~4 GB/s here: 10 ms for a 40 MB index)."""
    crc = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def verify_checksums(folder: Path, manifest: dict, names: Iterable[str]) -> None:
    """Refuse a file whose bytes changed since it was written (same size, damaged content).

    Versions written before checksums were recorded have none and are not checked.
    """
    recorded = manifest.get("crc32", {})
    for name in names:
        want = recorded.get(name)
        if want is None:
            continue
        try:
            have = file_crc32(folder / name)
        except OSError as exc:
            raise IndexCorruptError(f"Cannot read {folder / name}: {exc.strerror or exc}. {REBUILD_HINT}.") from None
        if have != want:
            raise IndexCorruptError(f"{folder / name} is damaged (its checksum changed): {REBUILD_HINT}.")


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    _fsync_file(path)


def _fsync_tree(folder: Path) -> None:
    for child in folder.iterdir():
        _fsync_file(child)
    _fsync_dir(folder)


# ---------------------------------------------------------------- reading


def live_version(index_dir: Path) -> tuple[Path, dict] | None:
    """The live version folder and its verified manifest, or None if there is no index."""
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


def check_config(manifest: dict, expected: dict, index_dir: Path) -> None:
    """Refuse an index built with another embedder or chunking."""
    for key, want in expected.items():
        have = manifest.get(key)
        if have != want:
            raise IndexMismatchError(
                f"The index in {index_dir} was built with {key}={have!r}, but the current settings "
                f"say {want!r}: {REBUILD_HINT} to rebuild it, or change the settings back."
            )


class Store:
    """A loaded, read-only index version. Thread-safe for concurrent searches."""

    def __init__(self, folder: Path, manifest: dict) -> None:
        import faiss

        self.folder = folder
        self.manifest = manifest
        # vectors.npy is only read by an update, which checks it in vectors().
        verify_checksums(folder, manifest, [n for n in DATA_FILES if n != "vectors.npy"])
        try:
            self.dense = faiss.read_index(str(folder / "dense.faiss"))
            tune_search(self.dense)
            self.bm25 = BM25.load(folder)
            self._db = sqlite3.connect(f"file:{folder / 'chunks.sqlite'}?mode=ro", uri=True, check_same_thread=False)
            self._db.execute("SELECT count(*) FROM chunks").fetchone()
        except Exception as exc:
            raise IndexCorruptError(f"Cannot read the index in {folder}: {exc}. {REBUILD_HINT}.") from None
        self._lock = threading.Lock()
        if self.dense.ntotal != manifest["count"] or self.bm25.matrix.shape[0] != manifest["count"]:
            raise IndexCorruptError(f"The index files in {folder} disagree on the chunk count: {REBUILD_HINT}.")

    def __len__(self) -> int:
        return int(self.manifest["count"])

    def dense_search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, rows = self.dense.search(np.asarray(query_vector, dtype=np.float32).reshape(1, -1), k)
        keep = rows[0] >= 0
        return rows[0][keep], scores[0][keep]

    def sparse_search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """BM25: the rows of the k best chunks for the query's terms and their scores, best first."""
        return self.bm25.search(query, k)

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of an analysed term (a `bm25.tokenize` output);
        a term no chunk holds gets the highest value."""
        n = max(1, self.bm25.matrix.shape[0])
        col = self.bm25.vocab.get(term)
        if col is None or self.bm25.matrix.format != "csc":
            return math.log(1.0 + (n + 0.5) / 0.5)
        d = float(self.bm25.matrix.indptr[col + 1] - self.bm25.matrix.indptr[col])
        return math.log(1.0 + (n - d + 0.5) / (d + 0.5))

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
                "SELECT source_id, path, title, hash FROM sources WHERE source_id = ?", (source_id,)
            ).fetchone()
            if not row:
                return None
            parts = self._db.execute(
                "SELECT text FROM source_parts WHERE source_id = ? ORDER BY start", (source_id,)
            ).fetchall()
        return SourceRecord(*row, "".join(p[0] for p in parts))

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

    def all_chunks(self) -> list[ChunkRecord]:
        with self._lock:
            found = self._db.execute(
                "SELECT chunk_id, source_id, start, end, title, text, hash FROM chunks ORDER BY row"
            ).fetchall()
        return [ChunkRecord(*r) for r in found]

    def vectors(self) -> VectorFile:
        path = self.folder / "vectors.npy"
        verify_checksums(self.folder, self.manifest, ["vectors.npy"])
        try:
            vectors = VectorFile(path)
        except (OSError, ValueError) as exc:
            raise IndexCorruptError(f"Cannot read {path}: {exc}. {REBUILD_HINT}.") from None
        if vectors.shape[0] != len(self):
            raise IndexCorruptError(f"{path} does not hold one vector per chunk: {REBUILD_HINT}.")
        return vectors


def open_store(index_dir: Path, expected: dict | None = None) -> Store:
    found = live_version(index_dir)
    if found is None:
        raise IndexNotFoundError(
            f"No index in {index_dir}: run `rag index` (or `rag index --source DIR --index {index_dir}`)."
        )
    folder, manifest = found
    if expected:
        check_config(manifest, expected, Path(index_dir))
    return Store(folder, manifest)
