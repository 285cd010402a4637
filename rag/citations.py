"""Evidence and verification: which exact sentences support an answer, and whether they do.

Covers: cutting retrieved chunks into sentences with offsets into the source,
scoring each sentence against the question (embedding similarity plus the
IDF-weighted share of the question's terms it contains), deciding to abstain
when even the best sentence does not carry the question, checking that the
model's short answer is supported by the quoted sentence, and building
`Citation`s whose quote is, by construction and by check, the exact slice
`source_text[start:end]`.

Does not retrieve chunks or run the model; it never trusts the model for a
fact: a citation only ever names a retrieved source and quotes its text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .bm25 import STOP_WORDS, tokenize
from .chunking import sentences
from .results import Citation, Hit

# Weights of the sentence score; calibrated on the seed development questions.
COSINE_WEIGHT = 1.0
COVERAGE_WEIGHT = 1.0
_INSTRUCTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|prompts?|rules|above)\b|\bsystem prompt\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Evidence:
    source_id: str
    chunk_id: str
    title: str
    start: int
    end: int
    text: str
    hit_rank: int


@dataclass(frozen=True)
class Scored:
    evidence: Evidence
    score: float
    cosine: float
    coverage: float


def candidate_sentences(hits: Sequence[Hit], max_chars: int = 600) -> list[Evidence]:
    """The sentences of the retrieved chunks, each once, with source offsets."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Evidence] = []
    for hit in hits:
        for s in sentences(hit.text):
            key = (hit.source_id, hit.start + s.start, hit.start + s.end)
            if key in seen or len(s.text) < 12:
                continue
            if _INSTRUCTION.search(s.text):
                continue  # text that addresses the model is never evidence
            seen.add(key)
            text = s.text if len(s.text) <= max_chars else s.text[:max_chars]
            out.append(Evidence(hit.source_id, hit.chunk_id, hit.title, key[1], key[1] + len(text), text, hit.rank))
    return out


def coverage(question_terms: list[str], sentence: str, idf: Callable[[str], float]) -> float:
    """IDF-weighted share of the question's terms that occur in the sentence.

    Long terms also match by their first seven letters, so "bureaucracy" finds
    "bureaucratic" where the stemmer keeps them apart.
    """
    if not question_terms:
        return 0.0
    have = set(tokenize(sentence))
    prefixes = {h[:7] for h in have if len(h) >= 7}
    total = sum(idf(t) for t in question_terms)
    got = sum(idf(t) for t in question_terms if t in have or (len(t) >= 7 and t[:7] in prefixes))
    return got / total if total else 0.0


# What kind of answer a question asks for, and how to see it in a sentence.
_ASKS_NUMBER = re.compile(
    r"\bhow (many|much|old|long|far|often|large|big)\b|\bwhat (percentage|percent|share|number|amount|price|rate|age)\b"
    r"|\b(price|cost|rate)\b",
    re.I,
)
_ASKS_DATE = re.compile(r"\bwhen\b|\b(what|which) (year|date|day|month|time)\b|\bsince what\b", re.I)
_ASKS_PERSON = re.compile(r"^\s*(who|whom|whose)\b", re.I)
_ASKS_PLACE = re.compile(r"^\s*where\b|\b(which|what) (city|country|place|town|state|region)\b", re.I)
_NOT_PLACES = re.compile(
    r"^(january|february|march|april|may|june|july|august|september|october|november|december|monday|"
    r"tuesday|wednesday|thursday|friday|saturday|sunday)$",
    re.I,
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen|half|twice|once|first|second|third|fourth|fifth)\b",
    re.I,
)
_DATE = re.compile(
    r"\d|\b(january|february|march|april|may|june|july|august|september|october|november|december|monday|"
    r"tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|week|month|year|spring|"
    r"summer|autumn|fall|winter|ago|later|earlier|recently|previously)\b",
    re.I,
)
TYPE_PENALTY = 0.35


