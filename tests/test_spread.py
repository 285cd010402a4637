"""Answers whose parts are spread over sentences and articles, on hand-made evidence.

What is checked: a list gathers the items further good sentences name in the asked relation
(not every name near the question's subject, not an item twice under another form); a name
that several articles agree on answers a question no single sentence carries, stated in full
and of the asked kind, and not when the articles do not carry the question.
"""

from __future__ import annotations

from rag.answer import compose, shared_name
from rag.answer.records import Evidence, Scored
from rag.question.form import analyse


def _scored(text: str, score: float, source: str = "a", start: int = 0, title: str = "") -> Scored:
    return Scored(Evidence(source, f"{source}#0", title, start, start + len(text), text, 1), score, score, 1.0)


def _idf(term: str) -> float:
    return 1.0


def _compose(question: str, scored: list[Scored], passages: dict[str, str] | None = None) -> list[str]:
    return [d.text for d in compose.compose(question, analyse(question), scored, _idf, None, passages)]


LIST_Q = "Which companies does Milei plan to meet?"
LIST_BEST = _scored("Milei plans to meet with representatives of Apple, OpenAI and Google, among other companies.", 1.2)


def test_a_list_gathers_items_other_sentences_name_in_the_same_relation() -> None:
    more = _scored("On Friday Milei will meet with Microsoft chief Satya Nadella in Seattle.", 0.8, "b")
    assert _compose(LIST_Q, [LIST_BEST, more]) == ["Apple", "OpenAI", "Google", "Microsoft"]


def test_a_name_near_the_subject_but_not_in_the_relation_is_no_item() -> None:
    aside = _scored("Encouraged by Amazon, Milei says he plans to meet with investors in May.", 0.8, "c")
    assert _compose(LIST_Q, [LIST_BEST, aside]) == ["Apple", "OpenAI", "Google"]


def test_an_item_is_not_repeated_under_another_form() -> None:
    again = _scored("Milei will also meet Open AI Inc. executives on Friday.", 0.8, "d")
    assert _compose(LIST_Q, [LIST_BEST, again]) == ["Apple", "OpenAI", "Google"]


def test_items_sharing_a_word_are_still_two_items() -> None:
    q = "Which executives does Milei plan to meet?"
    best = _scored("Milei plans to meet with executives Sam Altman and Tim Cook.", 1.2)
    more = _scored("Milei also plans to meet with Sam Bankman-Fried on Friday.", 0.8, "b")
    assert _compose(q, [best, more]) == ["Sam Altman", "Tim Cook", "Sam Bankman-Fried"]


def test_an_open_answer_comes_only_from_sentences_that_hold_the_asked_event() -> None:
    q = "Why did the council reject the budget?"
    approved = _scored("The council approved the budget after a long debate.", 1.2)
    rejected = _scored("The council rejected the budget because taxes would rise.", 1.1, "b")
    assert _compose(q, [approved]) == []
    assert _compose(q, [approved, rejected]) == [rejected.evidence.text]


def test_a_summary_draws_on_more_sentences_each_naming_what_the_question_names() -> None:
    evidence = [
        _scored("The strike at Rotterdam closed the port for a week.", 1.2),
        _scored("Dockers at Rotterdam want higher pay and shorter shifts.", 0.8, "b"),
        _scored("Shipping firms rerouted cargo to Antwerp.", 0.75, "c"),
    ]
    texts = [e.evidence.text for e in evidence]
    assert _compose("Summarise the strike at Rotterdam.", evidence) == texts[:2]  # not the one naming no Rotterdam
    assert _compose("Why did the strike at Rotterdam close the port?", evidence) == texts[:1]


ACROSS_Q = (
    "Who is the founder that prosecutors say committed fraud on a vast scale, and whom investors once praised"
    " as a genius of the crypto industry?"
)
ACROSS = [
    _scored("Prosecutors say Bankman-Fried committed fraud on a vast scale.", 0.7, "x", 0),
    _scored("Investors once praised the founder Bankman-Fried as a genius of the crypto industry.", 0.68, "y", 0),
    _scored("The trial of Sam Bankman-Fried began in New York on Tuesday.", 0.5, "x", 200),
]


def _across(question: str) -> list[str]:
    return [d.text for d in shared_name.across_articles(question, analyse(question), ACROSS, _idf, {})]


def test_a_name_several_articles_share_answers_in_full() -> None:
    assert _across(ACROSS_Q) == ["Sam Bankman-Fried"]


def test_an_article_the_question_names_is_cited_where_it_names_the_answer() -> None:
    # "as The Ledger reported": the Ledger's article names him only below its two best sentences;
    # it is cited for the name the others do not hold, and without it there is no answer.
    q = ACROSS_Q.replace("crypto industry?", "crypto industry, as The Ledger reported?")
    ledger = [
        _scored("The exchange collapsed in November.", 0.6, "z", 0, "The Ledger: crypto news"),
        _scored("Its customers lost their savings.", 0.55, "z", 40, "The Ledger: crypto news"),
        _scored("Bankman-Fried denied the charges.", 0.3, "z", 80, "The Ledger: crypto news"),
    ]
    drafts = shared_name.across_articles(q, analyse(q), ACROSS + ledger, _idf, {})
    assert [d.text for d in drafts] == ["Sam Bankman-Fried"]
    assert "z" in {e.source_id for e in drafts[0].evidence}
    assert shared_name.across_articles(q, analyse(q), ACROSS + ledger[:2], _idf, {}) == []


