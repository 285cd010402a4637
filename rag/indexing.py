"""Building and incrementally updating the index of a source folder.

Covers: comparing the folder with the live index by each file's SHA-256
(bytes only: nothing is parsed to find what changed), copying the rows and
vectors of unchanged files, reading, chunking and embedding added and changed
files in batches (a chunk whose text already has a vector keeps it), dropping
deleted files, and committing the new version through the store. A run with
nothing changed returns before any model is loaded.

Memory: one batch of chunks (EMBED_BATCH) and one window of a large file at a
time, plus what the index itself needs (BM25 term counts, the FAISS index at
commit, a map from chunk hash to row of the old version). Texts go to SQLite
and vectors to disk as they are made.

Does not search. The on-disk format, locking and atomic switch are in store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from . import documents
from .chunking import chunk_stream
from .embedding import Embedder
from .errors import IndexCorruptError, IndexMismatchError, SourceError
from .results import IndexStats
from .settings import Settings
from .store import BuildLock, ChunkRecord, SourceInfo, Store, VersionWriter, check_config, chunk_hash, live_version

log = logging.getLogger(__name__)
SPLITTER = "sentences-v1"
MAX_TITLE_TOKENS = 48


def index_config(settings: Settings, embedder: Embedder) -> dict:
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
    doc: documents.Document, settings: Settings, embedder: Embedder, blocks: Iterable[str] | None = None
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


def _skip_list(skipped: list[documents.Skipped], shown: int = 10) -> str:
    listed = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:shown])
    return listed + (f"; and {len(skipped) - shown} more" if len(skipped) > shown else "")


# Chunks embedded and written per batch: large enough to keep both cores busy,
# small enough that a batch's texts and vectors stay a few MB.
EMBED_BATCH = 2048
COPY_BATCH = 8192


def build_index(
    settings: Settings,
    rebuild: bool = False,
    progress: bool = False,
    embedder: Embedder | None = None,
) -> IndexStats:
    t0 = time.perf_counter()
    source_dir, index_dir = Path(settings.source_dir), Path(settings.index_dir)
    found = documents.scan(source_dir)
    embedder = embedder or Embedder.from_settings(settings)
    config = index_config(settings, embedder)

    with BuildLock(index_dir):
        old: Store | None = None
        if not rebuild:
            try:
                live = live_version(index_dir)
                if live is not None:
                    check_config(live[1], config, index_dir)
                    old = Store(*live)
                    old_vectors = old.vectors()  # a damaged vectors.npy means a full rebuild too
            except (IndexMismatchError, IndexCorruptError) as exc:
                log.warning("%s Rebuilding the whole index.", exc)
                old = None
        old_hashes: dict[str, str] = {} if old is None else old.manifest.get("sources", {})
        # Files that could not be read last time: [hash, reason, size limit]. Not retried
        # until they or the limit change, so an unchanged folder loads no model.
        old_bad: dict[str, list] = {} if old is None else old.manifest.get("unreadable", {})

        skipped = list(found.skipped)
        hashes: dict[str, str] = {}
        unreadable: dict[str, list] = {}
        for sid, path in found.files:
            rel = path.relative_to(source_dir).as_posix()
            try:
                digest = documents.file_hash(path)
            except documents.UnreadableFile as exc:
                skipped.append(documents.Skipped(rel, str(exc)))
                continue
            if old_bad.get(sid, [None])[0] == digest and old_bad[sid][2:] == [settings.max_file_mb]:
                skipped.append(documents.Skipped(rel, old_bad[sid][1]))
                unreadable[sid] = old_bad[sid]
                continue
            hashes[sid] = digest
        unchanged = [s for s in hashes if old_hashes.get(s) == hashes[s]]
        todo = [s for s in hashes if old_hashes.get(s) != hashes[s]]
        removed = [s for s in old_hashes if s not in hashes]
        paths = dict(found.files)

        def stats(added: int, changed: int, chunks: int, embedded: int) -> IndexStats:
            return IndexStats(
                str(index_dir), added, changed, len(removed), len(unchanged), len(skipped), chunks, embedded,
                time.perf_counter() - t0, tuple((s.path, s.reason) for s in skipped), found.ignored,
            )  # fmt: skip

        if old is not None and not (todo or removed):
            return stats(0, 0, len(old), 0)

        from tqdm import tqdm

        sizes = {s: _size(paths[s]) for s in todo}
        bar = tqdm(
            total=sum(sizes.values()),
            unit="B", unit_scale=True, desc="indexing", disable=not progress, smoothing=0.05,
        )  # fmt: skip
        added = changed = embedded = 0
        indexed: dict[str, str] = {}
        with VersionWriter(index_dir, int(old.manifest["embed_dim"]) if old is not None else None) as writer:
            reuse: dict[str, int] = {}
            if old is not None:
                for i, digest in enumerate(old.chunk_hashes()):
                    reuse.setdefault(digest, i)
                keep = set(unchanged)
                rows = sorted(r for sid, rs in old.rows_of_sources().items() if sid in keep for r in rs)
                for i in range(0, len(rows), COPY_BATCH):
                    block = rows[i : i + COPY_BATCH]
                    writer.add_chunks(old.chunks(block), np.asarray(old_vectors[block]))
                writer.copy_sources(old, unchanged)
                indexed.update((s, hashes[s]) for s in unchanged)
            pending: list[ChunkRecord] = []

            def flush() -> None:
                nonlocal embedded
                if not pending:
                    return
                new = list({c.hash: c for c in pending if c.hash not in reuse}.values())
                vecs = embedder.encode([embed_input(c.title, c.text) for c in new])
                by_hash = {c.hash: vecs[i] for i, c in enumerate(new)}
                kept = {c.hash: reuse[c.hash] for c in pending if c.hash not in by_hash}
                if kept:
                    rows = sorted(set(kept.values()))
                    at = {r: k for k, r in enumerate(rows)}
                    vectors = np.asarray(old_vectors[rows])
                    by_hash.update((h, vectors[at[r]]) for h, r in kept.items())
                matrix = np.stack([by_hash[c.hash] for c in pending])
                writer.add_chunks(pending, matrix)
                embedded += len(new)
                pending.clear()

            for sid in sorted(todo):
                rel = paths[sid].relative_to(source_dir).as_posix()
                first_row = writer.count + len(pending)
                try:
                    doc = documents.load(sid, paths[sid], source_dir, settings.max_file_mb, hashes[sid])
                    writer.add_source(SourceInfo(sid, doc.path, doc.title, doc.content_hash))
                    n = 0
                    for record in chunk_document(doc, settings, embedder, _recorded(doc, writer)):
                        pending.append(record)
                        n += 1
                        if len(pending) >= EMBED_BATCH:
                            flush()
                    if n == 0:
                        raise documents.UnreadableFile("no text found")
                except documents.UnreadableFile as exc:
                    # Part of a large file may be written already: take it out again.
                    del pending[max(0, first_row - writer.count) :]
                    if writer.count > first_row:
                        writer.truncate(first_row)
                    writer.drop_source(sid)
                    skipped.append(documents.Skipped(rel, str(exc)))
                    unreadable[sid] = [hashes[sid], str(exc), settings.max_file_mb]
                    continue
                finally:
                    bar.update(sizes[sid])
                indexed[sid] = hashes[sid]
                added, changed = (added + 1, changed) if sid not in old_hashes else (added, changed + 1)
            flush()
            bar.close()
            if not indexed:
                raise SourceError(
                    f"Nothing to index in {source_dir}: no readable .txt, .md, .html or .pdf file"
                    + (f" ({len(skipped)} skipped: {_skip_list(skipped)})" if skipped else "")
                    + ". Put articles there or point --source at them."
                )
            manifest = dict(
                config,
                built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                source_dir=str(source_dir.resolve()),
                sources=dict(sorted(indexed.items())),
                unreadable=unreadable,
            )
            count = writer.count
            writer.commit(manifest, settings.index_factory)
        return stats(added, changed, count, embedded)


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
