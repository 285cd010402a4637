"""Question forms read from grammar, and the embedding precision chosen from CPU flags."""

from __future__ import annotations

import pytest

from rag.index import cpu
from rag.index.embedding import Embedder
from rag.question.form import analyse, described_as
from rag.question.request import without_request
from rag.verify.checks import name_runs


@pytest.mark.parametrize(
    ("question", "kind", "answer_type"),
    [
        ("Who founded the abbey?", "fact", "person"),
        ("Who were the founders of the abbey?", "list", "person"),
        ("When did the flood reach the town?", "fact", "date"),
        ("Where was the treaty signed?", "fact", "place"),
        ("How many ships sank?", "fact", "number"),
        ("In which year did the bridge open?", "fact", "date"),
        ("Which rivers flow into the lake?", "list", "place"),
        ("Which bank's chairman resigned?", "fact", "org"),
        ("Which airlines' pilots went on strike?", "list", "org"),
        ("Which articles report a strike at the port?", "list", "source"),
        ("Did the council approve the budget?", "yesno", "thing"),
        ("According to the report, was the budget approved?", "yesno", "thing"),
        ("Is the bridge made of steel or of stone?", "fact", "thing"),
        ("Why did the council reject the budget?", "open", "thing"),
        ("How did the strike end?", "open", "thing"),
        ("What did the mayor say about the budget?", "open", "thing"),
        ("Summarise the dispute over the port.", "open", "thing"),
        ("What is the town saying about the port?", "open", "thing"),
        # "What is the N ...": the noun phrase is asked for, whatever verb a clause inside it has.
        ("What is the name of the ship that was reported missing?", "fact", "thing"),
        ("What was the population of the town that the survey described?", "fact", "number"),
        ("What is the largest city the river runs through?", "fact", "place"),
        ("What was the source of the flood?", "fact", "thing"),
        # "What <verb>" asks for the subject, one thing: the plural noun after the verb is no list.
        ("What flooded the lower fields of the valley?", "fact", "thing"),
        ("What Dutch trader founded two warehouses?", "fact", "thing"),
        ("What are the largest towns of the coast?", "list", "place"),
        ("What were the abbey's walls made out of?", "fact", "thing"),
    ],
)
def test_the_form_follows_the_grammar_of_the_question(question, kind, answer_type) -> None:
    form = analyse(question)
    assert (form.kind, form.answer_type) == (kind, answer_type)


def test_qualifiers_and_kinds_of_things() -> None:
    assert analyse("Which Apple executive resigned?").anchors == ("apple",)
    assert analyse("Which tech companies' engineers went on strike?").anchors == ("tech",)
    assert analyse("What kind of bridge was built?").kind_of
    assert analyse("What did the town turn the mill into?").last_preposition == "into"


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("Which bank's chairman resigned?", ("chairman",)),
        ("Who is the individual that founded the bank and later resigned?", ("individual",)),
        ("Who was the Norse leader praised by poets?", ("leader",)),
        ("Who founded the bank?", ()),
    ],
)
def test_the_noun_a_question_names_its_answer_by(question, noun) -> None:
    assert described_as(question, analyse(question)) == noun


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("List the companies whose delegates attended.", "the companies whose delegates attended."),
        ("Tell me about the strike.", "the strike."),
        ("Give an overview of the strike.", "the strike."),
        ("Summarise what the articles say about the strike.", "what the articles say about the strike."),
        ("Which companies attended?", "Which companies attended?"),
        ("Describe.", "Describe."),
    ],
)
def test_an_opening_request_is_not_what_a_question_asks_about(question, asked) -> None:
    assert without_request(question) == asked


def test_a_request_for_one_thing_is_a_fact_and_for_several_a_list() -> None:
    one = analyse("Name the Apple executive the president will meet.")
    several = analyse("List the tech companies whose delegates attended.")
    assert (one.kind, one.focus) == ("fact", ("apple", "executive"))
    assert (several.kind, several.focus) == ("list", ("tech", "companies"))


def test_names_of_several_words_end_at_punctuation() -> None:
    q = "Did 'Sporting News' say that Adam Yedidia, Warren Buffet and Judge Lewis Kaplan's court met in Paris, France?"
    assert name_runs(q) == [
        ["Sporting", "News"],
        ["Adam", "Yedidia"],
        ["Warren", "Buffet"],
        ["Judge", "Lewis", "Kaplan's"],
    ]


@pytest.mark.parametrize(
    ("flags", "dtype"),
    [
        ("fpu sse2 avx avx2 fma f16c", "float32"),  # AVX2 only (e.g. AMD EPYC here): emulated int8 is slower
        ("avx2 fma avx512f avx512_bf16", "bfloat16"),
        ("avx2 fma avx512f avx512_vnni", "int8"),
        ("avx2 fma avx512f avx512_vnni avx512_bf16 amx_tile amx_int8 amx_bf16", "int8"),  # Xeon with AMX
        ("avx2 avx_vnni", "int8"),
        ("", "float32"),
    ],
)
def test_the_embedding_precision_is_chosen_from_the_cpu_flags(monkeypatch, flags, dtype) -> None:
    monkeypatch.setenv("RAG_CPU_FLAGS", flags)
    assert cpu.resolve_embed_dtype("auto") == dtype
    assert cpu.resolve_embed_dtype("bfloat16") == "bfloat16"  # an explicit choice is kept
    assert Embedder(dtype="auto").dtype == dtype
    assert all(f in cpu.describe() for f in flags.split() if f in cpu.REPORTED)


def test_flags_are_read_from_cpuinfo(tmp_path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu avx2 fma\n\nprocessor\t: 1\n")
    assert cpu._read_flags(info) == frozenset({"fpu", "avx2", "fma"})
    assert cpu._read_flags(tmp_path / "missing") == frozenset()
