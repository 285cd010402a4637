"""The index on disk: round trip, incremental updates, configuration checks, safety."""

from __future__ import annotations

import json

import pytest

import rag
from rag.errors import IndexCorruptError, IndexLockedError, IndexMismatchError, IndexNotFoundError
from rag.store import BuildLock, FolderWriter, Manifest, live_version, open_store

from .conftest import FakeEmbedder


def test_round_trip_offsets_and_search(settings, embedder, corpus) -> None:
    stats = rag.build_index(settings=settings, embedder=embedder)
    assert (stats.added, stats.chunks > 0, stats.skipped) == (3, True, 0)
    hits = rag.search("Starlink satellite internet", k=3, settings=settings, embedder=embedder)
    assert hits[0].source_id == "space/starlink"
    store = open_store(settings.index_dir)
    for h in hits:
        assert store.source(h.source_id).text[h.start : h.end] == h.text
    folder, manifest = live_version(settings.index_dir)
    assert manifest["embed_model"] == "fake-embedder"
    assert manifest["embed_dim"] == 64
    assert manifest["chunking"]["chunk_tokens"] == 40
    assert set(manifest["sources"]) == {"lithium", "space/starlink", "summit"}
    assert store.manifest == Manifest.from_json(manifest) and store.manifest.embed_dim == 64


def test_unchanged_run_embeds_nothing(settings, embedder) -> None:
    rag.build_index(settings=settings, embedder=embedder)
    embedder.forbid = True  # any call to encode now fails the test
    stats = rag.build_index(settings=settings, embedder=embedder)
    assert (stats.unchanged, stats.embedded_chunks, stats.added, stats.changed) == (3, 0, 0, 0)


def test_incremental_update_embeds_only_changed_and_added(settings, embedder, corpus) -> None:
    rag.build_index(settings=settings, embedder=embedder)
    embedder.encoded.clear()
    (corpus / "summit.txt").write_text("The summit in Hamburg\n\nThe ceremony moved to Berlin in July.")
    (corpus / "lithium.md").unlink()
    (corpus / "new.txt").write_text("Copper mines\n\nChile exports copper to China.")
    stats = rag.build_index(settings=settings, embedder=embedder)
    assert (stats.added, stats.changed, stats.removed, stats.unchanged) == (1, 1, 1, 1)
    assert all("Starlink" not in t for t in embedder.encoded), "unchanged file was re-embedded"
    assert any("Berlin" in t for t in embedder.encoded)
    hits = rag.search("copper exports Chile", k=5, settings=settings, embedder=embedder)
    assert hits[0].source_id == "new"
    assert all(
        h.source_id != "lithium" for h in rag.search("lithium deposits", k=10, settings=settings, embedder=embedder)
    )
    # Only one version stays on disk.
    assert len([p for p in settings.index_dir.iterdir() if p.name.startswith("v-")]) == 1


def test_missing_index_says_run_rag_index(settings, embedder) -> None:
    with pytest.raises(IndexNotFoundError, match="rag index"):
        rag.search("anything", settings=settings, embedder=embedder)


def test_mismatched_chunking_is_refused_with_the_fix(settings, embedder) -> None:
    rag.build_index(settings=settings, embedder=embedder)
    with pytest.raises(IndexMismatchError, match="rag index --rebuild"):
        rag.search("Starlink", settings=settings.replace(chunk_tokens=99), embedder=embedder)


def test_edited_manifest_is_detected(settings, embedder) -> None:
    rag.build_index(settings=settings, embedder=embedder)
    folder, _ = live_version(settings.index_dir)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["count"] = 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match="--rebuild"):
        open_store(settings.index_dir)


def test_truncated_faiss_file_is_detected(settings, embedder) -> None:
    rag.build_index(settings=settings, embedder=embedder)
    folder, _ = live_version(settings.index_dir)
    data = (folder / "dense.faiss").read_bytes()
    (folder / "dense.faiss").write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorruptError, match="--rebuild"):
        open_store(settings.index_dir)


def test_second_build_is_refused_while_one_runs(settings, embedder) -> None:
    rag.build_index(settings=settings, embedder=embedder)
    with BuildLock(settings.index_dir), pytest.raises(IndexLockedError, match="wait"):
        rag.build_index(settings=settings, embedder=embedder)
    assert rag.search("Starlink", settings=settings, embedder=embedder)


def test_failed_build_leaves_previous_index_live(settings, embedder, corpus) -> None:
    rag.build_index(settings=settings, embedder=embedder)
    before = [h.chunk_id for h in rag.search("Starlink", settings=settings, embedder=embedder)]
    (corpus / "more.txt").write_text("Another article\n\nWith new text about rockets.")

    class Crashing(FakeEmbedder):
        def encode(self, texts, progress=False):
            raise RuntimeError("crash mid-embedding")

    with pytest.raises(RuntimeError, match="crash mid-embedding"):
        rag.build_index(settings=settings, embedder=Crashing())
    assert [h.chunk_id for h in rag.search("Starlink", settings=settings, embedder=embedder)] == before
    assert not [p for p in settings.index_dir.iterdir() if p.name.startswith(".tmp")]


