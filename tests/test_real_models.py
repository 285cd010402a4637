"""End to end on the seeds with the real default embedder and answer model (Qwen2.5-Coder-1.5B, marked
`model`), and the small bundled model (SmolLM2-135M, `model="smollm2-135m"`)."""

from __future__ import annotations

import pytest

import rag
from rag.answer import gate
from rag.settings import Settings
from rag.store import open_store

pytestmark = pytest.mark.model
STARLINK = "What satellite internet service has Musk provided to Argentina?"


@pytest.fixture(scope="session")
def seeds_index(real_seeds_index) -> Settings:
    return real_seeds_index


@pytest.fixture(scope="session")
def small(real_seeds_index) -> Settings:
    """The same index answered by the small bundled model, which only ranks spans of the sources."""
    return real_seeds_index.replace(model="smollm2-135m")


def test_seeds_index_is_built_with_the_bundled_embedder(seeds_index) -> None:
    store = open_store(seeds_index.index_dir)
    assert store.manifest.embed_model == "sentence-transformers/all-MiniLM-L6-v2"
    assert store.manifest.embed_dim == 384
    from rag.index.embedding import Embedder

    e = Embedder()
    for c in store.chunks(range(len(store))):
        assert store.source(c.source_id).text[c.start : c.end] == c.text
        assert e.count_tokens(f"{c.title}\n{c.text}") <= 254


def test_search_ranks_the_starlink_article_first(seeds_index) -> None:
    hits = rag.search(STARLINK, k=5, settings=seeds_index)
    assert hits[0].source_id == "003_3298cd6367d0e3cf"


def test_unchanged_rebuild_is_fast_and_embeds_nothing(seeds_index) -> None:
    stats = rag.build_index(settings=seeds_index)
    assert stats.embedded_chunks == 0 and stats.unchanged == 4


def test_answerable_question_end_to_end(seeds_index) -> None:
    answer = rag.ask(STARLINK, settings=seeds_index)
    assert not answer.abstained
    assert answer.text == "Starlink [1]" and answer.kind == "fact"
    assert "003_3298cd6367d0e3cf" in answer.sources
    store = open_store(seeds_index.index_dir)
    for c in answer.citations:
        assert store.source(c.source_id).text[c.start : c.end] == c.quote
    assert answer.model == "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    assert answer.trace["score"] >= gate.GATES["qwen2.5-coder 1.5b"]  # stated at the default model's own gate
    c = answer.citations[0]
    assert c.quote[c.phrase_start - c.start : c.phrase_end - c.start] == "Starlink"


def test_the_apple_executive_is_cook_never_another_person(seeds_index) -> None:
    answer = rag.ask("Which Apple executive will Milei hold private discussions with?", settings=seeds_index)
    for other in ("Altman", "Pichai", "Zuckerberg", "Musk"):
        assert other not in answer.text, answer.text
    assert answer.abstained or answer.text.startswith("Tim Cook [1]")


def test_the_small_model_answers_too(small) -> None:
    answer = rag.ask(STARLINK, settings=small)
    assert answer.text == "Starlink [1]" and answer.model == "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.mark.parametrize(
    "question, right",
    [
        ("Which Google executive will Milei hold discussions with?", "Pichai"),  # not "Sam Altman [of OpenAI]"
        ("Who will Milei meet from OpenAI?", "Altman"),  # not Musk, whom he met before
        ("Which executive of Meta will Milei meet?", "Zuckerberg"),  # not "SpaceX and Twitter CEO Elon Musk"
        ("Who will Milei meet from Google?", "Pichai"),  # not "Alphabet Inc.", which owns Google
        ("What mineral is Musk interested in?", "lithium"),  # not "[according to] Milei"
    ],
)
def test_a_qualified_person_or_thing_is_right_or_abstains(seeds_index, question, right) -> None:
    answer = rag.ask(question, settings=seeds_index)
    assert answer.abstained or right in answer.text, answer.text


def test_a_name_the_articles_share_is_no_answer_for_another_companys_executive(seeds_index) -> None:
    # Every article names Elon Musk, and one names him beside Apple, as Tesla's owner: he is
    # not the Apple executive asked for (the articles name none who said this).
    q = "Which Apple executive had to tell staff the company is not a place for political debate after a contract with Israel's government?"
    answer = rag.ask(q, settings=seeds_index)
    assert "Musk" not in answer.text, answer.text


def test_an_open_answer_holds_the_date_the_question_gives(seeds_index) -> None:
    # The inauguration is on June 1; the article's June 22 is the Hayek ceremony's.
    answer = rag.ask("Why was Bukele's inauguration in San Salvador held on June 22?", settings=seeds_index)
    assert answer.abstained, answer.text


def test_a_list_of_companies_each_cited(seeds_index) -> None:
    answer = rag.ask("Which tech companies' representatives does Milei plan to meet?", settings=seeds_index)
    assert answer.kind == "list" and not answer.abstained
    for company in ("Apple", "OpenAI", "Google", "Meta"):
        assert company in answer.text
    assert len(answer.claims) >= 3 and all(c.citations for c in answer.claims)


def test_yes_no_from_the_evidence(seeds_index) -> None:
    answer = rag.ask("Has Milei met Musk before?", settings=seeds_index)
    assert answer.kind == "yesno" and answer.text.startswith("Yes.")
    assert any("Musk" in c.quote for c in answer.citations)
    # Only planned, or said of someone else: no "Yes" (the articles plan talks with Cook, and one
    # sentence says Milei met Musk while another names Zuckerberg).
    for question in ("Did Milei meet Tim Cook?", "Has Milei met Zuckerberg?"):
        assert not rag.ask(question, settings=seeds_index).text.startswith("Yes"), question
    # Either way round, and after a future main clause: "weeks after Peter Thiel met with Milei".
    assert rag.ask("Did Milei meet Peter Thiel?", settings=seeds_index).text.startswith("Yes.")


def test_the_model_scores_the_same_whatever_was_asked_before(small) -> None:
    from rag.answer.model import get_generator

    gen = get_generator(small.model, small.n_ctx, small.n_threads)
    messages = [
        {
            "role": "user",
            "content": "Passages:\n- Tim Cook of Apple and Sam Altman of OpenAI.\n\nQuestion: Who runs Apple?",
        }
    ]
    first = gen.score(messages, ["Tim Cook", "Sam Altman"])
    list(gen.stream([{"role": "user", "content": "Say something long about rivers."}], 24))
    gen.score([{"role": "user", "content": "Another prompt entirely, of a different length."}], ["x"])
    assert gen.score(messages, ["Tim Cook", "Sam Altman"]) == first


def test_each_model_is_known_by_its_own_name_and_gets_its_own_gate(small, seeds_index) -> None:
    from rag.answer.model import get_generator

    gen = get_generator(small.model, small.n_ctx, small.n_threads)
    assert gen.identity == "smollm2 135m"  # from the GGUF's metadata, not the file name
    assert gate.answer_gate(gen.identity) == gate.BUNDLED_GATE
    default = get_generator("", seeds_index.n_ctx, seeds_index.n_threads, seeds_index.cache_dir)
    assert default.identity == "qwen2.5-coder 1.5b" and gate.answer_gate(default.identity) == 1.54


def test_unanswerable_question_abstains(seeds_index) -> None:
    for q in ("Who won the 2022 FIFA World Cup final?", "What is the capital of Australia?"):
        answer = rag.ask(q, settings=seeds_index)
        assert answer.abstained and not answer.citations, q