def answer_type_fits(question: str, sentence: str) -> bool:
    """False when the question asks for a number, date or person the sentence does not hold."""
    if _ASKS_NUMBER.search(question):
        return bool(_NUMBER.search(sentence))
    if _ASKS_DATE.search(question):
        return bool(_DATE.search(sentence))
    if _ASKS_PERSON.search(question) or _ASKS_PLACE.search(question):
        asked = set(_WORDS.findall(fold(question)))
        names = re.findall(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+", sentence)
        return any(fold(n) not in asked and not _NOT_PLACES.match(n) for n in names)
    return True


def score_sentences(
    question: str,
    evidence: Sequence[Evidence],
    question_vector: np.ndarray,
    sentence_vectors: np.ndarray,
    idf: Callable[[str], float],
) -> list[Scored]:
    terms = list(dict.fromkeys(tokenize(question)))
    out = []
    for ev, vec in zip(evidence, sentence_vectors, strict=True):
        cos = float(np.dot(question_vector, vec))
        cov = coverage(terms, ev.text, idf)
        score = COSINE_WEIGHT * cos + COVERAGE_WEIGHT * cov
        if not answer_type_fits(question, ev.text):
            score -= TYPE_PENALTY
        out.append(Scored(ev, score, cos, cov))
    out.sort(key=lambda s: (-s.score, s.evidence.hit_rank, s.evidence.start))
    return out


def idf_from_bm25(bm25) -> Callable[[str], float]:
    """An idf(term) function from a BM25 index; unseen terms get the highest idf."""
    n = max(1, bm25.matrix.shape[0])
    df = np.diff(bm25.matrix.indptr) if bm25.matrix.format == "csc" else None
    unseen = math.log(1.0 + (n + 0.5) / 0.5)

    def idf(term: str) -> float:
        col = bm25.vocab.get(term)
        if col is None or df is None:
            return unseen
        d = float(df[col])
        return math.log(1.0 + (n - d + 0.5) / (d + 0.5))

    return idf


def to_citation(ev: Evidence, marker: int) -> Citation:
    return Citation(ev.source_id, ev.chunk_id, ev.text, ev.start, ev.end, marker, ev.title)


def verify_citation(citation: Citation, source_text: str | None) -> bool:
    return source_text is not None and source_text[citation.start : citation.end] == citation.quote


# ---------------------------------------------------------------- checking the model's words


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()


_WORDS = re.compile(r"\w+")
_REFUSAL = re.compile(r"not (found|mentioned|stated|in the)|no information|does not (say|mention)|cannot", re.I)


def clean_model_answer(text: str) -> str:
    """The model's short answer without markers, quotes, labels or trailing chatter."""
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = text.strip().split("\n")[0].strip()
    text = re.sub(r"^([-*•]\s+|(the )?(short )?answer( is)?\s*:\s*|a\s*:\s*)+", "", text, flags=re.I)
    return text.strip(" \"'“”‘’*").strip()


def _stem_list(words: list[str]) -> list[str]:
    from .bm25 import _stemmer

    stemmer = _stemmer()
    return [w[:5] for w in (stemmer.stemWords(words) if stemmer else words)]


def _stems(words: set[str]) -> set[str]:
    return set(_stem_list(sorted(words)))


def supported(answer: str, evidence_text: str, question: str) -> bool:
    """True if the answer's words come from the evidence (or the question) and it adds something.

    Every number must occur in the evidence as written; every other content
    word must occur in the evidence or the question, up to its ending (same
    stem, first five letters of it). At least one content word must come
    from the evidence and not the question: repeating the question is not an
    answer.
    """
    if not answer or _REFUSAL.search(answer) or len(answer) > 400:
        return False
    words = [w for w in _WORDS.findall(fold(answer)) if w not in STOP_WORDS]
    if not words:
        return False
    ev = set(_WORDS.findall(fold(evidence_text)))
    ev_stems = _stems(ev)
    q_stems = _stems(set(_WORDS.findall(fold(question))))
    new = False
    for w, stem in zip(words, _stem_list(words), strict=True):
        if any(ch.isdigit() for ch in w):
            if w not in ev:
                return False
            new = new or stem not in q_stems
        elif stem in ev_stems:
            new = new or stem not in q_stems
        elif stem not in q_stems:
            return False
    return new


def quoted(quote: str) -> str:
    """The quote in typographic quotation marks, unless it already opens with one."""
    return quote if quote[:1] in "\"“‘'«" else f"\u201c{quote}\u201d"
