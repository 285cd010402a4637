"""One suite, every store: the folder store and Qdrant (local mode in memory; a server when $QDRANT_URL is set).

Build, incremental update, deletion, hybrid search, the configuration check,
and a build that stops half-way leaving the live index usable, through the
public API (`rag.build_index`, `rag.search`) with only `Settings.store`
telling the stores apart. Then what only Qdrant has: its location forms,
alias switching, cleaning up after a killed update, and scores equal to the
folder store's.
"""

from __future__ import annotations

import os
import uuid

import numpy as np
import pytest

import rag
from rag.errors import IndexMismatchError, IndexNotFoundError, StoreLocationError
from rag.pipeline import get_retriever
from rag.settings import Settings
from rag.store import store_location

from .conftest import FakeEmbedder

QDRANT_URL = os.environ.get("QDRANT_URL", "").rstrip("/")
BACKENDS = [
    "folder",
    "qdrant-memory",
    pytest.param(
        "qdrant-server",
        marks=[
            pytest.mark.server,
            pytest.mark.skipif(not QDRANT_URL, reason="set QDRANT_URL=http://HOST:6333 to run against a Qdrant server"),
        ],
    ),
]


def _store(kind: str, tmp_path) -> str:
    name = f"rag-test-{uuid.uuid4().hex[:8]}"
    if kind == "folder":
        return ""
    if kind == "qdrant-memory":
        return f"qdrant+memory://{name}"
    scheme, _, host = QDRANT_URL.partition("://")
    return f"qdrant+{scheme}://{host}/{name}"


@pytest.fixture(params=BACKENDS)
def store_settings(request, settings, tmp_path):
    s = settings.replace(store=_store(request.param, tmp_path))
    yield s
    if request.param == "qdrant-server":  # leave the server as it was
        conn = store_location(s).connect()
        for c in conn.client.get_collections().collections:
            if c.name.startswith(store_location(s).name):
                conn.client.delete_collection(c.name)


def _search(settings: Settings, embedder, query: str, k: int = 5):
    return rag.search(query, k=k, settings=settings, embedder=embedder)


def test_build_round_trip_offsets_and_manifest(store_settings, embedder) -> None:
    stats = rag.build_index(settings=store_settings, embedder=embedder)
    assert (stats.added, stats.skipped, stats.chunks) == (3, 0, 3)
    hits = _search(store_settings, embedder, "Starlink satellite internet", k=3)
    assert hits[0].source_id == "space/starlink"
    store = get_retriever(store_settings, embedder).store
    for h in hits:
        assert store.source(h.source_id).text[h.start : h.end] == h.text
    m = store.manifest
    assert (m.embed_model, m.embed_dim, m.chunking["chunk_tokens"], m.count) == ("fake-embedder", 64, 40, 3)
    assert set(m.sources) == {"lithium", "space/starlink", "summit"} == set(store.source_ids())
    assert len(store) == 3 and sorted(store.chunk_hashes()) == sorted(c.hash for c in store.chunks(hits_rows(store)))


def hits_rows(store) -> list[int]:
    return [r for rows in store.rows_of_sources().values() for r in rows]


def test_unchanged_run_embeds_nothing(store_settings, embedder) -> None:
    rag.build_index(settings=store_settings, embedder=embedder)
    embedder.forbid = True
    stats = rag.build_index(settings=store_settings, embedder=embedder)
    assert (stats.unchanged, stats.embedded_chunks, stats.added, stats.changed, stats.chunks) == (3, 0, 0, 0, 3)


def test_incremental_update_and_delete(store_settings, embedder, corpus) -> None:
    rag.build_index(settings=store_settings, embedder=embedder)
    embedder.encoded.clear()
    (corpus / "summit.txt").write_text("The summit in Hamburg\n\nThe ceremony moved to Berlin in July.")
    (corpus / "lithium.md").unlink()
    (corpus / "new.txt").write_text("Copper mines\n\nChile exports copper to China.")
    stats = rag.build_index(settings=store_settings, embedder=embedder)
    assert (stats.added, stats.changed, stats.removed, stats.unchanged, stats.chunks) == (1, 1, 1, 1, 3)
    assert all("Starlink" not in t for t in embedder.encoded), "an unchanged file was re-embedded"
    assert _search(store_settings, embedder, "copper exports Chile")[0].source_id == "new"
    assert all(h.source_id != "lithium" for h in _search(store_settings, embedder, "lithium deposits", k=10))
    store = get_retriever(store_settings, embedder).store
    assert sorted(store.rows_of_sources()) == ["new", "space/starlink", "summit"]
    assert "Berlin" in store.source("summit").text and store.source("lithium") is None
    summit = _search(store_settings, embedder, "ceremony Berlin", k=1)[0]
    assert summit.source_id == "summit" and "Berlin" in summit.text
    assert store.source("summit").text[summit.start : summit.end] == summit.text


