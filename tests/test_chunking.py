"""Chunker invariants: exact offsets, chunks within the token window, no text lost, overlap."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.ingest.chunking import Span, chunk, chunk_stream, sentences

from .conftest import FakeEmbedder

emb = FakeEmbedder()
words = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N")), min_size=1, max_size=12)
sentence = st.builds(
    lambda ws, end: " ".join(ws) + end,
    st.lists(words, min_size=1, max_size=30),
    st.sampled_from([".", "!", "?", "", ".”", "\n"]),
)
texts = st.builds(
    lambda ss, seps: "".join(s + sep for s, sep in zip(ss, seps, strict=False)),
    st.lists(sentence, min_size=0, max_size=25),
    st.lists(st.sampled_from([" ", "  ", "\n", "\n\n", "\t", " \n "]), min_size=25, max_size=25),
)


def check_invariants(text: str, chunks: list[Span], max_tokens: int) -> None:
    """Offsets exact, every chunk within the window, no text lost, chunks in order."""
    covered = [False] * len(text)
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert emb.count_tokens(c.text) <= max_tokens
        for i in range(c.start, c.end):
            covered[i] = True
    lost = [ch for ch, cov in zip(text, covered, strict=True) if not cov and not ch.isspace()]
    assert lost == []
    starts = [c.start for c in chunks]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


@settings(max_examples=200, deadline=None)
@given(text=texts, max_tokens=st.integers(8, 60), overlap=st.integers(0, 20))
def test_chunk_invariants(text: str, max_tokens: int, overlap: int) -> None:
    check_invariants(text, chunk(text, max_tokens, overlap, emb.count_tokens, emb.split_tokens), max_tokens)


@settings(max_examples=100, deadline=None)
@given(text=texts)
def test_sentence_offsets_exact(text: str) -> None:
    for s in sentences(text):
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text


def test_sentences_split_on_full_stops_but_not_abbreviations() -> None:
    text = "Mr. Smith met Dr. Jones in the U.S. last week. They agreed! Did they sign? Yes."
    got = [s.text for s in sentences(text)]
    assert got == ["Mr. Smith met Dr. Jones in the U.S. last week.", "They agreed!", "Did they sign?", "Yes."]
    # An initial does not end a sentence; the "s" of a possessive does.
    text = "The plan copies the nation’s. Both leaders met J. Smith's son. He left the island's."
    got = [s.text for s in sentences(text)]
    assert got == ["The plan copies the nation’s.", "Both leaders met J. Smith's son.", "He left the island's."]


def test_neighbouring_chunks_overlap() -> None:
    text = " ".join(f"Sentence number {i} has five words." for i in range(20))
    chunks = chunk(text, 20, 6, emb.count_tokens, emb.split_tokens)
    assert len(chunks) > 2
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert b.start < a.end, "neighbours should share a sentence"


def test_over_long_sentence_is_cut_within_window() -> None:
    text = "word " * 500
    chunks = chunk(text, 50, 10, emb.count_tokens, emb.split_tokens)
    assert all(emb.count_tokens(c.text) <= 50 for c in chunks)
    assert sum(emb.count_tokens(c.text) for c in chunks) >= 500


@pytest.mark.model
def test_real_tokenizer_counts_word_pieces() -> None:
    from rag.index.embedding import Embedder

    e = Embedder()
    assert e.count_tokens("hello world") == 2
    assert e.max_tokens == 254
    long = "internationalisation " * 300
    pieces = e.split_tokens(long.strip(), 100)
    assert all(e.count_tokens(long.strip()[a:b]) <= 100 for a, b in pieces)


def _cuts(text: str, sizes: list[int]) -> list[str]:
    out, i = [], 0
    for n in sizes:
        out.append(text[i : i + n])
        i += n
    return [*out, text[i:]]


@settings(max_examples=150, deadline=None)
@given(
    text=st.lists(texts, min_size=1, max_size=6).map("\n\n".join),
    sizes=st.lists(st.integers(1, 400), max_size=12),
    max_tokens=st.integers(8, 40),
    overlap=st.integers(0, 10),
    tail=st.integers(40, 300),
)
def test_streamed_chunks_keep_the_invariants(
    text: str, sizes: list[int], max_tokens: int, overlap: int, tail: int
) -> None:
    """A text read in blocks, with a small window: offsets exact, within the window, nothing lost."""
    chunks = chunk_stream(_cuts(text, sizes), max_tokens, overlap, emb.count_tokens, emb.split_tokens, tail=tail)
    check_invariants(text, list(chunks), max_tokens)


def test_streamed_chunks_equal_whole_text_chunks_on_prose() -> None:
    text = " ".join(f"Sentence {i} says something about topic {i % 7}, at some length." for i in range(400))
    whole = chunk(text, 30, 8, emb.count_tokens, emb.split_tokens)
    streamed = list(chunk_stream(_cuts(text, [997] * 30), 30, 8, emb.count_tokens, emb.split_tokens, tail=1500))
    assert streamed == whole
