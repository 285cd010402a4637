"""Qdrant's real engine agrees with the local mode the store is tested on.

The store's tests run Qdrant's local mode (a Python re-implementation inside
qdrant-client). Here the points of an index built that way are replayed on a
`qdrant-edge-py` shard, Qdrant's Rust engine in process, and the fixture
queries must return the same top-k with the same scores: dense (dot product)
and BM25 (sparse vectors with the IDF modifier, whose N counts only points
with a non-empty sparse vector in the engine; the corpus has a chunk of stop
words only to hold the store to that).
"""

from __future__ import annotations

import shutil
import uuid

import numpy as np
import pytest

import rag
from rag.pipeline import get_retriever
from rag.store import store_location
from rag.store.qdrant import DENSE, SPARSE
from rag.store.sparse import query_vector
from scripts.bench_qdrant_engine import edge_points

from .conftest import SEEDS

qdrant_edge = pytest.importorskip("qdrant_edge")

QUERIES = [
    "What satellite internet service has Musk provided to Argentina?",
    "Which Apple executive will Milei hold private discussions with?",
    "When will the Hayek medal ceremony take place?",
    "Tesla factory Texas birth rates",
    "Bukele inauguration San Salvador",
    "lithium battery supply chain",
    "Who won the football world cup in 1986?",
]
K = 10


@pytest.fixture
def indexed(tmp_path, settings, embedder):
    source = tmp_path / "seeds"
    shutil.copytree(SEEDS, source)
    (source / "stop.txt").write_text("The and of it\n\nIt was. Was it? It is, and it was, and so it is.")
    s = settings.replace(source_dir=source, store=f"qdrant+memory://engine-{uuid.uuid4().hex[:8]}")
    stats = rag.build_index(settings=s, embedder=embedder)
    assert stats.chunks > 50
    return s


def edge_shard(path, points):
    q = qdrant_edge
    config = q.EdgeConfig(
        vectors={DENSE: q.EdgeVectorParams(size=len(points[0].vector[DENSE]), distance=q.Distance.Dot)},
        sparse_vectors={SPARSE: q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)},
    )
    shard = q.EdgeShard.create(str(path), config)
    shard.update(q.UpdateOperation.upsert_points(edge_points(points)))
    return shard


def same_top_k(local: tuple[np.ndarray, np.ndarray], edge: list) -> None:
    """Same ids and scores; ids may swap only between equal scores."""
    rows, scores = local
    edge_scores = np.asarray([p.score for p in edge], dtype=np.float32)
    assert len(edge) == len(rows)
    assert np.allclose(scores, edge_scores, rtol=1e-5, atol=1e-6)
    cut = scores[-1] + 1e-5 if len(scores) else 0
    assert {int(r) for r, s in zip(rows, scores, strict=True) if s > cut} == {int(p.id) for p in edge if p.score > cut}
    for value in set(np.round(scores, 4)):  # within a tie, the same ids (unless the tie runs past k)
        if value > round(float(cut), 4):
            assert {int(r) for r, s in zip(rows, scores, strict=True) if round(float(s), 4) == value} == {
                int(p.id) for p in edge if round(p.score, 4) == value
            }


def test_edge_shard_gives_the_local_modes_top_k(indexed, embedder, tmp_path) -> None:
    q = qdrant_edge
    store = get_retriever(indexed, embedder).store
    where = store_location(indexed)
    client = where.connect().client
    from qdrant_client import models

    points, _ = client.scroll(
        where.name,
        scroll_filter=models.Filter(must=[models.FieldCondition(key="kind", match=models.MatchValue(value="chunk"))]),
        limit=100_000,
        with_vectors=True,
    )
    assert len(points) == len(store)
    shard = edge_shard(tmp_path / "shard", points)
    try:
        assert shard.info().points_count == len(store)
        sparse_hits = 0
        for query in QUERIES:
            vector = embedder.encode([query])[0]
            edge = shard.query(q.QueryRequest(limit=K, query=q.Query.Nearest(vector.tolist(), using=DENSE)))
            same_top_k(store.dense_search(vector, K), edge)
            indices, values = query_vector(query)
            edge = shard.query(
                q.QueryRequest(limit=K, query=q.Query.Nearest(q.SparseVector(indices, values), using=SPARSE))
            )
            local = store.sparse_search(query, K)
            same_top_k(local, [p for p in edge if p.score > 0])
            sparse_hits += len(local[0])
        assert sparse_hits > 3 * K  # the BM25 side was really compared
    finally:
        shard.close()
