"""The public entry points: `build_index`, `search`, `ask` and `ask_stream`.

Covers: resolving settings, keeping one loaded embedder, index and GGUF model
per process (reloading the index when a build has switched versions), and
wiring a question through retrieve -> generate -> cite.

Each step lives in its own module; this one only connects them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from .embedding import Embedder
from .errors import QuestionError
from .indexing import build_index as _build_index
from .indexing import index_config
from .results import Answer, Hit, IndexStats
from .retrieval import Retriever
from .settings import Settings
from .store import CURRENT, open_store

_lock = threading.Lock()
_embedders: dict[tuple[str, str], Embedder] = {}
_retrievers: dict[tuple[str, str], Retriever] = {}


def _settings(settings: Settings | None, **overrides: object) -> Settings:
    base = settings or Settings.from_env()
    return base.replace(**overrides)


def get_embedder(settings: Settings) -> Embedder:
    key = (settings.embed_model, settings.embed_dtype)
    with _lock:
        if key not in _embedders:
            _embedders[key] = Embedder(settings.embed_model, settings.embed_dtype, settings.embed_batch)
        return _embedders[key]


def get_retriever(settings: Settings) -> Retriever:
    """The retriever for the live version of settings.index_dir, loaded once per version."""
    index_dir = Path(settings.index_dir)
    try:
        version = (index_dir / CURRENT).read_text()
    except OSError:
        version = ""
    key = (str(index_dir.resolve()), version)
    with _lock:
        cached = _retrievers.get(key)
    if cached is not None and cached.settings == settings:
        return cached
    embedder = get_embedder(settings)
    store = open_store(index_dir, index_config(settings, embedder))
    retriever = Retriever(store, embedder, settings)
    with _lock:
        for old in [k for k in _retrievers if k[0] == key[0]]:
            del _retrievers[old]
        _retrievers[key] = retriever
    return retriever


def build_index(
    source_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    *,
    rebuild: bool = False,
    progress: bool = False,
    settings: Settings | None = None,
) -> IndexStats:
    """Index (or incrementally update the index of) a folder of articles."""
    s = _settings(settings, source_dir=source_dir, index_dir=index_dir)
    return _build_index(s, rebuild=rebuild, progress=progress, embedder=get_embedder(s))


def check_question(question: object, max_chars: int) -> str:
    """The question, stripped; a QuestionError says how to fix an unusable one."""
    if not isinstance(question, str):
        raise QuestionError(f"The question must be text, not {type(question).__name__}.")
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question).strip()
    if not cleaned:
        raise QuestionError("The question is empty: type a question about your articles.")
    if len(cleaned) > max_chars:
        raise QuestionError(
            f"The question is {len(cleaned):,} characters long; the limit is {max_chars:,} "
            "(RAG_MAX_QUESTION_CHARS). Ask a shorter question."
        )
    if not any(ch.isalnum() for ch in cleaned):
        raise QuestionError("The question has no words in it: type a question about your articles.")
    return cleaned


def search(
    query: str,
    k: int = 10,
    index_dir: str | Path | None = None,
    *,
    settings: Settings | None = None,
) -> list[Hit]:
    """The k chunks that best match the query, best first."""
    s = _settings(settings, index_dir=index_dir)
    query = check_question(query, s.max_question_chars)
    return get_retriever(s).search(query, k)


def ask(
    question: str,
    *,
    index_dir: str | Path | None = None,
    k: int | None = None,
    model: str | None = None,
    history: list | None = None,
    settings: Settings | None = None,
) -> Answer:
    """Answer a question from the indexed articles, with verified citations."""
    answer = None
    for item in ask_stream(question, index_dir=index_dir, k=k, model=model, history=history, settings=settings):
        if isinstance(item, Answer):
            answer = item
    assert answer is not None  # ask_stream always ends with an Answer
    return answer


def ask_stream(
    question: str,
    *,
    index_dir: str | Path | None = None,
    k: int | None = None,
    model: str | None = None,
    history: list | None = None,
    settings: Settings | None = None,
) -> Iterator[str | Answer]:
    """Yield text as it is generated, then the verified `Answer`."""
    from .answering import answer_stream

    s = _settings(settings, index_dir=index_dir, k=k, model=model)
    yield from answer_stream(question, s, get_retriever(s), history or [])
