"""Whether an evidence sentence tells of another event than the one the question asks about.

Covers four ways a sentence that holds every word of the question still does not answer it,
read from the parse of spaCy's small English pipeline (rag/language/phrases.py):
- `other_clause`: the answer hangs on another verb than the question's own, in a sentence
  that has the question's verb too ("The allies left in [1930] and the army re-occupied it in
  1936" for "When did the allies re-occupy it?"): it dates or places the other event. A verb
  that completes the asked one, or that it completes ("began to re-occupy it in 1936"), is the
  same event, and so are a participle that tells its circumstances ("speaking in [1907], the
  mayor said"), a clause that tells of the phrase ("in [1185], when an army invaded") and a
  phrase put before the subject of coordinated verbs ("In [1018] he went, but failed").
- `other_subject`: the question's verb stands in the sentence with another subject than the
  question's ("the IJssel carries one ninth into [the IJsselmeer], while the Nederrijn carries
  two ninths" for "Into which lake does the Nederrijn carry one ninth?"), or the answer is
  itself that verb's subject where the question names its own. Subjects are compared only in
  the same voice; a pronoun subject is not read (it may be the question's subject), nor a
  description that may stand for the names the question gives ("both presidents").
- `other_argument`: the question's verb takes another name there by one of the question's
  prepositions ("Who sold the Alsace to France?" against "was sold [to] Burgundy by Sigismund";
  "fell to France" is another verb's).
- `own_people`: a sentence whose pronouns refer to a person it names ("Roussel tried, but he
  was stopped by Alexius") is not about a person the question names from the sentence before
  ("Who stopped Robert Crispin?").
`another_event` gives the reason of the first of these, or of rag/verify/qualifier.py's, that holds.

Does not resolve pronouns or paraphrases: where the sentence lacks the question's verb or
noun, or the parse gives no verb above the answer, nothing is said (None or False). Another
thing than the asked one (another qualifier, measure or side) is rag/verify/qualifier.py's.
"""

from __future__ import annotations

from ..language.phrases import parse
from ..language.polarity import definite_subject
from ..language.roles import span_root, stem
from ..language.text import tokenize
from .qualifier import other_measure, other_numeral, other_qualifier

# Verbs that carry no event of their own ("did", "is", "has").
_LIGHT = frozenset(("be", "do", "have"))
# Links by which one verb completes another: one event ("plans [to meet]").
_SAME_EVENT = frozenset(("xcomp",))
_WH = frozenset(("who", "whom", "whose", "what", "which", "when", "where", "how", "why"))


def _verb(t) -> str:
    """A verb's stem; of a prefixed one the tagger splits ("re-occupy": "re", "-", "occupy"), the
    last part's."""
    doc = t.doc
    if not t.whitespace_ and t.i + 2 < len(doc) and doc[t.i + 1].text == "-" and not doc[t.i + 1].whitespace_:
        return stem(doc[t.i + 2])
    return stem(t)


def _verbs(doc) -> list:
    return [t for t in doc if t.pos_ == "VERB" and t.is_alpha]


def _asked_verb(doc):
    """The question's own verb: the first content verb above its interrogative word, else the
    root, else the verb a "be" root governs ("until what year were the allies to [occupy] it")."""
    wh = next((t for t in doc if t.lower_ in _WH), None)
    roots = [t for t in doc if t.dep_ == "ROOT"]
    governed = [c for r in roots if r.lemma_ == "be" for c in r.children if c.dep_ in _SAME_EVENT]
    for t in [*(wh.ancestors if wh is not None else ()), *roots, *governed]:
        if t.pos_ == "VERB" and t.is_alpha and _verb(t) not in _LIGHT:
            return t
    return None


def _verb_above(doc, start: int, end: int, asked: str):
    """The verb the phrase hangs on, past a participle other than the asked verb (`asked`, a
    stem) that only describes a noun ("a Norman [named] Oursel led ...": "led"). A relative
    clause is a verb of its own ("a scale [which runs] to Hoek van Holland (1036.20 km)")."""
    root = span_root(doc, start, end, coordinated=True)
    above = (t for t in (root.ancestors if root is not None else ()) if t.pos_ == "VERB" and t.is_alpha)
    return next((t for t in above if t.dep_ != "acl" or _verb(t) == asked), None)


