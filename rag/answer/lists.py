"""The items of a list answer: the best candidate, those coordinated with it, and those further
good sentences name in the same relation.

Covers `list_items` (the coordination the best candidate is part of, "Apple, OpenAI and
Google"; else every candidate scoring close to it, each name once) and `more_items` (items spread over
sentences and articles, each named once: "Open AI" and "OpenAI Inc." are one item).

Does not find or score candidates (rag/answer/compose.py) or decide whether a list is stated at all
(`answers.compose` gates it like a fact).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from ..language.text import tokenize
from ..verify import checks
from .records import Candidate

# A list's further items may come from sentences within this score of the best...
LIST_MARGIN = 0.6
# ... among this many best sentences ...
LIST_SENTENCES = 8
# ... when they stand at most this many words from a question term (the verb the items share).
LIST_DISTANCE = 3


def list_items(cands: list[Candidate], total: Callable[[Candidate], float]) -> list[Candidate]:
    """The best candidate and the phrases coordinated with it; else every entity close to the best."""
    first = cands[0]
    if first.phrase.group >= 0:
        group = [c for c in cands if c.evidence.start == first.evidence.start and c.phrase.group == first.phrase.group]
        if len(group) > 1:
            return sorted(group, key=lambda c: c.phrase.start)
    return _distinct([c for c in cands if total(c) >= total(first) - 0.2])[:8]


def _distinct(items: list[Candidate]) -> list[Candidate]:
    """Each item once: "Zuckerberg" and "Mark Zuckerberg" are one item, named in full."""
    out: list[Candidate] = []
    for c in items:
        same = next((i for i, o in enumerate(out) if _same_item(c.phrase.text, o.phrase.text)), None)
        if same is None:
            out.append(c)
        elif len(c.phrase.text) > len(out[same].phrase.text):
            out[same] = c
    return out


def more_items(items: list[Candidate], more: list[Candidate], terms: list[str]) -> list[Candidate]:
    """The list's items, plus those that other good sentences name in the same relation.

    Items spread over several sentences and articles ("plans to meet with representatives of
    Apple, OpenAI and Google" in one, "will meet with Meta CEO Mark Zuckerberg" in another):
    from each further sentence, its best phrase of the items' kind that stands right next to
    a question term, with the phrases coordinated with it; an item already named, under the
    same or a fuller form (`_same_item`), is not repeated.
    """
    label = items[0].phrase.label
    out = list(items)
    done = {(c.evidence.source_id, c.evidence.start) for c in items}
    for c in more:
        start = (c.evidence.source_id, c.evidence.start)
        if start in done or c.phrase.label != label:
            continue
        if checks.distance(c.evidence.text, c.phrase.start, c.phrase.end, terms) > LIST_DISTANCE:
            continue
        done.add(start)
        group = [c]
        if c.phrase.group >= 0:
            group = [
                x
                for x in more
                if (x.evidence.source_id, x.evidence.start) == start and x.phrase.group == c.phrase.group
            ]
        for x in group:
            if _item_words(x.phrase.text) and not any(_same_item(x.phrase.text, o.phrase.text) for o in out):
                out.append(x)
    return out


def _same_item(a: str, b: str) -> bool:
    """Whether two phrases name one item: the words of one are among the other's ("Zuckerberg",
    "Mark Zuckerberg"; "Open AI", "OpenAI Inc."), not merely share one ("Sam Altman", "Sam
    Bankman-Fried")."""
    wa, wb = _item_words(a), _item_words(b)
    return bool(wa and wb) and (wa <= wb or wb <= wa)


_SUFFIXES = frozenset("inc corp co ltd llc plc s platform group compani".split())


@functools.lru_cache(maxsize=4096)
def _item_words(text: str) -> frozenset[str]:
    """The words that name an item: "Open AI" and "OpenAI Inc." both give {"openai"}."""
    words = [w for w in tokenize(text) if w not in _SUFFIXES]
    return frozenset({"".join(words), *words}) if words else frozenset()
