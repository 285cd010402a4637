"""Whether an answer stands in the role the question asks for: the one who acts, or the one acted on.

Covers `role_of`: "Who sold the rights?" asks for the subject of "sell"; in "Guzmán sold the
rights to Bethencourt" Bethencourt is not it, though every word fits, and in "He sold the
rights to Bethencourt" no name is (the seller is "he"). The question's interrogative word gives
the asked role (subject of its verb, or object: "Who did Edgar marry?", "What does the Lek
change its name to?"); the evidence's verbs of the same stem give each phrase's role, from the
parse of spaCy's small English pipeline (rag/language/phrases.py). A passive agent ("by X") is a subject,
a passive subject an object; a verb that completes another ("agreed to swear") takes that one's
subject, and so does a verb coordinated with another ("appointed X and made Y earl").

The verb of a relative clause takes the noun the clause hangs from, and what that noun stands
in apposition with ("the Aller, a river that flows past Celle": the Aller flows); "which river
flows ..." asks for the subject as "who flows ..." would.

Also `named_as` (the sentence says the phrase is a thing of the asked kind: "X, an annual
gathering", "the largest city is X") and `tree_distance`: how many dependency links separate a
phrase from some words (the question's names), which tells apart two phrases that stand
equally near in words ("the Très ancien coutumier, authored between 1200 and 1245; and the
Grand coutumier, authored between 1235 and 1245": the second date hangs from the Grand
coutumier).

Also `owners`: the names a phrase is tied to by its own "of X" or a title ("X CEO ..."): "Sam
Altman of OpenAI" is no Google executive, though it stands next to "Google" in "Sundar Pichai of
Google, Sam Altman of OpenAI", and "SpaceX and Twitter CEO Elon Musk" is SpaceX's, though four
words from it; and `modifies_a_name`: a name that only qualifies the name after it ("[Tesla]
owner Elon Musk") names no person itself; `cited_as_source`: "according to X" makes X the
one who says the sentence's claim, not a part of it.

Does not judge an answer whose role it cannot read (the verb is not in the evidence, the parse
gives the phrase no role): only a phrase that stands in the opposite role, or whose asked
subject is someone else, in every place the verb stands, fails. Does not resolve pronouns, and
does not look at anything but who-acts-on-whom.
"""

from __future__ import annotations

import re

from .phrases import parse
from .text import tokenize

_SUBJECT = frozenset(("nsubj", "csubj", "agent"))
_OBJECT = frozenset(("dobj", "dative", "nsubjpass", "attr", "oprd", "prep"))
_WH = frozenset(("who", "whom", "what", "which"))
_RELATIVE = frozenset(("WDT", "WP"))  # "that", "which", "who" opening a relative clause


def stem(token) -> str:
    """The stem of the word's lemma ("sold" -> "sell") as the keyword index makes it, British
    "-ise" spelled "-ize" and "-our" "-or"; a modal ("will", "may") as written."""
    word = (token.lemma_ or token.text).lower()
    if word.endswith("ise"):  # one verb in either spelling: "patronised" is "patronized"
        word = word[:-3] + "ize"
    elif word.endswith("our") and len(word) >= 6:  # "honour" is "honor", "labour" is "labor"
        word = word[:-3] + "or"
    stems = tokenize(word)
    return stems[0] if stems else word


def asked_role(question: str) -> tuple[str, str] | None:
    """("subject" or "object", the verb's stem) that the question's interrogative word fills."""
    doc = parse(question)
    wh = [t for t in doc if t.lower_ in _WH]
    if not wh:
        return None
    w = wh[0].head if wh[0].dep_ == "det" else wh[0]  # "[Which river] flows ...": the noun stands for it
    verb = w.head.head if w.dep_ == "pobj" else w.head
    if verb.pos_ != "VERB":
        return None
    # "Who did Hugo sell it to?": the small parser may call both "Who" and "Hugo" subjects.
    other_subject = any(c.dep_ == "nsubj" and c.i != w.i for c in verb.children)
    if (w.dep_ == "nsubj" and not other_subject) or (w.dep_ == "pobj" and w.head.dep_ == "agent"):
        return "subject", stem(verb)
    if w.dep_ == "nsubj":
        return "object", stem(verb)
    if w.dep_ in ("dobj", "nsubjpass", "dative", "pobj"):
        return "object", stem(verb)
    return None