def test_hybrid_search_finds_exact_terms_dense_misses(store_settings, embedder) -> None:
    rag.build_index(settings=store_settings, embedder=embedder)
    hits = _search(store_settings, embedder, "Hayek", k=2)
    assert hits[0].source_id == "summit"
    assert hits == sorted(hits, key=lambda h: -h.score)
    store = get_retriever(store_settings, embedder).store
    rows, scores = store.sparse_search("Hayek medal", 5)
    assert len(rows) == 1 and scores[0] > 0 and store.chunks(rows)[0].source_id == "summit"
    assert store.idf("hayek") > store.idf("argentina") > 0
    assert store.idf("neverseen") == pytest.approx(np.log(1 + (3 + 0.5) / 0.5))


def test_missing_index_says_run_rag_index(store_settings, embedder) -> None:
    with pytest.raises(IndexNotFoundError, match="rag index"):
        _search(store_settings, embedder, "anything")


def test_mismatched_configuration_is_refused_with_the_fix(store_settings, embedder) -> None:
    rag.build_index(settings=store_settings, embedder=embedder)
    with pytest.raises(IndexMismatchError, match="rag index --rebuild"):
        _search(store_settings.replace(chunk_tokens=99), embedder, "Starlink")
    # A build with the new configuration rebuilds everything, and searches work again.
    stats = rag.build_index(settings=store_settings.replace(chunk_tokens=99), embedder=embedder)
    assert stats.added == 3 and _search(store_settings.replace(chunk_tokens=99), embedder, "Starlink")


class Crashing(FakeEmbedder):
    def encode(self, texts, progress=False):
        raise RuntimeError("crash mid-embedding")


@pytest.mark.parametrize("rebuild", [False, True], ids=["update", "rebuild"])
def test_interrupted_build_leaves_the_live_index_usable(store_settings, embedder, corpus, rebuild) -> None:
    rag.build_index(settings=store_settings, embedder=embedder)
    before = [(h.chunk_id, h.score) for h in _search(store_settings, embedder, "Starlink Argentina")]
    (corpus / "more.txt").write_text("Another article\n\nWith new text about rockets and Starlink.")
    (corpus / "summit.txt").write_text("The summit in Hamburg\n\nThe ceremony moved to Berlin in July.")
    with pytest.raises(RuntimeError, match="crash mid-embedding"):
        rag.build_index(settings=store_settings, embedder=Crashing(), rebuild=rebuild)
    assert [(h.chunk_id, h.score) for h in _search(store_settings, embedder, "Starlink Argentina")] == before
    store = get_retriever(store_settings, embedder).store
    assert len(store) == 3 and sorted(store.rows_of_sources()) == ["lithium", "space/starlink", "summit"]
    assert "Hayek" in store.source("summit").text
    stats = rag.build_index(settings=store_settings, embedder=embedder)
    assert (stats.added, stats.changed, stats.chunks) == (1, 1, 4)


def test_a_file_failing_part_way_leaves_no_rows_behind(store_settings, embedder, corpus) -> None:
    (corpus / "empty.txt").write_text("   \n\n  ")
    stats = rag.build_index(settings=store_settings, embedder=embedder)
    assert stats.skipped == 1 and stats.chunks == 3
    store = get_retriever(store_settings, embedder).store
    assert "empty" not in store.rows_of_sources() and store.source("empty") is None


# ---------------------------------------------------------------- Qdrant only


def test_qdrant_scores_equal_the_folder_store(settings, embedder) -> None:
    """Same chunks, same vectors: dense scores, BM25 scores and idf agree with the folder store's."""
    rag.build_index(settings=settings, embedder=embedder)
    q = settings.replace(store=f"qdrant+memory://eq-{uuid.uuid4().hex[:8]}")
    rag.build_index(settings=q, embedder=embedder)
    folder, qdrant = get_retriever(settings, embedder).store, get_retriever(q, embedder).store
    for query in ["Starlink satellite internet Argentina", "lithium battery supply", "Hayek medal Hamburg June"]:
        vector = embedder.encode([query])[0]
        for search in ("dense_search", "sparse_search"):
            a_rows, a_scores = getattr(folder, search)(vector if search == "dense_search" else query, 10)
            b_rows, b_scores = getattr(qdrant, search)(vector if search == "dense_search" else query, 10)
            a = {c.chunk_id: s for c, s in zip(folder.chunks(a_rows), a_scores, strict=True)}
            b = {c.chunk_id: s for c, s in zip(qdrant.chunks(b_rows), b_scores, strict=True)}
            assert a.keys() == b.keys(), (search, query)
            assert np.allclose([a[k] for k in a], [b[k] for k in a], rtol=1e-5, atol=1e-6), (search, query)
    for term in ["argentina", "starlink", "hayek", "lithium", "neverseen"]:
        assert qdrant.idf(term) == pytest.approx(folder.idf(term), rel=1e-5)


