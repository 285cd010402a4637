"""Building and incrementally updating the index of a source folder.

Covers: planning a build by each file's SHA-256 against the live index (bytes
only: nothing is parsed to find what changed), copying the rows and vectors of
unchanged files, reading, chunking and embedding added and changed files (and
reading each one's title, outlet, author and date, rag/ingest/metadata.py) in
batches (a chunk whose text already has a vector keeps it), taking a file that
fails part-way out again, dropping deleted files, and committing the new
version through the store. A run with nothing changed loads no model.

Memory: one batch of chunks (`Settings.build_batch`) and one window of a large
file at a time, plus the index's own needs (BM25 term counts, the FAISS index
at commit, chunk hash -> row of the old version); texts and vectors go to disk
as they are made.

Does not search. The on-disk format, locking and atomic switch are in store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexCorruptError, IndexMismatchError, SourceError
from ..ingest import documents
from ..ingest.chunking import chunk_stream
from ..ingest.metadata import read_meta
from ..results import IndexStats
from ..settings import Settings
from ..store import (
    ChunkRecord,
    Manifest,
    SourceInfo,
    Store,
    Unreadable,
    Vectors,
    VersionWriter,
    check_config,
    chunk_hash,
    store_location,
)
from .embedding import Embedder, TextEmbedder
from .plan import plan

log = logging.getLogger(__name__)
SPLITTER = "sentences-v2"
MAX_TITLE_TOKENS = 48
# Rows of unchanged files copied from the old version at a time.
COPY_BATCH = 8192


def index_config(settings: Settings, embedder: TextEmbedder) -> dict[str, Any]:
    """What the manifest records about how the index was built; loading checks it."""
    return {
        "embed_model": embedder.identity,
        "chunking": {
            "splitter": SPLITTER,
            "chunk_tokens": settings.chunk_tokens,
            "chunk_overlap": settings.chunk_overlap,
        },
    }


def embed_input(title: str, text: str) -> str:
    """The string the embedder sees for a chunk: its article's title, then the chunk."""
    if not title or text.startswith(title):
        return text
    return f"{title}\n{text}"


def chunk_document(
    doc: documents.Document, settings: Settings, embedder: TextEmbedder, blocks: Iterable[str] | None = None
) -> Iterator[ChunkRecord]:
    """The chunks of a document, in order, as its text is read (`blocks`, default `doc.blocks()`)."""
    title_tokens = min(embedder.count_tokens(doc.title), MAX_TITLE_TOKENS) + 1 if doc.title else 0
    budget = max(16, min(settings.chunk_tokens, embedder.max_tokens - title_tokens))
    spans = chunk_stream(
        doc.blocks() if blocks is None else blocks, budget, settings.chunk_overlap,
        embedder.count_tokens, embedder.split_tokens, embedder.count_tokens_many,
    )  # fmt: skip
    for i, s in enumerate(spans):
        yield ChunkRecord(
            chunk_id=f"{doc.source_id}#{i}",
            source_id=doc.source_id,
            start=s.start,
            end=s.end,
            title=doc.title,
            text=s.text,
            hash=chunk_hash(doc.title, s.text),
        )


# ---------------------------------------------------------------- planning


@dataclass(frozen=True)
class Previous:
    """The live version an update starts from, with its stored vectors."""

    store: Store
    vectors: Vectors


def open_previous(where: Any, config: dict[str, Any]) -> Previous | None:
    """The live version built with this configuration, or None: no index, or one to rebuild."""
    try:
        store = where.live()
        if store is None:
            return None
        check_config(store.manifest, config, where.label)
        return Previous(store, store.vectors())  # a damaged vectors.npy means a full rebuild too
    except (IndexMismatchError, IndexCorruptError) as exc:
        log.warning("%s Rebuilding the whole index.", exc)
        return None


# ---------------------------------------------------------------- writing


class Batches:
    """Chunks on their way into a new version: the batch waiting to be embedded, and reused vectors.

    A chunk whose hash the previous version holds takes that version's vector
    instead of being embedded again.
    """

    def __init__(self, writer: VersionWriter, embedder: TextEmbedder, previous: Previous | None, size: int) -> None:
        self.writer = writer
        self.embedder = embedder
        self.size = size
        self.pending: list[ChunkRecord] = []
        self.embedded = 0
        self._old_vectors = previous.vectors if previous is not None else None
        self._reuse: dict[str, int] = {}  # chunk hash -> row of the previous version
        if previous is not None:
            for i, digest in enumerate(previous.store.chunk_hashes()):
                self._reuse.setdefault(digest, i)

    @property
    def rows(self) -> int:
        """Chunks written or waiting: the row the next chunk will get."""
        return self.writer.count + len(self.pending)

    def add(self, record: ChunkRecord) -> None:
        self.pending.append(record)
        if len(self.pending) >= self.size:
            self.flush()

    def flush(self) -> None:
        """Embed the waiting chunks that have no vector yet and write the batch."""
        if not self.pending:
            return
        new = list({c.hash: c for c in self.pending if c.hash not in self._reuse}.values())
        vecs = self.embedder.encode([embed_input(c.title, c.text) for c in new])
        by_hash = {c.hash: vecs[i] for i, c in enumerate(new)}
        kept = {c.hash: self._reuse[c.hash] for c in self.pending if c.hash not in by_hash}
        if kept and self._old_vectors is not None:
            rows = sorted(set(kept.values()))
            at = {r: k for k, r in enumerate(rows)}
            vectors = np.asarray(self._old_vectors[rows])
            by_hash.update((h, vectors[at[r]]) for h, r in kept.items())
        self.writer.add_chunks(self.pending, np.stack([by_hash[c.hash] for c in self.pending]))
        self.embedded += len(new)
        self.pending.clear()

    def take_back(self, first_row: int) -> None:
        """Forget every chunk from `first_row` on, waiting or already written."""
        del self.pending[max(0, first_row - self.writer.count) :]
        if self.writer.count > first_row:
            self.writer.truncate(first_row)


