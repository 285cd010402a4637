"""The index in a Qdrant collection: how to reach its engine, and how its points are laid out.

A location (rag/store/qdrant_location.py: `qdrant+http://HOST:6333/NAME`, `qdrant+path://`,
`qdrant+memory://`) names an alias NAME; it points at one collection `NAME-v<time>-<id>` holding
the whole index, so a full rebuild fills a new collection and moves the alias in one step (what
`CURRENT` does for the folder store). Points of a collection:

    id 0             kind "meta": the manifest (JSON), its version, BM25's avgdl, sources a build left pending
    chunk points     kind "chunk": dense vector "dense" (dot product), sparse vector "bm25" (Modifier.IDF,
                     `store.sparse`), payload chunk_id, source_id, start, end, title, text, hash, key,
                     and for the search filters outlet_names (rag/filters.py) and day (YYYYMMDD, if dated)
    part points      kind "part": a source's text in the parts it was read in, numbered from 0;
                     part 0 also holds the source's path, title, file hash, outlet, author and date

`key` is "<source ID>\\0<file hash>": a changed file's new points never
overwrite its old ones, which stay until the update that replaced them commits.
Point ids are 63-bit hashes of key and chunk ID (or part number), the "rows"
`dense_search` returns and `chunks` takes.

Also the build lock: a `NAME-lock` collection on a server (creating it fails
if it exists), a lock in the process in local mode (which admits one process
per folder anyway).

Does not parse locations (qdrant_location does), read (qdrant_reader) nor write (qdrant_writer) an index.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..errors import IndexCorruptError, IndexLockedError, StoreLocationError


class Location(Protocol):
    """What the engine's readers and writers need of a location (rag/store/qdrant_location.py)."""

    @property
    def name(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def remote(self) -> bool: ...
    @property
    def kind(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def options(self) -> dict[str, str]: ...
    def connect(self) -> Connection: ...


LAYOUT = 3  # 3: outlet, author, date on part 0, outlet names and day on chunks; 2: path and title on part 0
META_ID = 0
DENSE, SPARSE = "dense", "bm25"


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
        from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

        try:
            found = self.call("retrieve", name, [META_ID], with_payload=True)
        except ResponseHandlingException as exc:  # no answer: nothing listening, DNS, TLS
            raise StoreLocationError(
                f"Cannot reach Qdrant at {self.client.init_options.get('url')} ({exc}): start the server, "
                "or check the address in RAG_STORE / --store."
            ) from None
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


def connect(location: Location) -> Connection:
    """The process's connection to a location's engine, made on first use."""
    key = (location.kind, location.target)
    with _connections_lock:
        conn = _connections.get(key)
        if conn is None:
            conn = _connections[key] = _new_connection(location)
        return conn


def _new_connection(location: Location) -> Connection:
    from qdrant_client import QdrantClient

    if location.kind == "http":
        client = QdrantClient(
            url=location.target,
            api_key=os.environ.get("QDRANT_API_KEY") or None,
            timeout=120,
            check_compatibility=False,
        )
        return Connection(client, True, contextlib.nullcontext())
    if location.kind == "memory":
        return Connection(QdrantClient(":memory:"), False, threading.RLock())
    Path(location.target).mkdir(parents=True, exist_ok=True)
    try:
        client = QdrantClient(path=location.target)
        atexit.register(client.close)  # before the interpreter tears down what close() needs
    except RuntimeError as exc:  # "already accessed by another instance of Qdrant client"
        raise IndexLockedError(
            f"{location.target} is open in another process ({exc}): Qdrant's local mode allows one process "
            "per folder. Close it, or run a Qdrant server and use qdrant+http://."
        ) from None
    return Connection(client, False, threading.RLock())


def new_collection_name(alias: str) -> str:
    """A fresh collection for a full build of the index `alias`: `alias-v<time>-<id>`."""
    return f"{alias}-v{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


def is_collection_of(alias: str, collection: str) -> bool:
    """Whether `collection` is one `new_collection_name(alias)` made (not another index's, e.g. `alias-v2`'s)."""
    return re.fullmatch(rf"{re.escape(alias)}-v\d{{8}}T\d{{6}}-[0-9a-f]{{6}}", collection) is not None


def point_id(*parts: str) -> int:
    """A stable 63-bit point id (never 0, the meta point's)."""
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "little") & ((1 << 63) - 1)) or 1


def source_key(source_id: str, file_hash: str) -> str:
    return f"{source_id}\0{file_hash}"


def chunk_point_id(key: str, chunk_id: str) -> int:
    return point_id("chunk", key, chunk_id)


def part_point_id(key: str, n: int) -> int:
    return point_id("part", key, str(n))


def match(field_name: str, value: str) -> Any:
    from qdrant_client import models

    return models.FieldCondition(key=field_name, match=models.MatchValue(value=value))


_local_locks: dict[tuple[str, str, str], threading.Lock] = {}


@contextlib.contextmanager
def build_lock(location: Location) -> Iterator[None]:
    """One build at a time per index."""
    if not location.remote:
        lock = _local_locks.setdefault((location.kind, location.target, location.name), threading.Lock())
        if not lock.acquire(blocking=False):
            raise IndexLockedError(f"Another `rag index` is building {location.label}: wait for it, then run again.")
        try:
            yield
        finally:
            lock.release()
        return
    from qdrant_client import models

    conn, name = location.connect(), f"{location.name}-lock"
    try:
        conn.call("create_collection", name, vectors_config=models.VectorParams(size=1, distance=models.Distance.DOT))
    except Exception as exc:
        raise IndexLockedError(
            f"Another `rag index` is building {location.label} (collection {name} exists: {exc}). Wait for it; "
            f"if no build is running (one was killed), delete that collection and run again."
        ) from None
    try:
        yield
    finally:
        conn.call("delete_collection", name)


def create_collection(conn: Connection, collection: str, location: Location, dimension: int) -> None:
    """A new collection for an index: dense vectors (dot product), BM25 as sparse vectors with the
    engine's idf, and on a server the location's options (shards, replicas, on-disk vectors, int8
    codes) and the payload indexes that updates and search filters use (local mode scans instead)."""
    from qdrant_client import models

    opts = location.options
    on_disk = opts.get("on_disk") in ("1", "true", "yes")
    dense = models.VectorParams(size=dimension, distance=models.Distance.DOT, on_disk=on_disk or None)
    extra: dict[str, Any] = {}
    if location.remote:
        extra = {
            "shard_number": int(opts.get("shards", 1)),
            "replication_factor": int(opts.get("replicas", 1)),
            "on_disk_payload": True,  # chunk and source texts: read by id, from the page cache
        }
        if opts.get("int8") in ("1", "true", "yes"):
            extra["quantization_config"] = models.ScalarQuantization(
                scalar=models.ScalarQuantizationConfig(type=models.ScalarType.INT8, quantile=0.99, always_ram=True)
            )
    conn.call(
        "create_collection", collection, vectors_config={DENSE: dense},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(
            modifier=models.Modifier.IDF, index=models.SparseIndexParams(on_disk=on_disk or None),
        )}, **extra,
    )  # fmt: skip
    if location.remote:
        for name in ("kind", "source_id", "key", "outlet_names"):
            conn.call("create_payload_index", collection, name, models.PayloadSchemaType.KEYWORD)
        conn.call("create_payload_index", collection, "day", models.PayloadSchemaType.INTEGER)
