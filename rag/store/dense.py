"""The dense index of a version: which FAISS index to build, filling it, tuning its search.

Covers: choosing the FAISS factory string by collection size (exact search up
to `EXACT_MAX_VECTORS`, IVF with 8-bit scalar codes above), training an IVF
index on a bounded, seeded sample, filling an exact index in place (sized
once, never grown by doubling), and the search-time parameters a factory
string cannot carry (nprobe, efSearch), which are set again on every load.
Why these thresholds and parameters: docs/scaling.md and docs/benchmarks.md.

Does not save or load the index file (the writer and the reader do) and does
not fuse with BM25 (retrieval does).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .vectors import VECTOR_BLOCK

# Exact search up to this many vectors, an IVF index above it.
EXACT_MAX_VECTORS = 100_000
# k-means wants ~39+ training points per list; 64 keeps training time bounded.
TRAIN_POINTS_PER_LIST = 64
# Lists searched per query, as a fraction of them, with bounds for small and very large indexes.
NPROBE_FRACTION = 1 / 32
MIN_NPROBE = 32
MAX_NPROBE = 256
HNSW_EF_SEARCH = 128


def choose_index_factory(n_vectors: int) -> str:
    """The FAISS factory string for a collection of n vectors: exact when small, IVF+SQ8 when large.

    nlist ~ 4 * sqrt(n), a power of two, at least 1024.
    """
    if n_vectors <= EXACT_MAX_VECTORS:
        return "Flat"
    nlist = 1 << max(10, round(float(np.log2(4 * np.sqrt(n_vectors)))))
    return f"IVF{nlist},SQ8"


def tune_search(index: Any) -> None:
    """Set search-time parameters that the factory string cannot carry (nprobe, efSearch)."""
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        ivf.nprobe = min(ivf.nlist, MAX_NPROBE, max(MIN_NPROBE, round(ivf.nlist * NPROBE_FRACTION)))
    hnsw = getattr(faiss.downcast_index(index), "hnsw", None)
    if hnsw is not None:
        hnsw.efSearch = max(hnsw.efSearch, HNSW_EF_SEARCH)


def build_dense(vectors: Any, index_factory: str = "Flat") -> Any:
    """A FAISS inner-product index over the vectors (an array or a `VectorFile`); "auto" picks by size."""
    import faiss

    if index_factory == "auto":
        index_factory = choose_index_factory(len(vectors))
    dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 1
    index = faiss.index_factory(dim, index_factory, faiss.METRIC_INNER_PRODUCT)
    if not index.is_trained and len(vectors):
        ivf = faiss.try_extract_index_ivf(index)
        pick = np.arange(len(vectors))
        if ivf is not None and len(vectors) > ivf.nlist * TRAIN_POINTS_PER_LIST:
            # A fixed seed keeps rebuilds of the same vectors identical.
            pick = np.sort(
                np.random.default_rng(0).choice(len(vectors), ivf.nlist * TRAIN_POINTS_PER_LIST, replace=False)
            )
        index.train(np.asarray(vectors[pick], dtype=np.float32))
    # In blocks: the vectors may be a float16 file on disk, larger than memory should hold twice.
    flat = faiss.downcast_index(index)
    if isinstance(flat, faiss.IndexFlat) and len(vectors):
        # Sized once and filled in place: add() would grow the storage by doubling,
        # briefly holding twice the index.
        n = len(vectors)
        flat.codes.resize(n * dim * 4)
        storage = faiss.rev_swig_ptr(flat.codes.data(), n * dim * 4).view(np.float32).reshape(n, dim)
        for i in range(0, n, VECTOR_BLOCK):
            storage[i : i + VECTOR_BLOCK] = vectors[i : i + VECTOR_BLOCK]
        index.ntotal = n
    else:
        for i in range(0, len(vectors), VECTOR_BLOCK):
            index.add(np.ascontiguousarray(vectors[i : i + VECTOR_BLOCK], dtype=np.float32))
    tune_search(index)
    return index
