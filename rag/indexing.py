"""Building and incrementally updating the index of a source folder.

Covers: comparing the folder with the live index by content hash, chunking
added and changed files, embedding only chunks whose text is new (a chunk
that already has a vector keeps it), dropping deleted files, and writing a new
index version through the store. A run with nothing changed returns before
any model is loaded.

Does not search. The on-disk format, locking and atomic switch are in store.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np

from . import documents
from .chunking import chunk
from .embedding import Embedder
from .errors import IndexCorruptError, IndexMismatchError, SourceError
from .results import IndexStats
from .settings import Settings
from .store import BuildLock, ChunkRecord, SourceRecord, Store, check_config, chunk_hash, live_version, write_version

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


def chunk_document(doc: documents.Document, settings: Settings, embedder: Embedder) -> list[ChunkRecord]:
    title_tokens = min(embedder.count_tokens(doc.title), MAX_TITLE_TOKENS) + 1 if doc.title else 0
    budget = max(16, min(settings.chunk_tokens, embedder.max_tokens - title_tokens))
    spans = chunk(doc.text, budget, settings.chunk_overlap, embedder.count_tokens, embedder.split_tokens)
    return [
        ChunkRecord(
            chunk_id=f"{doc.source_id}#{i}",
            source_id=doc.source_id,
            start=s.start,
            end=s.end,
            title=doc.title,
            text=s.text,
            hash=chunk_hash(doc.title, s.text),
        )
        for i, s in enumerate(spans)
    ]


def _skip_list(skipped: list[documents.Skipped], shown: int = 10) -> str:
    listed = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:shown])
    return listed + (f"; and {len(skipped) - shown} more" if len(skipped) > shown else "")


def build_index(
    settings: Settings,
    rebuild: bool = False,
    progress: bool = False,
    embedder: Embedder | None = None,
) -> IndexStats:
    t0 = time.perf_counter()
    source_dir, index_dir = Path(settings.source_dir), Path(settings.index_dir)
    found = documents.scan(source_dir)
    embedder = embedder or Embedder(
        settings.embed_model, settings.embed_dtype, settings.embed_batch, settings.embed_workers
    )
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

        docs: dict[str, documents.Document] = {}
        skipped = list(found.skipped)
        for sid, path in found.files:
            try:
                docs[sid] = documents.load(sid, path, source_dir, settings.max_file_mb)
            except documents.UnreadableFile as exc:
                skipped.append(documents.Skipped(path.relative_to(source_dir).as_posix(), str(exc)))
        if not docs:
            raise SourceError(
                f"Nothing to index in {source_dir}: no readable .txt, .md, .html or .pdf file"
                + (f" ({len(skipped)} skipped: {_skip_list(skipped)})" if skipped else "")
                + ". Put articles there or point --source at them."
            )

        added = [s for s in docs if s not in old_hashes]
        changed = [s for s in docs if s in old_hashes and old_hashes[s] != docs[s].content_hash]
        removed = [s for s in old_hashes if s not in docs]
        unchanged = [s for s in docs if old_hashes.get(s) == docs[s].content_hash]
        skipped_pairs = tuple((s.path, s.reason) for s in skipped)

        def stats(chunks: int, embedded: int) -> IndexStats:
            return IndexStats(
                str(index_dir), len(added), len(changed), len(removed), len(unchanged), len(skipped),
                chunks, embedded, time.perf_counter() - t0, skipped_pairs, found.ignored,
            )  # fmt: skip

        if old is not None and not (added or changed or removed):
            return stats(len(old), 0)

        # Keep the rows of unchanged sources; chunk the rest.
        records: list[ChunkRecord] = []
        vectors: list[np.ndarray] = []
        reuse: dict[str, int] = {}
        if old is not None:
            keep = set(unchanged)
            rows = [r for sid, rs in old.rows_of_sources().items() if sid in keep for r in rs]
            records.extend(old.chunks(rows))
            if rows:
                vectors.append(np.asarray(old_vectors[rows]))
            for i, digest in enumerate(old.chunk_hashes()):
                reuse.setdefault(digest, i)
        fresh: list[ChunkRecord] = []
        for sid in sorted(added + changed):
            fresh.extend(chunk_document(docs[sid], settings, embedder))
        to_embed = [c for c in fresh if c.hash not in reuse]
        new_vecs = embedder.encode([embed_input(c.title, c.text) for c in to_embed], progress=progress)
        by_hash = {c.hash: new_vecs[i] for i, c in enumerate(to_embed)}
        if fresh:
            old_rows = [reuse[c.hash] for c in fresh if c.hash in reuse]
            reused = (
                dict(zip([c.hash for c in fresh if c.hash in reuse], old_vectors[old_rows], strict=True))
                if old_rows
                else {}
            )
            vectors.append(np.stack([by_hash[c.hash] if c.hash in by_hash else reused[c.hash] for c in fresh]))
            records.extend(fresh)
        matrix = np.concatenate(vectors) if vectors else np.zeros((0, embedder.dimension), np.float16)

        manifest = dict(
            config,
            embed_dim=int(matrix.shape[1]),
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            source_dir=str(source_dir.resolve()),
            sources={sid: d.content_hash for sid, d in sorted(docs.items())},
        )
        sources = (SourceRecord(d.source_id, d.path, d.title, d.content_hash, d.text) for _, d in sorted(docs.items()))
        write_version(index_dir, manifest, records, sources, matrix, settings.index_factory)
        return stats(len(records), len(to_embed))