def test_qdrant_rebuild_moves_the_alias_and_drops_the_old_collection(settings, embedder) -> None:
    s = settings.replace(store=f"qdrant+memory://alias-{uuid.uuid4().hex[:8]}")
    where = store_location(s)
    rag.build_index(settings=s, embedder=embedder)
    version = where.version()
    client = where.connect().client
    first = [a.collection_name for a in client.get_aliases().aliases if a.alias_name == where.name]
    rag.build_index(settings=s, embedder=embedder, rebuild=True)
    second = [a.collection_name for a in client.get_aliases().aliases if a.alias_name == where.name]
    assert first != second and len(second) == 1 and where.version() != version
    assert not client.collection_exists(first[0])
    assert _search(s, embedder, "Starlink")[0].source_id == "space/starlink"


def test_qdrant_rebuild_leaves_another_index_with_a_longer_name_alone(settings, embedder) -> None:
    name = f"news-{uuid.uuid4().hex[:8]}"
    s, other = (settings.replace(store=f"qdrant+memory://{n}") for n in (name, f"{name}-v2"))
    rag.build_index(settings=other, embedder=embedder)
    rag.build_index(settings=s, embedder=embedder)
    rag.build_index(settings=s, embedder=embedder, rebuild=True)
    assert _search(other, embedder, "Starlink")[0].source_id == "space/starlink"


def test_qdrant_update_killed_half_way_is_cleaned_up_by_the_next(settings, embedder, corpus) -> None:
    """A writer that never commits nor aborts (the process was killed) leaves points the next build removes."""
    from rag.index.build import chunk_document
    from rag.store import SourceInfo

    s = settings.replace(store=f"qdrant+memory://killed-{uuid.uuid4().hex[:8]}")
    rag.build_index(settings=s, embedder=embedder)
    where = store_location(s)
    (corpus / "summit.txt").write_text("The summit in Hamburg\n\nThe ceremony moved to Berlin in July.")
    from rag.ingest import documents

    doc = documents.load("summit", corpus / "summit.txt", corpus, 10.0)
    writer = where.writer(where.live(), 64)
    writer.add_source(SourceInfo("summit", doc.path, doc.title, doc.content_hash))
    chunks = list(chunk_document(doc, s, embedder))
    writer.add_chunks(chunks, embedder.encode([c.text for c in chunks]))
    writer._flush_parts()  # noqa: SLF001 - the state a kill leaves: points written, no commit, no abort
    client = where.connect().client
    assert client.count(where.name).count > 3 + 3 + 1  # leftovers beside the live points
    (corpus / "summit.txt").write_text("The summit in Hamburg\n\nThe Hayek medal ceremony will take place on June 22.")
    rag.build_index(settings=s, embedder=embedder)
    store = get_retriever(s, embedder).store
    assert all("Berlin" not in c.text for c in store.chunks(hits_rows(store)))
    assert len(store) == 3 and client.count(where.name).count == 3 * 2 + 1  # a chunk and a text part per file; meta


def test_store_locations_parse_or_say_the_forms() -> None:
    def where(text: str):
        return store_location(Settings(store=text))

    http = where("qdrant+http://db.example:6333/news?shards=6&replicas=2")
    assert (http.kind, http.target, http.name, http.options) == (
        "http", "http://db.example:6333", "news", {"shards": "6", "replicas": "2"}
    )  # fmt: skip
    assert (where("qdrant+path:///var/rag/q/news").target, where("qdrant+path:///var/rag/q/news").name) == (
        "/var/rag/q", "news"
    )  # fmt: skip
    assert where("qdrant+memory://news").kind == "memory" and where("").label == "index"
    for bad in ["qdrant://h/news", "qdrant+http://h:6333/", "qdrant+http:///news", "qdrant+memory://a b", "http://x/y"]:
        with pytest.raises(StoreLocationError, match="qdrant\\+http://HOST:6333/NAME|no server"):
            where(bad)
    for bad in ["qdrant+http://h:6333/news?shard=2", "qdrant+http://h:6333/news?replicas=0"]:
        with pytest.raises(StoreLocationError, match="unknown option 'shard'|replicas='0' should be"):
            where(bad)


