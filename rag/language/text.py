"""Plain text helpers shared by retrieval, the claim check and the answer composer.

Covers: folding case and accents (`fold`, `unaccented`), the analysed terms of a text
(`tokenize`: lower case, word characters, English stop words (`STOP_WORDS`) removed, Snowball
stemming through PyStemmer when installed), and the names a question writes (`question_names`:
its capitalised words, not the first of a sentence).

Does not hold an index or score anything (rag/store/bm25.py, rag/verify/checks.py), parse grammar
(rag/language/phrases.py) or read what a question asks (rag/question/form.py). rag/store/bm25.py re-exports the
helpers for the modules that import them from there.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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


def fold(text: str) -> str:
    """Lower case without accents ("Hervé" -> "herve")."""
    return unaccented(text).lower()


def unaccented(text: str) -> str:
    """The text without accents, its case kept ("Hervé" -> "Herve")."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def tokenize(text: str) -> list[str]:
    words = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
    stemmer = _stemmer()
    return stemmer.stemWords(words) if stemmer else words


_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w’'-]*[A-Za-z]")


def question_names(question: str) -> list[str]:
    """The capitalised words of a question that are names (not its first word or a sentence's)."""
    return _NAME.findall(question)
