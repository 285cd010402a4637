"""The records passed between scoring evidence and composing answers, in one place.

Covers the frozen dataclasses that several modules share: `Evidence` (a sentence of a
retrieved chunk with its source offsets), `Scored` (a sentence with its score against the
question, rag/answer/evidence.py), `Candidate` (a phrase of a sentence that may answer, rag/answer/compose.py)
and `Draft` (a claim with the evidence it rests on, what the composers return).

Does not build, score or check any of them; it imports only `Phrase` (rag/language/phrases.py), so every
module that passes these records on can import them from here without a circle.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..language.phrases import Phrase


@dataclass(frozen=True)
class Evidence:
    source_id: str
    chunk_id: str
    title: str
    start: int
    end: int
    text: str
    hit_rank: int
    # Up to two sentences before this one in the same passage, nearest last: what "he",
    # "that ceremony" or "the leader" refer to. Cited with the sentence when a check needs them.
    context: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Scored:
    evidence: Evidence
    score: float
    cosine: float
    coverage: float


@dataclass(frozen=True)
class Draft:
    """One claim: its text, the evidence it rests on, and the answer's span in the first evidence."""

    text: str
    evidence: tuple[Evidence, ...]
    span: tuple[int, int] | None = None  # source offsets of the phrase inside evidence[0]
    score: float | None = None  # the combined score a ranked phrase reached (rag/answer/compose.py `rank`)


@dataclass(frozen=True)
class Candidate:
    phrase: Phrase
    evidence: Evidence
    near: float
    support: int
    rank: float
    context_used: int = 0
