"""rag.evaluation on hand-made cases whose figures are known; no model is loaded."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from rag import evaluation as ev
from rag.errors import RagError
from rag.results import Answer, Citation, Hit, IndexStats

# ---------------------------------------------------------------- metrics


def test_ndcg_of_a_perfect_ranking_is_one() -> None:
    assert ev.ndcg_at_k(["a", "b", "x"], {"a", "b"}, 10) == pytest.approx(1.0)


def test_ndcg_of_a_mixed_ranking_matches_the_hand_computed_value() -> None:
    # DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3).
    expected = 1.5 / (1 + 1 / math.log2(3))
    assert ev.ndcg_at_k(["a", "x", "b"], {"a", "b"}, 10) == pytest.approx(expected)
    assert expected == pytest.approx(0.91972, abs=1e-5)


def test_ndcg_counts_a_repeated_source_once_at_its_best_rank() -> None:
    # Chunks of x, a, a, b -> sources x, a, b: DCG = 1/log2(3) + 1/log2(4).
    expected = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert ev.ndcg_at_k(["x", "a", "a", "b"], {"a", "b"}, 10) == pytest.approx(expected)
    # A duplicate must not push a relevant source out of the cut-off either.
    assert ev.ndcg_at_k(["a", "a", "b"], {"a", "b"}, 2) == pytest.approx(1.0)


def test_ndcg_ideal_is_capped_at_k_and_empty_cases_are_zero() -> None:
    # Three relevant, k=2, both top places relevant: perfect at this cut-off.
    assert ev.ndcg_at_k(["a", "b", "c"], {"a", "b", "c"}, 2) == pytest.approx(1.0)
    assert ev.ndcg_at_k(["x", "y"], {"a"}, 10) == 0.0
    assert ev.ndcg_at_k(["a"], set(), 10) == 0.0


def test_recall_at_k() -> None:
    ranked = ["x", "a", "a", "y", "b", "c"]
    assert ev.recall_at_k(ranked, {"a", "b"}, 2) == pytest.approx(0.5)
    # Distinct sources x, a, y, b: b is fourth, so it is inside k=4 despite the duplicate.
    assert ev.recall_at_k(ranked, {"a", "b"}, 4) == pytest.approx(1.0)
    assert ev.recall_at_k(ranked, {"a", "z"}, 100) == pytest.approx(0.5)


def test_mrr_and_hit_rate_use_the_best_rank_of_a_source() -> None:
    assert ev.mrr(["x", "x", "a"], {"a"}) == pytest.approx(0.5)
    assert ev.mrr(["x", "y"], {"a"}) == 0.0
    assert ev.mrr(["a", "b"], {"a", "b"}) == 1.0
    assert ev.hit_at_k(["x", "x", "a"], {"a"}, 2) == 1.0
    assert ev.hit_at_k(["x", "y", "a"], {"a"}, 2) == 0.0


def test_percentile_interpolates() -> None:
    assert ev.percentile([], 50) is None
    assert ev.percentile([3.0], 95) == 3.0
    assert ev.percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)
    assert ev.percentile([float(i) for i in range(1, 101)], 95) == pytest.approx(95.05)


def test_normalise_folds_case_accents_and_whitespace() -> None:
    assert ev.normalise("São  Paulo\n") == "sao paulo"
    assert ev.normalise("ÉCOLE") == ev.normalise("ecole")
    assert ev.normalise("Musk\u2019s") == "musk's"


def test_contains_answer() -> None:
    assert ev.contains_answer("He flew to SÃO PAULO yesterday.", ["sao paulo"])
    assert ev.contains_answer(["nothing here", "met Tim\n Cook"], ["Tim Cook"])
    assert not ev.contains_answer("Paris", ["London", ""])
    assert not ev.contains_answer("anything", [])


# ---------------------------------------------------------------- scoring answers


def _hit(source_id: str, rank: int) -> Hit:
    return Hit(source_id, f"{source_id}#0", "", 0, 0, 1.0 / rank, "", rank)


def _answer(text: str, cited: list[tuple[str, str, int]] = (), hits: list[str] = (), abstained: bool = False, **t):
    citations = tuple(Citation(sid, f"{sid}#0", quote, start, start + len(quote)) for sid, quote, start in cited)
    return Answer(
        question="q",
        text=text,
        citations=citations,
        abstained=abstained,
        sources=tuple(dict.fromkeys(c.source_id for c in citations)),
        hits=tuple(_hit(s, i) for i, s in enumerate(hits, start=1)),
        timings=t,
    )


SOURCES = {"a": "The capital is São Paulo, they said.", "b": "Tim Cook met him.", "c": "Unrelated text."}


def _item(qid: str, answers: list[str], sources: list[str], answerable: bool = True) -> dict:
    return {"id": qid, "question": f"question {qid}", "answers": answers, "sources": sources, "answerable": answerable}


def _fake_set() -> tuple[list[dict], list[Answer]]:
    items = [
        _item("1", ["sao paulo"], ["a"]),  # correct from the quote, cites gold a and non-gold c
        _item("2", ["Tim Cook"], ["b"]),  # wrong answer, cites gold b
        _item("3", ["x"], ["a", "b"]),  # false refusal
        _item("4", [], [], answerable=False),  # abstained: right
        _item("5", [], [], answerable=False),  # answered an unanswerable question
        _item("6", [], [], answerable=False),  # abstained: right
    ]
    answers = [
        _answer(
            "It is [1].",
            [("a", "São Paulo", 15), ("c", "Unrelated", 0)],
            ["c", "c", "a"],
            total=1.0,
            first_token=0.2,
            generation=0.5,
            tokens=10,
        ),
        _answer(
            "Someone else.", [("b", "Cook met him.", 4)], ["b"], total=2.0, first_token=0.4, generation=1.0, tokens=20
        ),
        _answer("Not in the documents.", [], ["c"], abstained=True, total=0.5, first_token=0.0, tokens=0),
        _answer("Not in the documents.", [], ["c"], abstained=True, total=0.5),
        _answer("A guess.", [("c", "wrong quote", 3)], ["c"], total=3.0, first_token=0.6, generation=1.5, tokens=30),
        _answer("Not in the documents.", [], [], abstained=True, total=0.5),
    ]
    return items, answers


def test_score_answers_counts_every_figure() -> None:
    items, answers = _fake_set()
    report = ev.score_answers(items, answers, k=8, source_text=SOURCES.get)
    m, rows = report["metrics"], report["rows"]
    assert [r["verdict"] for r in rows] == [
        "correct", "wrong", "false-refusal", "abstained-ok", "answered-unanswerable", "abstained-ok",
    ]  # fmt: skip
    assert (m["questions"], m["answerable"], m["unanswerable"]) == (6, 3, 3)
    # Retrieval over answerable questions: ranks 2 (c, c, a -> c, a), 1, and none.
    assert m["retrieval"]["hit_rate"] == pytest.approx(2 / 3)
    assert m["retrieval"]["mrr"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert m["answers"]["accuracy"] == pytest.approx(1 / 3)
    assert m["answers"]["accuracy_when_answered"] == pytest.approx(1 / 2)
    # Answered answerable questions 1 and 2 cite a, c and b: two of three pairs are gold.
    assert m["citations"]["precision"] == pytest.approx(2 / 3)
    assert m["citations"]["recall"] == pytest.approx(1.0)
    assert m["citations"]["source_recall"] == pytest.approx(1.0)
    # Three of four quotes are verbatim; "wrong quote" at c[3:14] is not.
    assert m["citations"]["verbatim"] == pytest.approx(3 / 4)
    assert m["citations"]["count"] == 4
    # Abstained on 3, 4 and 6; 4 and 6 of the 3 unanswerable were right.
    assert m["abstention"]["precision"] == pytest.approx(2 / 3)
    assert m["abstention"]["recall"] == pytest.approx(2 / 3)
    assert m["abstention"]["false_refusals"] == pytest.approx(1 / 3)
    lat = m["latency"]
    assert lat["total_p50"] == pytest.approx(0.75)
    # First token only where tokens were generated: 0.2, 0.4, 0.6.
    assert lat["first_token_p50"] == pytest.approx(0.4)
    assert lat["tokens_per_second"] == pytest.approx(60 / 3.0)
    assert rows[0]["cited_sources"] == ["a", "c"]
    assert rows[0]["retrieved_sources"] == ["c", "a"]
    assert [c["verbatim"] for c in rows[0]["citations"]] == [True, True]
    json.dumps(report)  # everything must be plain JSON


def test_score_answers_without_source_texts_or_answerable_questions() -> None:
    items = [_item("1", [], [], answerable=False)]
    report = ev.score_answers(items, [_answer("Not in the documents.", abstained=True)], k=4)
    m = report["metrics"]
    assert m["citations"]["verbatim"] is None
    assert m["answers"]["accuracy"] is None
    assert m["retrieval"]["mrr"] is None
    assert m["abstention"] == {"precision": 1.0, "recall": 1.0, "false_refusals": None}
    assert "n/a" in ev.format_table(m)


def test_retrieval_hit_rate_only_looks_at_the_first_k_hits() -> None:
    items = [_item("1", ["x"], ["a"])]
    answers = [_answer("x", hits=["c", "d", "a"])]
    assert ev.score_answers(items, answers, k=2)["metrics"]["retrieval"]["hit_rate"] == 0.0
    assert ev.score_answers(items, answers, k=3)["metrics"]["retrieval"]["hit_rate"] == 1.0


def test_an_abstention_that_mentions_the_answer_is_still_a_false_refusal() -> None:
    item = _item("1", ["Cook"], ["b"])
    assert ev.verdict(item, _answer("Cook is not mentioned.", abstained=True)) == "false-refusal"


def test_load_questions(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"id": "d1", "question": "Q?", "answers": ["A"], "sources": ["s"], "answerable": true}\n\n'
        '{"question": "U?", "answers": [], "sources": []}\n',
        encoding="utf-8",
    )
    items = ev.load_questions(path)
    assert items[0] == {"id": "d1", "question": "Q?", "answers": ["A"], "sources": ["s"], "answerable": True}
    assert items[1]["id"] == "3" and items[1]["answerable"] is False
    path.write_text('{"id": "d1"}\n', encoding="utf-8")
    with pytest.raises(RagError, match=r"q.jsonl:1"):
        ev.load_questions(path)
    path.write_text('{"question": "  "}\n', encoding="utf-8")
    with pytest.raises(RagError, match="question"):
        ev.load_questions(path)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(RagError, match="not JSON"):
        ev.load_questions(path)


def test_evaluate_questions_wires_ask_and_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rag.pipeline

    items, answers = _fake_set()
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    by_question = {i["question"]: a for i, a in zip(items, answers, strict=True)}
    asked: list[str] = []

    def fake_ask(question: str, *, settings) -> Answer:
        asked.append(question)
        return by_question[question]

    store = SimpleNamespace(source=lambda sid: SimpleNamespace(text=SOURCES[sid]) if sid in SOURCES else None)
    monkeypatch.setattr(rag.pipeline, "ask", fake_ask)
    monkeypatch.setattr(rag.pipeline, "get_retriever", lambda settings: SimpleNamespace(store=store))
    report = ev.evaluate_questions(path, ev.Settings(k=8), progress=False)
    assert asked == [items[0]["question"]] + [i["question"] for i in items]  # one warm-up first
    assert report["metrics"]["citations"]["verbatim"] == pytest.approx(3 / 4)
    assert len(report["rows"]) == 6


# ---------------------------------------------------------------- BEIR


def _beir(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    folder.mkdir()
    docs = [
        {"_id": "d1", "title": "First", "text": "Alpha text."},
        {"_id": "d/2", "title": "Second\ntitle", "text": "Beta text."},
        {"_id": "d3", "title": "", "text": "Gamma text."},
    ]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    queries = [{"_id": "q1", "text": "alpha?"}, {"_id": "q2", "text": "beta?"}, {"_id": "q3", "text": "no qrels"}]
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    (folder / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td/2\t1\nq2\td3\t0\n")
    return folder


def test_write_corpus_writes_one_article_per_file_and_is_incremental(tmp_path: Path) -> None:
    folder = _beir(tmp_path)
    source = tmp_path / "source"
    (source).mkdir()
    (source / "stale.txt").write_text("old")
    ids = ev.write_corpus(folder / "corpus.jsonl", source)
    assert sorted(ids.values()) == ["d/2", "d1", "d3"]
    assert (source / "d1.txt").read_text() == "First\n\nAlpha text.\n"
    assert (source / "d3.txt").read_text() == "Gamma text.\n"
    assert not (source / "stale.txt").exists()
    stem = next(s for s, i in ids.items() if i == "d/2")
    assert "/" not in stem and (source / f"{stem}.txt").read_text().startswith("Second title\n\n")
    mtime = (source / "d1.txt").stat().st_mtime_ns
    assert ev.write_corpus(folder / "corpus.jsonl", source) == ids
    assert (source / "d1.txt").stat().st_mtime_ns == mtime


def test_load_qrels_keeps_positive_judgements(tmp_path: Path) -> None:
    assert ev.load_qrels(_beir(tmp_path)) == {"q1": {"d1"}, "q2": {"d/2"}}
    with pytest.raises(RagError, match="qrels"):
        ev.load_qrels(tmp_path)


def test_score_rankings_averages_over_judged_queries() -> None:
    rankings = {"q1": ["a", "x"], "q2": ["x", "b"], "q3": ["z"]}
    m = ev.score_rankings(rankings, {"q1": {"a"}, "q2": {"b"}}, k=1)
    assert m["queries"] == 2
    assert m["ndcg@1"] == pytest.approx(0.5)
    assert m["recall@1"] == pytest.approx(0.5)
    assert m["recall@100"] == pytest.approx(1.0)
    assert m["mrr"] == pytest.approx(0.75)


def test_evaluate_beir_maps_files_back_to_corpus_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rag.pipeline

    folder = _beir(tmp_path)
    built = {}

    def fake_build(*, settings, progress):
        built["source"] = Path(settings.source_dir)
        return IndexStats(str(settings.index_dir), 3, 0, 0, 0, 0, 3, 3, 1.5)

    def fake_search(query: str, k: int, *, settings) -> list[Hit]:
        stems = {p.read_text().split("\n")[0]: p.stem for p in built["source"].iterdir()}
        order = ["First", "Gamma text."] if "alpha" in query else ["Gamma text.", "Second title"]
        return [_hit(stems[t], i) for i, t in enumerate(order, start=1)]

    monkeypatch.setattr(rag.pipeline, "build_index", fake_build)
    monkeypatch.setattr(rag.pipeline, "search", fake_search)
    report = ev.evaluate_beir(folder, ev.Settings(), work_dir=tmp_path / "work", progress=False)
    m = report["metrics"]
    assert built["source"] == tmp_path / "work" / "source"
    assert m["queries"] == 2 and m["corpus"] == 3 and m["build_seconds"] == 1.5
    assert m["ndcg@10"] == pytest.approx((1 + 1 / math.log2(3)) / 2)
    assert m["recall@10"] == 1.0
    assert report["rows"][1]["retrieved"] == ["d3", "d/2"]


def test_beir_work_dir_is_under_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    work = ev.beir_work_dir(tmp_path / "scifact")
    assert work.parent == tmp_path / "rag" / "beir" and work.name.startswith("scifact-")


# ---------------------------------------------------------------- CLI


def test_cli_eval_needs_exactly_one_input(tmp_path: Path) -> None:
    from rag.cli import cli

    result = CliRunner().invoke(cli, ["eval"])
    assert result.exit_code == 2 and "either" in result.output


def test_cli_eval_prints_figures_and_writes_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rag.cli import cli

    items, answers = _fake_set()
    report = ev.score_answers(items, answers, k=8)
    monkeypatch.setattr(ev, "evaluate_questions", lambda path, settings: report)
    questions = tmp_path / "q.jsonl"
    questions.write_text("{}\n")
    rows = tmp_path / "rows.jsonl"
    result = CliRunner().invoke(cli, ["eval", str(questions), "--json", "--rows", str(rows)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["abstention"]["recall"] == pytest.approx(2 / 3)
    assert [json.loads(line)["verdict"] for line in rows.read_text().splitlines()][:2] == ["correct", "wrong"]
    table = CliRunner().invoke(cli, ["eval", str(questions), "--rows", str(rows)])
    assert "abstention.false_refusals" in table.stdout