def _event(verb):
    """The verb a completing verb completes ("meet" of "plans to meet": "plans"), or that a
    participle without a subject of its own tells the circumstances of ("[speaking] at the town
    hall, the mayor said": "said"), or the verb."""
    while verb.head.i != verb.i and (
        verb.dep_ in _SAME_EVENT
        or (
            verb.dep_ in ("advcl", "csubj")
            and verb.tag_ in ("VBG", "VBN")
            and not any(c.dep_.startswith("nsubj") for c in verb.children)
        )
    ):
        verb = verb.head
    return verb


def other_clause(question: str, evidence: str, start: int, end: int) -> bool:
    """Whether evidence[start:end] hangs on another verb than the question's, in a sentence that
    holds the question's verb."""
    asked = _asked_verb(parse(question))
    if asked is None:
        return False
    doc = parse(evidence)
    own = [t for t in _verbs(doc) if _verb(t) == _verb(asked) and not start <= t.idx < end]
    above = _verb_above(doc, start, end, _verb(asked))
    root = span_root(doc, start, end, coordinated=True)
    if not own or above is None or root is None:
        return False
    if any(root.i in {a.i for a in v.ancestors} for v in own):
        return False  # the verb's clause tells of the phrase: "in [1185], when an army invaded it"
    subject = [c.i for c in above.children if c.dep_.startswith("nsubj")]
    if subject and root.i < min(subject) and any(v.dep_ == "conj" and v.head.i == above.i for v in own):
        # Put before the subject, it is said of each verb of that subject: "In [1018], he went, but failed".
        return False
    return all(_event(above).i != _event(v).i for v in own)


def _subject(verb) -> tuple[str, list]:
    """The verb's subject words and its voice ("active" or "passive"), climbing a completing verb."""
    v = verb
    while True:
        for c in v.children:
            if c.dep_ in ("nsubj", "nsubjpass"):
                return ("passive" if c.dep_ == "nsubjpass" else "active"), list(c.subtree)
        if v.dep_ not in _SAME_EVENT or v.head.i == v.i:
            return "", []
        v = v.head


def _content(words) -> set[str]:
    return {stem(w) for w in words if w.pos_ in ("NOUN", "PROPN") and w.lower_ not in _WH}


def other_subject(question: str, evidence: str, start: int, end: int) -> bool:
    """Whether the question's verb, above evidence[start:end], has another subject in the
    evidence than in the question, or has the phrase itself as subject."""
    qdoc = parse(question)
    asked = _asked_verb(qdoc)
    if asked is None:
        return False
    q_voice, q_words = _subject(asked)
    q_subject = _content(q_words)
    if not q_subject or any(w.lower_ in _WH for w in q_words):
        return False  # the question asks for the subject, or names none
    doc = parse(evidence)
    above = _verb_above(doc, start, end, _verb(asked))
    if above is None or _verb(above) != _verb(asked):
        return False
    voice, words = _subject(above)
    if voice != q_voice or not words or any(w.pos_ == "PRON" or w.tag_ in ("WDT", "WP") for w in words):
        return False
    # A description names no one itself ("the libertarian firebrand"; not "the IJssel branch").
    named = any(w.pos_ == "PROPN" and w.dep_ != "amod" for w in words)
    described = any(definite_subject(w) for w in words) and not named
    if described and any(w.pos_ == "PROPN" for w in q_words):
        return False  # "both presidents" may be the "Milei and Bukele" the question names
    if any(start <= w.idx < end for w in words):  # the phrase does what the question's subject does
        return not q_subject & set(tokenize(evidence[start:end]))
    said = _content(words)  # "the German army" is not "the allies"; a word in common may be a paraphrase
    return bool(said) and not said & q_subject


# Prepositions whose object plays the same part whatever the voice ("sold [to] Burgundy" and
# "was sold [to] Burgundy"); not "by" (the doer of a passive) or "of" (part of a name).
_ROLE_PREPOSITIONS = frozenset(("to", "from", "into", "with", "against", "for", "onto", "toward"))
# Prepositions of where, one role between them ("met [at] the factory [in] Austin").
_PLACE_PREPOSITIONS = frozenset(("in", "at", "on", "near", "inside", "within"))