def copy_unchanged(writer: VersionWriter, previous: Previous, source_ids: Iterable[str]) -> None:
    """Copy the chunks, vectors and texts of unchanged sources from the previous version."""
    keep = set(source_ids)
    rows = sorted(r for sid, rs in previous.store.rows_of_sources().items() if sid in keep for r in rs)
    for i in range(0, len(rows), COPY_BATCH):
        block = rows[i : i + COPY_BATCH]
        writer.add_chunks(previous.store.chunks(block), np.asarray(previous.vectors[block]))
    writer.copy_sources(previous.store, sorted(keep))


def index_source(
    doc_id: str, path: Path, digest: str, settings: Settings, embedder: TextEmbedder, batches: Batches
) -> None:
    """Read, chunk and queue one file. If it turns out unreadable, whatever of it was written
    is taken out again before `documents.UnreadableFile` is raised."""
    writer = batches.writer
    first_row = batches.rows
    try:
        doc = documents.load(doc_id, path, Path(settings.source_dir), settings.max_file_mb, digest)
        meta = read_meta(path)  # title, outlet, author, date as the file states them (its front matter too)
        writer.add_source(
            SourceInfo(doc_id, doc.path, meta.title or doc.title, doc.content_hash, meta.outlet, meta.author, meta.date)
        )
        n = 0
        for record in chunk_document(doc, settings, embedder, _recorded(doc, writer)):
            batches.add(record)
            n += 1
        if n == 0:
            raise documents.UnreadableFile("no text found")
    except documents.UnreadableFile:
        batches.take_back(first_row)
        writer.drop_source(doc_id)
        raise


def build_index(
    settings: Settings,
    rebuild: bool = False,
    progress: bool = False,
    embedder: TextEmbedder | None = None,
) -> IndexStats:
    t0 = time.perf_counter()
    source_dir, where = Path(settings.source_dir), store_location(settings)
    found = documents.scan(source_dir)
    embedder = embedder or Embedder.from_settings(settings)
    config = index_config(settings, embedder)

    with where.lock():
        previous = None if rebuild else open_previous(where, config)
        p = plan(found, source_dir, previous.store.manifest if previous is not None else None, settings.max_file_mb)
        skipped = list(p.skipped)

        def stats(added: int, changed: int, chunks: int, embedded: int) -> IndexStats:
            return IndexStats(
                where.label, added, changed, len(p.removed), len(p.unchanged), len(skipped), chunks, embedded,
                time.perf_counter() - t0, tuple((s.path, s.reason) for s in skipped), found.ignored,
            )  # fmt: skip

        if previous is not None and not (p.todo or p.removed):
            return stats(0, 0, len(previous.store), 0)

        from tqdm import tqdm

        paths = dict(found.files)
        sizes = {s: _size(paths[s]) for s in p.todo}
        bar = tqdm(
            total=sum(sizes.values()),
            unit="B", unit_scale=True, desc="indexing", disable=not progress, smoothing=0.05,
        )  # fmt: skip
        done: list[str] = []
        unreadable = dict(p.unreadable)
        dim = previous.store.manifest.embed_dim if previous is not None else None
        with where.writer(previous.store if previous is not None else None, dim) as writer:
            batches = Batches(writer, embedder, previous, settings.build_batch)
            if previous is not None and writer.in_place:  # the live index is updated: unchanged sources stay
                writer.keep(previous.store, p.unchanged)
            elif previous is not None:
                copy_unchanged(writer, previous, p.unchanged)
            for sid in p.todo:
                try:
                    index_source(sid, paths[sid], p.hashes[sid], settings, embedder, batches)
                except documents.UnreadableFile as exc:
                    skipped.append(documents.Skipped(paths[sid].relative_to(source_dir).as_posix(), str(exc)))
                    unreadable[sid] = Unreadable(p.hashes[sid], str(exc), settings.max_file_mb)
                    continue
                finally:
                    bar.update(sizes[sid])
                done.append(sid)
            batches.flush()
            bar.close()
            indexed = {s: p.hashes[s] for s in [*p.unchanged, *done]}
            if not indexed:
                raise SourceError(
                    f"Nothing to index in {source_dir}: no readable .txt, .md, .html or .pdf file"
                    + (f" ({len(skipped)} skipped: {_skip_list(skipped)})" if skipped else "")
                    + ". Put articles there or point --source at them."
                )
            manifest = Manifest(
                embed_model=config["embed_model"],
                chunking=config["chunking"],
                sources=dict(sorted(indexed.items())),
                unreadable=unreadable,
                built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                source_dir=str(source_dir.resolve()),
            )
            count = writer.count
            writer.commit(manifest, settings.index_factory)
        added = len(set(done) & set(p.added))
        return stats(added, len(done) - added, count, batches.embedded)


def _skip_list(skipped: list[documents.Skipped], shown: int = 10) -> str:
    listed = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:shown])
    return listed + (f"; and {len(skipped) - shown} more" if len(skipped) > shown else "")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone since the scan: reported when it is read
        return 0


def _recorded(doc: documents.Document, writer: VersionWriter) -> Iterator[str]:
    """The document's text blocks, each stored as a part of the source text as it passes."""
    at = 0
    for block in doc.blocks():
        writer.add_source_part(doc.source_id, at, block)
        at += len(block)
        yield block
