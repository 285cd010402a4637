"""An article's title, outlet, author and publication date, as the file itself carries them.

Covers, by file kind: HTML (its <title> and <meta> tags, through trafilatura's metadata
reader, with no date guessed from running text), YAML front matter at the top of a text or
Markdown file, a PDF's document information (/Title, /Author, /CreationDate, a /Publisher-like
key; /Producer names software, not an outlet), and the byline near the head of a plain text
file ("By Jane Doe, Reuters", "By Sporting News, published 2023-12-18.", "Published 12 March
2024", a bare date line, "Jane Doe | The Guardian | 4 May 2023"). Dates are read by dateparser
(absolute dates with day, month and year only) and given as ISO YYYY-MM-DD.

Does not guess: a field the file does not state stays empty, nothing is read from the file
name, and a file that cannot be read gives empty fields, never an exception. Does not index,
store or show anything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .documents import HTML_SUFFIXES, MAX_TITLE_CHARS, PDF_SUFFIXES, TEXT_SUFFIXES, unix_line_ends
from .encodings import decode_head

# Bytes of a text file read for its front matter and byline (both sit at its head).
HEAD_BYTES = 64 * 1024
# A byline is sought in the first paragraphs after the title, starting within these characters.
BYLINE_CHARS = 600
BYLINE_PARAGRAPHS = 4
MAX_FIELD_CHARS = 200
_OUTLET_KEYS = ("outlet", "publisher", "site", "source", "site_name", "sitename")
_AUTHOR_KEYS = ("author", "authors")
_DATE_KEYS = ("date", "published", "publication_date")
_PDF_OUTLET_KEYS = ("/Publisher", "/Outlet", "/SiteName", "/Site")
_DATE_SETTINGS = {
    "STRICT_PARSING": True,
    "REQUIRE_PARTS": ["day", "month", "year"],
    # Absolute dates only: no "3 days ago", no bare numbers read as timestamps.
    "PARSERS": ["custom-formats", "absolute-time"],
}
_BY = re.compile(r"by\s+(\S.*)", re.I)
# A line, or a byline's part, that opens with one of these words dates the article
# ("Published 12 March 2024", "published 2023-12-18"); an "Updated" date is not the publication's.
# In a byline's later part, "on" dates it too ("By Jane Doe, Reuters, on 4 May 2023").
_DATE_WORDS = "published|posted|dated|date"
_DATED_LINE = re.compile(rf"({_DATE_WORDS})\b[\s:]*(.*)", re.I)
_DATED = re.compile(rf"({_DATE_WORDS}|on)\b[\s:]*(.*)", re.I)


@dataclass(frozen=True)
class ArticleMeta:
    """What an article says about itself; empty strings where it says nothing. `date` is YYYY-MM-DD."""

    title: str = ""
    outlet: str = ""
    author: str = ""
    date: str = ""


def read_meta(path: Path, text: str | None = None) -> ArticleMeta:
    """The metadata of one article file, by its kind (suffix); empty fields where none is found.

    `text`: the decoded content of a .txt/.md file, if the caller has it already (else the
    file's head is read). HTML and PDF are always read from `path`: their metadata lives in the
    markup and the document information, which extracted text no longer holds.
    """
    try:
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix in HTML_SUFFIXES:
            return _html_meta(path.read_bytes())
        if suffix in PDF_SUFFIXES:
            return _pdf_meta(path)
        if suffix in TEXT_SUFFIXES:
            return _text_meta(_head(path) if text is None else unix_line_ends(text))
    except Exception:  # a bad file gives empty fields; one article must not stop a build
        pass
    return ArticleMeta()


def _head(path: Path) -> str:
    with open(path, "rb") as fh:
        data = fh.read(HEAD_BYTES)
    return unix_line_ends(decode_head(data, partial=len(data) == HEAD_BYTES)[1])


def _meta(title: Any = "", outlet: Any = "", author: Any = "", date: str = "") -> ArticleMeta:
    return ArticleMeta(_clean(title, MAX_TITLE_CHARS), _clean(outlet), _clean(author), date)


def _clean(value: Any, limit: int = MAX_FIELD_CHARS) -> str:
    if isinstance(value, list | tuple):
        value = ", ".join(c for c in map(_clean, value) if c)
    elif isinstance(value, dict):  # author: {name: ...}
        value = value.get("name", "")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return " ".join(str(value).split())[:limit]


def iso_date(value: Any, search: bool = False) -> str:
    """`value` as YYYY-MM-DD if it is, or reads as, a whole date (day, month and year); else "".
    `search`: else the first such date among other words of `value` (one byline line)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    s = value.strip().rstrip(".").strip() if isinstance(value, str) else ""
    if not s or len(s) > (MAX_FIELD_CHARS if search else 60) or not any(c.isdigit() for c in s):
        return ""
    import dateparser
    from dateparser.search import search_dates

    try:
        parsed = dateparser.parse(s, settings=_DATE_SETTINGS)  # type: ignore[arg-type]
        if parsed is None and search:
            found = search_dates(s, settings=_DATE_SETTINGS)  # type: ignore[arg-type]
            parsed = found[0][1] if found else None
    except Exception:
        return ""
    return parsed.date().isoformat() if parsed else ""


def _html_meta(html: bytes) -> ArticleMeta:
    from trafilatura import extract_metadata
    from trafilatura.settings import set_date_params

    # extensive=False: the date comes from the markup (meta tags, <time>), not from running text.
    doc = extract_metadata(html, date_config=set_date_params(extensive=False))  # type: ignore[arg-type]
    author = (doc.author or "").replace("; ", ", ")
    return _meta(doc.title, doc.sitename, author, iso_date(doc.date or ""))


def _pdf_meta(path: Path) -> ArticleMeta:
    import pypdf

    info = pypdf.PdfReader(path).metadata
    if info is None:
        return ArticleMeta()
    date = ""
    with contextlib.suppress(Exception):
        date = iso_date(info.creation_date)
    outlet = next((info.get(k) for k in _PDF_OUTLET_KEYS if info.get(k)), "")
    return _meta(info.get("/Title"), outlet, info.get("/Author"), date)


def _text_meta(text: str) -> ArticleMeta:
    front = _front_matter(text)
    if front is not None:
        return _yaml_meta(front)
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if any(c.isalnum() for c in line)), len(lines))
    if start == len(lines):
        return ArticleMeta()
    title = lines[start].strip().lstrip("#").strip()
    fields = _byline(lines[start + 1 :])
    return _meta(title, fields.get("outlet", ""), fields.get("author", ""), fields.get("date", ""))


