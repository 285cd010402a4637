"""Order questions ("Did A report X before B reported Y?"): answered from the articles' dates."""

from __future__ import annotations

import datetime as dt

import pytest

import rag
from rag.answer.time_order import asked_order, dates

from .conftest import FakeEmbedder, FakeScorer

COURIER = "Copper deal approved\n\nBy The Lima Courier, published {}.\n\nThe ministry approved the copper export deal."
POST = "Strike at the mine\n\nBy The Andes Post, published {}.\n\nMiners at the Toquepala mine went on strike for pay."
ASKED = (
    "Did The Lima Courier report on the copper export deal {} The Andes Post reported the strike at the Toquepala mine?"
)


def test_dates_are_read_in_the_usual_forms() -> None:
    found = dates("By X, published 2023-12-18. Then on November 17, 2023, and on 3rd Dec 2023; not 2023-13-45.")
    assert [d for d, _, _ in found] == [dt.date(2023, 12, 18), dt.date(2023, 11, 17), dt.date(2023, 12, 3)]


def test_an_order_question_is_split_into_its_two_reports() -> None:
    o = asked_order(ASKED.format("before"))
    assert o is not None and o.relation == "before" and not o.choice
    assert o.first == "Did The Lima Courier report on the copper export deal"
    assert o.then == "The Andes Post reported the strike at the Toquepala mine"
    lead = asked_order(
        "Before The Andes Post reported the strike on May 2, 2023, did The Lima Courier describe the deal?"
    )
    assert lead is not None and lead.then.startswith("The Andes Post reported the strike on May 2, 2023")
    assert lead.first == "did The Lima Courier describe the deal"
    choice = asked_order(
        "Was the deal reported by The Lima Courier before or after The Andes Post reported the strike?"
    )
    assert choice is not None and choice.choice and choice.then == "The Andes Post reported the strike"


@pytest.mark.parametrize(
    "question",
    [
        "Did the ministry approve the copper deal before the strike began?",  # no report is ordered
        "After The Andes Post reported the strike, was the Courier's coverage consistent or inconsistent?",
        "Between the Courier report on the deal published in May and the Post report, was there a change?",
    ],
)
def test_other_questions_with_before_or_after_are_not_order_questions(question) -> None:
    assert asked_order(question) is None


def _ask(tmp_path, question: str, courier: str | None, post: str | None) -> rag.Answer:
    src = tmp_path / f"src{abs(hash((question, courier, post)))}"
    src.mkdir()
    if courier:
        (src / "courier.txt").write_text(COURIER.format(courier))
    if post:
        (src / "post.txt").write_text(POST.format(post))
    (src / "other.txt").write_text("Weather\n\nBy The Daily Sun, published 2023-01-01.\n\nRain fell in the hills.")
    s = rag.Settings(source_dir=src, index_dir=src.with_suffix(".idx"), chunk_tokens=60, k=4)
    embedder = FakeEmbedder()
    rag.build_index(settings=s, embedder=embedder)
    return rag.ask(question, settings=s, generator=FakeScorer(), embedder=embedder)


def test_the_answer_follows_the_dates_of_the_two_articles(tmp_path) -> None:
    earlier = _ask(tmp_path, ASKED.format("before"), "2023-03-02", "2023-04-10")
    assert earlier.text.startswith("Yes.")
    assert "published 2023-03-02" in earlier.text and "published 2023-04-10" in earlier.text  # both dates cited
    assert {c.source_id for c in earlier.citations} == {"courier", "post"}
    later = _ask(tmp_path, ASKED.format("before"), "2023-05-02", "2023-04-10")
    assert later.text.startswith("No.")
    after = _ask(tmp_path, ASKED.format("after"), "2023-05-02", "2023-04-10")
    assert after.text.startswith("Yes.")
    choice = _ask(
        tmp_path,
        "Was the copper export deal reported by The Lima Courier before or after The Andes Post reported the strike "
        "at the Toquepala mine?",
        "2023-05-02",
        "2023-04-10",
    )
    assert choice.text.startswith("After")


def test_a_dated_line_that_says_the_report_too_is_cited_once(tmp_path) -> None:
    # The Post's byline is the one sentence that says what it reported: it is cited once.
    src = tmp_path / "src"
    src.mkdir()
    (src / "courier.txt").write_text(COURIER.format("2023-03-02"))
    (src / "post.txt").write_text(
        "Mine news\n\nBy The Andes Post on the strike at the Toquepala mine, published 2023-04-10."
    )
    s = rag.Settings(source_dir=src, index_dir=tmp_path / "idx", chunk_tokens=60, k=4)
    embedder = FakeEmbedder()
    rag.build_index(settings=s, embedder=embedder)
    answer = rag.ask(ASKED.format("before"), settings=s, generator=FakeScorer(), embedder=embedder)
    assert answer.text.startswith("Yes.")
    assert answer.claims[0].citations == (1, 2, 3)


def test_it_abstains_when_the_order_is_not_shown(tmp_path) -> None:
    assert _ask(tmp_path, ASKED.format("before"), "2023-04-10", "2023-04-10").abstained  # one day
    assert _ask(tmp_path, ASKED.format("before"), "2023-03-02", None).abstained  # one report missing
    assert _ask(tmp_path, ASKED.format("before"), "in the spring", "2023-04-10").abstained  # no date
    # The Post's article is found by its name, but it does not say what the question says it reported.
    unsaid = "Did The Lima Courier report on the copper export deal before The Andes Post reported a copper price fall?"
    assert _ask(tmp_path, unsaid, "2023-03-02", "2023-04-10").abstained
