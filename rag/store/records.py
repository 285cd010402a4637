"""The rows an index version holds: chunks and sources (with their title, outlet, author and
date), and a chunk's content hash.

Does not read or write them: the writer and the reader do.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class ChunkRecord:
    chunk_id: str
    source_id: str
    start: int
    end: int
    title: str
    text: str
    hash: str


@dataclass(frozen=True)
class SourceRecord:
    source_id: str
    path: str
    title: str
    hash: str
    text: str
    # What the article says about itself (rag/ingest/metadata.py): empty where it says nothing; date YYYY-MM-DD.
    outlet: str = ""
    author: str = ""
    date: str = ""


@dataclass(frozen=True)
class SourceInfo:
    """A source without its text (the text is written in parts as it is read)."""

    source_id: str
    path: str
    title: str
    hash: str
    outlet: str = ""
    author: str = ""
    date: str = ""


def chunk_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\x00{text}".encode()).hexdigest()[:32]
