"""Where a Qdrant index is: the `qdrant+...` location forms, parsed and checked, and what a location opens.

Forms (`RAG_STORE` / `--store`, rag/store/qdrant.py has the point layout):

    qdrant+http://HOST:6333/NAME    a Qdrant server or cluster (qdrant+https:// too; the API key,
                                    if any, from $QDRANT_API_KEY)
    qdrant+path:///ABS/DIR/NAME     Qdrant's local mode, kept in DIR (one process at a time)
    qdrant+memory://NAME            local mode in this process's memory (tests, one-off runs)

Options for a server's new collections go in the query string (`?shards=12&replicas=2&on_disk=1&int8=1`).
A `QdrantLocation` can be locked for a build, asked for its live index (`QdrantStore`), its
manifest or version, and give a writer (`QdrantWriter`), as the folder store's location does.

Does not talk to the engine itself (rag/store/qdrant.py), read (qdrant_reader) or write (qdrant_writer).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from ..errors import IndexNotFoundError, StoreLocationError
from .manifest import check_config
from .protocols import VersionWriter
from .qdrant import Connection, build_lock, connect
from .qdrant_reader import QdrantStore, read_meta
from .qdrant_writer import QdrantWriter

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
        meta = self.connect().meta(self.name)
        return None if meta is None else read_meta(self, meta).to_json()

    def version(self) -> str:
        meta = self.connect().meta(self.name)
        return "" if meta is None else str(meta.get("version", ""))

    def writer(self, previous: Any, dimension: int | None) -> VersionWriter:
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
