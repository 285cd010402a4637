"""The frozen dataclasses that rag's public functions return.

They carry plain values only (str, int, float, bool, tuples, dicts), so
`dataclasses.asdict` turns any of them into JSON for the CLI's `--json` and
the UI's API. Nothing here computes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk: `source_text[start:end] == text`."""

    source_id: str
    chunk_id: str
    text: str
    start: int
    end: int
    score: float
    title: str
    rank: int = 0


@dataclass(frozen=True)
class Citation:
    """A verbatim span of a source: `source_text[start:end] == quote`."""

    source_id: str
    chunk_id: str
    quote: str
    start: int
    end: int
    marker: int = 0
    title: str = ""
    # Where the answer is a phrase inside the quoted sentence: the phrase's own source offsets
    # (start <= phrase_start < phrase_end <= end), so a reader can see the exact words. -1: none.
    phrase_start: int = -1
    phrase_end: int = -1
    # The article's outlet and publication date (YYYY-MM-DD), as it states them; "" where it does not.
    outlet: str = ""
    date: str = ""


@dataclass(frozen=True)
class Source:
    """One indexed article: what `rag sources` lists. Empty fields where the article does not say."""

    source_id: str
    title: str
    outlet: str
    author: str
    date: str
    chunks: int
    path: str = ""


@dataclass(frozen=True)
class Progress:
    """What `ask_stream` is doing before the answer's text comes: "Reading 4 passages from 2 articles"."""

    message: str


@dataclass(frozen=True)
class Claim:
    """One statement of an answer and the markers of the citations it rests on.

    `Answer.text` is built from the claims: each claim's text followed by its markers,
    e.g. "Tim Cook [1]". `citations` holds `Citation.marker` values of `Answer.citations`.
    """

    text: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Answer:
    """A verified answer, or an abstention with the closest passages in `hits`."""

    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    sources: tuple[str, ...]
    hits: tuple[Hit, ...]
    timings: dict[str, float] = field(default_factory=dict)
    model: str = ""
    # The checked statements the text is made of (empty when abstaining).
    claims: tuple[Claim, ...] = ()
    # The form of the question as answered: "fact", "list", "yesno" or "open" (see rag/question/form.py).
    kind: str = ""
    # What the model weighed: for a phrase it ranked, the combined score its gate read ("score",
    # rag/answer/compose.py `rank`, rag/answer/gate.py).
    trace: dict = field(default_factory=dict)


@dataclass(frozen=True)
class IndexStats:
    """What one `build_index` run did."""

    index_dir: str
    added: int
    changed: int
    removed: int
    unchanged: int
    skipped: int
    chunks: int
    embedded_chunks: int
    seconds: float
    skipped_files: tuple[tuple[str, str], ...] = ()
    ignored_files: int = 0

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged, {self.skipped} skipped; "
            f"{self.chunks} chunks ({self.embedded_chunks} embedded) in {self.seconds:.1f} s"
        )
