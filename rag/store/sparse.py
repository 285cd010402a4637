"""BM25 as sparse vectors, for an engine that scores sparse dot products with an IDF modifier (Qdrant).

Covers: the index of an analysed term (`language.text.tokenize`, so both stores see the
same terms), a chunk's vector of BM25 term weights without the idf (the engine
multiplies in idf itself, `Modifier.IDF`, with the same formula as
`rag.store.bm25`: ln(1 + (N - df + 0.5) / (df + 0.5))), and a query's vector of
term counts. Score = sum over query terms of count x idf x tf(k1+1)/(tf + k1(1-b+b*dl/avgdl)):
Okapi BM25 exactly as `rag.store.bm25` computes it, except that avgdl is fixed when
a collection is created (estimated from its first batch, kept by updates) so
that adding a chunk never rewrites the others.

Every chunk vector also holds term 0 with weight 0: an engine counts only
points with a non-empty sparse vector in N, and the local store counts every
chunk, so a chunk with no terms (only stop words) must still count.

Does not talk to an engine: the Qdrant store does.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from functools import lru_cache

from ..language.text import tokenize

K1 = 1.2
B = 0.75
# Index 0 is the "every chunk has it" term; real terms hash to 1 .. 2^32 - 1.
EVERY_CHUNK = 0
_SPAN = (1 << 32) - 1


@lru_cache(maxsize=1 << 16)
def term_index(term: str) -> int:
    """The sparse index of an analysed term: 32 bits of its BLAKE2b hash, never 0.

    Two of ~100k distinct terms share an index about once: their counts merge, as a stemmer's do.
    """
    digest = int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "little")
    return digest % _SPAN + 1


def text_terms(title: str, text: str) -> Counter[str]:
    """The analysed terms of a chunk and their counts, over what the local BM25 indexes (title + text)."""
    return Counter(tokenize(f"{title}\n{text}"))


def document_vector(counts: Counter[str], avgdl: float) -> tuple[list[int], list[float]]:
    """A chunk's sparse vector from its `text_terms`: BM25's term-frequency part per term (the engine
    multiplies in idf)."""
    dl = sum(min(tf, 65535) for tf in counts.values())
    norm = K1 * (1.0 - B + B * dl / max(avgdl, 1e-9))
    weights: dict[int, float] = {EVERY_CHUNK: 0.0}
    for term, tf in counts.items():
        tf = min(tf, 65535)  # as the local builder stores counts
        i = term_index(term)
        weights[i] = weights.get(i, 0.0) + tf * (K1 + 1.0) / (tf + norm)
    indices = sorted(weights)
    return indices, [weights[i] for i in indices]


def query_vector(query: str) -> tuple[list[int], list[float]]:
    """A query's sparse vector: each term's count (repeated terms count once per occurrence, as in Lucene)."""
    counts: Counter[int] = Counter(term_index(t) for t in tokenize(query))
    indices = sorted(counts)
    return indices, [float(counts[i]) for i in indices]
