"""Hybrid retrieval: dense (FAISS) and BM25 over the same chunks, fused.

Covers: embedding the query, taking the top candidates from each retriever,
and fusing them by weighted reciprocal rank fusion (`Settings.rrf_k`,
`dense_weight`, `bm25_weight`, tuned on the SciFact development split), then
returning `Hit`s with exact offsets into their source texts.

Does not generate or cite; it only ranks chunks.
"""

from __future__ import annotations

import numpy as np

from .embedding import Embedder
from .results import Hit
from .settings import Settings
from .store import Store


def fuse(
    ranked_lists: list[tuple[np.ndarray, float]],
    rrf_k: int,
) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion: score(row) = sum of weight / (rrf_k + rank)."""
    scores: dict[int, float] = {}
    for rows, weight in ranked_lists:
        if weight <= 0:
            continue
        for rank, row in enumerate(rows, start=1):
            scores[int(row)] = scores.get(int(row), 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings

    def query_vector(self, query: str) -> np.ndarray:
        return self.embedder.encode([query])[0]

    def search(self, query: str, k: int | None = None, query_vector: np.ndarray | None = None) -> list[Hit]:
        s = self.settings
        k = k or s.k
        n = max(s.candidates, k)
        lists: list[tuple[np.ndarray, float]] = []
        if s.dense_weight > 0:
            qv = self.query_vector(query) if query_vector is None else query_vector
            rows, _ = self.store.dense_search(qv, n)
            lists.append((rows, s.dense_weight))
        if s.bm25_weight > 0:
            rows, _ = self.store.bm25.search(query, n)
            lists.append((rows, s.bm25_weight))
        fused = fuse(lists, s.rrf_k)[:k]
        records = self.store.chunks([row for row, _ in fused])
        return [
            Hit(
                source_id=r.source_id,
                chunk_id=r.chunk_id,
                text=r.text,
                start=r.start,
                end=r.end,
                score=float(score),
                title=r.title,
                rank=i + 1,
            )
            for i, (r, (_, score)) in enumerate(zip(records, fused, strict=True))
        ]
