"""Reading a source folder: which files are articles, their IDs, titles and text.

Covers: walking the folder (recursively, without following symlink loops),
turning `.txt`/`.md`/`.html`/`.htm`/`.pdf` into plain text (detecting the
encoding of text files; HTML through trafilatura, PDF through pypdf), the
source ID of a file (its relative path without extension, `/`-separated), its
title (first non-empty line, or the HTML title) and a content hash (SHA-256 of
the file's bytes, so a build can tell what changed without parsing anything).

Text files over STREAM_BYTES are never held whole: `Document.blocks()` reads
and decodes them 1 MiB at a time. HTML and PDF are parsed whole, so files of
those kinds over the size limit are skipped with a reason.

Does not chunk, embed or store anything. A file that cannot be read is
returned as a `Skipped` with the reason, never raised, so one bad file cannot
stop a build.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError
from .encodings import UnreadableFile, _looks_binary, decode, decode_head

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES
MAX_TITLE_CHARS = 300
# Text files larger than this are read block by block instead of whole.
STREAM_BYTES = 4 * 2**20
BLOCK_BYTES = 2**20


@dataclass(frozen=True)
class Document:
    """One readable article. `text` is None for a streamed file: read it with `blocks()`."""

    source_id: str
    path: str
    title: str
    text: str | None
    content_hash: str
    file: Path | None = field(default=None, repr=False, compare=False)
    encoding: str = "utf-8"

    def blocks(self) -> Iterator[str]:
        """The text in order, as one block or (streamed files) ~1 MiB blocks."""
        if self.text is not None:
            yield self.text
            return
        yield from _stream_text(self.file, self.encoding)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class Scan:
    """What a walk over the source folder found."""

    files: tuple[tuple[str, Path], ...]  # (source_id, path), sorted by ID
    skipped: tuple[Skipped, ...]
    ignored: int  # files of a kind rag does not read


def source_id_for(path: Path, root: Path) -> str:
    rel = path.relative_to(root)
    return rel.with_suffix("").as_posix()


def scan(source_dir: Path) -> Scan:
    root = Path(source_dir)
    if not root.exists():
        raise SourceError(
            f"Source folder {root} does not exist: create it and put articles in it, "
            "or point --source / RAG_SOURCE_DIR at your articles."
        )
    if not root.is_dir():
        raise SourceError(f"Source {root} is not a folder: pass the folder that holds the articles.")
    files: dict[str, Path] = {}
    skipped: list[Skipped] = []
    ignored = 0
    for path, problem in _walk(root):
        rel = path.relative_to(root).as_posix()
        if not _valid_name(rel):
            # Such a name can be neither stored nor printed as text: skip it, shown with \x escapes.
            rel, problem = _printable_name(rel), problem or "file name is not valid UTF-8: rename the file"
        if problem:
            skipped.append(Skipped(rel, problem))
            continue
        if path.suffix.lower() not in SUFFIXES:
            ignored += 1
            continue
        sid = source_id_for(path, root)
        if sid in files:
            skipped.append(Skipped(rel, f"same source ID as {files[sid].relative_to(root).as_posix()}"))
            continue
        files[sid] = path
    return Scan(tuple(sorted(files.items())), tuple(skipped), ignored)


def _walk(root: Path) -> Iterator[tuple[Path, str]]:
    """Yield (file, problem) pairs; follows directory symlinks once, never in a loop."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
        except OSError as exc:
            yield folder, f"cannot open folder: {exc.strerror or exc}"
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            if folder != root:
                yield folder, "symlink loop: folder already visited"
            continue
        seen.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield folder, f"cannot list folder: {exc.strerror or exc}"
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=True):
                    stack.append(path)
                elif entry.is_file(follow_symlinks=True):
                    yield path, ""
                elif entry.is_symlink():
                    yield path, "broken or looping symlink"
            except OSError as exc:
                yield path, "symlink loop" if exc.errno == errno.ELOOP else f"cannot stat: {exc.strerror or exc}"


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes of a file name come back as surrogates
        return False
    return True


