"""The reader (rag/reader.py) with a scripted fake model: what the model wrote, located in what it read.

What is checked: passages are the best sentences with the one before, headed by the article's
title and byline; a cited phrase is stated as the source writes it with exact offsets; a phrase
no passage holds is not stated; a wrong passage number is corrected to where the phrase stands; a
list keeps each located item; "NOT FOUND" makes no claim; the pipeline answers through the reader
by default and cites what it located.
"""

from __future__ import annotations

import pytest

import rag
from rag.citations import Evidence, Scored
from rag.errors import RagError, WriterError
from rag.questions import analyse
from rag.reader import head_line, parse, passages_of, read

from .conftest import FakeEmbedder, FakeReader

MEET = "Javier Milei will meet Mark Zuckerberg in late May."
EXECS = "He also plans talks with Sundar Pichai of Google and Tim Cook of Apple."
OTHER = "The summit in Hamburg will award the Hayek medal on June 22."
SOURCE = f"Milei in Silicon Valley\n\nBy The Courier, published 2024-05-20.\n\n{MEET} {EXECS}"
SUMMIT = f"Hamburg summit\n\n{OTHER}"
TEXTS = {"milei": SOURCE, "summit": SUMMIT}


def _ev(source: str, text: str, rank: int, context: tuple[Evidence, ...] = ()) -> Evidence:
    start = TEXTS[source].index(text)
    return Evidence(source, f"{source}#0", source, start, start + len(text), text, rank, context)


def _scored() -> list[Scored]:
    meet = _ev("milei", MEET, 1)
    execs = _ev("milei", EXECS, 1, (meet,))
    other = _ev("summit", OTHER, 2)
    return [Scored(execs, 0.9, 0.5, 0.5), Scored(meet, 0.8, 0.5, 0.5), Scored(other, 0.5, 0.3, 0.3)]


def _heads() -> dict[str, str]:
    return {"milei": "Milei in Silicon Valley\n\nBy The Courier, published 2024-05-20.", "summit": "Hamburg summit"}


def _read(question: str, reply: str):
    model = FakeReader(reply)
    return read(question, analyse(question), _scored(), _heads(), lambda t: 1.0, model), model


def test_passages_are_the_best_sentences_with_the_one_before_and_their_articles_head() -> None:
    shown = passages_of(_scored(), _heads())
    assert [p.number for p in shown] == [1, 2]  # MEET is shown inside the first passage already
    assert (
        shown[0].text == f"{MEET} {EXECS}"
        and shown[0].head == "Milei in Silicon Valley (By The Courier, published 2024-05-20)"
    )
    assert shown[1].text == OTHER
    assert head_line("A very long first paragraph " * 20) == ""  # a paragraph that is no title is not a head


def test_a_cited_phrase_is_stated_as_the_source_writes_it_with_exact_offsets() -> None:
    reading, model = _read("Which Apple executive will Milei meet?", "tim cook [1]")
    assert [d.text for d in reading.drafts] == ["Tim Cook"]
    d = reading.drafts[0]
    assert d.span is not None and SOURCE[d.span[0] : d.span[1]] == "Tim Cook"
    assert SOURCE[d.evidence[0].start : d.evidence[0].end] == EXECS
    prompt = model.prompts[0][1]["content"]
    assert f"Article: Milei in Silicon Valley (By The Courier, published 2024-05-20)\n[1] {MEET} {EXECS}" in prompt
    assert reading.signals[0]["lp_mean"] < 0


def test_a_phrase_no_passage_holds_is_not_stated() -> None:
    reading, _ = _read("Which Apple executive will Milei meet?", "Steve Jobs [1]")
    assert reading.drafts == ()


def test_a_wrong_passage_number_is_corrected_to_where_the_phrase_stands() -> None:
    reading, _ = _read("When is the Hayek medal awarded?", "June 22 [1]")
    assert [d.text for d in reading.drafts] == ["June 22"]
    assert reading.drafts[0].evidence[0].source_id == "summit"
    assert reading.signals[0]["cited_right"] == 0.0


def test_a_list_keeps_each_located_item() -> None:
    reading, _ = _read("Which executives will Milei meet?", "Mark Zuckerberg [1]; Sundar Pichai [1]; Elon Musk [2]")
    assert [d.text for d in reading.drafts] == ["Mark Zuckerberg", "Sundar Pichai"]


def test_not_found_makes_no_claim() -> None:
    reading, _ = _read("What is the capital of Australia?", "NOT FOUND")
    assert reading.drafts == () and reading.reply == "NOT FOUND"


def test_replies_are_parsed_into_claims_and_the_passages_they_cite() -> None:
    assert parse("Apple [1] [2]; Google [3]") == [("Apple", (1, 2)), ("Google", (3,))]
    assert parse("Yes [2, 3]. The meeting is planned.") == [("Yes", (2, 3))]
    assert parse("no markers at all") == []


def test_the_pipeline_reads_with_the_model_by_default(settings, embedder: FakeEmbedder) -> None:
    rag.build_index(settings=settings, embedder=embedder)
    model = FakeReader("Starlink [1]")
    answer = rag.ask(
        "What satellite internet service has Musk provided to Argentina?",
        settings=settings.replace(writer="auto"), generator=model, embedder=embedder,
    )  # fmt: skip
    assert model.prompts, "the reader was not asked"
    assert answer.text == "Starlink [1]" and not answer.abstained
    c = answer.citations[0]
    assert (
        c.quote.startswith("Musk provided Starlink")
        and c.quote[c.phrase_start - c.start : c.phrase_end - c.start] == "Starlink"
    )
    assert answer.reader["reply"] == "Starlink [1]" and answer.reader["signals"][0]["stated"] == 1.0


def test_the_writer_setting() -> None:
    from rag.reader import writer_mode

    assert writer_mode("auto", "") == "model" and writer_mode("auto", "qwen-1.5b") == "model"
    assert writer_mode("auto", "smollm2-135m") == "extract"
    assert writer_mode("auto", "/x/SmolLM2-135M-Instruct.Q4_1.gguf") == "extract"
    assert writer_mode("Extract", "/x/qwen.gguf") == "extract"
    with pytest.raises(WriterError, match="use one of auto, extract, model") as err:
        writer_mode("llm", "")
    assert isinstance(err.value, RagError)


def test_the_cli_names_the_allowed_writers(settings) -> None:
    from click.testing import CliRunner

    from rag.cli import cli

    result = CliRunner().invoke(cli, ["ask", "Who?", "--index", str(settings.index_dir), "--writer", "llm"])
    assert result.exit_code == 1
    assert "Unknown writer 'llm' (--writer, RAG_WRITER): use one of auto, extract, model." in result.output
