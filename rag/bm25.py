"""A BM25 index over chunk texts, stored as a sparse matrix beside the FAISS index.

Covers: tokenising (lower case, word characters, English stop words removed,
Snowball stemming through PyStemmer when installed), building the matrix of
per-term BM25 weights (Okapi BM25, k1=1.2, b=0.75, Lucene's idf), scoring a
query as a sparse dot product, and saving/loading it.

Does not fuse with dense scores: retrieval does that.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)


@lru_cache(maxsize=1)
def _stemmer():
    try:
        import Stemmer

        return Stemmer.Stemmer("english")
    except ImportError:  # stemming helps recall but is not essential
        return None


def tokenize(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
    stemmer = _stemmer()
    return stemmer.stemWords(words) if stemmer else words


class BM25:
    def __init__(self, vocab: dict[str, int], matrix, k1: float = 1.2, b: float = 0.75) -> None:
        self.vocab = vocab
        self.matrix = matrix  # scipy CSC, shape (n_chunks, n_terms), BM25 weight per cell
        self.k1, self.b = k1, b

    @classmethod
    def build(cls, texts: list[str], k1: float = 1.2, b: float = 0.75) -> BM25:
        from scipy import sparse

        vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for i, text in enumerate(texts):
            counts = Counter(tokenize(text))
            lengths[i] = sum(counts.values())
            for term, tf in counts.items():
                rows.append(i)
                cols.append(vocab.setdefault(term, len(vocab)))
                tfs.append(tf)
        n = len(texts)
        rows_a = np.asarray(rows, dtype=np.int64)
        cols_a = np.asarray(cols, dtype=np.int64)
        tf_a = np.asarray(tfs, dtype=np.float32)
        df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float32)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        avgdl = float(lengths.mean()) if n else 1.0
        norm = k1 * (1.0 - b + b * lengths[rows_a] / max(avgdl, 1e-9))
        weights = idf[cols_a] * tf_a * (k1 + 1.0) / (tf_a + norm)
        matrix = sparse.csc_matrix((weights, (rows_a, cols_a)), shape=(n, len(vocab)), dtype=np.float32)
        return cls(vocab, matrix, k1, b)

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