def _printable_name(name: str) -> str:
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    """Turn the OS errors of reading a file into UnreadableFile with the reason."""
    try:
        yield
    except FileNotFoundError:
        raise UnreadableFile("file disappeared while reading") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or exc}") from None


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks; raises UnreadableFile."""
    h = hashlib.sha256()
    with _reading(), open(path, "rb") as fh:
        while block := fh.read(BLOCK_BYTES):
            h.update(block)
    return h.hexdigest()


def load(source_id: str, path: Path, root: Path, max_mb: float, content_hash: str | None = None) -> Document:
    """Open one file as a Document; raises UnreadableFile with the reason.

    HTML and PDF files over `max_mb` (Settings.max_file_mb) are refused. Large text
    files are only sniffed here (encoding, title); their text is read
    by `Document.blocks()`.
    """
    rel = path.relative_to(root).as_posix()
    with _reading():
        big = path.suffix.lower() in TEXT_SUFFIXES and path.stat().st_size > STREAM_BYTES
    if big:
        encoding, title = _sniff(path)
        digest = content_hash or file_hash(path)
        return Document(source_id, rel, title, None, digest, file=path, encoding=encoding)
    text, title = read_text(path, max_mb)
    return Document(source_id, rel, title, text, content_hash or file_hash(path))


def read_text(path: Path, max_mb: float) -> tuple[str, str]:
    """Return (text, title) of a file, or raise UnreadableFile.

    An HTML or PDF file over `max_mb` megabytes (0: no limit) is refused before
    it is read (they are parsed whole); text files are read whatever their size.
    """
    suffix = path.suffix.lower()
    limited = max_mb and max_mb > 0 and suffix not in TEXT_SUFFIXES
    limit = int(max_mb * 1024 * 1024) if limited else None
    with _reading():
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise UnreadableFile(_too_large(size, max_mb))
        with open(path, "rb") as fh:
            data = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(data) > limit:  # it grew after the size check
        raise UnreadableFile(_too_large(len(data), max_mb))
    if not data.strip():
        raise UnreadableFile("empty file")
    if suffix in PDF_SUFFIXES:
        text, title = _pdf_text(data), ""
    elif suffix in HTML_SUFFIXES:
        text, title = _html_text(decode(data))
    else:  # the front matter's fields are read as metadata (rag/ingest/metadata.py), not as text
        text, title = split_front_matter(unix_line_ends(decode(data)))[1], ""
    text = unix_line_ends(text)
    if not text.strip():
        raise UnreadableFile("no text found")
    return text, title or first_line(text)


def _too_large(size: int, max_mb: float) -> str:
    return (
        f"too large: {size / 2**20:,.1f} MB > {max_mb:g} MB limit for HTML and PDF, which are parsed whole; "
        "raise RAG_MAX_FILE_MB to index it"
    )


def _sniff(path: Path) -> tuple[str, str]:
    """(encoding, title) of a large text file, from its first block."""
    with _reading(), open(path, "rb") as fh:
        sample = fh.read(BLOCK_BYTES)
    if not sample.strip():
        raise UnreadableFile("no text in its first MiB")
    encoding, first = decode_head(sample)
    if _looks_binary(first):
        raise UnreadableFile("binary data, not text (no encoding fits)")
    return encoding, first_line(unix_line_ends(first))


def _stream_text(path: Path | None, encoding: str) -> Iterator[str]:
    """Decode a file block by block and give it Unix line ends (a CR at a block's end waits for the next)."""
    if path is None:
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    carry, first = "", True
    with _reading(), open(path, "rb") as fh:
        while True:
            data = fh.read(BLOCK_BYTES)
            text = carry + decoder.decode(data, final=not data)
            carry = ""
            if data and text.endswith("\r"):
                text, carry = text[:-1], "\r"
            text = unix_line_ends(text, start=first)
            first = False
            if text:
                yield text
            if not data:
                return


def unix_line_ends(text: str, start: bool = True) -> str:
    """Unix line ends, no NUL; a byte-order mark is dropped only at the `start` of a text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.lstrip("\ufeff") if start else text


def split_front_matter(text: str) -> tuple[str | None, str]:
    """(the YAML mapping between `---` lines at the very top, the text after it), or (None, text)
    when the text does not open with one (a `---` rule over prose is not front matter)."""
    lines = text.lstrip("\ufeff").split("\n")
    if lines[0].rstrip() != "---":
        return None, text
    ends = [i for i, line in enumerate(lines) if i and line.rstrip() in ("---", "...")][:1]
    if not ends:
        return None, text
    block = "\n".join(lines[1 : ends[0]])
    try:
        import yaml

        if not isinstance(yaml.safe_load(block), dict):
            return None, text
    except Exception:  # not YAML: prose between two rules
        return None, text
    return block, "\n".join(lines[ends[0] + 1 :]).lstrip("\n")


def first_line(text: str) -> str:
    """The first line with words, after any YAML front matter."""
    lines = split_front_matter(text)[1].splitlines()
    for line in lines:
        line = line.strip().lstrip("#").strip()
        if line and line.strip("-=*_ "):  # not a rule line
            return line[:MAX_TITLE_CHARS]
    return ""


def _html_text(html: str) -> tuple[str, str]:
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
    title = ""
    meta = trafilatura.extract_metadata(html)
    if meta is not None and meta.title:
        title = meta.title.strip()[:MAX_TITLE_CHARS]
    if not text:
        # Short or unusual pages defeat main-content extraction; fall back to all visible text.
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(html, "html.parser")
        for tag in soup(["script", "style", "noscript", "template"]):
            tag.decompose()
        text = soup.get_text("\n")
        text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    return text, title


def _pdf_text(data: bytes) -> str:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFile(f"broken PDF: {exc}") from None
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise UnreadableFile(f"broken PDF: {type(exc).__name__}: {exc}") from None
    return "\n\n".join(p.strip() for p in pages if p.strip())