def test_an_unreachable_server_is_named_with_the_fix(settings, embedder) -> None:
    s = settings.replace(store="qdrant+http://127.0.0.1:9/news")  # the discard port: nothing answers
    with pytest.raises(StoreLocationError, match="Cannot reach Qdrant at http://127.0.0.1:9.*start the server"):
        _search(s, embedder, "Starlink")


def test_cli_index_and_search_take_store(settings, embedder, corpus) -> None:
    from click.testing import CliRunner

    from rag.serve.cli import cli

    store = f"qdrant+memory://cli-{uuid.uuid4().hex[:8]}"
    env = {"RAG_CHUNK_TOKENS": "40", "RAG_CHUNK_OVERLAP": "8"}
    out = CliRunner().invoke(
        cli, ["index", "--source", str(corpus), "--store", store], obj={"embedder": embedder}, env=env
    )
    assert out.exit_code == 0, out.output
    assert store in out.output
    out = CliRunner().invoke(cli, ["search", "Hayek", "--store", store], obj={"embedder": embedder}, env=env)
    assert out.exit_code == 0 and "summit" in out.output, out.output
    out = CliRunner().invoke(
        cli, ["search", "Hayek", "--store", "qdrant+memory://nothing-here"], obj={"embedder": embedder}
    )
    assert out.exit_code == 1 and "rag index --store qdrant+memory://nothing-here" in out.output


def test_copy_from_a_folder_index_then_update_without_embedding(settings, embedder, corpus) -> None:
    from click.testing import CliRunner

    from rag.serve.cli import cli

    rag.build_index(settings=settings, embedder=embedder)
    store = f"qdrant+memory://copy-{uuid.uuid4().hex[:8]}"
    out = CliRunner().invoke(cli, ["index", "--store", store, "--copy-from", str(settings.index_dir)])
    assert out.exit_code == 0 and "3 chunks, 3 sources" in out.output, out.output
    q = settings.replace(store=store)
    folder_hits = [(h.chunk_id, round(h.score, 5)) for h in _search(settings, embedder, "Starlink Argentina lithium")]
    assert [(h.chunk_id, round(h.score, 5)) for h in _search(q, embedder, "Starlink Argentina lithium")] == folder_hits
    embedder.forbid = True  # the copy kept the vectors and the manifest: nothing to embed
    assert rag.build_index(settings=q, embedder=embedder).unchanged == 3
    (corpus / "lithium.md").unlink()
    assert rag.build_index(settings=q, embedder=embedder).removed == 1
    out = CliRunner().invoke(cli, ["index", "--copy-from", str(settings.index_dir)], env={"RAG_STORE": ""})
    assert out.exit_code == 1 and "--copy-from copies into Qdrant" in out.output


# ---------------------------------------------------------------- metadata and filters

DATED = {
    # Three outlets; the question's words are strongest in the Daily Planet's articles.
    "planet1.txt": "Harbour bridge reopens\n\nBy Daily Planet, published 2023-10-02.\n\n"
    "The harbour bridge reopened after repairs to the harbour bridge cables.",
    "planet2.txt": "Harbour bridge tolls\n\nBy Daily Planet, published 2023-11-20.\n\n"
    "Tolls on the harbour bridge rise in the new year, the harbour bridge authority said.",
    "courier.md": "---\ntitle: Ferry timetable changes\noutlet: The Courier | City News\n"
    "date: 2023-12-05\n---\n\nThe ferry timetable changes as the harbour bridge works end.",
    "undated.txt": "Notes on the harbour\n\nA walk along the harbour bridge at dawn.",
}


def _dated(corpus) -> None:
    for name, text in DATED.items():
        (corpus / name).write_text(text, encoding="utf-8")


def test_sources_list_title_outlet_and_date(store_settings, embedder, corpus) -> None:
    _dated(corpus)
    rag.build_index(settings=store_settings, embedder=embedder)
    found = {s.source_id: s for s in rag.sources(settings=store_settings)}
    assert (found["planet2"].outlet, found["planet2"].date, found["planet2"].chunks) == (
        "Daily Planet",
        "2023-11-20",
        1,
    )
    assert (found["courier"].title, found["courier"].outlet) == ("Ferry timetable changes", "The Courier | City News")
    assert (found["undated"].outlet, found["undated"].date, found["undated"].title) == ("", "", "Notes on the harbour")
    assert [s.source_id for s in rag.sources(settings=store_settings, outlet="daily planet")] == ["planet1", "planet2"]
    text = get_retriever(store_settings, embedder).store.source("courier").text  # front matter is metadata, not text
    assert text.startswith("The ferry timetable changes") and "outlet:" not in text


