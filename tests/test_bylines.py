"""Articles a question names by their outlet are searched too (rag/retrieve/named_outlets.py)."""

from __future__ import annotations

import rag
from rag.pipeline import get_retriever
from rag.retrieve import named_outlets

from .conftest import FakeEmbedder, FakeScorer

STRIKE = "Miners at the Toquepala mine went on strike for higher pay and safer shafts."
FILLER = " ".join(f"Paragraph {i} is about the weather in the hills, rain and wind and fog." for i in range(8))
ARTICLES = {
    # The byline stands in the first chunk, the report far below it.
    "post.txt": f"Mine news\n\nBy The Andes Post | Daily Edition, published 2023-04-10.\n\n{FILLER}\n\n{STRIKE}",
    "sun.txt": "Strike news\n\nBy The Daily Sun, published 2023-04-11.\n\n"
    + " ".join(["The strike at the Toquepala mine for pay went on, miners said of the strike at the mine."] * 3),
    "fortune.txt": "Markets\n\nBy Fortune, published 2023-04-12.\n\nCopper prices rose on the strike news.",
    "sports.txt": "Cup final\n\nBy The Independent - Sports, published 2023-04-13.\n\nThe final ended in a draw.",
    "life.txt": "Gardens\n\nBy The Independent - Life and Style, published 2023-04-14.\n\nRoses need sun.",
    "plain.txt": "No byline here\n\nJust a paragraph about the weather.",
}


def _index(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name, text in ARTICLES.items():
        (src / name).write_text(text)
    s = rag.Settings(source_dir=src, index_dir=tmp_path / "idx", chunk_tokens=60, k=1)
    embedder = FakeEmbedder()
    rag.build_index(settings=s, embedder=embedder)
    return s, embedder


def test_outlets_read_at_indexing_name_articles(tmp_path) -> None:
    s, embedder = _index(tmp_path)
    store = get_retriever(s, embedder).store
    assert named_outlets.bylines(store) == {
        "post": "The Andes Post | Daily Edition",
        "sun": "The Daily Sun",
        "fortune": "Fortune",
        "sports": "The Independent - Sports",
        "life": "The Independent - Life and Style",
    }
    named = named_outlets.named_sources
    assert named("What did The Andes Post report about the strike?", store) == {"the andes post": {"post"}}
    assert named("Did Fortune report on copper?", store) == {"fortune": {"fortune"}}
    assert named("Did the miners make a fortune?", store) == {}  # not a name
    assert named("What did The Independent - Sports say?", store) == {"the independent sports": {"sports"}}
    assert named("What did The Independent say?", store) == {"the independent": {"sports", "life"}}


def test_an_article_the_question_names_is_searched_too(tmp_path) -> None:
    # The Sun's article repeats the question's words, so a search for one chunk finds it; the
    # question names The Andes Post, whose article is searched as well.
    s, embedder = _index(tmp_path)
    q = "What did The Andes Post report about the strike at the Toquepala mine?"
    answer = rag.ask(q, settings=s, generator=FakeScorer(), embedder=embedder)
    assert [h.source_id for h in answer.hits] == ["sun", "post", "post"]  # two chunks of the Post at most
    assert [h.rank for h in answer.hits] == [1, 2, 3]
    assert any(STRIKE in h.text for h in answer.hits[1:])  # the report, not only the byline
    unnamed = rag.ask("What happened at the Toquepala mine?", settings=s, generator=FakeScorer(), embedder=embedder)
    assert [h.source_id for h in unnamed.hits] == ["sun"]
