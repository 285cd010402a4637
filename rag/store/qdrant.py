"""The index in a Qdrant collection: where it is, how to reach its engine, how its points are laid out.

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

Does not read (qdrant_reader does) nor write (qdrant_writer does) an index.
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ..errors import IndexCorruptError, IndexLockedError, IndexNotFoundError, StoreLocationError
from .manifest import check_config

if TYPE_CHECKING:
    from .backend import VersionWriter
    from .qdrant_reader import QdrantStore

LAYOUT = 3  # 3: outlet, author, date on part 0, outlet names and day on chunks; 2: path and title on part 0
META_ID = 0
DENSE, SPARSE = "dense", "bm25"
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
            return cls(text, "http", f"{kind}://{head}", name, _options(text, query))
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
        return build_lock(self)

    def live(self) -> QdrantStore | None:
        """The store the alias points at, or None if there is none yet."""
        from .qdrant_reader import QdrantStore

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

    def manifest_json(self) -> dict[str, Any] | None:
        from .qdrant_reader import read_meta

        meta = self.connect().meta(self.name)
        return None if meta is None else read_meta(self, meta).to_json()

    def version(self) -> str:
        meta = self.connect().meta(self.name)
        return "" if meta is None else str(meta.get("version", ""))

    def writer(self, previous: Any, dimension: int | None) -> VersionWriter:
        from .qdrant_writer import QdrantWriter

        return QdrantWriter(self, previous, dimension)


OPTIONS = {"shards": "a number of shards", "replicas": "a replication factor", "on_disk": "1", "int8": "1"}


def _options(text: str, query: str) -> dict[str, str]:
    """The collection options of a server location's query string, checked."""
    opts = dict(parse_qsl(query))
    for key, value in opts.items():
        if key not in OPTIONS:
            raise StoreLocationError(
                f"Store location {text!r}: unknown option {key!r}; rag knows {', '.join(OPTIONS)}."
            )
        if key in ("shards", "replicas") and not (value.isdigit() and int(value) > 0):
            raise StoreLocationError(f"Store location {text!r}: {key}={value!r} should be {OPTIONS[key]} (1 or more).")
    return opts


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
def build_lock(location: QdrantLocation) -> Iterator[None]:
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
