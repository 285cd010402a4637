"""Splitting a document's text into sentences and into chunks that fit the embedder.

Covers: sentence spans (character offsets into the text), and chunks made of
whole sentences whose word-piece count, title included, stays within the
embedding model's window, with some overlap between neighbours. A sentence
longer than the window is cut at word-piece boundaries.

Invariant: for every span, `text[span.start:span.end] == span.text`, and every
non-space character of the text lies in at least one chunk.

`article_head`: a text's first two paragraphs, its title and (in news) byline.

`chunk_stream` does the same over text that arrives in blocks (a large file),
holding only a window of it: chunks far enough from the end of what has been
read are final; packing restarts at the first chunk that is not.

Does not embed or store; token counts come from a `count_tokens` callable
(the embedder's own tokenizer in the product, a word counter in tests).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

# How far into an article its head (title, byline) may reach.
HEAD_CHARS = 400
# Abbreviations after which a full stop does not end a sentence.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co", "corp",
    "no", "fig", "al", "e.g", "i.e", "u.s", "u.k", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "gen", "gov", "sen", "rep", "approx", "dept",
}  # fmt: skip
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n\s*\n|\n(?=\S)")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def article_head(text: str, max_chars: int = HEAD_CHARS) -> str:
    """An article's first two paragraphs, at most max_chars: its title and, in news, the byline
    ("By Sporting News, published 2023-12-18."), which name the outlet a question may cite and
    date the article. It is the start of `text.lstrip()`."""
    return "\n\n".join(text.strip().split("\n\n")[:2])[:max_chars]


def sentences(text: str) -> list[Span]:
    """Sentence spans, trimmed of surrounding white space, in order."""
    spans: list[Span] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if m.group(0).startswith((".",)) and _is_abbreviation(text, m.start()):
            continue
        if m.group(0)[0] in ".!?…" and not _next_starts_sentence(text, end):
            continue
        _add(spans, text, start, end)
        start = end
    _add(spans, text, start, len(text))
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    before = text[max(0, dot - 12) : dot]
    word = re.search(r"([A-Za-z.]+)$", before)
    if not word:
        return False
    w = word.group(1).lower()
    # A single letter is an initial ("J. Smith"), not the "s" of a possessive ("the nation’s.").
    possessive = word.start() > 0 and before[word.start() - 1] in "'’"
    return w in _ABBREV or (len(w) == 1 and w.isalpha() and not possessive)


def _next_starts_sentence(text: str, pos: int) -> bool:
    m = re.compile(r"\s*(\S)").match(text, pos)
    if not m:
        return True
    ch = m.group(1)
    return ch.isupper() or ch.isdigit() or ch in "\"'“‘([¿¡-–—•*#"


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end, text[start:end]))


TokenCounter = Callable[[str], int]
TokenSplitter = Callable[[str, int], list[tuple[int, int]]]


def chunk(
    text: str,
    max_tokens: int,
    overlap_tokens: int,
    count_tokens: TokenCounter,
    split_tokens: TokenSplitter | None = None,
    count_many: Callable[[list[str]], list[int]] | None = None,
) -> list[Span]:
    """Pack whole sentences into chunks of at most `max_tokens` word pieces.

    Neighbouring chunks share their boundary sentences, up to `overlap_tokens`.
    `split_tokens(text, n)` cuts an over-long sentence into pieces of at most n
    tokens, as (start, end) offsets; without it the sentence is cut by words.
    `count_many`, if given, counts a list of texts in one call (a tokenizer's
    batch call is faster than one call per sentence).
    """
    if max_tokens < 8:
        raise ValueError("max_tokens must be at least 8")
    units: list[tuple[Span, int]] = []
    found = sentences(text)
    counts = count_many([s.text for s in found]) if count_many else [count_tokens(s.text) for s in found]
    for s, n in zip(found, counts, strict=True):
        if n <= max_tokens:
            units.append((s, n))
            continue
        cutter = split_tokens or _split_by_words(count_tokens)
        for a, b in cutter(s.text, max_tokens):
            piece = Span(s.start + a, s.start + b, s.text[a:b])
            units.append((piece, count_tokens(piece.text)))
    chunks: list[Span] = []
    i = 0
    while i < len(units):
        j, used = i, 0
        while j < len(units) and (j == i or used + units[j][1] <= max_tokens):
            used += units[j][1]
            j += 1
        chunks.append(Span(units[i][0].start, units[j - 1][0].end, text[units[i][0].start : units[j - 1][0].end]))
        if j >= len(units):
            break
        # Step back over trailing sentences for overlap, but always move forward.
        back, k = 0, j
        while k - 1 > i and back + units[k - 1][1] <= overlap_tokens:
            back += units[k - 1][1]
            k -= 1
        i = k
    return chunks


# Characters of text kept unfinished at the end of the window (chunks ending there
# may still change); the window holds at least twice this before chunking.
STREAM_TAIL_CHARS = 1 << 17


def chunk_stream(
    blocks: Iterable[str],
    max_tokens: int,
    overlap_tokens: int,
    count_tokens: TokenCounter,
    split_tokens: TokenSplitter | None = None,
    count_many: Callable[[list[str]], list[int]] | None = None,
    tail: int = STREAM_TAIL_CHARS,
) -> Iterator[Span]:
    """`chunk()` over the concatenation of `blocks`, yielding spans with offsets into it.

    Memory stays at about 2 * tail characters plus one block, whatever the length
    of the text. For a text that fits in one window the result is `chunk()`'s.
    """
    base, buf = 0, ""
    it = iter(blocks)
    done = False
    while not done:
        while len(buf) < 2 * tail:
            block = next(it, None)
            if block is None:
                done = True
                break
            buf += block
        if not done and not buf.strip():
            base, buf = base + len(buf), ""
            continue
        spans = chunk(buf, max_tokens, overlap_tokens, count_tokens, split_tokens, count_many)
        if done:
            for sp in spans:
                yield Span(base + sp.start, base + sp.end, sp.text)
            return
        keep = next((i for i, sp in enumerate(spans) if sp.end > len(buf) - tail), len(spans))
        if keep == len(spans):
            keep = len(spans) - 1  # the last chunk may still grow
        if keep <= 0:
            tail *= 2  # one chunk spans the whole window (a giant "word"): read more
            continue
        for sp in spans[:keep]:
            yield Span(base + sp.start, base + sp.end, sp.text)
        restart = spans[keep].start
        base, buf = base + restart, buf[restart:]


def _split_by_words(count_tokens: TokenCounter) -> TokenSplitter:
    def split(text: str, max_tokens: int) -> list[tuple[int, int]]:
        pieces: list[tuple[int, int]] = []
        words = [m.span() for m in re.finditer(r"\S+", text)]
        i = 0
        while i < len(words):
            j = i + 1
            while j < len(words) and count_tokens(text[words[i][0] : words[j][1]]) <= max_tokens:
                j += 1
            if j == i + 1 and count_tokens(text[words[i][0] : words[i][1]]) > max_tokens:
                # A single "word" longer than the window: cut by characters.
                a, b = words[i]
                step = max(1, max_tokens)
                pieces.extend((x, min(b, x + step)) for x in range(a, b, step))
            else:
                pieces.append((words[i][0], words[j - 1][1]))
            i = j
        return pieces

    return split
