"""What a sentence asserts: whether it negates, and whether it holds an event as having happened.

Covers: `negations` (how many negations a sentence holds, optionally only those that bear on
what a question asks about), for the polarity check in rag/verify/checks.py; `unasserted` (the
evidence holds what a question asks about only as a plan, expectation or possibility) and
`carries` (one sentence holds the asked event with its named participants), for yes/no in
rag/answer/sentences.py and for the sentences a fact or list is taken from in rag/answer/compose.py. All
read the parse of spaCy's small English pipeline (rag/language/phrases.py).

Does not decide an answer: callers weigh these against the question.
"""

from __future__ import annotations

from .phrases import parse
from .roles import stem
from .text import fold, tokenize

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
    dependents, or a word of the negated clause's subject) among `about`."""
    head = neg.head
    subject = [w for c in head.children if c.dep_ in ("nsubj", "nsubjpass") for w in c.subtree]
    near = [head, *head.children, *subject]
    return (
        head.dep_ == "ROOT"
        or neg.dep_ == "ROOT"
        or any(about & {stem(x), *tokenize(x.lower_)} for x in near if x is not neg and x.pos_ in _CONTENT)
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
    if any(stem(t) in _IRREALIS for t in q):
        return False
    doc = parse(evidence.replace("’", "'"))
    hits: list = []
    for verbs in ({stem(t) for t in q if t.dep_ == "ROOT"}, {stem(t) for t in q if t.pos_ == "VERB"}):
        hits = hits or [t for t in doc if t.pos_ == "VERB" and stem(t) in verbs]
    hits = hits or [t for t in doc if t.dep_ == "ROOT"]
    return bool(hits) and all(_irrealis(t) for t in hits)


def _irrealis(token) -> bool:
    """The verb, or a verb it complements, is a plan or possibility ("plans to [meet]", "will meet")."""
    for _ in range(4):
        if stem(token) in _IRREALIS or any(c.dep_ == "aux" and stem(c) in _IRREALIS for c in token.children):
            return True
        if token.dep_ not in _COMPLEMENT or token.head is token:
            return False
        if token.dep_ == "advcl" and token.tag_ == "VBD":
            return False  # "will come weeks after Thiel [met] Milei": a past event, whatever follows it
        token = token.head
    return False


# Verbs by which a question attributes a claim to a source ("Did the Courier report that ..."):
# the claim is in their complement, and the sentence need not hold the verb itself.
REPORTING = frozenset(
    "report say state suggest mention claim indic write note describ discuss highlight argu alleg reveal "
    "confirm impli".split()
)  # stems (Snowball)
_ARGUMENTS = frozenset("nsubj nsubjpass dobj pobj dative attr".split())


def carries(question: str, sentence: str, context: str = "", anywhere: bool = False) -> bool:
    """Whether the sentence holds the question's event with its named participants: the main
    verb (or that of what a source is asked to have reported) and the names that stand as its
    subject, object or prepositional object ("Did Milei meet Tim Cook?" needs a form of "meet",
    "Milei" and "Tim Cook" in one sentence, not a plan "with Tim Cook" or "met with Musk").

    What a source is asked to have suggested or reported may be said in other words: there the
    names alone must stand in the sentence. A name the clause refers to by a pronoun ("It did
    not carry cars") may stand anywhere in the sentence or its context (the sentences before
    it, its article's text), and so may one a description stands for as the event's subject
    ("the far-right leader"). A question whose main verb is "be", "have", "do" or one of naming,
    or a reporting verb with no clause after it ("Does the article discuss layoffs?"), is not
    judged.

    anywhere: the names may stand anywhere in the sentence, not only in the event's clause (for
    a fact, whose other checks weigh where the answer stands; a long list trips the parser).
    """
    q = parse(question.replace("’", "'"))
    verb = next((t for t in q if t.dep_ == "ROOT"), None)
    if verb is not None and _imperative(verb):
        # "List the companies Milei will [meet]", "Explain why he was [reelected]": the request
        # is no event; the clause it governs is, and with none ("Give an overview of X") the
        # question is not judged.
        verb = _requested(verb)
        if verb is None:
            return True
    reported = verb is not None and stem(verb) in REPORTING
    if verb is not None and reported:
        verb = next((c for c in verb.children if c.dep_ in ("ccomp", "xcomp") and c.pos_ == "VERB"), None)
    # "How high did the sea level [rise]": after "did" the tagger may read the verb as a noun.
    misread = verb is not None and verb.pos_ == "NOUN" and any(t.pos_ == "AUX" and t.lemma_ == "do" for t in q)
    if verb is None or (verb.pos_ != "VERB" and not misread) or verb.lemma_.lower() in _UNJUDGED:
        return True
    # "Did he manage to [carve out] a state?": the complement of an implicative verb will do too;
    # "hold [talks]": the event is the noun a light verb takes.
    stems = {_event(verb), *(stem(c) for c in verb.children if c.dep_ == "xcomp" and c.pos_ == "VERB")}
    if verb.lemma_.lower() in _NEGATIVE_IMPLICATIVE:
        stems = {_event(verb)}  # "Why did he refuse to release them?": not a sentence where he releases them
    if verb.lemma_.lower() in _LIGHT:
        stems |= {stem(c) for c in verb.children if c.dep_ == "dobj" and c.pos_ == "NOUN"}
    # What the event is done to, where it is a thing: "did Nike beat [revenue expectations]" is not
    # "Nike misses revenue expectations ..., beats on earnings" (a light verb's object is its event).
    objects = (
        []
        if verb.lemma_.lower() in _LIGHT
        else [stem(c) for c in verb.children if c.dep_ == "dobj" and c.pos_ == "NOUN"]
    )
    names = []
    for c in verb.children:
        heads = [c] if c.dep_ in _ARGUMENTS else [x for x in c.children if x.dep_ == "pobj"] if c.dep_ == "prep" else []
        for h in heads:
            names += [fold(t.text) for t in h.subtree if t.pos_ == "PROPN"]
    doc = parse(sentence.replace("’", "'"))
    around = fold(f"{context} {sentence}")
    if reported:  # what an article is asked to suggest it says in its own words: its names will do
        words = fold(sentence)
        refers = any(t.lower_ in _PRONOUNS for t in doc)
        return all(n in words or (refers and n in around) for n in names)
    for v in doc:
        if v.pos_ not in ("VERB", "NOUN") or not any(_same_word(_event(v), x) for x in stems):
            continue
        tokens = list(doc) if anywhere else _clause(v)
        clause = fold(" ".join(t.text for t in tokens))
        # A pronoun, or a description standing as the subject of this very event ("the leader
        # has [talks]"; not "the trip" of "the trip comes after Thiel [met] Milei").
        doers = {v, _taker(v)} if any(c.dep_ in ("nsubj", "nsubjpass") for c in v.children) else {v, _taker(v), v.head}
        refers = any(t.lower_ in _PRONOUNS or (definite_subject(t) and (anywhere or t.head in doers)) for t in tokens)
        held = {stem(t) for t in tokens}
        done_to = anywhere or all(any(_same_word(o, x) for x in held) for o in objects)
        if done_to and all(n in clause or (refers and n in around) for n in names):
            return True
    return False


def _imperative(verb) -> bool:
    """Whether the question's main verb is a request that opens it ("List ...", "Explain ...")."""
    return verb.i == 0 and verb.tag_ == "VB" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)


