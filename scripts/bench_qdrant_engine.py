"""SciFact (or any BEIR set) retrieval on Qdrant's Rust engine: a Qdrant index replayed on a qdrant-edge-py shard.

`rag eval --beir DIR --store qdrant+path://...` measures the Qdrant store in
local mode (qdrant-client's Python engine). This script takes the points of
that same collection (vectors, sparse vectors, ids), loads them into an
`EdgeShard` (Qdrant's Rust engine in process) and runs every judged query
through `rag.retrieve.hybrid.Retriever` with dense and BM25 search answered by the
shard, so the fusion, the chunk records and the metric are the product's own.
Prints nDCG@10, recall and search latency as JSON.

    PYTHONPATH=. python scripts/bench_qdrant_engine.py --beir ../shared/eval/scifact \
        --store qdrant+path:///tmp/q/scifact --work /tmp/scifact-work

Does not build the index: `rag index --store ... [--copy-from DIR]` or `rag eval --beir --store` does.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.index.build import index_config
from rag.measure.metrics import percentile, unique_ids
from rag.measure.run import _read_jsonl, load_qrels, score_rankings, write_corpus
from rag.pipeline import get_embedder
from rag.retrieve.hybrid import Retriever
from rag.settings import Settings
from rag.store import store_location
from rag.store.qdrant import DENSE, SPARSE
from rag.store.sparse import query_vector


class EdgeStore:
    """A `QdrantStore` whose dense and BM25 searches run on an `EdgeShard` holding the same points."""

    def __init__(self, store, shard) -> None:
        self.store, self.shard = store, shard
        self.manifest = store.manifest

    def __len__(self) -> int:
        return len(self.store)

    def _query(self, vector, using: str, k: int):
        import qdrant_edge as q

        found = self.shard.query(q.QueryRequest(limit=k, query=q.Query.Nearest(vector, using=using)))
        found = [p for p in found if p.score > 0] if using == SPARSE else found
        return np.asarray([int(p.id) for p in found], dtype=np.int64), np.asarray([p.score for p in found], np.float32)

    def dense_search(self, vector, k):
        return self._query(np.asarray(vector, dtype=np.float32).tolist(), DENSE, k)

    def sparse_search(self, query, k):
        import qdrant_edge as q

        indices, values = query_vector(query)
        if not indices:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return self._query(q.SparseVector(indices, values), SPARSE, k)

    def __getattr__(self, name):  # chunks, source, idf, ...: the Qdrant store's
        return getattr(self.store, name)


def edge_points(points: list) -> list:
    """Qdrant chunk points (scrolled with their vectors) as EdgeShard points: same ids, dense and sparse vectors."""
    import qdrant_edge as q

    return [
        q.Point(
            int(p.id),
            {
                DENSE: list(p.vector[DENSE]),
                SPARSE: q.SparseVector(list(p.vector[SPARSE].indices), list(p.vector[SPARSE].values)),
            },
            {},
        )
        for p in points
    ]


def edge_shard(store, folder: Path):
    """An EdgeShard with every chunk point of the store's collection (same ids, vectors and sparse vectors)."""
    import qdrant_edge as q
    from qdrant_client import models

    from rag.store.qdrant import match

    config = q.EdgeConfig(
        vectors={DENSE: q.EdgeVectorParams(size=store.manifest.embed_dim, distance=q.Distance.Dot)},
        sparse_vectors={SPARSE: q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)},
    )
    shard = q.EdgeShard.create(str(folder), config)
    offset = None
    while True:
        points, offset = store.conn.call(
            "scroll", store.name, scroll_filter=models.Filter(must=[match("kind", "chunk")]),
            limit=1024, offset=offset, with_vectors=True,
        )  # fmt: skip
        shard.update(q.UpdateOperation.upsert_points(edge_points(points)))
        if offset is None:
            break
    shard.optimize()
    return shard


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--beir", type=Path, required=True)
    p.add_argument("--store", required=True, help="the qdrant+... location `rag eval --beir --store` indexed into")
    p.add_argument("--work", type=Path, required=True, help="the --work folder of that evaluation")
    p.add_argument("-k", type=int, default=10)
    args = p.parse_args()

    settings = Settings.from_env().replace(store=args.store, source_dir=args.work / "source")
    embedder = get_embedder(settings)
    store = store_location(settings).open(index_config(settings, embedder))
    qrels = load_qrels(args.beir)
    ids = write_corpus(args.beir / "corpus.jsonl", args.work / "source")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        shard = edge_shard(store, Path(tmp) / "shard")
        load_seconds = time.perf_counter() - t0
        retriever = Retriever(EdgeStore(store, shard), embedder, settings)  # type: ignore[arg-type]
        rankings, latencies, searches = {}, [], []
        for q in _read_jsonl(args.beir / "queries.jsonl"):
            qid = str(q["_id"])
            if not qrels.get(qid):
                continue
            t = time.perf_counter()
            vector = retriever.query_vector(q["text"])
            t1 = time.perf_counter()
            hits = retriever.search(q["text"], k=100, query_vector=vector)
            latencies.append(time.perf_counter() - t)  # as `rag eval --beir` measures: embedding included
            searches.append(time.perf_counter() - t1)
            rankings[qid] = unique_ids(ids.get(h.source_id, h.source_id) for h in hits)
        shard.close()
    metrics = score_rankings(rankings, qrels, args.k)
    metrics.update(
        engine="qdrant-edge-py EdgeShard", chunks=len(store), load_seconds=load_seconds,
        search_p50=percentile(latencies, 50), search_p95=percentile(latencies, 95),
        engine_p50=percentile(searches, 50), engine_p95=percentile(searches, 95),
    )  # fmt: skip
    print(json.dumps(metrics, indent=1))


if __name__ == "__main__":
    main()
