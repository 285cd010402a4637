"""The answer as the user reads it: citations for the drafts' evidence, and the text from its claims.

Covers: numbering each cited span once (from 1), re-checking every quote against the stored
text (a quote that does not resolve is never cited), the claims' markers, the answer's text for
its form (a phrase, a list joined with "and", yes/no with its quotes, sentences), the words
of an abstention, and cutting a text into pieces for streaming.

Does not choose or check what is said (rag/answer/compose.py, rag/verify/) and does not dress
citations with titles, outlets and dates (rag/retrieve/catalog.py).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator

from ..question.form import OPEN, YESNO
from ..results import Citation, Claim
from .evidence import quoted, to_citation, verify_citation
from .records import Draft

NOT_IN_DOCUMENTS = "Not in the documents: they do not say. The closest passages are listed below."


def cite(drafts: list[Draft], text_of: Callable[[str], str | None]) -> tuple[tuple[Citation, ...], tuple[Claim, ...]]:
    """Citations for the drafts' evidence (each once, numbered from 1), re-checked against the stored text."""
    cites: dict[tuple[str, int, int, int, int], Citation] = {}
    claims = []
    for d in drafts:
        markers = []
        for i, ev in enumerate(d.evidence):
            span = d.span if (i == 0 and d.span) else (-1, -1)
            key = (ev.source_id, ev.start, ev.end, *span)
            if key not in cites:
                c = to_citation(ev, len(cites) + 1)
                c = dataclasses.replace(c, phrase_start=span[0], phrase_end=span[1])
                if not verify_citation(c, text_of(c.source_id)):
                    continue  # cannot happen while quotes are cut from the stored text; never cite what does not resolve
                cites[key] = c
            markers.append(cites[key].marker)
        if markers:
            claims.append(Claim(d.text, tuple(markers)))
    used = {m for c in claims for m in c.citations}
    return tuple(c for c in cites.values() if c.marker in used), tuple(claims)


def render(kind: str, claims: tuple[Claim, ...], cites: tuple[Citation, ...]) -> str:
    """The answer text from its claims, each followed by its markers."""

    def marks(claim: Claim) -> str:
        return "".join(f" [{m}]" for m in claim.citations)

    if kind == YESNO:
        by_marker = {c.marker: c for c in cites}
        first = claims[0]
        quotes = " ".join(quoted(by_marker[m].quote) for m in first.citations)
        return f"{first.text}.{marks(first)} {quotes}"
    if kind == OPEN:
        return " ".join(f"{c.text}{marks(c)}" for c in claims)
    items = [f"{c.text}{marks(c)}" for c in claims]
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def pieces(text: str) -> Iterator[str]:
    """The text in word-sized pieces that add up to it, for streaming."""
    yield from re.findall(r"\S+\s*|\s+", text)
