"""Reading the index in a Qdrant collection: `QdrantStore`, the `Store` methods over the engine.

Covers: checking the meta point (layout, format; the configuration is checked
by the location's `open`), dense search ("dense", dot product), BM25 search in
the engine ("bm25", `Modifier.IDF`, the query's term counts from
`store.sparse`), BM25's idf read back from the engine, chunks by point id,
source texts by their key in the manifest, and, for an update, the chunk
hashes and stored vectors. Point layout: rag/store/qdrant.py.

Does not write (qdrant_writer does) and does not fuse (retrieval does).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ..errors import IndexCorruptError, IndexMismatchError
from ..filters import Filter, day_number
from .manifest import FORMAT_VERSION, Manifest
from .qdrant import DENSE, LAYOUT, SPARSE, Connection, Location, match, part_point_id, source_key
from .records import ChunkRecord, SourceInfo, SourceRecord
from .sparse import query_vector, term_index

SCROLL_PAGE = 1024
PARTS_AT_ONCE = 8
# A server's HNSW search list: at least the candidates asked for (retrieval asks for 100).
HNSW_EF = 128


def read_meta(location: Location, meta: dict[str, Any]) -> Manifest:
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

    def __init__(self, location: Location, conn: Connection, meta: dict[str, Any]) -> None:
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

    def dense_search(
        self, query_vector: np.ndarray, k: int, where: Filter | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest chunks; with `where`, the engine searches the allowed articles' chunks only."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        vector = np.asarray(query_vector, dtype=np.float32).ravel().tolist()
        params = None
        if self.conn.remote:  # HNSW and (if the collection has it) int8 codes re-scored with the full vectors
            from qdrant_client import models

            params = models.SearchParams(
                hnsw_ef=max(HNSW_EF, k), quantization=models.QuantizationSearchParams(rescore=True, oversampling=2.0)
            )
        found = self.conn.call(
            "query_points", self.name, query=vector, using=DENSE, limit=k, search_params=params,
            query_filter=engine_filter(where),
        ).points  # fmt: skip
        return _rows_scores(found)

    def sparse_search(self, query: str, k: int, where: Filter | None = None) -> tuple[np.ndarray, np.ndarray]:
        """BM25 in the engine: the query's term counts against the chunks' weights, times the engine's idf."""
        from qdrant_client import models

        indices, values = query_vector(query)
        k = min(k, len(self))
        if not indices or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        vector = models.SparseVector(indices=indices, values=values)
        found = self.conn.call(
            "query_points", self.name, query=vector, using=SPARSE, limit=k, query_filter=engine_filter(where)
        ).points
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
        parts: list[dict[str, Any]] = []
        while True:  # parts are numbered from 0 and the first carries path and title; most sources have one
            ids = [part_point_id(key, len(parts) + i) for i in range(PARTS_AT_ONCE)]
            found = {int(p.id): p.payload for p in self.conn.call("retrieve", self.name, ids, with_payload=True)}
            parts += [found[i] for i in ids if i in found]
            if len(found) < PARTS_AT_ONCE:
                break
        if not parts:
            return None
        info = parts[0]
        text = "".join(p["text"] for p in parts)
        return SourceRecord(
            source_id, info["path"], info["title"], info["hash"], text,
            info.get("outlet", ""), info.get("author", ""), info.get("date", ""),
        )  # fmt: skip

    def source_infos(self) -> list[SourceInfo]:
        """Every source's path, title, hash, outlet, author and date (no texts), by source ID."""
        live = self.manifest.sources
        fields = ["source_id", "key", "path", "title", "hash", "outlet", "author", "date"]
        found: dict[str, SourceInfo] = {}
        for _, p in self._scroll("part", fields):
            sid = p.get("source_id", "")
            if "path" in p and sid in live and p.get("key") == source_key(sid, live[sid]):
                found[sid] = SourceInfo(
                    sid, p["path"], p["title"], p["hash"], p.get("outlet", ""), p.get("author", ""), p.get("date", "")
                )
        return [found[sid] for sid in sorted(found)]

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


def engine_filter(where: Filter | None) -> Any:
    """A `Filter` as the engine's payload filter on chunk points (outlet names, day, source IDs)."""
    if where is None:
        return None
    from qdrant_client import models

    must: list[Any] = [match("kind", "chunk")]
    if where.since or where.until:
        lo, hi = day_number(where.since), day_number(where.until)
        must.append(models.FieldCondition(key="day", range=models.Range(gte=lo, lte=hi)))
    if where.outlets:
        must.append(models.FieldCondition(key="outlet_names", match=models.MatchAny(any=list(where.outlets))))
    if where.sources:
        must.append(models.FieldCondition(key="source_id", match=models.MatchAny(any=list(where.sources))))
    return models.Filter(must=must)


def _rows_scores(points: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    rows = np.asarray([int(p.id) for p in points], dtype=np.int64)
    return rows, np.asarray([p.score for p in points], dtype=np.float32)


def _chunk(payload: dict[str, Any]) -> ChunkRecord:
    p = payload
    return ChunkRecord(p["chunk_id"], p["source_id"], p["start"], p["end"], p["title"], p["text"], p["hash"])