def test_hybrid_search_finds_exact_terms_dense_misses(settings, embedder) -> None:
    rag.build_index(settings=settings, embedder=embedder)
    hits = rag.search("Hayek", k=2, settings=settings, embedder=embedder)
    assert hits[0].source_id == "summit"
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_large_file_is_indexed_from_blocks_with_exact_offsets(settings, embedder, corpus, monkeypatch) -> None:
    from rag.ingest import documents

    monkeypatch.setattr(documents, "STREAM_BYTES", 2048)
    monkeypatch.setattr(documents, "BLOCK_BYTES", 100)
    text = "Copper report\n\n" + "".join(
        f"Mine {i} in Chile shipped {i * 7} tonnes of copper to China. " for i in range(400)
    )
    (corpus / "copper.txt").write_text(text)
    stats = rag.build_index(settings=settings, embedder=embedder)
    assert stats.added == 4
    store = open_store(settings.index_dir)
    assert store.source("copper").text == text
    chunks = store.chunks(store.rows_of_sources()["copper"])
    assert len(chunks) > 20
    covered = set()
    for c in chunks:
        assert text[c.start : c.end] == c.text
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    assert rag.search("Mine 377 shipped tonnes", k=1, settings=settings, embedder=embedder)[0].source_id == "copper"


def test_a_file_failing_part_way_leaves_no_rows_behind(settings, embedder, corpus, monkeypatch) -> None:
    """A large file whose reading fails after some chunks were written is taken out whole."""
    from rag.ingest import documents

    settings = settings.replace(build_batch=8)
    real_blocks = documents.Document.blocks

    def failing(self):
        for i, block in enumerate(real_blocks(self)):
            if self.source_id == "bad" and i == 80:
                raise documents.UnreadableFile("cannot read: Input/output error")
            yield block

    monkeypatch.setattr(documents.Document, "blocks", failing)
    monkeypatch.setattr(documents, "STREAM_BYTES", 2048)
    monkeypatch.setattr(documents, "BLOCK_BYTES", 4096)
    # Fails ~330k characters in: past the first window of chunk_stream (2 * STREAM_TAIL_CHARS),
    # so some of its chunks are written already and some wait in the batch.
    (corpus / "bad.txt").write_text("Bad\n\n" + "Zinc prices fell sharply in Peru this week. " * 8000)
    written: list[int] = []
    real_truncate = FolderWriter.truncate
    monkeypatch.setattr(FolderWriter, "truncate", lambda self, n: written.append(self.count) or real_truncate(self, n))
    stats = rag.build_index(settings=settings, embedder=embedder)
    assert stats.added == 3 and dict(stats.skipped_files)["bad.txt"] == "cannot read: Input/output error"
    assert written and written[0] > 100, "the file failed before any of its chunks was written"
    store = open_store(settings.index_dir)
    assert "bad" not in store.source_ids() and "bad" not in store.rows_of_sources()
    # open_store checked that the dense index and BM25 hold as many rows as the manifest says.
    assert len(store) == len(store.chunk_hashes()) == sum(map(len, store.rows_of_sources().values()))
    assert all(h.source_id != "bad" for h in rag.search("zinc prices Peru", k=10, settings=settings, embedder=embedder))


def test_manifest_json_is_what_the_typed_manifest_writes_back(settings, embedder, corpus) -> None:
    """manifest.json keeps its keys and values: an index built before the Manifest type still reads the same."""
    (corpus / "empty.txt").write_bytes(b"")
    rag.build_index(settings=settings, embedder=embedder)
    folder, data = live_version(settings.index_dir)
    assert set(data) == {
        "built_at", "chunking", "count", "crc32", "embed_dim", "embed_model", "files", "format", "index_factory",
        "source_dir", "sources", "unreadable",
    }  # fmt: skip
    assert data["unreadable"] == {"empty": [data["unreadable"]["empty"][0], "empty file", settings.max_file_mb]}
    assert Manifest.from_json(data).to_json() == data


def test_an_index_without_checksums_or_unreadable_files_still_opens(settings, embedder) -> None:
    """Versions written before checksums and unreadable records were kept have neither key."""
    import hashlib
    import json

    rag.build_index(settings=settings, embedder=embedder)
    folder, data = live_version(settings.index_dir)
    for key in ("crc32", "unreadable"):
        del data[key]
    body = json.dumps(data).encode()
    (folder / "manifest.json").write_bytes(body)
    (settings.index_dir / "CURRENT").write_text(f"{folder.name} {hashlib.sha256(body).hexdigest()}\n")
    assert open_store(settings.index_dir).manifest.crc32 == {}
    embedder.forbid = True
    stats = rag.build_index(settings=settings, embedder=embedder)
    assert (stats.unchanged, stats.added, stats.embedded_chunks) == (3, 0, 0)


def test_an_unreadable_file_is_not_read_again_until_it_or_the_limit_changes(settings, embedder, corpus) -> None:
    (corpus / "empty.txt").write_bytes(b"")
    rag.build_index(settings=settings, embedder=embedder)
    version = live_version(settings.index_dir)[0].name
    stats = rag.build_index(settings=settings, embedder=embedder)
    assert stats.skipped_files == (("empty.txt", "empty file"),)
    assert live_version(settings.index_dir)[0].name == version, "nothing changed, yet a new version was written"
    rag.build_index(settings=settings.replace(max_file_mb=5.0), embedder=embedder)
    assert live_version(settings.index_dir)[0].name != version, "a new size limit must retry the file"