def test_filters_apply_inside_the_search(store_settings, embedder, corpus) -> None:
    _dated(corpus)
    rag.build_index(settings=store_settings, embedder=embedder)
    query = "harbour bridge"
    # k=1: a filter applied after the top k would leave nothing; inside the search it finds the Courier.
    assert _search(store_settings, embedder, query, k=1)[0].source_id != "courier"
    hits = rag.search(query, k=1, settings=store_settings, embedder=embedder, outlet=["THE COURIER"])
    assert [h.source_id for h in hits] == ["courier"]  # by the name before its tag line, in any case
    since = rag.search(query, k=10, settings=store_settings, embedder=embedder, since="2023-11")
    assert {h.source_id for h in since} == {"planet2", "courier"}  # the undated one is left out
    until = rag.search(query, k=10, settings=store_settings, embedder=embedder, until="2023-10-02")
    assert {h.source_id for h in until} == {"planet1"}
    both = rag.search(query, k=10, settings=store_settings, embedder=embedder, since="2023", outlet="Daily Planet")
    assert {h.source_id for h in both} == {"planet1", "planet2"}
    assert rag.search(query, k=10, settings=store_settings, embedder=embedder, outlet="Nobody") == []
    store = get_retriever(store_settings, embedder).store
    from rag.filters import make_filter

    rows, _ = store.sparse_search(query, 10, make_filter(outlet="the courier | city news"))
    assert {c.source_id for c in store.chunks(rows)} == {"courier"}


def test_an_update_keeps_and_renews_metadata(store_settings, embedder, corpus) -> None:
    _dated(corpus)
    rag.build_index(settings=store_settings, embedder=embedder)
    (corpus / "planet1.txt").write_text(DATED["planet1.txt"].replace("2023-10-02", "2024-01-09"), encoding="utf-8")
    rag.build_index(settings=store_settings, embedder=embedder)
    found = {s.source_id: s for s in rag.sources(settings=store_settings)}
    assert found["planet1"].date == "2024-01-09" and found["planet2"].date == "2023-11-20"  # changed; kept
    hits = rag.search("harbour bridge", k=10, settings=store_settings, embedder=embedder, since="2024")
    assert {h.source_id for h in hits} == {"planet1"}


def test_bad_filters_say_the_accepted_forms(store_settings, embedder) -> None:
    from rag.errors import FilterError

    rag.build_index(settings=store_settings, embedder=embedder)
    for bad in ("2023-13", "last week", "2023-02-30"):
        with pytest.raises(FilterError, match="YYYY-MM-DD, YYYY-MM or YYYY"):
            rag.search("bridge", settings=store_settings, embedder=embedder, since=bad)
    with pytest.raises(FilterError, match="after --until"):
        rag.search("bridge", settings=store_settings, embedder=embedder, since="2024", until="2023")


def test_copy_into_qdrant_keeps_metadata(settings, embedder, corpus) -> None:
    from rag.store.copy import copy_index

    _dated(corpus)
    rag.build_index(settings=settings, embedder=embedder)
    q = settings.replace(store=f"qdrant+memory://meta-{uuid.uuid4().hex[:8]}")
    copy_index(settings.index_dir, q)
    assert rag.sources(settings=q) == rag.sources(settings=settings)
    hits = rag.search("harbour bridge", k=10, settings=q, embedder=embedder, outlet="the courier")
    assert [h.source_id for h in hits] == ["courier"]


def test_a_filter_over_an_ivf_index_searches_the_allowed_chunks_exactly(settings, embedder, corpus) -> None:
    _dated(corpus)
    exact, ivf = settings, settings.replace(index_dir=settings.index_dir.parent / "ivf", index_factory="IVF2,Flat")
    for s in (exact, ivf):
        rag.build_index(settings=s, embedder=embedder)
    assert get_retriever(ivf, embedder).store.manifest.index_factory == "IVF2,Flat"
    assert get_retriever(exact, embedder).store.manifest.index_factory == "Flat"  # what "auto" built
    for kw in ({"outlet": "daily planet"}, {"since": "2023-11"}, {"until": "2023-12-05", "outlet": "The Courier"}):
        want = [
            (h.chunk_id, round(h.score, 4))
            for h in rag.search("harbour bridge", settings=exact, embedder=embedder, **kw)
        ]
        have = [
            (h.chunk_id, round(h.score, 4)) for h in rag.search("harbour bridge", settings=ivf, embedder=embedder, **kw)
        ]
        assert have == want and want, kw