def _roles(verb) -> tuple[set[int], set[int]]:
    """Token indexes standing as the verb's subject, and as its objects (prepositional ones too)."""
    subject: set[int] = set()
    objects: set[int] = set()
    for c in verb.children:
        if c.dep_ in _SUBJECT:
            subject |= {t.i for t in c.subtree}
        elif c.dep_ in _OBJECT:
            objects |= {t.i for t in c.subtree}
    if not subject and verb.dep_ == "xcomp":  # "Rollo agreed to [swear]": Rollo swears
        subject = {t.i for c in verb.head.children if c.dep_ in _SUBJECT for t in c.subtree}
    if verb.dep_ == "relcl" and subject and all(verb.doc[i].tag_ in _RELATIVE for i in subject):
        subject = set()  # "a river that flows": the river flows, not "that"
    if not subject and verb.dep_ == "relcl":  # "the man who [sold] it", "the Aller, a river that [flows]"
        noun = verb.head
        subject = {noun.i, *(c.i for c in noun.children if c.dep_ == "appos")}
        if noun.dep_ == "appos":
            subject.add(noun.head.i)
    if not subject and verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        subject = _roles(verb.head)[0]  # "He appointed Robert ... and [made] Ralph earl": he made
    return subject, objects


def role_of(question: str, evidence: str, start: int, end: int) -> bool | None:
    """Whether evidence[start:end] stands in the role the question asks for: True where it is
    that role of a verb of the question's stem; False where each such verb has that role filled
    by other words, or has the phrase in the opposite role; None where the parse cannot tell."""
    asked = asked_role(question)
    if asked is None:
        return None
    role, verb_stem = asked
    doc = parse(evidence)
    span = {t.i for t in doc if start <= t.idx < end}
    verbs = [t for t in doc if t.pos_ == "VERB" and stem(t) == verb_stem]
    if not span or not verbs:
        return None
    verdicts = []
    for verb in verbs:
        subject, objects = _roles(verb)
        mine, other = (subject, objects) if role == "subject" else (objects, subject)
        if span & mine:
            return True
        verdicts.append(bool(span & other) or (role == "subject" and bool(subject)))
    return False if all(verdicts) else None


def span_root(doc, start: int, end: int, coordinated: bool = False):
    """The token of doc[start:end] (character offsets) that the rest hangs from, or None where
    no token starts there; with `coordinated`, the first of the items it is coordinated with
    ("Waal" of "into [Waal] and [Pannerdens Kanaal]" for either)."""
    inside = [t for t in doc if start <= t.idx < end]
    if not inside:
        return None
    root = next((t for t in inside if not (start <= t.head.idx < end) or t.head is t), inside[0])
    while coordinated and root.dep_ == "conj" and root.head is not root:
        root = root.head
    return root


