"""The index in a Qdrant collection: where it is, how its points are laid out, and reading it (`QdrantStore`).

Locations (`RAG_STORE` / `--store`):

    qdrant+http://HOST:6333/NAME    a Qdrant server or cluster (qdrant+https:// too; the API key,
                                    if any, from $QDRANT_API_KEY)
    qdrant+path:///ABS/DIR/NAME     Qdrant's local mode, kept in DIR (one process at a time)
    qdrant+memory://NAME            local mode in this process's memory (tests, one-off runs)

NAME is an alias; it points at one collection `NAME-v<time>-<id>` holding the
whole index, so a full rebuild fills a new collection and moves the alias in
one step (what `CURRENT` does for the folder store). Options for a server's
new collections go in the query string: `?shards=12&replicas=2&on_disk=1&int8=1`
(docs/scaling.md). Points of a collection:

    id 0             kind "meta": the manifest (JSON), its version, BM25's avgdl, sources a build left pending
    chunk points     kind "chunk": dense vector "dense" (dot product), sparse vector "bm25" (Modifier.IDF,
                     `store.sparse`), payload chunk_id, source_id, start, end, title, text, hash, key
    source points    kind "source" (path, title, hash) and "part" (the text, in the parts it was read in)

`key` is "<source ID>\\0<file hash>": a changed file's new points never
overwrite its old ones, which stay until the update that replaced them commits.
Point ids are 63-bit hashes of key and chunk ID (or part number), the "rows"
`dense_search` returns and `chunks` takes.

Does not write (qdrant_writer does) and does not fuse (retrieval does).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import math
import os
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import numpy as np

from ..errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError, StoreLocationError
from .manifest import FORMAT_VERSION, Manifest, check_config
from .records import ChunkRecord, SourceRecord
from .sparse import query_vector, term_index

if TYPE_CHECKING:
    from .backend import VersionWriter

LAYOUT = 1
META_ID = 0
DENSE, SPARSE = "dense", "bm25"
SCROLL_PAGE = 1024
PARTS_AT_ONCE = 8
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,200}")
FORMS = "qdrant+http://HOST:6333/NAME, qdrant+https://HOST/NAME, qdrant+path:///ABS/DIR/NAME or qdrant+memory://NAME"


@dataclass(frozen=True)
class QdrantLocation:
    """A parsed `qdrant+...` location: how to reach the engine, and the alias that names the index."""

    text: str
    kind: str  # "http", "path" or "memory"
    target: str  # the server URL, the folder, or "" for memory
    name: str
    options: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> QdrantLocation:
        scheme, sep, rest = text.partition("://")
        rest, _, query = rest.partition("?")
        kind = scheme.removeprefix("qdrant+") if scheme.startswith("qdrant+") else ""
        head, _, name = rest.rstrip("/").rpartition("/")
        if kind == "memory" and "/" not in rest.rstrip("/"):
            head, name = "", rest.rstrip("/")
        if not sep or kind not in ("http", "https", "path", "memory") or not _NAME.fullmatch(name):
            raise StoreLocationError(
                f"Store location {text!r} is not one rag reads: give a folder, or {FORMS} "
                "(NAME: letters, digits, '_', '-', '.')."
            )
        if kind in ("http", "https"):
            if not head:
                raise StoreLocationError(f"Store location {text!r} has no server: write {kind}://HOST:6333/NAME.")
            return cls(text, "http", f"{kind}://{head}", name, dict(parse_qsl(query)))
        if kind == "path":
            if not head:
                raise StoreLocationError(f"Store location {text!r} has no folder: write qdrant+path:///ABS/DIR/{name}.")
            return cls(text, "path", str(Path(head).expanduser().resolve()), name)
        return cls(text, "memory", "", name)

    @property
    def label(self) -> str:
        return self.text

    @property
    def key(self) -> str:
        return f"qdrant+{self.kind}://{self.target}/{self.name}"

    @property
    def remote(self) -> bool:
        return self.kind == "http"

    def connect(self) -> Connection:
        return connect(self)

    def lock(self) -> contextlib.AbstractContextManager[object]:
        from .qdrant_writer import build_lock

        return build_lock(self)

    def live(self) -> QdrantStore | None:
        """The store the alias points at, or None if there is none yet."""
        conn = self.connect()
        meta = conn.meta(self.name)
        return None if meta is None else QdrantStore(self, conn, meta)

    def open(self, expected: dict[str, Any] | None = None) -> QdrantStore:
        store = self.live()
        if store is None:
            raise IndexNotFoundError(
                f"No index in {self.label}: run `rag index --store {self.label}` (with --source DIR for another folder)."
            )
        if expected:
            check_config(store.manifest, expected, self.label)
        return store

    def version(self) -> str:
        meta = self.connect().meta(self.name)
        return "" if meta is None else str(meta.get("version", ""))

    def writer(self, previous: Any, dimension: int | None) -> VersionWriter:
        from .qdrant_writer import QdrantWriter

        return QdrantWriter(self, previous, dimension)


@dataclass
class Connection:
    """One client per engine per process (local mode allows one per folder), and a lock for local mode,
    whose Python engine is not safe for concurrent calls."""

    client: Any
    remote: bool
    lock: Any

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return getattr(self.client, method)(*args, **kwargs)

    def meta(self, name: str) -> dict[str, Any] | None:
        """The meta payload of the collection the alias `name` points at; None if there is no such alias."""
        from qdrant_client.http.exceptions import UnexpectedResponse

        try:
            found = self.call("retrieve", name, [META_ID], with_payload=True)
        except UnexpectedResponse as exc:
            if exc.status_code == 404:
                return None
            raise
        except ValueError as exc:  # local mode: "Collection NAME not found"
            if "not found" in str(exc):
                return None
            raise
        if not found:
            raise IndexCorruptError(f"The Qdrant collection {name} holds no rag manifest: run `rag index --rebuild`.")
        return dict(found[0].payload or {})


_connections: dict[tuple[str, str], Connection] = {}
_connections_lock = threading.Lock()


def connect(location: QdrantLocation) -> Connection:
    """The process's connection to a location's engine, made on first use."""
    key = (location.kind, location.target)
    with _connections_lock:
        conn = _connections.get(key)
        if conn is None:
            conn = _connections[key] = _new_connection(location)
        return conn


def _new_connection(location: QdrantLocation) -> Connection:
    from qdrant_client import QdrantClient

    if location.kind == "http":
        client = QdrantClient(url=location.target, api_key=os.environ.get("QDRANT_API_KEY") or None, timeout=120)
        return Connection(client, True, contextlib.nullcontext())
    if location.kind == "memory":
        return Connection(QdrantClient(":memory:"), False, threading.RLock())
    Path(location.target).mkdir(parents=True, exist_ok=True)
    try:
        client = QdrantClient(path=location.target)
        atexit.register(client.close)  # before the interpreter tears down what close() needs
    except RuntimeError as exc:  # "already accessed by another instance of Qdrant client"
        from ..errors import IndexLockedError

        raise IndexLockedError(
            f"{location.target} is open in another process ({exc}): Qdrant's local mode allows one process "
            "per folder. Close it, or run a Qdrant server and use qdrant+http://."
        ) from None
    return Connection(client, False, threading.RLock())


def point_id(*parts: str) -> int:
    """A stable 63-bit point id (never 0, the meta point's)."""
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "little") & ((1 << 63) - 1)) or 1