def _requested(verb):
    """The verb of the clause a request governs: its complement ("explain why he [left]") or a
    clause describing its object ("name the executive Milei will [meet]"); None without one."""
    for c in verb.children:
        if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX"):
            return c
    for c in verb.children:
        if c.dep_ in ("dobj", "dative"):
            clause = next((x for x in c.children if x.dep_ in ("relcl", "acl") and x.pos_ == "VERB"), None)
            if clause is not None:
                return clause
    return None


# Verbs that deny the verb they govern: "refused to release" is no release.
_NEGATIVE_IMPLICATIVE = frozenset("refuse fail decline neglect avoid forget deny".split())
# Verbs a question's event is not judged by: being, having, doing, and naming ("What is X called?").
_UNJUDGED = frozenset("be have do call name".split())
# Verbs whose event is the noun they take ("hold talks", "make a visit", "take a trip").
_LIGHT = frozenset("hold make take give put conduct pay".split())
# Verbs whose subject takes part in the noun event they take ("the leader has [talks] planned").
_TAKES_EVENT = _LIGHT | {"have"}


def _taker(noun):
    """For a noun event, the verb whose subject takes part in it: the light verb that takes it
    ("has [talks]") or the verb its preposition qualifies ("In a [meeting] ..., Musk and Milei
    solidified ..."); None otherwise."""
    if noun.pos_ != "NOUN":
        return None
    if noun.dep_ == "dobj" and noun.head.lemma_.lower() in _TAKES_EVENT:
        return noun.head
    if noun.dep_ == "pobj" and noun.head.dep_ == "prep" and noun.head.head.pos_ == "VERB":
        return noun.head.head
    return None


def definite_subject(token) -> bool:
    """Whether the token is a subject that refers back by description ("the far-right leader",
    "both presidents")."""
    return (
        token.dep_ in ("nsubj", "nsubjpass")
        and token.pos_ == "NOUN"
        and any(c.dep_ == "det" and c.lower_ in _DEFINITE for c in token.children)
    )


_DEFINITE = frozenset("the this that these those both".split())


def _clause(verb) -> list:
    """The words of the verb's clause, in order: its own (not those of clauses nested in it),
    the noun a relative clause describes, the subject of the verb it is coordinated with or
    complements ("Milei travelled to Texas and [met Musk]"), and, for a noun, the subject of
    the light verb that takes it ("the leader has [talks] planned"; not "Hale praised the
    meeting") or of the verb its preposition qualifies ("In a [meeting] ..., Musk and Milei ...")."""
    tokens = _own_words(verb)
    taker = _taker(verb)
    if taker is not None:
        tokens += [t for c in taker.children if c.dep_ in ("nsubj", "nsubjpass") for t in _own_words(c)]
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
    return sorted(set(tokens), key=lambda t: t.i)


_PRONOUNS = frozenset("it he she they him her them his its their".split())
_NESTED = frozenset("relcl acl advcl ccomp xcomp csubj parataxis".split())


def _own_words(token) -> list:
    """The token's subtree without the clauses nested in it ("Ross, [who knows Hale]")."""
    out = [token]
    for c in token.children:
        if c.dep_ not in _NESTED and not (c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")):
            out += _own_words(c)
    return out


def _event(token) -> str:
    """The word's stem, with a hyphenated "re-" joined to it as the tagger splits it off
    ("re-occupied" is "reoccupied")."""
    doc = token.doc
    joined = token.i >= 2 and doc[token.i - 1].text == "-" and doc[token.i - 2].lower_ == "re"
    return f"re{stem(token)}" if joined else stem(token)


def _same_word(a: str, b: str) -> bool:
    """The same stem, or a noun made of the verb ("provision" of "provide": five letters shared)."""
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])
