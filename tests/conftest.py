"""Shared test helpers: a small fake embedder and fake model, and corpus folders.

The fakes exist so the chunking, store, retrieval and citation logic can be
tested in milliseconds; tests marked `model` use the real bundled models. They
are handed in where the product takes collaborators (`embedder=`, `generator=`,
the CLI's `obj={"embedder": ...}`), never patched into private state.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pytest

from rag.answer.model import Scorer
from rag.index.embedding import TextEmbedder, pieces_from_offsets
from rag.settings import Settings

# Gradio must not try to reach the network from tests.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Bag-of-words vectors from hashed words; one token per word. A `TextEmbedder`, like `Embedder`."""

    identity = "fake-embedder"
    max_tokens = 254
    dimension = 64

    def __init__(self) -> None:
        self.encoded: list[str] = []
        self.forbid = False

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def count_tokens_many(self, texts: list[str]) -> list[int]:
        return [self.count_tokens(t) for t in texts]

    def split_tokens(self, text: str, max_tokens: int) -> list[tuple[int, int]]:
        return pieces_from_offsets([m.span() for m in re.finditer(r"\S+", text)], max_tokens)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if self.forbid:
            raise AssertionError("the embedder should not be used here")
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in _WORD.findall(text.lower()):
                h = int(hashlib.md5(w.encode()).hexdigest()[:8], 16)
                out[i, h % self.dimension] += 1.0
            norm = np.linalg.norm(out[i])
            if norm:
                out[i] /= norm
        return out


class FakeScorer:
    """A scripted 'GGUF model' that scores continuations by a preference function and records its calls."""

    name = "fake.gguf"
    identity = "fake"  # no measured gate: BUNDLED_GATE applies (rag/answer/gate.py)

    def __init__(self, prefer=None) -> None:
        self.prefer = prefer or (lambda text: 0.0)
        self.calls: list[tuple[list[dict[str, str]], list[str]]] = []

    def score(self, messages, continuations, max_tokens: int = 4) -> list[float]:
        self.calls.append((messages, list(continuations)))
        return [float(self.prefer(c)) for c in continuations]


_: type[TextEmbedder] = FakeEmbedder  # the type checker holds the fakes to the protocols
_s: type[Scorer] = FakeScorer


@pytest.fixture
def embedder() -> FakeEmbedder:
    """A fresh FakeEmbedder, to pass as `embedder=`."""
    return FakeEmbedder()


ARTICLES = {
    "space/starlink.txt": "Starlink in Argentina\n\nMusk provided Starlink satellite internet service to Argentina. "
    "The service reached remote provinces in March.\n\nOfficials praised the rollout.",
    "lithium.md": "# Lithium deposits\n\nArgentina holds large lithium deposits in the north. "
    "Battery makers want to secure a supply chain for electric vehicles.",
    "summit.txt": "The summit in Hamburg\n\nThe Hayek medal ceremony will take place on June 22 in Hamburg. "
    "Economists from several countries will attend.",
}


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "articles"
    for rel, text in ARTICLES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def settings(tmp_path, corpus) -> Settings:
    return Settings(source_dir=corpus, index_dir=tmp_path / "index", chunk_tokens=40, chunk_overlap=8, k=4)


@pytest.fixture(scope="session")
def real_seeds_index(tmp_path_factory) -> Settings:
    """One index of the seeds built with the real bundled embedder, shared by the model tests.

    Read-only: a test that changes an index copies this one first.
    """
    import rag

    index_dir = tmp_path_factory.mktemp("real-seeds") / "index"
    settings = Settings(source_dir=SEEDS, index_dir=index_dir)
    stats = rag.build_index(settings=settings)
    assert stats.added == 4 and stats.skipped == 0
    return settings