def source_key(source_id: str, file_hash: str) -> str:
    return f"{source_id}\0{file_hash}"


def chunk_point_id(key: str, chunk_id: str) -> int:
    return point_id("chunk", key, chunk_id)


def source_point_id(key: str) -> int:
    return point_id("source", key)


def part_point_id(key: str, n: int) -> int:
    return point_id("part", key, str(n))


def match(field_name: str, value: str) -> Any:
    from qdrant_client import models

    return models.FieldCondition(key=field_name, match=models.MatchValue(value=value))


def read_meta(location: QdrantLocation, meta: dict[str, Any]) -> Manifest:
    """The manifest of a meta payload, refused if another layout or format wrote it."""
    if meta.get("layout") != LAYOUT:
        raise IndexMismatchError(
            f"The index in {location.label} has layout {meta.get('layout')}, this rag reads layout {LAYOUT}: "
            f"run `rag index --rebuild --store {location.label}`."
        )
    try:
        manifest = Manifest.from_json(json.loads(meta["manifest"]))
    except (KeyError, TypeError, ValueError):
        raise IndexCorruptError(
            f"The manifest in {location.label} is damaged: run `rag index --rebuild --store {location.label}`."
        ) from None
    if manifest.format != FORMAT_VERSION:
        raise IndexMismatchError(
            f"The index in {location.label} has format {manifest.format}, this rag reads format {FORMAT_VERSION}: "
            f"run `rag index --rebuild --store {location.label}`."
        )
    return manifest


