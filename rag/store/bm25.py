"""A BM25 index over chunk texts, stored as a sparse matrix beside the FAISS index.

Covers: building the matrix of per-term BM25 weights (Okapi BM25, k1=1.2, b=0.75, Lucene's
idf) over the analysed terms of a text (`text.tokenize`), scoring a query as a sparse dot
product, and saving/loading it.

Does not analyse text (rag/language/text.py: lower case, stop words, stemming; its helpers are
re-exported here for the modules that import them from this one) or fuse with dense scores:
retrieval does that.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

# The analysis is rag/language/text.py's; its helpers are re-exported for rag/store and rag/retrieve/named_outlets.py.
from ..language.text import tokenize


class BM25:
    def __init__(self, vocab: dict[str, int], matrix, k1: float = 1.2, b: float = 0.75) -> None:
        self.vocab = vocab
        self.matrix = matrix  # scipy CSC, shape (n_chunks, n_terms), BM25 weight per cell
        self.k1, self.b = k1, b

    def scores(self, query: str) -> np.ndarray:
        ids = [self.vocab[t] for t in tokenize(query) if t in self.vocab]
        if not ids:
            return np.zeros(self.matrix.shape[0], dtype=np.float32)
        # Repeated query terms count once per occurrence, as in Lucene.
        counts = Counter(ids)
        cols = list(counts)
        weights = np.asarray([counts[c] for c in cols], dtype=np.float32)
        return np.asarray(self.matrix[:, cols] @ weights).ravel()

    def search(self, query: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        s = self.scores(query)
        if not len(s):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, len(s))
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.argsort(-s[top], kind="stable")]
        top = top[s[top] > 0]
        return top, s[top]

    def save(self, folder: Path) -> None:
        from scipy import sparse

        sparse.save_npz(folder / "bm25.npz", self.matrix, compressed=False)
        (folder / "bm25_vocab.json").write_text(
            json.dumps({"k1": self.k1, "b": self.b, "vocab": self.vocab}), encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> BM25:
        from scipy import sparse

        meta = json.loads((folder / "bm25_vocab.json").read_text(encoding="utf-8"))
        matrix = sparse.load_npz(folder / "bm25.npz").tocsc()
        return cls(meta["vocab"], matrix, meta["k1"], meta["b"])


class BM25Builder:
    """Builds a BM25 index batch by batch, holding term counts, not texts.

    Per term occurrence it keeps 6 bytes (term id and count) until `finish()`
    turns them into the weighted matrix that the index stores.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self._cols: list[np.ndarray] = []
        self._tfs: list[np.ndarray] = []
        self._nnz: list[np.ndarray] = []  # terms per row
        self.rows = 0

    def add(self, texts: list[str]) -> None:
        cols: list[int] = []
        tfs: list[int] = []
        nnz = np.zeros(len(texts), dtype=np.int32)
        for i, text in enumerate(texts):
            counts = Counter(tokenize(text))
            nnz[i] = len(counts)
            for term, tf in counts.items():
                cols.append(self.vocab.setdefault(term, len(self.vocab)))
                tfs.append(min(tf, 65535))
        self._cols.append(np.asarray(cols, dtype=np.int32))
        self._tfs.append(np.asarray(tfs, dtype=np.uint16))
        self._nnz.append(nnz)
        self.rows += len(texts)

    def truncate(self, rows: int) -> None:
        """Forget every row from `rows` on (a document that failed part-way)."""
        if rows >= self.rows:
            return
        nnz = np.concatenate(self._nnz)[:rows] if self._nnz else np.zeros(0, np.int32)
        keep = int(nnz.sum())
        self._cols = [np.concatenate(self._cols)[:keep]]
        self._tfs = [np.concatenate(self._tfs)[:keep]]
        self._nnz = [nnz]
        self.rows = rows

    def finish(self) -> BM25:
        from scipy import sparse

        k1, b, n = self.k1, self.b, self.rows
        cols = np.concatenate(self._cols) if self._cols else np.zeros(0, np.int32)
        tf = np.concatenate(self._tfs).astype(np.float32) if self._tfs else np.zeros(0, np.float32)
        nnz = np.concatenate(self._nnz) if self._nnz else np.zeros(0, np.int32)
        self._cols, self._tfs, self._nnz = [], [], []
        rows = np.repeat(np.arange(n, dtype=np.int32), nnz)
        lengths = np.bincount(rows, weights=tf, minlength=n).astype(np.float32)
        df = np.bincount(cols, minlength=len(self.vocab)).astype(np.float32)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        avgdl = float(lengths.mean()) if n else 1.0
        norm = k1 * (1.0 - b + b * lengths[rows] / max(avgdl, 1e-9))
        weights = idf[cols] * tf * (k1 + 1.0) / (tf + norm)
        matrix = sparse.csc_matrix((weights, (rows, cols)), shape=(n, len(self.vocab)), dtype=np.float32)
        return BM25(self.vocab, matrix, k1, b)
