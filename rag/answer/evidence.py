"""Evidence sentences and citations: which exact sentences bear on a question.

Covers: cutting retrieved chunks into sentences with offsets into the source (text
that addresses the model is never evidence), scoring each sentence against the
question (embedding similarity plus the IDF-weighted share of the question's terms it
contains, less a penalty when it lacks the type of thing the question asks for), and
building `Citation`s whose quote is, by construction and by check, the exact slice
`source_text[start:end]`.

Does not retrieve chunks, compose answers (rag/answer/compose.py) or check claims
(rag/verify/checks.py); a citation only ever names a retrieved source and quotes its text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

import numpy as np

from ..ingest.chunking import sentences
from ..language.phrases import phrases
from ..language.text import tokenize
from ..question.form import FACT, LIST, Form
from ..question.lexicon import COMPATIBLE_LABELS
from ..results import Citation, Hit
from ..verify import checks
from .records import Evidence, Scored

# Sentences within this score of the best are those an answer is drawn from, at most NEAR of them.
MARGIN = 0.25
NEAR = 6
COSINE_WEIGHT = 1.0
COVERAGE_WEIGHT = 1.0
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above)\b|\bsystem prompt\b",
    re.IGNORECASE,
)


def near_best(scored: Sequence[Scored], margin: float = MARGIN, limit: int | None = NEAR) -> list[Scored]:
    """The scored sentences (best first) within margin of the best one, at most limit of them."""
    if not scored:
        return []
    return [s for s in scored if s.score >= scored[0].score - margin][:limit]


def candidate_sentences(hits: Sequence[Hit], max_chars: int = 600) -> list[Evidence]:
    """The sentences of the retrieved chunks, each once, with source offsets."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Evidence] = []
    for hit in hits:
        before: list[Evidence] = []
        for s in sentences(hit.text):
            key = (hit.source_id, hit.start + s.start, hit.start + s.end)
            if len(s.text) < 12 or _INSTRUCTION.search(s.text):
                continue  # text that addresses the model is never evidence
            text = s.text if len(s.text) <= max_chars else s.text[:max_chars]
            ev = Evidence(
                hit.source_id, hit.chunk_id, hit.title, key[1], key[1] + len(text), text, hit.rank, tuple(before[-2:])
            )
            before.append(dataclasses.replace(ev, context=()))
            if key not in seen:
                seen.add(key)
                out.append(ev)
    return out


# Sentences (best first) whose type is checked: parsing every candidate would cost more than it tells.
TYPED_SENTENCES = 12
TYPE_PENALTY = 0.35


def type_fits(form: Form | None, sentence: str) -> bool:
    """False when the question asks for a person, place, date, number or organisation the sentence lacks."""
    if form is None or form.kind not in (FACT, LIST) or form.answer_type in ("thing", "source"):
        return True
    allowed = COMPATIBLE_LABELS[form.answer_type]
    return any(p.label in allowed for p in phrases(sentence))


def score_sentences(
    question: str,
    evidence: Sequence[Evidence],
    question_vector: np.ndarray,
    sentence_vectors: np.ndarray,
    idf: Callable[[str], float],
    form: Form | None = None,
) -> list[Scored]:
    """Sentences by embedding cosine plus IDF-weighted coverage of the question's terms, best first.

    Ties are broken by retrieval rank and then by position, never by arrival order, so the
    same texts give the same order. The best sentences lose TYPE_PENALTY when they hold no
    phrase of the type the question asks for.
    """
    terms = list(dict.fromkeys(tokenize(question)))
    out = []
    for ev, vec in zip(evidence, sentence_vectors, strict=True):
        cos = round(float(np.dot(question_vector, vec)), 4)
        cov = round(checks.coverage(terms, ev.text, idf), 4)
        out.append(Scored(ev, COSINE_WEIGHT * cos + COVERAGE_WEIGHT * cov, cos, cov))
    out.sort(key=_order)
    typed = [
        Scored(x.evidence, x.score - TYPE_PENALTY, x.cosine, x.coverage) if not type_fits(form, x.evidence.text) else x
        for x in out[:TYPED_SENTENCES]
    ]
    return sorted(typed + out[TYPED_SENTENCES:], key=_order)


def _order(s: Scored) -> tuple:
    return (-round(s.score, 4), s.evidence.source_id, s.evidence.start)


def to_citation(ev: Evidence, marker: int) -> Citation:
    return Citation(ev.source_id, ev.chunk_id, ev.text, ev.start, ev.end, marker, ev.title)


def verify_citation(citation: Citation, source_text: str | None) -> bool:
    return source_text is not None and source_text[citation.start : citation.end] == citation.quote


def quoted(quote: str) -> str:
    """The quote in typographic quotation marks, unless it already opens with one."""
    return quote if quote[:1] in "\"“‘'«" else f"\u201c{quote}\u201d"
