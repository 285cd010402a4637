"""Hybrid retrieval: dense (FAISS) and BM25 over the same chunks, fused.

Covers: embedding the query, taking the top candidates from each retriever,
and fusing them, then returning `Hit`s with exact offsets into their source
texts. Two fusions: "score" (the default: each retriever's scores min-max
normalised over its candidates, then a weighted sum) and "rrf" (weighted
reciprocal rank fusion). How they compare on SciFact: docs/evaluation.md (`rag eval --beir`).

Filters (a date range, outlets: rag/filters.py) are handed to the store, which
searches the allowed chunks only. Does not generate or cite; it only ranks chunks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..filters import Filter
from ..index.embedding import TextEmbedder
from ..results import Hit
from ..settings import Settings
from ..store import Store

Ranked = tuple[np.ndarray, np.ndarray, float]  # rows, scores (best first), weight


def fuse_rrf(ranked_lists: list[Ranked], rrf_k: int) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion: score(row) = sum of weight / (rrf_k + rank)."""
    scores: dict[int, float] = {}
    for rows, _, weight in ranked_lists:
        for rank, row in enumerate(rows, start=1):
            scores[int(row)] = scores.get(int(row), 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def fuse_scores(ranked_lists: list[Ranked]) -> list[tuple[int, float]]:
    """Weighted sum of min-max normalised scores; a row missing from a list gets 0 from it."""
    total = sum(w for _, _, w in ranked_lists) or 1.0
    scores: dict[int, float] = {}
    for rows, values, weight in ranked_lists:
        if not len(rows):
            continue
        lo, hi = float(values.min()), float(values.max())
        span = hi - lo if hi > lo else 1.0
        for row, value in zip(rows, values, strict=True):
            norm = (float(value) - lo) / span if hi > lo else 1.0
            scores[int(row)] = scores.get(int(row), 0.0) + weight / total * norm
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


class Retriever:
    def __init__(self, store: Store, embedder: TextEmbedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings

    def query_vector(self, query: str) -> np.ndarray:
        return self.embedder.encode([query])[0]

    def search(
        self, query: str, k: int | None = None, query_vector: np.ndarray | None = None, where: Filter | None = None
    ) -> list[Hit]:
        """The k best chunks for the query (of the articles `where` allows, if given)."""
        k = k or self.settings.k
        return self.hits(self.ranked(query, max(self.settings.candidates, k), query_vector, where)[:k])

    def ranked(
        self, query: str, n: int, query_vector: np.ndarray | None = None, where: Filter | None = None
    ) -> list[tuple[int, float]]:
        """The rows among the n best of each retriever, fused: (row, score), best first. A filter
        is applied inside each retriever's search, so the n are the best of the allowed chunks."""
        s = self.settings
        lists: list[Ranked] = []
        if s.dense_weight > 0:
            qv = self.query_vector(query) if query_vector is None else query_vector
            lists.append((*self.store.dense_search(qv, n, where), s.dense_weight))
        if s.bm25_weight > 0:
            lists.append((*self.store.sparse_search(query, n, where), s.bm25_weight))
        return fuse_rrf(lists, s.rrf_k) if s.fusion == "rrf" else fuse_scores(lists)

    def hits(self, fused: Sequence[tuple[int, float]]) -> list[Hit]:
        """The chunks of fused rows as hits, ranked in that order."""
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
