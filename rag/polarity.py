"""What a sentence asserts: whether it negates, and whether it holds an event as having happened.

Covers: `negations` (how many negations a sentence holds, optionally only those that bear on
what a question asks about), for the polarity check in rag/check.py; `unasserted` (the
evidence holds what a question asks about only as a plan, expectation or possibility), for
yes/no in rag/statements.py. Both read the parse of spaCy's small English pipeline
(rag/phrases.py).

Does not decide an answer: callers weigh these against the question.
"""

from __future__ import annotations

from .bm25 import tokenize
from .phrases import parse

_FAIL = frozenset("fail fails failed failing".split())
_LACK = frozenset("lack lacks lacked lacking".split())
_CONTENT = frozenset("NOUN PROPN VERB ADJ ADV NUM".split())  # words that can carry what is asked


def negations(sentence: str, about: frozenset[str] | None = None) -> int:
    """How many negations the sentence holds: "not", "never", "n't", "no" as a determiner, "non-",
    and the verbs that mean one ("failed to meet" = did not meet, "tried but failed" = did not
    succeed, "lacks" = has no).

    about: stems of what is asked about; when given, only negations of the main clause or of a
    word next to one of these count ("if it doesn't suit you" in a sentence about something
    else does not).
    """
    doc = parse(sentence.replace("’", "'"))  # "isn’t": the small tagger reads "n’t" as punctuation
    return sum(
        1
        for t in doc
        if (
            t.dep_ == "neg"
            or (t.lower_ in ("no", "never", "neither", "nor", "non") and t.dep_ != "intj")
            or t.lower_ in _FAIL
            or (t.lower_ in _LACK and t.pos_ == "VERB")
        )
        and (about is None or _bears_on(t, about))
    )


def _bears_on(neg, about: frozenset[str]) -> bool:
    """Whether a negation belongs to the main clause or to a word (its head or the head's other
    dependents) among `about`."""
    head = neg.head
    near = [head, *head.children]
    return (
        head.dep_ == "ROOT"
        or neg.dep_ == "ROOT"
        or any(about & {_stem(x), *tokenize(x.lower_)} for x in near if x is not neg and x.pos_ in _CONTENT)
    )


# Words that hold an event as planned, expected, considered or possible, not as having happened.
_IRREALIS = frozenset(
    "consid expect plan hope intend propos aim schedul anticip wish want seek attempt tri suggest "
    "would could might may should will can".split()
)  # stems (Snowball), modals as written
# The dependencies by which a verb is the complement of another ("plans [to meet]").
_COMPLEMENT = frozenset("xcomp ccomp pcomp conj advcl".split())


def unasserted(question: str, evidence: str) -> bool:
    """Whether the evidence holds what the question asks about only as a plan, an expectation,
    a consideration or a possibility ("is expected to debut" for "has it debuted?",
    "considered making peace" for "did he make peace?").

    The question's main verb is looked for in the evidence (else any of its verbs); every
    place it stands must be so held. With none found, the evidence's main verb stands for it.
    A question that itself asks about a plan ("will", "does he plan to") is not judged.
    """
    q = parse(question.replace("’", "'"))
    if any(_stem(t) in _IRREALIS for t in q):
        return False
    doc = parse(evidence.replace("’", "'"))
    hits: list = []
    for verbs in ({_stem(t) for t in q if t.dep_ == "ROOT"}, {_stem(t) for t in q if t.pos_ == "VERB"}):
        hits = hits or [t for t in doc if t.pos_ == "VERB" and _stem(t) in verbs]
    hits = hits or [t for t in doc if t.dep_ == "ROOT"]
    return bool(hits) and all(_irrealis(t) for t in hits)


def _irrealis(token) -> bool:
    """The verb, or a verb it complements, is a plan or possibility ("plans to [meet]", "will meet")."""
    for _ in range(4):
        if _stem(token) in _IRREALIS or any(c.dep_ == "aux" and _stem(c) in _IRREALIS for c in token.children):
            return True
        if token.dep_ not in _COMPLEMENT or token.head is token:
            return False
        token = token.head
    return False


def _stem(token) -> str:
    """The stem of the word's lemma ("sold" -> "sell") as the keyword index makes it; a modal
    ("will", "may") as written."""
    word = (token.lemma_ or token.text).lower()
    stems = tokenize(word)
    return stems[0] if stems else word