def test_an_article_naming_the_answer_is_cited_for_more_of_the_question() -> None:
    # The first two articles carry too little of the question; a third that names him below its
    # best sentences carries the rest and is cited. Without it there is no answer.
    q = ACROSS_Q.replace("industry?", "industry, and who slept on a beanbag beside his trading desk?")
    rare = {"slept", "beanbag", "besid", "trade", "desk"}  # stems, as the check weighs them
    beanbag = [
        _scored("The office had no walls.", 0.6, "w", 0),
        _scored("Staff worked long hours.", 0.55, "w", 30),
        _scored("Bankman-Fried slept on a beanbag beside his trading desk.", 0.3, "w", 60),
    ]

    def idf(term: str) -> float:
        return 5.0 if term in rare else 1.0

    drafts = shared_name.across_articles(q, analyse(q), ACROSS + beanbag, idf, {})
    assert [d.text for d in drafts] == ["Sam Bankman-Fried"]
    assert "w" in {e.source_id for e in drafts[0].evidence}
    assert shared_name.across_articles(q, analyse(q), ACROSS + beanbag[:2], idf, {}) == []


def test_a_name_of_several_words_is_held_by_the_short_form_articles_use() -> None:
    # "Alameda Research" stands in the articles as "Alameda"; a lower-case "research" is not it.
    q = ACROSS_Q.replace("crypto industry?", "crypto industry, and who founded Alameda Research?")
    founded = _scored("Bankman-Fried founded Alameda in 2017.", 0.6, "v", 0)
    assert [d.text for d in shared_name.across_articles(q, analyse(q), ACROSS + [founded], _idf, {})] == [
        "Sam Bankman-Fried"
    ]
    research = _scored("Bankman-Fried founded a research firm in 2017.", 0.6, "v", 0)
    assert shared_name.across_articles(q, analyse(q), ACROSS + [research], _idf, {}) == []


def test_the_noun_a_who_question_describes_its_answer_by_need_not_be_in_the_articles() -> None:
    # "Who is the individual that ...": the articles name him, they do not call him "individual".
    q = ACROSS_Q.replace("Who is the founder", "Who is the individual")

    def idf(term: str) -> float:
        return 20.0 if term == "individu" else 1.0

    assert [d.text for d in shared_name.across_articles(q, analyse(q), ACROSS, idf, {})] == ["Sam Bankman-Fried"]


def test_the_shared_name_must_be_of_the_asked_kind() -> None:
    assert _across(ACROSS_Q.replace("Who is the founder", "Which city is the place")) == []


def test_the_shared_name_must_carry_the_question() -> None:
    assert (
        _across(
            "Who is the chef that food critics praised for a small seafood restaurant in Paris and that landlords sued for unpaid rent?"
        )
        == []
    )


def test_a_short_question_is_not_answered_by_a_shared_name() -> None:
    assert _across("Who committed fraud?") == []


def test_only_a_question_asking_for_a_name_is_answered_by_a_shared_name() -> None:
    choice = (
        "Does the article on prosecutors who say the founder committed fraud on a vast scale agree with the"
        " article on investors who once praised him as a genius of the crypto industry, or not?"
    )
    kind = ACROSS_Q.replace("Who is the founder that", "What type of founder is it that")
    assert _across(choice) == [] and _across(kind) == []


def test_a_shared_name_answers_a_qualified_question_only_where_an_article_ties_it_to_the_qualifier() -> None:
    # "Which Ledger executive": the articles share Bankman-Fried, but where one names Ledger, it
    # ties him to another firm.
    q = ACROSS_Q.replace("Who is the founder", "Which Ledger executive is the founder")
    other = _scored("Alameda founder Sam Bankman-Fried met a Ledger executive on Monday.", 0.3, "t", 0)
    assert shared_name.across_articles(q, analyse(q), ACROSS + [other], _idf, {}) == []
    tied = _scored("Ledger executive Sam Bankman-Fried spoke to investors.", 0.3, "t", 0)
    assert [d.text for d in shared_name.across_articles(q, analyse(q), ACROSS + [tied], _idf, {})] == [
        "Sam Bankman-Fried"
    ]


def test_an_open_answer_needs_the_questions_outlet_in_its_article_and_its_date_by_the_sentence() -> None:
    report = _scored("Tom Hale said the court's ruling opens the store to rival payment systems.", 1.2, "v", 60)
    heads = {"v": "Hale on the ruling\n\nBy The Courier, published 2023-11-02."}
    q = "According to The Courier, what did Tom Hale say about the court's ruling?"
    drafts = compose.compose(q, analyse(q), [report], _idf, None, heads, lambda source: heads[source])
    assert [d.text for d in drafts] == [report.evidence.text]
    q = "According to The Ledger, what did Tom Hale say about the court's ruling?"  # another outlet's
    assert compose.compose(q, analyse(q), [report], _idf, None, heads, lambda source: heads[source]) == []
    q = "What did The Courier report on 2023-11-09 about Tom Hale's view of the court's ruling?"  # another day's
    assert compose.compose(q, analyse(q), [report], _idf, None, heads, lambda source: heads[source]) == []
    # A date the article gives of something else is not the question's.
    fair = _scored("Ann Vale opened the fair in Tolmo on June 1.", 1.2, "w")
    more = {"w": "Fairs\n\nBy The Courier, published 2023-05-02. The ceremony is on June 22."}
    for day, answered in (("June 1", True), ("June 22", False)):
        q = f"Why did Ann Vale open the fair in Tolmo on {day}?"
        drafts = compose.compose(q, analyse(q), [fair], _idf, None, more, lambda source: more[source].split(" The")[0])
        assert bool(drafts) == answered, day
