"""rag.measure.metrics, rag.measure.scoring and rag.measure.run on hand-made cases whose figures are known; no model is loaded.

Every expected figure below is written out as a number worked by hand (the
working is in the comments), never recomputed with the formula under test.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from rag.errors import RagError
from rag.measure import metrics as m
from rag.measure import run as ev
from rag.measure import scoring as sc
from rag.pipeline import source_text
from rag.results import Answer, Citation, Hit, IndexStats

# ---------------------------------------------------------------- ranking metrics


def test_ndcg_of_a_perfect_ranking_is_one() -> None:
    assert m.ndcg_at_k(["a", "b", "x"], {"a", "b"}, 10) == pytest.approx(1.0)


def test_ndcg_of_a_mixed_ranking_matches_the_hand_computed_value() -> None:
    # DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) = 1.63093; 1.5 / 1.63093 = 0.91972.
    assert m.ndcg_at_k(["a", "x", "b"], {"a", "b"}, 10) == pytest.approx(0.91972, abs=1e-5)


def test_ndcg_counts_a_repeated_source_once_at_its_best_rank() -> None:
    # Chunks of x, a, a, b -> sources x, a, b: DCG = 1/log2(3) + 1/log2(4) = 1.13093; / 1.63093 = 0.69343.
    assert m.ndcg_at_k(["x", "a", "a", "b"], {"a", "b"}, 10) == pytest.approx(0.69343, abs=1e-5)
    # A duplicate must not push a relevant source out of the cut-off either.
    assert m.ndcg_at_k(["a", "a", "b"], {"a", "b"}, 2) == pytest.approx(1.0)


def test_ndcg_ideal_is_capped_at_k_and_empty_cases_are_zero() -> None:
    # Three relevant, k=2, both top places relevant: perfect at this cut-off.
    assert m.ndcg_at_k(["a", "b", "c"], {"a", "b", "c"}, 2) == pytest.approx(1.0)
    assert m.ndcg_at_k(["x", "y"], {"a"}, 10) == 0.0
    assert m.ndcg_at_k(["a"], set(), 10) == 0.0


def test_recall_at_k() -> None:
    ranked = ["x", "a", "a", "y", "b", "c"]
    assert m.recall_at_k(ranked, {"a", "b"}, 2) == pytest.approx(0.5)
    # Distinct sources x, a, y, b: b is fourth, so it is inside k=4 despite the duplicate.
    assert m.recall_at_k(ranked, {"a", "b"}, 4) == pytest.approx(1.0)
    assert m.recall_at_k(ranked, {"a", "z"}, 100) == pytest.approx(0.5)


def test_mrr_and_hit_rate_use_the_best_rank_of_a_source() -> None:
    assert m.mrr(["x", "x", "a"], {"a"}) == pytest.approx(0.5)
    assert m.mrr(["x", "y"], {"a"}) == 0.0
    assert m.mrr(["a", "b"], {"a", "b"}) == 1.0
    assert m.hit_at_k(["x", "x", "a"], {"a"}, 2) == 1.0
    assert m.hit_at_k(["x", "y", "a"], {"a"}, 2) == 0.0


def test_percentile_interpolates() -> None:
    assert m.percentile([], 50) is None
    assert m.percentile([3.0], 95) == 3.0
    assert m.percentile([4.0, 1.0, 3.0, 2.0], 50) == pytest.approx(2.5)
    assert m.percentile([float(i) for i in range(1, 101)], 95) == pytest.approx(95.05)


# ---------------------------------------------------------------- matching an answer


def test_normalise_folds_case_accents_and_whitespace() -> None:
    assert m.normalise("São  Paulo\n") == "sao paulo"
    assert m.normalise("ÉCOLE") == m.normalise("ecole")
    assert m.normalise("Musk\u2019s") == "musk's"


def test_strip_markers_drops_numbered_markers_and_bracketed_source_ids() -> None:
    assert m.strip_markers("Tim Cook [1][2], CEO [3, 4].") == "Tim Cook , CEO ."
    assert m.strip_markers("Starlink [000_4936306f03138f57]") == "Starlink"
    assert m.strip_markers("[Tim Cook] said") == "[Tim Cook] said"  # words in brackets stay


def test_a_marker_number_is_not_an_answer() -> None:
    assert not m.answer_correct("Tim Cook [1]", ["1"])
    assert m.answer_correct("Tim [1] Cook", ["Tim Cook"])


def test_gold_is_matched_case_and_accent_insensitively() -> None:
    assert m.answer_correct("He flew to SÃO PAULO [1].", ["sao paulo"])
    assert m.answer_correct("Musk\u2019s rocket", ["Musk's rocket"])


def test_a_gold_copied_with_its_sentence_punctuation_still_matches() -> None:
    # SQuAD golds such as "Millingen aan de Rijn," or "UNESCO World Heritage Site." keep a comma or stop.
    assert m.answer_correct("Millingen aan de Rijn [1]", ["Millingen aan de Rijn,"])
    assert m.answer_correct("UNESCO World Heritage Site [1]", ["UNESCO World Heritage Site."])
    assert not m.answer_correct("Millingen [1]", ["Millingen aan de Rijn,"])


def test_short_gold_strings_match_whole_words_and_whole_numbers_only() -> None:
    assert m.answer_correct("10 people [1]", ["10"])
    assert not m.answer_correct("100 people", ["10"])
    assert not m.answer_correct("1,100 people", ["100"])
    assert not m.answer_correct("10.5 million", ["10"])
    assert not m.answer_correct("Cooking", ["Cook"])
    assert m.answer_correct("(Cook).", ["Cook"])
    assert m.answer_correct("$5 million", ["$5"])


def test_a_list_gold_needs_the_whole_string_or_every_item() -> None:
    gold = ["Denmark, Iceland and Norway"]
    assert m.answer_correct("Denmark, Iceland and Norway [1]", gold)
    assert m.answer_correct("Norway [1], Denmark [2], and Iceland [2]", gold)
    assert not m.answer_correct("Denmark [1] and Iceland [2]", gold)  # Norway missing
    assert m.answer_correct("Meta [1]; Apple & Google [2]", ["Apple, Google and Meta"])
    assert not m.answer_correct("Apple and Google", ["Apple, Google and Meta"])
    assert m.list_items("Apple, Google, and Meta") == ["apple", "google", "meta"]
    assert m.list_items("Tim Cook") == []


def test_a_yes_no_gold_needs_the_text_to_open_with_the_right_word() -> None:
    assert m.answer_correct("Yes [1]. They met in May.", ["Yes"])
    assert m.answer_correct('"Yes," the article says [1].', ["yes"])
    assert m.answer_correct("[1] No.", ["No"])
    assert not m.answer_correct("No [1]. Yes, they met later [2].", ["Yes"])  # "Yes" buried after a "No"
    assert not m.answer_correct("They did meet, yes [1].", ["Yes"])  # no verdict first
    assert not m.answer_correct("Not in the documents.", ["No"])
    assert not m.answer_correct("Nobody knows.", ["no"])
    assert m.yes_no("Not in the documents.") is None


def test_evidence_rule_counts_quotes_but_the_answer_rule_does_not() -> None:
    assert m.contains_answer(["Sam Altman [1]", "Tim Cook met him."], ["Tim Cook"])
    assert not m.answer_correct("Sam Altman [1]", ["Tim Cook"])
    assert not m.contains_answer("anything", [])
    assert not m.contains_answer("Paris", ["London", ""])


def test_squad_exact_match_and_f1_by_hand() -> None:
    assert m.squad_normalise("The  Normans, of course!") == "normans of course"
    assert m.exact_match("The Normans.", ["Normans"]) == 1.0
    assert m.exact_match("Normans in France", ["Normans"]) == 0.0
    # "in the 10th century" -> [in, 10th, century]. Gold 1 [10th, and, 11th, centuries]: 1 shared,
    # P 1/3, R 1/4, F1 2/7. Gold 2 [in, 10th, and, 11th, centuries]: 2 shared, P 2/3, R 2/5, F1 0.5.
    assert m.token_f1("in the 10th century", ["10th and 11th centuries"]) == pytest.approx(2 / 7)
    assert m.token_f1("in the 10th century", ["10th and 11th centuries", "in the 10th and 11th centuries"]) == 0.5
    # Unanswerable (no gold): only the empty prediction (an abstention) scores.
    assert (m.exact_match("", []), m.token_f1("", [])) == (1.0, 1.0)
    assert (m.exact_match("A guess", []), m.token_f1("A guess", [])) == (0.0, 0.0)
    assert m.token_f1("", ["Rollo"]) == 0.0


# ---------------------------------------------------------------- scoring answers


def _hit(source_id: str, rank: int) -> Hit:
    return Hit(source_id, f"{source_id}#0", "", 0, 0, 1.0 / rank, "", rank)


SOURCES = {
    "a": "The capital is São Paulo, they said. They met in Denmark.",
    "b": "Tim Cook met him. Yes, they met. Apple and Google came.",
    "c": "Unrelated text. Iceland too. Meta came.",
}


def _at(source_id: str, quote: str) -> tuple[str, str, int]:
    return source_id, quote, SOURCES[source_id].index(quote)


def _answer(text: str, cited=(), hits="", kind: str = "", abstained: bool = False, **timings) -> Answer:
    """An Answer citing (source, quote, start) triples, with hits from a string of one-letter source IDs."""
    citations = tuple(
        Citation(sid, f"{sid}#0", quote, start, start + len(quote), marker=n)
        for n, (sid, quote, start) in enumerate(cited, start=1)
    )
    return Answer(
        question="q",
        text=text,
        citations=citations,
        abstained=abstained,
        sources=tuple(dict.fromkeys(c.source_id for c in citations)),
        hits=tuple(_hit(s, i) for i, s in enumerate(hits, start=1)),
        timings=timings,
        kind=kind,
    )


def _item(qid: str, answers: list[str], sources: list[str], answerable: bool = True, type: str | None = None) -> dict:
    return {
        "id": qid,
        "question": f"question {qid}",
        "answers": answers,
        "sources": sources,
        "answerable": answerable,
        "type": type,
    }


NOT_IN = "Not in the documents."


def _fake_set() -> tuple[list[dict], list[Answer]]:
    inf, cmp, null = "inference_query", "comparison_query", "null_query"
    items = [
        _item("1", ["São Paulo"], ["a"], type=inf),  # correct
        _item("2", ["Tim Cook"], ["b"], type=inf),  # wrong: the gold name only in the quote
        _item("3", ["Yes"], ["a", "b"], type=cmp),  # wrong: "Yes" buried after "No"
        _item("4", ["no"], ["a", "b"], type=cmp),  # false refusal, not a wrong answer
        _item("5", [], [], answerable=False, type=null),  # abstained: right
        _item("6", [], [], answerable=False, type=null),  # answered an unanswerable question
        _item("7", ["Denmark, Iceland and Norway"], ["a", "b"], type=inf),  # wrong: Norway missing
        _item("8", ["Apple, Google and Meta"], ["b", "c"], type=inf),  # correct: every item, any order
    ]
    # Timings (total, first token, generation, tokens) for some answers only, as in old rows.
    timed = [
        dict(total=t, first_token=f, generation=g, tokens=n) for t, f, g, n in ((1, 0.2, 0.5, 10), (2, 0.4, 1, 20))
    ]
    answers = [
        _answer("São Paulo [1].", [_at("a", "São Paulo"), _at("c", "Unrelated")], "cca", "fact", **timed[0]),
        _answer("Sam Altman [1].", [_at("b", "Tim Cook met him.")], "b", "fact", **timed[1]),
        _answer("No [1]. Yes, they met [2].", [_at("a", "They met in Denmark."), _at("b", "Yes, they met.")], "a", "yesno"),
        _answer(NOT_IN, [], "c", "yesno", abstained=True, total=0.5, first_token=0.0, tokens=0),
        _answer(NOT_IN, [], "c", abstained=True, total=0.5, first_token=0.0),  # no token count given
        _answer("A guess [1].", [("c", "wrong quote", 3)], "c", "fact", total=3, first_token=0.6, generation=1.5, tokens=30),
        _answer("Denmark [1] and Iceland [2]", [_at("a", "Denmark"), _at("c", "Iceland")], "a", "list"),
        _answer("Meta [1], Apple [2] & Google [2].", [_at("c", "Meta came."), _at("b", "Apple and Google came.")], "c", "list"),
    ]  # fmt: skip
    return items, answers


def test_verdicts_follow_what_a_reader_would_say() -> None:
    items, answers = _fake_set()
    assert [sc.verdict(i, a) for i, a in zip(items, answers, strict=True)] == [
        "correct", "wrong", "wrong", "false-refusal", "abstained-ok", "answered-unanswerable", "wrong", "correct",
    ]  # fmt: skip


def test_an_abstention_that_mentions_the_answer_is_still_a_false_refusal() -> None:
    item = _item("1", ["Cook"], ["b"])
    assert sc.verdict(item, _answer("Cook is not mentioned.", abstained=True)) == "false-refusal"
    item = _item("2", ["No"], ["b"])
    assert sc.verdict(item, _answer(NOT_IN, abstained=True)) == "false-refusal"


def test_score_answers_figures_match_the_hand_count() -> None:
    items, answers = _fake_set()
    report = sc.score_answers(items, answers, k=8, source_text=SOURCES.get)
    f, rows = report["metrics"], report["rows"]
    assert (f["questions"], f["answerable"], f["unanswerable"], f["answered"]) == (8, 6, 2, 6)
    assert f["verdicts"] == {
        "correct": 2, "wrong": 3, "false-refusal": 1, "abstained-ok": 1, "answered-unanswerable": 1,
    }  # fmt: skip
    a = f["answers"]
    assert a["wrong_answers"] == 0.5  # questions 2, 3, 7 and 6: 4 of 8
    assert a["answerable_right"] == pytest.approx(0.33333, abs=1e-5)  # 1 and 8: 2 of 6
    assert a["unanswerable_abstained"] == 0.5  # 5: 1 of 2
    assert a["false_refusals"] == pytest.approx(0.16667, abs=1e-5)  # 4: 1 of 6
    assert a["right_when_answered"] == pytest.approx(0.33333, abs=1e-5)  # 2 of the 6 answered
    assert a["abstention_precision"] == 0.5  # abstained on 4 and 5; 5 was right
    assert a["evidence_recall"] == 0.75  # 1, 2, 8 of 1, 2, 7, 8 (3 has a yes/no gold)
    # EM answerable: only 1 -> 1/6. F1: 1 + 0 + 0.4 (3: P 1/4, R 1) + 0 + 6/7 (7: P 1, R 3/4) + 6/7 (8) = 3.11429.
    assert a["exact_match"] == pytest.approx(0.16667, abs=1e-5)
    assert a["f1"] == pytest.approx(3.11429 / 6, abs=1e-5)
    # All questions: 5 (abstained, unanswerable) adds 1 to both; 6 adds 0.
    assert a["exact_match_all"] == 0.25
    assert a["f1_all"] == pytest.approx(4.11429 / 8, abs=1e-5)
    assert a["multihop_two_sources"] == pytest.approx(0.66667, abs=1e-5)  # 3 and 8 of 3, 7, 8 (4 abstained)
    # Retrieval, answerable: ranks 2 (c, c, a -> c, a), 1, 1, none, 1, 1.
    assert f["retrieval"]["hit_rate"] == pytest.approx(0.83333, abs=1e-5)
    assert f["retrieval"]["mrr"] == 0.75
    c = f["citations"]
    assert c["precision"] == pytest.approx(0.77778, abs=1e-5)  # gold of (a,c) (b) (a,b) (a,c) (b,c): 7 of 9
    assert c["recall"] == 1.0
    assert c["source_recall"] == 0.875  # 1 + 1 + 2 + 1 + 2 of 1 + 1 + 2 + 2 + 2
    assert (c["verbatim"], c["count"]) == (0.9, 10)  # "wrong quote" at c[3:14] is not verbatim
    lat = f["latency"]
    assert lat["total_p50"] == 1.0  # 0.5, 0.5, 1, 2, 3
    assert lat["first_token_p50"] == 0.4  # 0.2, 0.4, 0.6: not the abstentions 4 and 5 at 0.0
    assert lat["tokens_per_second"] == 20.0  # 60 tokens in 3 s
    assert rows[0]["cited_sources"] == ["a", "c"] and rows[0]["retrieved_sources"] == ["c", "a"]
    assert [x["verbatim"] for x in rows[5]["citations"]] == [False]
    json.dumps(report)  # everything must be plain JSON


def test_every_figure_is_broken_down_by_type_kind_and_answerability() -> None:
    items, answers = _fake_set()
    f = sc.score_answers(items, answers, k=8)["metrics"]
    by_type = f["by_type"]
    assert list(by_type) == ["inference_query", "comparison_query", "null_query"]
    assert by_type["inference_query"]["questions"] == 4
    assert by_type["inference_query"]["answers"]["wrong_answers"] == 0.5  # 2 and 7 of 1, 2, 7, 8
    assert by_type["comparison_query"]["answers"]["false_refusals"] == 0.5  # 4 of 3, 4
    assert by_type["null_query"]["answers"]["unanswerable_abstained"] == 0.5
    assert {k: v["questions"] for k, v in f["by_kind"].items()} == {"fact": 3, "yesno": 2, "none": 1, "list": 2}
    assert f["by_kind"]["list"]["answers"]["answerable_right"] == 0.5  # 8 of 7, 8
    assert f["by_answerable"]["unanswerable"]["answers"]["wrong_answers"] == 0.5  # 6 of 5, 6
    assert f["by_answerable"]["answerable"]["answers"]["wrong_answers"] == 0.5  # 2, 3, 7 of 6
    table = sc.format_table(f)
    assert "answers.wrong_answers" in table
    assert "type:comparison_query" in table and "kind:yesno" in table
    assert [ln.split()[1:3] for ln in table.splitlines() if ln.startswith("type:inference_query")] == [["4", "50.0"]]


def test_rows_carry_what_a_reader_needs() -> None:
    items, answers = _fake_set()
    rows = sc.score_answers(items, answers, k=8)["rows"]
    assert {"id", "question", "type", "kind", "verdict", "answer", "em", "f1", "evidence_hit", "cited_sources",
            "gold_answers", "gold_sources", "citations", "timings"} <= set(rows[0])  # fmt: skip
    assert (rows[1]["verdict"], rows[1]["evidence_hit"]) == ("wrong", True)  # the quote held it; the answer not
    assert rows[2]["evidence_hit"] is None  # a yes/no gold is no evidence test
    assert rows[3]["cites_two_gold"] is None  # abstained
    assert (rows[4]["em"], rows[5]["em"]) == (1.0, 0.0)
    assert (rows[0]["type"], rows[0]["kind"]) == ("inference_query", "fact")


def test_score_answers_without_source_texts_or_answerable_questions() -> None:
    items = [_item("1", [], [], answerable=False)]
    f = sc.score_answers(items, [_answer(NOT_IN, abstained=True)], k=4)["metrics"]
    assert f["citations"]["verbatim"] is None
    assert f["answers"]["answerable_right"] is None
    assert f["answers"]["wrong_answers"] == 0.0
    assert f["retrieval"]["mrr"] is None
    assert f["by_type"] == {}
    assert "n/a" in sc.format_table(f)


def test_retrieval_hit_rate_only_looks_at_the_first_k_hits() -> None:
    items = [_item("1", ["x"], ["a"])]
    answers = [_answer("x", hits="cda")]
    assert sc.score_answers(items, answers, k=2)["metrics"]["retrieval"]["hit_rate"] == 0.0
    assert sc.score_answers(items, answers, k=3)["metrics"]["retrieval"]["hit_rate"] == 1.0


# ---------------------------------------------------------------- question sets


def test_load_questions(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(
        '{"id": "d1", "question": "Q?", "answers": ["A"], "sources": ["s"], "answerable": true, "type": "t"}\n\n'
        '{"question": "U?", "answers": [], "sources": []}\n',
        encoding="utf-8",
    )
    items = ev.load_questions(path)
    assert items[0] == {
        "id": "d1",
        "question": "Q?",
        "answers": ["A"],
        "sources": ["s"],
        "answerable": True,
        "type": "t",
    }
    assert items[1]["id"] == "3" and items[1]["answerable"] is False and items[1]["type"] is None
    path.write_text('{"id": "d1"}\n', encoding="utf-8")
    with pytest.raises(RagError, match=r"q.jsonl:1"):
        ev.load_questions(path)
    path.write_text('{"question": "  "}\n', encoding="utf-8")
    with pytest.raises(RagError, match="question"):
        ev.load_questions(path)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(RagError, match="not JSON"):
        ev.load_questions(path)


def test_select_keeps_types_then_the_first_n() -> None:
    items = [_item(str(n), [], [], type=t) for n, t in enumerate(["null_query", "temporal_query", "null_query", None])]
    assert [i["id"] for i in ev.select(items, types=["null"])] == ["0", "2"]
    assert [i["id"] for i in ev.select(items, types=["temporal_query", "null"], limit=2)] == ["0", "1"]
    assert [i["id"] for i in ev.select(items, limit=3)] == ["0", "1", "2"]
    assert len(ev.select(items, types=[""])) == 4
    with pytest.raises(RagError, match="null_query, temporal_query"):
        ev.select(items, types=["inference"])


def test_question_set_finds_the_articles_beside_the_questions(tmp_path: Path) -> None:
    (tmp_path / "set" / "articles").mkdir(parents=True)
    (tmp_path / "set" / "questions.jsonl").write_text("{}\n")
    (tmp_path / "alone.jsonl").write_text("{}\n")
    (tmp_path / "other").mkdir()
    expected = (tmp_path / "set" / "questions.jsonl", tmp_path / "set" / "articles")
    assert ev.question_set(tmp_path / "set") == expected
    assert ev.question_set(tmp_path / "set" / "questions.jsonl") == expected
    assert ev.question_set(tmp_path / "alone.jsonl") == (tmp_path / "alone.jsonl", None)
    assert ev.question_set(tmp_path / "alone.jsonl", tmp_path / "other") == (
        tmp_path / "alone.jsonl",
        tmp_path / "other",
    )
    with pytest.raises(RagError, match="questions.jsonl"):
        ev.question_set(tmp_path / "other")
    with pytest.raises(RagError, match="does not exist"):
        ev.question_set(tmp_path / "alone.jsonl", tmp_path / "missing")


def _fake_pipeline(items: list[dict], answers: list[Answer]) -> dict:
    """A stand-in for rag.pipeline, handed to evaluate_questions as `api` (its `api` entry)."""
    by_question = {i["question"]: a for i, a in zip(items, answers, strict=True)}
    seen: dict = {"asked": [], "built": []}

    def fake_ask(question: str, *, settings) -> Answer:
        seen["asked"].append(question)
        seen["settings"] = settings
        return by_question[question]

    def fake_build(*, settings, progress):
        seen["built"].append((Path(settings.source_dir), Path(settings.index_dir)))
        return IndexStats(str(settings.index_dir), 3, 0, 0, 0, 0, 3, 3, 1.5)

    store = SimpleNamespace(source=lambda sid: SimpleNamespace(text=SOURCES[sid]) if sid in SOURCES else None)
    seen["api"] = SimpleNamespace(
        ask=fake_ask,
        build_index=fake_build,
        get_retriever=lambda settings: SimpleNamespace(store=store),
        source_text=source_text,
    )
    return seen


def _write_set(folder: Path, items: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "questions.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def test_evaluate_questions_over_the_configured_index(tmp_path: Path) -> None:
    items, answers = _fake_set()
    seen = _fake_pipeline(items, answers)
    path = _write_set(tmp_path / "set", items)
    settings = ev.Settings(k=8, index_dir=tmp_path / "idx")
    report = ev.evaluate_questions(path, settings, progress=False, api=seen["api"])
    assert seen["asked"] == [items[0]["question"]] + [i["question"] for i in items]  # one warm-up first
    assert seen["built"] == [] and seen["settings"].index_dir == tmp_path / "idx"
    assert report["metrics"]["citations"]["verbatim"] == 0.9
    assert len(report["rows"]) == 8


def test_evaluate_questions_indexes_the_articles_beside_the_set(tmp_path: Path) -> None:
    items, answers = _fake_set()
    seen = _fake_pipeline(items, answers)
    (tmp_path / "set" / "articles").mkdir(parents=True)
    _write_set(tmp_path / "set", items)
    report = ev.evaluate_questions(
        tmp_path / "set", ev.Settings(k=8), work_dir=tmp_path / "work", types=["null"], limit=1, progress=False,
        api=seen["api"],
    )  # fmt: skip
    assert seen["built"] == [(tmp_path / "set" / "articles", tmp_path / "work" / "index")]
    assert seen["settings"].source_dir == tmp_path / "set" / "articles"
    assert [r["id"] for r in report["rows"]] == ["5"]
    assert report["metrics"]["articles"] == str(tmp_path / "set" / "articles")


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
    f = ev.score_rankings(rankings, {"q1": {"a"}, "q2": {"b"}}, k=1)
    assert f["queries"] == 2
    assert f["ndcg@1"] == pytest.approx(0.5)
    assert f["recall@1"] == pytest.approx(0.5)
    assert f["recall@100"] == pytest.approx(1.0)
    assert f["mrr"] == pytest.approx(0.75)


def test_evaluate_beir_maps_files_back_to_corpus_ids(tmp_path: Path) -> None:
    folder = _beir(tmp_path)
    built = {}

    def fake_build(*, settings, progress):
        built["source"] = Path(settings.source_dir)
        return IndexStats(str(settings.index_dir), 3, 0, 0, 0, 0, 3, 3, 1.5)

    def fake_search(query: str, k: int, *, settings) -> list[Hit]:
        stems = {p.read_text().split("\n")[0]: p.stem for p in built["source"].iterdir()}
        order = ["First", "Gamma text."] if "alpha" in query else ["Gamma text.", "Second title"]
        return [_hit(stems[t], i) for i, t in enumerate(order, start=1)]

    api = SimpleNamespace(build_index=fake_build, search=fake_search)
    report = ev.evaluate_beir(folder, ev.Settings(), work_dir=tmp_path / "work", progress=False, api=api)
    f = report["metrics"]
    assert built["source"] == tmp_path / "work" / "source"
    assert f["queries"] == 2 and f["corpus"] == 3 and f["build_seconds"] == 1.5
    # q1: d1 first -> 1.0; q2: d/2 second -> 1/log2(3) = 0.63093; mean 0.81546.
    assert f["ndcg@10"] == pytest.approx(0.81546, abs=1e-5)
    assert f["recall@10"] == 1.0
    assert report["rows"][1]["retrieved"] == ["d3", "d/2"]


def test_beir_work_dir_is_under_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("RAG_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    work = ev.beir_work_dir(tmp_path / "scifact")
    assert work.parent == tmp_path / "rag" / "beir" and work.name.startswith("scifact-")


# ---------------------------------------------------------------- CLI


def test_cli_eval_needs_exactly_one_input(tmp_path: Path) -> None:
    from rag.serve.cli import cli

    result = CliRunner().invoke(cli, ["eval"])
    assert result.exit_code == 2 and "either" in result.output
    result = CliRunner().invoke(cli, ["eval", "--beir", str(tmp_path), "--limit", "3"])
    assert result.exit_code == 2 and "not to --beir" in result.output


def test_cli_eval_prints_figures_and_writes_rows_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.serve.cli import cli

    items, answers = _fake_set()
    report = sc.score_answers(items, answers, k=8)
    calls = []
    monkeypatch.setattr(ev, "evaluate_questions", lambda path, settings, **kw: calls.append(kw) or report)
    questions = tmp_path / "q.jsonl"
    questions.write_text("{}\n")
    rows = tmp_path / "rows.jsonl"
    args = ["eval", str(questions), "--json", "--rows", str(rows), "--limit", "3", "--types", "null,inference"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["answers"]["wrong_answers"] == 0.5
    assert (calls[0]["limit"], calls[0]["types"]) == (3, ["null", "inference"])
    assert [json.loads(line)["verdict"] for line in rows.read_text().splitlines()][:2] == ["correct", "wrong"]
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    table = CliRunner().invoke(cli, ["eval", str(questions), "--articles", str(tmp_path)])
    assert table.exit_code == 0, table.output
    assert list((tmp_path / "cwd").iterdir()) == []  # no rows file unless --rows
    assert calls[1]["articles"] == tmp_path
    assert "answers.wrong_answers" in table.stdout and "type:null_query" in table.stdout