def first_item(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """The offsets of the first item that the phrase sentence[start:end] is coordinated with
    ("[Richard de Camville] and Robert de Thornham" for the second), or None where it is the
    first or stands alone."""
    doc = parse(sentence)
    own, first = span_root(doc, start, end), span_root(doc, start, end, coordinated=True)
    if own is None or first is None or own.i == first.i:
        return None
    words = [first, *(c for c in first.children if c.dep_ in ("compound", "nmod", "amod", "flat") and c.i < first.i)]
    return min(w.idx for w in words), first.idx + len(first.text)


def tree_distance(sentence: str, start: int, end: int, terms: set[str]) -> int:
    """Dependency links between the phrase sentence[start:end] and each of `terms` (stems),
    summed over the terms the rest of the sentence holds, each counted at its nearest word."""
    doc = parse(sentence)
    root = span_root(doc, start, end)
    if root is None:
        return 10**6
    up = {t.i: n for n, t in enumerate([root, *root.ancestors])}
    nearest: dict[str, int] = {}
    for t in doc:
        if start <= t.idx < end:
            continue
        for term in terms & {stem(t), *tokenize(t.lower_)}:
            links = next((n + up[a.i] for n, a in enumerate([t, *t.ancestors]) if a.i in up), 10**6)
            nearest[term] = min(nearest.get(term, 10**6), links)
    return sum(nearest.values())


def named_as(sentence: str, start: int, end: int, noun: str) -> bool:
    """Whether the sentence says the phrase sentence[start:end] is a `noun` (the asked noun's
    stem): in apposition ("the Conservative Political Action Conference, an annual gathering",
    "a gathering, the CPAC") or by "be" ("the largest city is Rotterdam", "Lorelei is a rock")."""
    if not noun:
        return False
    doc = parse(sentence)
    inside = {t.i for t in doc if start <= t.idx < end}
    for t in doc:
        if t.i in inside or stem(t) != noun or t.pos_ not in ("NOUN", "PROPN"):
            continue
        if t.dep_ == "appos" and t.head.i in inside:
            return True
        if any(c.dep_ == "appos" and c.i in inside for c in t.children):
            return True
        if t.dep_ in ("attr", "nsubj") and t.head.lemma_ == "be":
            other = "nsubj" if t.dep_ == "attr" else "attr"
            if any(c.dep_ == other and c.i in inside for c in t.head.children):
                return True
    return False


_OWNER_PREPOSITIONS = frozenset(("of", "from", "at"))


def owners(sentence: str, start: int, end: int) -> frozenset[str]:
    """The words (stems and lower case) of the names the phrase sentence[start:end] is tied to
    in the parse: its own "of/from/at <Name>" ("Sam Altman of OpenAI"), a possessor ("OpenAI's
    Sam Altman"), a title before it that names one ("OpenAI CEO Sam Altman", not the title
    itself), or an apposition that has one ("Sam Altman, the head of OpenAI"). Empty where the
    phrase is tied to no name."""
    root = span_root(parse(sentence), start, end)
    if root is None:
        return frozenset()
    tied = []
    for c in root.children:
        if c.dep_ == "compound" and not start <= c.idx < end:
            tied += [w for w in c.subtree if w is not c and not start <= w.idx < end]
        elif c.dep_ == "poss":
            tied += list(c.subtree)
        elif c.dep_ == "appos":
            tied += [g for p in c.children if p.dep_ == "prep" and p.lower_ in _OWNER_PREPOSITIONS for g in p.subtree]
            tied += [w for g in c.children if g.dep_ == "poss" for w in g.subtree]
        elif c.dep_ == "prep" and c.lower_ in _OWNER_PREPOSITIONS:
            tied += [w for g in c.children if g.dep_ == "pobj" for w in g.subtree]
    return frozenset(x for w in tied if w.pos_ == "PROPN" for x in (stem(w), *tokenize(w.lower_)))


def modifies_a_name(sentence: str, start: int, end: int) -> bool:
    """Whether the phrase sentence[start:end] qualifies a name that follows it rather than
    naming someone itself: "Corvex and [Yardley] CEO Tom Hale", "[Tesla] owner Elon Musk"."""
    t = span_root(parse(sentence), start, end, coordinated=True)
    if t is None or t.dep_ not in ("compound", "nmod"):
        return False
    while t.dep_ in ("compound", "nmod") and t.head is not t:
        t = t.head
    return t.pos_ == "PROPN" and t.idx > end


_ATTRIBUTION = re.compile(r"\baccording\s+to\s+(?:the\s+)?$", re.IGNORECASE)


def cited_as_source(sentence: str, start: int) -> bool:
    """Whether the phrase at sentence[start:] is whom the sentence attributes its claim to
    ("According to [Ana Ruiz], ...")."""
    return _ATTRIBUTION.search(sentence[max(0, start - 20) : start]) is not None


def governing_verb(sentence: str, start: int, end: int) -> str:
    """The stem of the verb whose preposition takes the phrase sentence[start:end] ("at
    [Millingen], the Rhine splits": "split"), or "" where no verb does."""
    t = span_root(parse(sentence), start, end, coordinated=True)
    if t is None or t.dep_ != "pobj" or t.head.dep_ != "prep":
        return ""
    verb = t.head.head
    return stem(verb) if verb.pos_ == "VERB" else ""
