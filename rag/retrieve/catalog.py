"""The indexed articles as a list: their titles, outlets, authors, dates and chunk counts.

Covers: reading a loaded index's source table and chunk rows once (remembered while the index stays
loaded), the `Source` rows `rag sources` and `rag.sources()` list, the articles a filter
allows, an article's head with its outlet and date for the reader, and a citation
dressed with its article's title, outlet and date.

Does not read files (the metadata was read at indexing, rag/ingest/metadata.py) and does not
search (the stores apply filters inside their searches).
"""

from __future__ import annotations

import dataclasses
import threading

from ..filters import Filter
from ..results import Citation, Source
from ..store import SourceInfo, Store

_READ: dict[int, tuple[Store, dict[str, SourceInfo], dict[str, list[int]]]] = {}
_lock = threading.Lock()


def _read(store: Store) -> tuple[Store, dict[str, SourceInfo], dict[str, list[int]]]:
    with _lock:
        found = _READ.get(id(store))
    if found is None:
        infos = {s.source_id: s for s in store.source_infos()}
        found = (store, infos, store.rows_of_sources())
        with _lock:
            while len(_READ) >= 4:  # the pipeline keeps one index per location loaded
                del _READ[next(iter(_READ))]
            _READ[id(store)] = found
    return found


def source_infos(store: Store) -> dict[str, SourceInfo]:
    """Each indexed article's path, title, outlet, author and date, by source ID."""
    return _read(store)[1]


def rows_of(store: Store) -> dict[str, list[int]]:
    """Each indexed article's chunk rows, by source ID."""
    return _read(store)[2]


def sources(store: Store, where: Filter | None = None) -> list[Source]:
    """The indexed articles (those `where` allows, if given), by source ID."""
    _, infos, rows = _read(store)
    return [
        Source(i.source_id, i.title, i.outlet, i.author, i.date, len(rows.get(i.source_id, ())), i.path)
        for i in infos.values()
        if where is None or where.allows(i.outlet, i.date, i.source_id)
    ]


def with_dateline(head: str, info: SourceInfo | None) -> str:
    """An article's head for the reader, with its outlet and date added where the head's text
    does not already state them (an HTML page's date lives in its markup, not its text)."""
    if info is None:
        return head
    missing = [x for x in (info.outlet, info.date) if x and x not in head]
    return f"{head} ({', '.join(missing)})" if missing else head


def dressed(citation: Citation, store: Store) -> Citation:
    """The citation with its article's title, outlet and date as the index holds them."""
    info = source_infos(store).get(citation.source_id)
    if info is None:
        return citation
    return dataclasses.replace(citation, title=info.title or citation.title, outlet=info.outlet, date=info.date)
