"""Writing the index into Qdrant: a new collection behind the alias, or an update in place.

Covers: `QdrantWriter`, which `indexing.build_index` drives exactly as the
folder store's writer (add_chunks, truncate, add_source, add_source_part,
drop_source, commit, abort), in one of two modes:

- no live index given (first build, `--rebuild`, another embedder): a new
  collection `NAME-v<time>-<id>` is filled and the alias moved to it at
  commit, in one alias operation; the old collection is then dropped. A
  build that stops leaves the alias where it was.
- a live index given: in place. Unchanged sources are kept (`keep`), chunks
  and texts of added and changed files are upserted under new ids (their
  key holds the new file hash), and at commit the points of changed and
  removed files are deleted by a `source_id`/`key` filter, then the meta
  point (manifest, version) is rewritten. Until then readers see the old
  manifest, whose texts are still there. Sources a build started are listed
  in the meta point as pending first, so a build killed half-way is cleaned
  up by the next one; an abort deletes what it wrote.

Does not decide what goes in the index (indexing does) nor read it (qdrant does).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
import uuid
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..errors import RagError
from ..filters import day_number, outlet_names
from .manifest import FORMAT_VERSION, Manifest
from .qdrant import (
    DENSE,
    LAYOUT,
    META_ID,
    SPARSE,
    Location,
    chunk_point_id,
    create_collection,
    is_collection_of,
    match,
    new_collection_name,
    part_point_id,
    source_key,
)
from .qdrant_reader import QdrantStore
from .records import ChunkRecord, SourceInfo
from .sparse import document_vector, text_terms

UPSERT_BATCH = 256
PARTS_BUFFER_CHARS = 4 << 20
DELETE_SOURCES_AT_ONCE = 128


class QdrantWriter:
    """Writes chunks, vectors and source texts into Qdrant; `commit()` makes them the live index."""

    def __init__(self, location: Location, previous: QdrantStore | None, dimension: int | None) -> None:
        self.location = location
        self.conn = location.connect()
        self.previous = previous
        self.in_place = previous is not None
        self.dimension = dimension
        self.count = 0  # chunks of the index once committed, as far as written: kept + added
        self.committed = False
        self._base = 0  # chunks kept from the live index
        self._ids = array("q")  # ids of the chunks added, in order (truncate takes them back)
        self._hashes: dict[str, str] = {}  # source ID -> file hash, for sources added by this writer
        self._parts: dict[str, int] = {}  # source ID -> parts written
        self._infos: dict[str, dict[str, str]] = {}  # source ID -> path, title, hash, ..., until its first part
        self._filter_keys: dict[str, dict[str, Any]] = {}  # source ID -> what its chunks are filtered by
        self._part_points: list[Any] = []
        self._part_chars = 0
        self._written_sources: list[str] = []
        self._pending_marked: set[str] = set()
        if previous is not None:
            self.collection = location.name
            self.avgdl: float | None = previous.avgdl
        else:
            self.collection = new_collection_name(location.name)
            self.avgdl = None
            self._check_alias_free()
        self._created = self.in_place

    def __enter__(self) -> QdrantWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.committed:
            self.abort()

    # ------------------------------------------------------------ what indexing calls

    def keep(self, old: Any, source_ids: Iterable[str]) -> None:
        """In place: the unchanged sources stay as they are; only their chunk count is needed."""
        from qdrant_client import models

        live = old.manifest.sources
        gone = sorted(source_key(s, live[s]) for s in set(live) - set(source_ids))  # changed or removed files
        dropped = 0
        for i in range(0, len(gone), 1024):
            flt = models.Filter(
                must=[
                    match("kind", "chunk"),
                    models.FieldCondition(key="key", match=models.MatchAny(any=gone[i : i + 1024])),
                ]
            )
            dropped += self.conn.call("count", self.collection, count_filter=flt, exact=True).count
        self._base = len(old) - dropped
        self.count = self._base + len(self._ids)

    def copy_sources(self, old: Any, source_ids: Iterable[str]) -> None:
        """Copy sources and their texts from another store (a folder index being moved into Qdrant)."""
        for sid in source_ids:
            record = old.source(sid)
            if record is None:
                continue
            self.add_source(
                SourceInfo(
                    record.source_id, record.path, record.title, record.hash, record.outlet, record.author, record.date
                )
            )
            for start in range(0, max(1, len(record.text)), 1 << 20):
                self.add_source_part(sid, start, record.text[start : start + (1 << 20)])

    def add_chunks(self, chunks: Sequence[ChunkRecord], vectors: np.ndarray) -> None:
        from qdrant_client import models

        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        if not len(chunks):
            return
        # float16 as the folder store keeps them, so both stores score the same numbers.
        vectors = np.asarray(vectors, dtype=np.float16).astype(np.float32)
        if self.dimension is None:
            self.dimension = int(vectors.shape[1])
        terms = [text_terms(c.title, c.text) for c in chunks]
        if self.avgdl is None:  # BM25's average length, estimated once from the first batch
            self.avgdl = float(np.mean([sum(t.values()) for t in terms])) or 1.0
        self._ensure_collection()
        self._mark_pending({c.source_id for c in chunks})
        points = []
        for c, v, counts in zip(chunks, vectors, terms, strict=True):
            key = source_key(c.source_id, self._file_hash(c.source_id))
            pid = chunk_point_id(key, c.chunk_id)
            indices, values = document_vector(counts, self.avgdl)
            payload = dataclasses.asdict(c) | {"kind": "chunk", "key": key} | self._filter_keys.get(c.source_id, {})
            vector = {DENSE: v.tolist(), SPARSE: models.SparseVector(indices=indices, values=values)}
            points.append(models.PointStruct(id=pid, vector=vector, payload=payload))
            self._ids.append(pid)
        self._upsert(points)
        self.count = self._base + len(self._ids)

    def truncate(self, count: int) -> None:
        """Take back the chunks added from row `count` on (a file that failed part-way)."""
        cut = max(0, count - self._base)
        self._delete_ids(list(self._ids[cut:]))
        del self._ids[cut:]
        self.count = self._base + len(self._ids)

    def add_source(self, info: SourceInfo) -> None:
        self._hashes[info.source_id] = info.hash
        self._parts[info.source_id] = 0
        self._infos[info.source_id] = {
            "path": info.path, "title": info.title, "hash": info.hash,
            "outlet": info.outlet, "author": info.author, "date": info.date,
        }  # fmt: skip
        # Each chunk carries its article's outlet names and date as YYYYMMDD, for the search filters.
        keys: dict[str, Any] = {"outlet_names": outlet_names(info.outlet)}
        if (day := day_number(info.date)) is not None:
            keys["day"] = day
        self._filter_keys[info.source_id] = keys
        self._written_sources.append(info.source_id)

    def add_source_part(self, source_id: str, start: int, text: str) -> None:
        """A part of a source's text; the first also carries the source's path, title and hash."""
        from qdrant_client import models

        key = source_key(source_id, self._file_hash(source_id))
        n = self._parts[source_id]
        self._parts[source_id] = n + 1
        payload = {"kind": "part", "source_id": source_id, "key": key, "start": start, "text": text}
        if n == 0:
            payload |= self._infos.pop(source_id, {})
        self._buffer(models.PointStruct(id=part_point_id(key, n), vector={}, payload=payload))

    def drop_source(self, source_id: str) -> None:
        from qdrant_client import models

        if source_id not in self._hashes:  # failed before anything of it was written
            return
        key = source_key(source_id, self._hashes.pop(source_id))
        self._part_points = [p for p in self._part_points if p.payload.get("key") != key]
        if self._created:
            self.conn.call(
                "delete", self.collection, models.FilterSelector(filter=models.Filter(must=[match("key", key)]))
            )

    def commit(self, manifest: Manifest, index_factory: str = "") -> str:
        """Make what was written the live index; returns the collection's name."""
        self._ensure_collection()
        self._flush_parts()
        from qdrant_client import models

        if self.in_place:
            self._delete_replaced(manifest)
        chunks = models.Filter(must=[match("kind", "chunk")])
        count = self.conn.call("count", self.collection, count_filter=chunks, exact=True).count
        manifest = dataclasses.replace(
            manifest, format=FORMAT_VERSION, count=count, embed_dim=self.dimension or 0, index_factory="qdrant",
            files={}, crc32={},
        )  # fmt: skip
        meta = {
            "kind": "meta", "layout": LAYOUT, "manifest": json.dumps(manifest.to_json(), sort_keys=True),
            "version": f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}", "avgdl": self.avgdl or 1.0,
            "pending": [],
        }  # fmt: skip
        self.conn.call("upsert", self.collection, [models.PointStruct(id=META_ID, vector={}, payload=meta)], wait=True)
        if not self.in_place:
            self._switch_alias()
        self.committed = True
        self.count = count
        return self.collection

    def abort(self) -> None:
        """Leave the live index as it was: drop the new collection, or take back what an update wrote."""
        with contextlib.suppress(Exception):
            if not self.in_place:
                if self._created:
                    self.conn.call("delete_collection", self.collection)
                return
            from qdrant_client import models

            self._delete_ids(list(self._ids))
            for sid, digest in self._hashes.items():
                key = models.Filter(must=[match("key", source_key(sid, digest))])
                self.conn.call("delete", self.collection, models.FilterSelector(filter=key))

    # ------------------------------------------------------------ inside

    def _file_hash(self, source_id: str) -> str:
        digest = self._hashes.get(source_id)
        if digest is None:
            raise RagError(f"Chunks of {source_id} were written before its source: a bug in the caller.")
        return digest

    def _check_alias_free(self) -> None:
        names = {c.name for c in self.conn.call("get_collections").collections}
        if self.location.name in names:
            raise RagError(
                f"{self.location.label} names a Qdrant collection that rag did not make (rag keeps an alias there): "
                "choose another NAME, or delete that collection."
            )

    def _ensure_collection(self) -> None:
        if self._created or self.dimension is None:
            return
        create_collection(self.conn, self.collection, self.location, self.dimension)
        self._created = True

    def _mark_pending(self, source_ids: set[str]) -> None:
        """In place: list the sources this build writes in the meta point before writing them."""
        new = source_ids - self._pending_marked
        if not self.in_place or not new:
            return
        assert self.previous is not None
        self._pending_marked |= new
        pending = sorted(set(self.previous.meta.get("pending", [])) | self._pending_marked)
        self.conn.call("set_payload", self.collection, {"pending": pending}, points=[META_ID], wait=True)

    def _buffer(self, point: Any) -> None:
        self._part_points.append(point)
        self._part_chars += len(point.payload.get("text", ""))
        if self._part_chars > PARTS_BUFFER_CHARS or len(self._part_points) >= UPSERT_BATCH:
            self._ensure_collection()
            if self._created:
                self._flush_parts()

    def _flush_parts(self) -> None:
        if self._part_points:
            self._mark_pending({p.payload["source_id"] for p in self._part_points})
            self._upsert(self._part_points)
        self._part_points, self._part_chars = [], 0

    def _upsert(self, points: list[Any]) -> None:
        for i in range(0, len(points), UPSERT_BATCH):
            self.conn.call("upsert", self.collection, points[i : i + UPSERT_BATCH], wait=True)

    def _delete_ids(self, ids: list[Any]) -> None:
        from qdrant_client import models

        for i in range(0, len(ids), 4096):
            self.conn.call("delete", self.collection, models.PointIdsList(points=ids[i : i + 4096]), wait=True)

    def _delete_replaced(self, manifest: Manifest) -> None:
        """In place, at commit: delete the points of every source whose live file is no longer the one written."""
        from qdrant_client import models

        assert self.previous is not None
        old = self.previous.manifest.sources
        new = manifest.sources
        touched = {s for s in old if new.get(s) != old[s]} | set(self.previous.meta.get("pending", []))
        touched |= set(self._written_sources)
        todo = sorted(touched)
        for i in range(0, len(todo), DELETE_SOURCES_AT_ONCE):
            conditions: list[Any] = []
            for sid in todo[i : i + DELETE_SOURCES_AT_ONCE]:
                keep = [match("key", source_key(sid, new[sid]))] if sid in new else []
                conditions.append(models.Filter(must=[match("source_id", sid)], must_not=keep))
            selector = models.FilterSelector(
                filter=models.Filter(should=conditions, must_not=[models.HasIdCondition(has_id=[META_ID])])
            )
            self.conn.call("delete", self.collection, selector, wait=True)

    def _switch_alias(self) -> None:
        from qdrant_client import models

        name = self.location.name
        aliases = self.conn.call("get_aliases").aliases
        old = [a.collection_name for a in aliases if a.alias_name == name]
        ops: list[Any] = [models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=name))] if old else []
        ops.append(
            models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name=self.collection, alias_name=name)
            )
        )
        self.conn.call("update_collection_aliases", ops)
        # Earlier collections of this index, and any a killed build left: nothing points at them now.
        for c in self.conn.call("get_collections").collections:
            if is_collection_of(name, c.name) and c.name != self.collection:
                with contextlib.suppress(Exception):
                    self.conn.call("delete_collection", c.name)