class QdrantStore:
    """The index behind a Qdrant alias, read with the `Store` methods. Thread-safe."""

    def __init__(self, location: QdrantLocation, conn: Connection, meta: dict[str, Any]) -> None:
        self.location = location
        self.conn = conn
        self.name = location.name
        self.meta = meta
        self.manifest = read_meta(location, meta)
        self.avgdl = float(meta.get("avgdl", 1.0))
        self._idf: dict[str, float] = {}
        self._ids: np.ndarray | None = None  # chunk point ids in id order, once listed

    def __len__(self) -> int:
        return self.manifest.count

    def dense_search(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        vector = np.asarray(query_vector, dtype=np.float32).ravel().tolist()
        found = self.conn.call("query_points", self.name, query=vector, using=DENSE, limit=k).points
        return _rows_scores(found)

    def sparse_search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """BM25 in the engine: the query's term counts against the chunks' weights, times the engine's idf."""
        from qdrant_client import models

        indices, values = query_vector(query)
        k = min(k, len(self))
        if not indices or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        vector = models.SparseVector(indices=indices, values=values)
        found = self.conn.call("query_points", self.name, query=vector, using=SPARSE, limit=k).points
        return _rows_scores([p for p in found if p.score > 0])

    def idf(self, term: str) -> float:
        """The engine's idf of an analysed term, read back from one scored point (score / stored weight);
        a term no chunk holds gets the highest value, as in the folder store."""
        cached = self._idf.get(term)
        if cached is not None:
            return cached
        from qdrant_client import models

        index = term_index(term)
        value = math.log(1.0 + (len(self) + 0.5) / 0.5)
        found = self.conn.call(
            "query_points", self.name, query=models.SparseVector(indices=[index], values=[1.0]),
            using=SPARSE, limit=1, with_vectors=[SPARSE],
        ).points  # fmt: skip
        if found and found[0].vector:
            stored = found[0].vector[SPARSE]
            weight = dict(zip(stored.indices, stored.values, strict=True)).get(index, 0.0)
            if weight > 0:
                value = float(found[0].score) / weight
        self._idf[term] = value
        return value

    def chunks(self, rows: Sequence[int]) -> list[ChunkRecord]:
        if not len(rows):
            return []
        ids = [int(r) for r in rows]
        found = self.conn.call("retrieve", self.name, ids, with_payload=True)
        by_id = {int(p.id): p.payload for p in found}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise IndexCorruptError(
                f"{len(missing)} chunks are missing from {self.location.label}: run `rag index --store "
                f"{self.location.label}` again (an update may have been interrupted)."
            )
        return [_chunk(by_id[i]) for i in ids]

    def source(self, source_id: str) -> SourceRecord | None:
        digest = self.manifest.sources.get(source_id)
        if digest is None:
            return None
        key = source_key(source_id, digest)
        head = self.conn.call("retrieve", self.name, [source_point_id(key)], with_payload=True)
        if not head:
            return None
        texts: list[str] = []
        while True:  # parts are numbered from 0; most sources have one
            ids = [part_point_id(key, len(texts) + i) for i in range(PARTS_AT_ONCE)]
            found = {int(p.id): p.payload for p in self.conn.call("retrieve", self.name, ids, with_payload=True)}
            texts += [found[i]["text"] for i in ids if i in found]
            if len(found) < PARTS_AT_ONCE:
                break
        info = head[0].payload
        return SourceRecord(source_id, info["path"], info["title"], info["hash"], "".join(texts))

    def source_ids(self) -> list[str]:
        return sorted(self.manifest.sources)

    def rows_of_sources(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for pid, payload in self._scroll("chunk", ["source_id"]):
            out.setdefault(payload["source_id"], []).append(pid)
        return out

    def chunk_hashes(self) -> list[str]:
        """The content hash of every chunk, in point id order: position i is `vectors()` row i."""
        ids, hashes = [], []
        for pid, payload in self._scroll("chunk", ["hash"]):
            ids.append(pid)
            hashes.append(payload["hash"])
        self._ids = np.asarray(ids, dtype=np.int64)
        return hashes

    def vectors(self) -> QdrantVectors:
        """The stored dense vectors, row i being the chunk at position i of `chunk_hashes()`."""
        return QdrantVectors(self)

    def chunk_ids(self) -> np.ndarray:
        if self._ids is None:
            self.chunk_hashes()
        assert self._ids is not None
        return self._ids

    def _scroll(self, kind: str, fields: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
        from qdrant_client import models

        offset = None
        while True:
            points, offset = self.conn.call(
                "scroll", self.name, scroll_filter=models.Filter(must=[match("kind", kind)]),
                limit=SCROLL_PAGE, offset=offset, with_payload=fields,
            )  # fmt: skip
            for p in points:
                yield int(p.id), dict(p.payload or {})
            if offset is None:
                return


class QdrantVectors:
    """Rows of a `QdrantStore`'s dense vectors (float16, as the folder store keeps them), fetched by id."""

    ndim = 2

    def __init__(self, store: QdrantStore) -> None:
        self.store = store
        self.shape = (len(store), store.manifest.embed_dim)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        ids = self.store.chunk_ids()[key]
        ids = np.atleast_1d(ids)
        out = np.zeros((len(ids), self.shape[1]), dtype=np.float16)
        for i in range(0, len(ids), SCROLL_PAGE):
            block = [int(x) for x in ids[i : i + SCROLL_PAGE]]
            found = self.store.conn.call("retrieve", self.store.name, block, with_vectors=[DENSE])
            by_id = {int(p.id): p.vector[DENSE] for p in found}
            for j, pid in enumerate(block):
                out[i + j] = by_id[pid]
        return out


def _rows_scores(points: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    rows = np.asarray([int(p.id) for p in points], dtype=np.int64)
    return rows, np.asarray([p.score for p in points], dtype=np.float32)


def _chunk(payload: dict[str, Any]) -> ChunkRecord:
    p = payload
    return ChunkRecord(p["chunk_id"], p["source_id"], p["start"], p["end"], p["title"], p["text"], p["hash"])
