"""The chat's search filters: the outlets it offers, and the date range and outlets a user chose.

Covers: the outlet picker's choices (the distinct outlets the live index names, from
`pipeline.sources`), the date boxes' placeholder, and the boxes' values turned into the
`since`, `until` and `outlet` arguments of `pipeline.ask_stream`, a bad date reported as a
FilterError in the boxes' own names (the pipeline's own message names the CLI's options).

Does not filter anything (rag/filters.py and the stores do) and does not run Gradio (rag/serve/chat.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import pipeline
from ..errors import FilterError, RagError
from ..filters import fold_outlet, parse_date
from ..results import Source
from ..settings import Settings
from ..store import store_location

DATE_PLACEHOLDER = "YYYY-MM-DD, YYYY-MM or YYYY"
SINCE_LABEL = "Published from"
UNTIL_LABEL = "to"


def outlet_choices(sources: Iterable[Source]) -> list[str]:
    """The distinct non-empty outlets, each once whatever its case, sorted case-insensitively."""
    found: dict[str, str] = {}
    for s in sources:
        name = " ".join(s.outlet.split())
        if name:
            found.setdefault(fold_outlet(name), name)
    return sorted(found.values(), key=str.casefold)


# (index location, version) -> its outlets: opening an index to list them reads its search files
# too, so each version is read once, not on every page load.
_OUTLETS: dict[tuple[str, str], list[str]] = {}


def indexed_outlets(settings: Settings) -> list[str]:
    """The outlets of the live index; none while there is no index (the panel says why)."""
    try:
        where = store_location(settings)
        key = (where.key, where.version())
        if key not in _OUTLETS:
            found = outlet_choices(pipeline.sources(settings=settings))
            _OUTLETS.clear()  # the chat serves one index
            _OUTLETS[key] = found
        return list(_OUTLETS[key])
    except RagError:
        return []


def picked_outlets(outlets: str | Iterable[str] | None) -> list[str]:
    names = [outlets] if isinstance(outlets, str) else list(outlets or [])
    return [n.strip() for n in names if isinstance(n, str) and n.strip()]


def filter_args(since: str | None, until: str | None, outlets: str | Iterable[str] | None) -> dict[str, Any]:
    """`since`, `until` and `outlet` for ask_stream from the chat's boxes (None where left empty).

    Raises FilterError for a date rag does not read, or a range that ends before it starts.
    """
    lo, hi = (since or "").strip(), (until or "").strip()
    first = parse_date(lo, end=False, option=SINCE_LABEL) if lo else ""
    last = parse_date(hi, end=True, option=f"Published {UNTIL_LABEL}") if hi else ""
    if first and last and first > last:
        raise FilterError(f"Published from {first} is after {last}: give a range whose start comes first.")
    return {"since": lo or None, "until": hi or None, "outlet": picked_outlets(outlets) or None}
