"""What the evidence asserts, as the composer and the claim check read it.

Checked here, with the real small English pipeline and no index: a negation written with a
typographic apostrophe counts; an event that the evidence holds only as a plan, expectation or
consideration confirms nothing; a yes/no whose sentences disagree in polarity is not decided; a
sentence that names what the question is about must carry the question by itself (the sentence
before it is no help); a place asked with "where" is the one the event happens in, not one that
describes a person; and a claim over two sentences is checked against the one that carries the
question; and the words before the asked noun ("Starlink satellite service") answer only if
they name something ("many fine castles" does not); and an answer must stand in the role the
question asks for (who acts, or who is acted on).
"""

from __future__ import annotations

import pytest

from rag import check
from rag.answers import verify_claim
from rag.citations import Evidence, Scored
from rag.polarity import negations, unasserted
from rag.statements import yes_no


def _idf(term: str) -> float:
    return 1.0


def _scored(*texts: str) -> list[Scored]:
    return [Scored(Evidence("a", "a", "", 0, len(t), t, 1), 1.0, 1.0, 1.0) for t in texts]


def test_a_negation_with_a_typographic_apostrophe_counts() -> None:
    # The small tagger reads this "n’t" as punctuation unless the apostrophe is made plain.
    assert negations("The speakers are down to $80 at Amazon and Target, which isn’t an all-time low.") == 1
    assert negations("The speakers are down to $80 at Amazon and Target, which is an all-time low.") == 0


def test_only_a_negation_that_bears_on_the_question_flips_it() -> None:
    q = "Does the guide keep readers updated on the best new phones?"
    aside = "We will keep this guide updated with the best new phones, and other picks if ours doesn't suit you."
    assert negations(aside) == 1 and not check.polarity_flipped(q, aside)
    assert check.polarity_flipped(q, "We will not keep this guide updated with the best new phones.")
    # A question word standing as a mere preposition ("like") does not draw the negation in.
    liked = "Does the guide keep readers updated on the phones we like?"
    aside2 = "We will keep this guide updated with the phones we like, and other picks if ours doesn't look like yours."
    assert not check.polarity_flipped(liked, aside2)
    # "non-" negates too: "non-competitive" asks what "aren't competitive" says.
    assert not check.polarity_flipped(
        "Are the sellers setting non-competitive prices?", "The sellers set prices that aren't competitive."
    )


def test_a_plan_or_an_expectation_is_not_an_event() -> None:
    q = "Has the museum opened its new wing?"
    assert unasserted(q, "The museum is expected to open its new wing next spring.")
    assert unasserted(q, "The museum plans to open its new wing next spring.")
    assert unasserted(q, "The museum will open its new wing next spring.")
    assert not unasserted(q, "The museum opened its new wing last spring.")
    # One place asserts it, another only plans more of it: asserted.
    assert not unasserted(q, "The museum, which opened its new wing in May, plans to open a café.")
    # A question that asks about the plan itself is not judged.
    assert not unasserted("Will the museum open its new wing?", "The museum will open its new wing next spring.")


def test_yes_no_abstains_when_the_evidence_only_plans_it() -> None:
    q = "Has the museum opened its new wing?"
    assert yes_no(q, _scored("The museum is expected to open its new wing next spring."), _idf) == []
    assert [d.text for d in yes_no(q, _scored("The museum opened its new wing last spring."), _idf)] == ["Yes"]


def test_yes_no_abstains_when_its_sentences_disagree_in_polarity() -> None:
    q = "Did the ferry from Oban carry cars across to the island in winter?"
    first = "The ferry from Oban ran all year and was the island's only link in winter."
    second = "It did not carry cars across to the island."
    assert yes_no(q, _scored(first, second), _idf) == []
    assert [d.text for d in yes_no(q, _scored(second.replace(" not", "") + " " + first), _idf)] == ["Yes"]


def test_a_sentence_that_names_the_subject_must_carry_the_question_alone() -> None:
    q = "When did Norway close the border crossing at Storskog to lorries?"
    before = "Norway closed the border crossing at Storskog to lorries on March 3, 1999."
    sentence = "On March 9, 1999, Norway reopened talks about Storskog."
    alone = check.supports(q, "March 9, 1999", sentence, _idf, context=[before])
    assert not alone.ok and "covers" in alone.reason
    # A sentence that does not name the subject ("That crossing") may lean on the one before.
    anaphor = "That crossing reopened on March 9, 1999."
    q2 = "When did the Storskog crossing of Norway reopen?"
    assert check.supports(q2, "March 9, 1999", anaphor, _idf, context=["Norway runs the Storskog crossing."]).ok


@pytest.mark.parametrize(
    ("question", "evidence", "right", "wrong"),
    [
        # where: the place it happens, not one that describes someone
        (
            "Where did Lena Ortiz meet the mayor?",
            "Chicago architect Lena Ortiz met the mayor in Denver on Friday.",
            "Denver",
            "Chicago",
        ),
        # a claim over two sentences rests on the one that carries the question
        (
            "On what date did the council approve the new bridge over the Tyne?",
            "The council approved the new bridge over the Tyne, after a long debate about its cost, on May 4, 2021. "
            "On June 1, 2021, the council opened a consultation on the Tyne quayside.",
            "May 4, 2021",
            "June 1, 2021",
        ),
        # of two answers equally near in words, the one that hangs from the asked name
        (
            "When was the Red Chronicle of Tours written?",
            "The abbey kept two chronicles: the Blue Chronicle of Angers, written between 1102 and 1140; "
            "and the Red Chronicle of Tours, written between 1150 and 1190.",
            "between 1150 and 1190",
            "between 1102 and 1140",
        ),
    ],
)
def test_the_claim_rests_on_the_part_of_the_evidence_that_answers(question, evidence, right, wrong) -> None:
    assert verify_claim(question, right, evidence, _idf)
    assert not verify_claim(question, wrong, evidence, _idf)


def test_the_words_before_the_asked_noun_answer_only_if_they_name_something() -> None:
    q = "What castles did the monks build along the coast?"
    assert not verify_claim(q, "many fine", "The monks built many fine castles along the coast.", _idf)
    assert verify_claim(q, "Ross", "The monks built Ross castle along the coast.", _idf)


def test_the_answer_stands_in_the_role_the_question_asks_for() -> None:
    e = "In 1402 the merchant Aldo Ferri sold the salt rights to the abbot Hugo of Lyon."
    assert verify_claim("Who sold the salt rights?", "Aldo Ferri", e, _idf)
    assert not verify_claim("Who sold the salt rights?", "Hugo of Lyon", e, _idf)
    assert verify_claim("Who did Aldo Ferri sell the salt rights to?", "Hugo of Lyon", e, _idf)
    assert not verify_claim("Who did Hugo of Lyon sell the salt rights to?", "Aldo Ferri", e, _idf)
    passive = "The salt rights were sold by Aldo Ferri to the abbot Hugo of Lyon in 1402."
    assert verify_claim("Who sold the salt rights?", "Aldo Ferri", passive, _idf)
    assert not verify_claim("Who sold the salt rights?", "Hugo of Lyon", passive, _idf)
