"""rag: private question answering over a folder of articles, with citations you can check.

    import rag
    rag.build_index("seeds", "index")
    answer = rag.ask("What satellite internet service has Musk provided to Argentina?")
    print(answer.text)
    for c in answer.citations:
        print(c.source_id, c.title, c.outlet, c.date, c.quote)
    rag.ask("...", since="2023-11", outlet="TechCrunch")   # only those articles
    rag.sources()                                          # the indexed articles

Heavy libraries (torch, llama_cpp, gradio) load on first use, so `import rag` is fast.
"""

from __future__ import annotations

from .errors import (
    FilterError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexNotFoundError,
    ModelError,
    QuestionError,
    RagError,
    SourceError,
)
from .pipeline import ask, ask_stream, build_index, search, sources
from .results import Answer, Citation, Claim, Hit, IndexStats, Progress, Source
from .settings import Settings

__version__ = "0.1.0"

__all__ = [
    "Answer",
    "Citation",
    "Claim",
    "FilterError",
    "Hit",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexStats",
    "ModelError",
    "Progress",
    "QuestionError",
    "RagError",
    "Settings",
    "Source",
    "SourceError",
    "ask",
    "ask_stream",
    "build_index",
    "search",
    "sources",
]
