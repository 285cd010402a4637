"""The pure parts of scripts/bench.py and the store's index choice; no model is loaded."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.store.dense import EXACT_MAX_VECTORS, build_dense, choose_index_factory, tune_search
from scripts import bench

POOL = [
    "The council approved 12 new bus lines on Tuesday.",
    "Researchers measured 340 samples over three years.",
    "Prices rose by 4.5 percent in the second quarter.",
    "The minister said the plan would cost 2,000 million.",
]
TOPICS = ["water prices", "school meals"]


def test_same_seed_gives_the_same_corpus() -> None:
    a = bench.synth_corpus(20, 7, POOL, TOPICS)
    b = bench.synth_corpus(20, 7, POOL, TOPICS)
    assert a == b
    assert bench.synth_corpus(20, 8, POOL, TOPICS) != a


def test_an_article_does_not_depend_on_the_corpus_size() -> None:
    # So the 1k corpus is a prefix of the 10k one, and sizes compare like with like.
    assert bench.synth_corpus(5, 0, POOL, TOPICS) == bench.synth_corpus(50, 0, POOL, TOPICS)[:5]


def test_articles_look_like_news_and_vary_numbers() -> None:
    docs = bench.synth_corpus(50, 0, POOL, TOPICS)
    names = [n for n, _ in docs]
    assert len(set(names)) == 50 and all(n.endswith(".txt") for n in names)
    title, _, body = docs[0][1].partition("\n\n")
    assert title and "\n" not in title and body.count("\n\n") >= 2
    text = " ".join(t for _, t in docs)
    # Numbers are re-rolled with the same number of digits, so "340" rarely survives.
    assert text.count("340 samples") < text.count("samples")


def test_edit_corpus_changes_one_percent_of_files(tmp_path) -> None:
    docs = bench.synth_corpus(200, 0, POOL, TOPICS)
    bench.write_corpus(docs, tmp_path / "c")
    changed = bench.edit_corpus(tmp_path / "c", [n for n, _ in docs], 0.01, 0, TOPICS)
    assert len(changed) == 2
    after = {n: (tmp_path / "c" / n).read_text(encoding="utf-8") for n, _ in docs}
    assert sorted(n for n, t in docs if after[n] != t) == sorted(changed)


def test_recall_at_10_on_a_known_case() -> None:
    exact = np.array([list(range(10)), list(range(10, 20))])
    approx = np.array([[0, 1, 2, 3, 4, 5, 6, 7, 98, 99], [19, 18, 17, 16, 15, 14, 13, 12, 11, 10]])
    # Query 1 finds 8 of 10, query 2 all 10 in another order.
    assert bench.recall_at_k(approx, exact, 10) == pytest.approx(0.9)
    assert bench.recall_at_k(approx, exact, 5) == pytest.approx((5 / 5 + 0 / 5) / 2)
    # -1 means "no result" and never counts as a hit.
    assert bench.recall_at_k(np.full((1, 10), -1), np.full((1, 10), -1), 10) == 0.0


def test_choose_index_factory_is_exact_up_to_the_threshold_then_ivf() -> None:
    assert choose_index_factory(0) == "Flat"
    assert choose_index_factory(10_000) == "Flat"
    assert choose_index_factory(EXACT_MAX_VECTORS) == "Flat"
    above = choose_index_factory(EXACT_MAX_VECTORS + 1)
    assert above.startswith("IVF") and above.endswith(",SQ8")
    one_m = choose_index_factory(1_000_000)
    nlist = int(one_m[3:].split(",")[0])
    assert one_m.endswith(",SQ8") and nlist & (nlist - 1) == 0 and 2048 <= nlist <= 8192
    # Enough vectors to train every list (k-means wants ~39 per centroid).
    for n in (EXACT_MAX_VECTORS + 1, 1_000_000, 100_000_000):
        assert n >= 39 * int(choose_index_factory(n)[3:].split(",")[0])


def _unit(n: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_build_dense_auto_on_a_small_set_is_exact_and_finds_each_vector() -> None:
    x = _unit(500, 0)
    index = build_dense(x, "auto")
    assert index.ntotal == 500
    scores, rows = index.search(x[:5], 3)
    assert rows[:, 0].tolist() == [0, 1, 2, 3, 4]
    assert scores[:, 0] == pytest.approx(1.0, abs=1e-5)


def test_build_dense_of_an_ivf_factory_sets_a_useful_nprobe() -> None:
    import faiss

    x = _unit(3000, 1)
    index = build_dense(x, "IVF32,SQ8")
    ivf = faiss.extract_index_ivf(index)
    assert ivf.nprobe > 1  # faiss's default of 1 would miss most neighbours
    _, rows = index.search(x[:20], 1)
    assert (rows[:, 0] == np.arange(20)).mean() >= 0.95
    # A freshly read index gets the same search parameters from the store.
    restored = faiss.deserialize_index(faiss.serialize_index(index))
    faiss.extract_index_ivf(restored).nprobe = 1
    tune_search(restored)
    assert faiss.extract_index_ivf(restored).nprobe == ivf.nprobe


def test_build_dense_of_nothing_is_an_empty_index() -> None:
    assert build_dense(np.zeros((0, 384), np.float32), "auto").ntotal == 0


def test_synthetic_vectors_are_unit_and_near_their_parents() -> None:
    base = _unit(50, 2)
    v = bench.synth_vectors(400, base, 0.6, np.random.default_rng(0))
    assert np.linalg.norm(v, axis=1) == pytest.approx(1.0, abs=1e-5)
    best = (v @ base.T).max(axis=1)
    assert 0.8 < float(best.mean()) < 0.92  # 1 / sqrt(1 + 0.6^2) = 0.857
    assert np.array_equal(v, bench.synth_vectors(400, base, 0.6, np.random.default_rng(0)))


def test_interpolated_vectors_lie_between_a_vector_and_its_neighbours() -> None:
    base = _unit(50, 3)
    nb = bench.nearest(base, 3)
    assert nb.shape == (50, 3) and not (nb == np.arange(50)[:, None]).any()
    v = bench.synth_vectors(300, base, 0.0, np.random.default_rng(1), nb)
    assert np.linalg.norm(v, axis=1) == pytest.approx(1.0, abs=1e-5)
    # Without noise each vector is a normalised mix of two base vectors, so its two
    # largest components along the base (least squares) explain it exactly.
    coef, *_ = np.linalg.lstsq(base.T, v.T, rcond=None)
    top2 = np.sort(np.abs(coef), axis=0)[-2:].sum(axis=0)
    assert np.abs(coef).sum(axis=0) == pytest.approx(top2, abs=1e-3)


def test_parse_args_reads_sizes_and_parts() -> None:
    opts = bench.parse_args(["--sizes", "1000,1e4", "--parts", "build,search"])
    assert opts.sizes == (1000, 10000) and opts.parts == ("build", "search")
    with pytest.raises(SystemExit):
        bench.parse_args(["--parts", "nope"])


def test_render_markdown_of_partial_results_names_the_machine() -> None:
    md = bench.render_markdown({"machine": {"cpu": "Test CPU", "cores": 2, "ram_gb": 24}})
    assert "Test CPU, 2 cores" in md and md.startswith("# Benchmarks")


def test_options_name_the_data_files_and_default_to_the_cache_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RAG_CACHE_DIR", str(tmp_path / "cache"))
    opts = bench.parse_args(["--scifact", "c.jsonl", "--questions", "q.jsonl"])
    assert (opts.scifact, opts.questions) == (Path("c.jsonl"), Path("q.jsonl"))
    assert opts.work_dir == tmp_path / "cache" / "bench"
    assert bench.parse_args([]).scifact is None  # no data folder is guessed


def test_seed_questions_come_from_the_given_file_else_generic_ones(tmp_path) -> None:
    path = tmp_path / "q.jsonl"
    rows = [{"question": "Who?", "answerable": True}, {"question": "Never?", "answerable": False}, {"question": "Why?"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert bench.seed_questions(path) == ["Who?", "Why?"]
    assert bench.seed_questions(None) and bench.seed_questions(tmp_path / "missing.jsonl") == bench.seed_questions()


def test_the_timed_embedder_counts_what_the_build_embeds(settings, embedder) -> None:
    import rag

    timed = bench.TimedEmbedder(embedder)
    stats = rag.build_index(settings=settings, embedder=timed)
    assert timed.texts == stats.embedded_chunks == len(embedder.encoded) > 0 and timed.seconds > 0
    assert rag.search("Hayek", settings=settings, embedder=embedder)[0].source_id == "summit"  # same identity
