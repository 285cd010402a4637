"""Articles a question names by their outlet: "as TechCrunch reported" searches TechCrunch's too.

Covers `named_sources`: the articles whose outlet (as read at indexing from the article's own
metadata or byline, rag/ingest/metadata.py; "By Sporting News, published 2023-12-18." gives "Sporting
News") the question names ("TechCrunch", "The Verge"; "The Roar" for "The Roar | Sports
Writers Blog"). The pipeline then searches those articles as well as the whole index (one wider
fused ranking, `Retriever.ranked`, kept to their chunks), so that an article a question names is
not left out because other outlets' articles match its words better.

Does not read authors out of running text, or titles (a question's names are matched against
the sentences retrieved, rag/verify/checks.py), and names no article for a question that names no outlet.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import numpy as np

from ..filters import Filter
from ..language.text import fold, unaccented
from ..results import Hit
from ..store import Store
from . import catalog
from .hybrid import Retriever

# Chunks added from the articles of each byline a question names, beyond the search's own.
PER_NAME = 2
# Candidates per retriever among which a named article's chunks are sought.
WITHIN_CANDIDATES = 5000
# An outlet named in more words than this is not sought in questions.
MAX_NAME_WORDS = 12
# The outlet's own name before its tag line: "The Roar | Sports Writers Blog", "FOX News - Entertainment".
_TAGLINE = re.compile(r"\s+[|–—-]\s+")


def bylines(store: Store) -> dict[str, str]:
    """Each article's outlet, by source ID; articles that do not state one are left out."""
    infos = catalog.source_infos(store)  # read once per loaded index
    return {sid: i.outlet for sid, i in infos.items() if 1 <= len(i.outlet.split()) <= MAX_NAME_WORDS}


def named_sources(question: str, store: Store) -> dict[str, set[str]]:
    """The articles whose byline the question names, by the words it names it with: as a name
    (capitalised: "Fortune", not "a fortune"), in full or by the outlet's own name before a tag
    line; only the fullest name the question holds counts ("The Independent - Sports" names
    those articles, not "The Independent - Life and Style")."""
    by_name: dict[str, set[str]] = {}
    for sid, name in bylines(store).items():
        by_name.setdefault(name, set()).add(sid)
    plain = unaccented(question)  # matched in any case, then read for a capital
    found: dict[str, set[str]] = {}  # the words matched -> the articles
    for name, sids in by_name.items():
        for form in dict.fromkeys([name, _TAGLINE.split(name)[0]]):
            words = re.findall(r"[a-z0-9]+", fold(form))
            m = re.search(r"(?<![\w.])" + r"\W+".join(words) + r"(?![\w])", plain, re.I) if words else None
            if m and any(c.isupper() for c in m.group()):
                found.setdefault(" ".join(words), set()).update(sids)
                break
    kept = [w for w in found if not any(w != other and f" {w} " in f" {other} " for other in found)]
    return {w: found[w] for w in kept}


def named_hits(
    retriever: Retriever,
    question: str,
    query_vector: np.ndarray,
    hits: Sequence[Hit],
    where: Filter | None = None,
) -> tuple[Hit, ...]:
    """For each byline the question names, the best PER_NAME chunks of its articles that the
    search did not return (among the best WITHIN_CANDIDATES of each retriever, ranked once for
    all names, within the articles `where` allows), ranked after its hits."""
    named = named_sources(question, retriever.store)
    if not named:
        return ()
    have = {h.chunk_id for h in hits}
    rows = catalog.rows_of(retriever.store)
    ranked = retriever.ranked(question, min(len(retriever.store), WITHIN_CANDIDATES), query_vector, where)
    out: list[Hit] = []
    for sids in named.values():
        within = {r for sid in sids for r in rows.get(sid, [])}
        found = retriever.hits([x for x in ranked if x[0] in within][: PER_NAME + len(have)])
        for h in [h for h in found if h.chunk_id not in have][:PER_NAME]:
            have.add(h.chunk_id)
            out.append(dataclasses.replace(h, rank=len(hits) + len(out) + 1))
    return tuple(out)
