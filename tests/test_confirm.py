"""A yes the model confirms, for yes/no questions whose claims stand in different articles.

What is checked, with a fake embedder and a fake model that declares the default model's identity
(so its measured margin applies): "Yes" when the model finds it likelier than "No" by that margin,
citing the best sentence of each article shown; never "No" this way (abstains instead); abstains
below the margin, for a model with no measured margin, and when a name of the question is in none of
the shown articles (without asking the model).
"""

from __future__ import annotations

import pytest

import rag
from rag import gates
from rag.confirm import confirm_prompt
from rag.store import open_store

from .conftest import FakeScorer

Q = (
    "Does the Harbor Gazette article say that the ferry schedule changed in spring, "
    "while the Valley Courier article says that the orchard harvest was early?"
)
ARTICLES = {
    "ferry.txt": "Ferries to the islands\n\nBy Harbor Gazette, published 2024-05-02.\n\n"
    "The ferry schedule was changed this spring: crossings leave every forty minutes. Operators cited a shortage of crews.",
    "orchard.txt": "A season ahead\n\nBy Valley Courier, published 2024-08-20.\n\n"
    "The orchard harvest came early, three weeks before the usual date. Warm nights sped up ripening.",
    "market.txt": "Market day\n\nBy Valley Courier, published 2024-06-11.\n\nStalls sold cheese and bread near the square.",
}
DEFAULT = "qwen2.5-coder 1.5b"


class Model(FakeScorer):
    """The fake model, under the default model's identity: its measured yes margin applies."""

    identity = DEFAULT

    def __init__(self, yes: float, no: float) -> None:
        super().__init__(lambda text: {"Yes": yes, "No": no}.get(text, -5.0))


@pytest.fixture
def indexed(tmp_path, embedder):
    src = tmp_path / "news"
    src.mkdir()
    for name, text in ARTICLES.items():
        (src / name).write_text(text)
    s = rag.Settings(source_dir=src, index_dir=tmp_path / "idx", chunk_tokens=60, k=6)
    rag.build_index(settings=s, embedder=embedder)
    return s


def _ask(settings, embedder, model, question=Q):
    return rag.ask(question, settings=settings, generator=model, embedder=embedder)


def _confirm_calls(model: FakeScorer) -> list:
    return [c for c in model.calls if c[1] == ["Yes", "No"]]


def test_a_yes_the_model_is_sure_of_cites_each_article_it_read(indexed, embedder) -> None:
    margin = gates.yes_margin(DEFAULT)
    model = Model(yes=-0.1, no=-0.1 - margin - 0.5)
    answer = _ask(indexed, embedder, model)
    assert answer.kind == "yesno" and not answer.abstained
    assert answer.text.startswith("Yes.")
    assert answer.trace["score"] == pytest.approx(margin + 0.5, abs=1e-3)
    cited = {c.source_id for c in answer.citations}
    assert {"ferry", "orchard"} <= cited
    store = open_store(indexed.index_dir)
    for c in answer.citations:  # every quote is the stored text at its offsets
        assert store.source(c.source_id).text[c.start : c.end] == c.quote
    # The prompt showed each article's title and byline with its best sentence, numbered.
    ((messages, _),) = _confirm_calls(model)
    prompt = messages[-1]["content"]
    assert "[1]" in prompt and "[2]" in prompt and "By Harbor Gazette" in prompt and "By Valley Courier" in prompt


def test_below_the_margin_or_for_no_the_answer_abstains(indexed, embedder) -> None:
    margin = gates.yes_margin(DEFAULT)
    model = Model(yes=-0.1, no=-0.1 - margin + 0.2)
    unsure = _ask(indexed, embedder, model)
    assert unsure.abstained and _confirm_calls(model)
    no = _ask(indexed, embedder, Model(yes=-4.0, no=-0.01))
    assert no.abstained and not no.text.startswith("No.")  # not confirmed is not denied


def test_a_model_without_a_measured_margin_is_not_asked(indexed, embedder) -> None:
    model = FakeScorer(lambda text: {"Yes": 0.0, "No": -20.0}.get(text, -5.0))  # no identity: no margin
    answer = _ask(indexed, embedder, model)
    assert answer.abstained and not _confirm_calls(model)


def test_a_name_no_article_shown_holds_is_not_confirmed(indexed, embedder) -> None:
    model = Model(yes=0.0, no=-20.0)
    answer = _ask(indexed, embedder, model, Q.replace("Valley Courier", "Mountain Herald"))
    assert answer.abstained and not _confirm_calls(model)


def test_the_prompt_numbers_the_articles_and_keeps_the_question() -> None:
    from rag.citations import Evidence

    a = Evidence("a", "a:0", "Title A", 0, 10, "Sentence a.", 0)
    b = Evidence("b", "b:0", "Title B", 0, 10, "Sentence b.", 1)
    messages = confirm_prompt("Is it so?", [[a], [b]], {"a": "Title A\n\nBy X, published 2024-01-01."})
    user = messages[-1]["content"]
    assert "[1] Title A By X, published 2024-01-01.\nSentence a." in user
    assert "[2] Title B\nSentence b." in user
    assert "Question: Is it so?" in user and user.rstrip().endswith("Answer Yes or No.")