def _front_matter(text: str) -> str | None:
    """The YAML block between `---` lines at the very top, or None when there is none."""
    lines = text.split("\n")
    ends = [i for i, line in enumerate(lines) if i and line.rstrip() in ("---", "...")][:1]
    return "\n".join(lines[1 : ends[0]]) if lines[0].rstrip() == "---" and ends else None


def _yaml_meta(block: str) -> ArticleMeta:
    import yaml

    try:
        data = yaml.safe_load(block)
    except Exception:  # a broken block says nothing
        return ArticleMeta()
    if not isinstance(data, dict):
        return ArticleMeta()
    keys = {str(k).lower(): v for k, v in data.items()}

    def first(names: tuple[str, ...]) -> Any:
        return next((keys[n] for n in names if _clean(keys.get(n))), "")

    date = next((d for d in (iso_date(keys.get(n)) for n in _DATE_KEYS) if d), "")
    return _meta(first(("title",)), first(_OUTLET_KEYS), first(_AUTHOR_KEYS), date)


def _byline(lines: list[str]) -> dict[str, str]:
    """Outlet, author and date from the byline lines among the first paragraphs after the title;
    an earlier line's field wins."""
    fields: dict[str, str] = {}
    chars, paragraphs, blank = 0, 0, True
    for raw in lines:
        if not raw.strip():
            blank = True
            continue
        if blank:
            paragraphs, blank = paragraphs + 1, False
        if paragraphs > BYLINE_PARAGRAPHS or chars > BYLINE_CHARS:
            break
        chars += len(raw) + 1
        line = raw.strip().strip("*_").strip()
        if len(line) <= MAX_FIELD_CHARS:
            for key, value in _byline_line(line).items():
                fields.setdefault(key, value)
    return fields


def _byline_line(line: str) -> dict[str, str]:
    """One line read as a byline: {} when it is not one.

    "By NAME, published DATE" (one name, dated by a "published"/"posted" clause) names the outlet, as
    news feeds write it ("By TechCrunch, published ..."); "By PERSON, OUTLET[, DATE]" names the
    author and then the outlet; "By NAME" alone, or with a bare date, names the author. A line
    "PERSON | OUTLET | DATE" is read the same way; "Published DATE" and a bare date give the date.
    """
    by = _BY.fullmatch(line)
    if by:
        parts, sep = by.group(1).rstrip(".").split(","), ", "
    elif "|" in line and not line.startswith("|"):
        parts, sep = line.split("|"), " | "
    else:
        dated = _DATED_LINE.fullmatch(line)
        date = iso_date(dated.group(2), search=True) if dated else iso_date(line)
        return {"date": date} if date else {}
    names, date, keyword = _split_parts([p.strip() for p in parts if p.strip()], sep)
    if not (names or date) or not all(_is_name(n) for n in names):
        return {}
    if not by and not date:  # "A | B" without a date is a menu or a title as often as a byline
        return {}
    out = {"date": date} if date else {}
    if len(names) == 1:
        out["outlet" if keyword else "author"] = names[0]
    elif names:
        out["author"], out["outlet"] = ", ".join(names[:-1]), names[-1]
    return out


def _split_parts(parts: list[str], sep: str) -> tuple[list[str], str, bool]:
    """(names, date, whether "published"/"posted" dated it) of a byline's parts. A date may
    span parts ("March 12, 2024"), so the trailing one, two and three parts are tried together."""
    for i, part in enumerate(parts[1:], 1):  # the first part is a name ("By On Point Media, ...")
        dated = _DATED.fullmatch(part)
        if dated:
            rest = sep.join([dated.group(2), *parts[i + 1 :]])
            return parts[:i], iso_date(rest, search=True), dated.group(1).lower() in ("published", "posted")
    for k in (1, 2, 3):
        if len(parts) >= k and (date := iso_date(sep.join(parts[-k:]))):
            return parts[:-k], date, False
    return parts, "", False


def _is_name(s: str) -> bool:
    """Reads as a name (a person or an outlet), not a sentence: a few words, each capitalised
    or short ("The Independent - Life and Style", "Jane van der Berg")."""
    words = s.split()
    capitalised = all(not w[0].islower() or len(w) <= 3 for w in words)
    return 0 < len(words) <= 12 and len(s) <= 100 and not s[0].islower() and capitalised
