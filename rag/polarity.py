"""What a sentence asserts: whether it negates, and whether it holds an event as having happened.

Covers: `negations` (how many negations a sentence holds, optionally only those that bear on
what a question asks about), for the polarity check in rag/check.py; `unasserted` (the
evidence holds what a question asks about only as a plan, expectation or possibility) and
`carries` (one sentence holds the asked event with its named participants), for yes/no in
rag/statements.py. All read the parse of spaCy's small English pipeline (rag/phrases.py).

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
        if token.dep_ == "advcl" and token.tag_ == "VBD":
            return False  # "will come weeks after Thiel [met] Milei": a past event, whatever follows it
        token = token.head
    return False


def _stem(token) -> str:
    """The stem of the word's lemma ("sold" -> "sell") as the keyword index makes it; a modal
    ("will", "may") as written."""
    word = (token.lemma_ or token.text).lower()
    stems = tokenize(word)
    return stems[0] if stems else word


# Verbs by which a question attributes a claim to a source ("Did the Courier report that ..."):
# the claim is in their complement, and the sentence need not hold the verb itself.
_REPORTING = frozenset(
    "report say state suggest mention claim indic write note describ discuss highlight argu alleg reveal "
    "confirm impli".split()
)  # stems (Snowball)
_ARGUMENTS = frozenset("nsubj nsubjpass dobj pobj dative attr".split())


def carries(question: str, sentence: str, context: str = "") -> bool:
    """Whether the sentence holds the question's event with its named participants: the main
    verb (or that of what a source is asked to have reported) and the names that stand as its
    subject, object or prepositional object ("Did Milei meet Tim Cook?" needs a form of "meet",
    "Milei" and "Tim Cook" in one sentence, not a plan "with Tim Cook" or "met with Musk").

    What a source is asked to have suggested or reported may be said in other words: there the
    names alone must stand in the sentence. A name the clause refers to by a pronoun ("It did
    not carry cars") may stand anywhere in the sentence or its context (the sentences before
    it, its article's text). A question whose main verb is "be", "have" or "do", or a reporting
    verb with no clause after it ("Does the article discuss layoffs?"), is not judged.
    """
    q = parse(question.replace("’", "'"))
    verb = next((t for t in q if t.dep_ == "ROOT"), None)
    reported = verb is not None and _stem(verb) in _REPORTING
    if verb is not None and reported:
        verb = next((c for c in verb.children if c.dep_ in ("ccomp", "xcomp") and c.pos_ == "VERB"), None)
    if verb is None or verb.pos_ != "VERB" or verb.lemma_.lower() in ("be", "have", "do"):
        return True
    # "Did he manage to [carve out] a state?": the complement of an implicative verb will do too.
    stems = {_stem(verb), *(_stem(c) for c in verb.children if c.dep_ == "xcomp" and c.pos_ == "VERB")}
    names = []
    for c in verb.children:
        heads = [c] if c.dep_ in _ARGUMENTS else [x for x in c.children if x.dep_ == "pobj"] if c.dep_ == "prep" else []
        for h in heads:
            names += [t.text.lower() for t in h.subtree if t.pos_ == "PROPN"]
    doc = parse(sentence.replace("’", "'"))
    around = f"{context} {sentence}".lower()
    if reported:  # what an article is asked to suggest it says in its own words: its names will do
        words = sentence.lower()
        refers = any(t.lower_ in _PRONOUNS for t in doc)
        return all(n in words or (refers and n in around) for n in names)
    for v in doc:
        if v.pos_ not in ("VERB", "NOUN") or not any(_same_word(_stem(v), x) for x in stems):
            continue
        clause = _clause(v)
        refers = any(w in _PRONOUNS for w in clause.split())
        if all(n in clause or (refers and n in around) for n in names):
            return True
    return False


def _clause(verb) -> str:
    """The lower-cased text of the verb's clause, in order: its words (not those of clauses
    nested in it), the noun a relative clause describes, and the subject of the verb it is
    coordinated with or complements ("Milei travelled to Texas and [met Musk]")."""
    tokens = _own_words(verb)
    head = verb
    for _ in range(3):
        if head.dep_ in ("relcl", "acl"):
            tokens += _own_words(head.head)
        if head.dep_ == "acl":  # "Milei signaled a desire [to create]": whose desire it is
            noun = head.head
            owner = noun.head if noun.dep_ in ("dobj", "attr") else noun.head.head if noun.dep_ == "pobj" else None
            tokens += [
                t for c in (owner.children if owner is not None else ()) if c.dep_ == "nsubj" for t in _own_words(c)
            ]
        if head.dep_ not in ("conj", "xcomp", "advcl", "relcl", "acl", "ccomp") or head.head is head:
            break
        head = head.head
        tokens += [t for c in head.children if c.dep_ in ("nsubj", "nsubjpass") for t in _own_words(c)]
    return " ".join(t.text.lower() for t in sorted(set(tokens), key=lambda t: t.i))


_PRONOUNS = frozenset("it he she they him her them his its their".split())
_NESTED = frozenset("relcl acl advcl ccomp xcomp csubj parataxis".split())


def _own_words(token) -> list:
    """The token's subtree without the clauses nested in it ("Ross, [who knows Hale]")."""
    out = [token]
    for c in token.children:
        if c.dep_ not in _NESTED and not (c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")):
            out += _own_words(c)
    return out


def _same_word(a: str, b: str) -> bool:
    """The same stem, or a noun made of the verb ("provision" of "provide": five letters shared)."""
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])