def _named_objects(verb) -> dict[str, set[str]]:
    """The names each preposition of the verb takes, the prepositions of where as one ("place"),
    dates left out: {"to": {"france"}} of "sold it to France in June"."""
    out: dict[str, set[str]] = {}
    objects = [c for c in verb.children if c.dep_ == "dobj"]  # the parse may hang them there: "met Vale [at] ..."
    for c in [*verb.children, *(c for o in objects for c in o.children)]:
        if c.dep_ not in ("prep", "dative") or c.lower_ not in _ROLE_PREPOSITIONS | _PLACE_PREPOSITIONS:
            continue
        role = "place" if c.lower_ in _PLACE_PREPOSITIONS else c.lower_
        for g in c.children:
            if g.dep_ == "pobj":
                names = {stem(w) for w in g.subtree if w.pos_ == "PROPN" and w.ent_type_ not in ("DATE", "TIME")}
                out.setdefault(role, set()).update(names)
    return out


def other_argument(question: str, evidence: str, start: int, end: int) -> bool:
    """Whether the question's verb, above evidence[start:end], takes other names by one of the
    question's prepositions there ("Who sold it to France?" against "it was sold to Burgundy
    by Sigismund ... and fell to France"): the same act, done to or at another."""
    asked = _asked_verb(parse(question))
    if asked is None:
        return False
    wanted = {p: n for p, n in _named_objects(asked).items() if n}
    if not wanted:
        return False
    doc = parse(evidence)
    above = _verb_above(doc, start, end, _verb(asked))
    if above is None or _verb(above) != _verb(asked):
        return False
    said, own = _named_objects(above), _own_names(above)
    # The parse may hang a place on the object ("met Vale [in Tolmo]"): any name of the clause will do.
    return any(said.get(p) and not said[p] & names and not own & names for p, names in wanted.items())


# Links to a clause of its own, whose names are not the verb's ("sold to Burgundy and [fell] to France").
_CLAUSES = frozenset(("conj", "advcl", "relcl", "ccomp", "xcomp", "acl", "parataxis"))


def _own_names(verb) -> set[str]:
    """The names of the verb's own clause, not of the clauses nested in it, and of the noun
    its relative clause describes ("fled to [Italy], where they established a monastery")."""
    nested = {w.i for c in verb.children if c.dep_ in _CLAUSES and c.pos_ in ("VERB", "AUX") for w in c.subtree}
    own = {stem(w) for w in verb.subtree if w.pos_ == "PROPN" and w.i not in nested}
    clause = verb
    while clause.dep_ == "conj" and clause.head.i != clause.i:
        clause = clause.head
    if clause.dep_ == "relcl":
        inner = {w.i for w in clause.subtree}
        own |= {stem(w) for w in clause.head.subtree if w.pos_ == "PROPN" and w.i not in inner}
    return own


_PERSONAL = frozenset(("he", "she", "him", "her", "his", "hers", "they", "them", "their"))


def own_people(question: str, sentence: str) -> bool:
    """Whether a person the question names is wholly missing from the sentence while every
    personal pronoun of the sentence follows a person it names ("Roussel ... tried, but he was
    stopped"): its pronouns speak of its own people, so the sentences before it cannot supply
    the asked one."""
    doc = parse(sentence)
    said = {t.lower_ for t in doc}
    people = [{t.lower_ for t in e} for e in parse(question).ents if e.label_ == "PERSON"]
    if not any(not p & said for p in people):
        return False  # every person the question names is in the sentence, at least in part
    pronouns = [t for t in doc if t.lower_ in _PERSONAL]
    named = [w.i for w in doc if w.ent_type_ == "PERSON" or (w.pos_ == "PROPN" and w.dep_ in ("nsubj", "nsubjpass"))]
    return bool(pronouns) and bool(named) and all(named[0] < p.i for p in pronouns)


def another_event(question: str, evidence: str, span: tuple[int, int] | None = None) -> str:
    """Why the evidence tells of another event or thing than the question (with the answer at
    `span`, where given), or "" where none of `other_clause`, `other_subject`,
    `other_argument`, `other_measure` and `other_qualifier` reads one."""
    if span is not None and other_clause(question, evidence, *span):
        return "the answer belongs to another event of the sentence than the question's"
    if span is not None and other_subject(question, evidence, *span):
        return "the question's event has another subject in the evidence"
    if span is not None and other_argument(question, evidence, *span):
        return "the question's event takes another name in the evidence than the question's"
    if span is not None and other_measure(question, evidence, *span):
        return "the number measures another thing than the question asks for"
    if other_qualifier(question, evidence) or other_numeral(question, evidence):
        return "the evidence speaks of another one than the question qualifies"
    return ""
