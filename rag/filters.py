"""Which articles a search may draw on: a date range and outlets, read once from what a user typed.

Covers: `Filter` (since / until as ISO dates, inclusive, and outlet names), built by
`make_filter` from `--since`, `--until` and `--outlet` (or `since=`, `until=`, `outlet=`):
a date is YYYY-MM-DD, YYYY-MM or YYYY (a month or year reaches back to its first day for
`since` and on to its last for `until`); an outlet matches case-insensitively, by its full
name or by the name before a tag line ("The Roar" for "The Roar | Sports Writers Blog").
An article without a date is outside any date range; one without an outlet is outside any
outlet filter. `Filter.allows` decides one article; the stores apply the same rule inside
their search (rag/store), and `outlet_names` / `day_number` are the keys they store.

Does not search or rank; does not read metadata from files (rag/ingest/metadata.py does).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import FilterError

DATE_FORMS = "YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2023-11-01)"
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
# The outlet's own name before its tag line: "The Roar | Sports Writers Blog", "FOX News - Entertainment".
_TAGLINE = re.compile(r"\s+[|–—-]\s+")


@dataclass(frozen=True)
class Filter:
    """Articles dated within [since, until] (ISO dates, "" for open), from one of `outlets`
    (folded names; empty: any), and, when `sources` is given, among those source IDs."""

    since: str = ""
    until: str = ""
    outlets: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def allows(self, outlet: str, date: str, source_id: str = "") -> bool:
        if (self.since or self.until) and not date:
            return False
        if self.since and date < self.since or self.until and date > self.until:
            return False
        if self.outlets and not set(outlet_names(outlet)) & set(self.outlets):
            return False
        return not self.sources or source_id in self.sources

    def describe(self) -> str:
        """The filter in words: "from 2023-11-01 to 2023-11-30, outlets: techcrunch"."""
        said = []
        if self.since or self.until:
            said.append(f"from {self.since or 'any date'} to {self.until or 'any date'}")
        if self.outlets:
            said.append("outlets: " + ", ".join(self.outlets))
        return ", ".join(said)


def fold_outlet(name: str) -> str:
    return " ".join(name.casefold().split())


def outlet_names(outlet: str) -> list[str]:
    """The names an outlet is matched by: its full name, and its own name before a tag line."""
    if not outlet.strip():
        return []
    names = [fold_outlet(outlet), fold_outlet(_TAGLINE.split(outlet.strip())[0])]
    return list(dict.fromkeys(n for n in names if n))


def day_number(date: str) -> int | None:
    """An ISO date as the integer YYYYMMDD (what an engine's range filter compares), or None."""
    return int(date.replace("-", "")) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date or "") else None


def parse_date(text: str | dt.date, *, end: bool, option: str = "--since") -> str:
    """An ISO date from YYYY-MM-DD, YYYY-MM or YYYY; `end` takes a month's or year's last day."""
    if isinstance(text, dt.datetime):
        text = text.date()
    if isinstance(text, dt.date):
        return text.isoformat()
    m = _DATE.fullmatch(str(text).strip())
    try:
        if not m:
            raise ValueError
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        if month is None:
            return dt.date(year, 12 if end else 1, 31 if end else 1).isoformat()
        if day is None:
            last = calendar.monthrange(year, int(month))[1]
            return dt.date(year, int(month), last if end else 1).isoformat()
        return dt.date(year, int(month), int(day)).isoformat()
    except ValueError:
        raise FilterError(f"{option} {str(text)!r} is not a date rag reads: write {DATE_FORMS}.") from None


def make_filter(
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    outlet: str | Iterable[str] | None = None,
) -> Filter | None:
    """The filter the options ask for, or None when they ask for none. Raises FilterError."""
    lo = parse_date(since, end=False, option="--since") if since not in (None, "") else ""
    hi = parse_date(until, end=True, option="--until") if until not in (None, "") else ""
    if lo and hi and lo > hi:
        raise FilterError(f"--since {lo} is after --until {hi}: give a range whose start comes first.")
    names = [outlet] if isinstance(outlet, str) else list(outlet or [])
    outlets = tuple(dict.fromkeys(fold_outlet(n) for n in names if isinstance(n, str) and n.strip()))
    if any(not isinstance(n, str) for n in names):
        raise FilterError("--outlet takes outlet names (text), e.g. --outlet TechCrunch.")
    if not (lo or hi or outlets):
        return None
    return Filter(lo, hi, outlets)
