"""Whether an evidence sentence speaks of another thing than the one the question asks about.

Covers five ways a sentence that holds the question's words names the wrong thing, read from
the parse of spaCy's small English pipeline (rag/language/phrases.py) and the words themselves:
- `other_qualifier`: a noun of the question qualified by a name ("the Italian abbot", "the
  governors of Acre") stands in the sentence only qualified by another name ("the German
  abbot Isembard", "governors of Cyprus"); another form of the same name ("Argentinian" for
  "Argentine") is no other name;
- `other_measure`: a number that measures another thing than the question asks for, which the
  sentence does not name ("What revenue ...?" against "$394 million in operating income"; "How
  much did it raise?" against "a $1.4B valuation"; "how many of the troops" against the whole,
  "8,000 of the [20,000] troops");
- `opposite_sides`: a question for one side of a thing ("the lower valley") against evidence
  that names only the other ("the upper valley"), which the check reads as a negation, as it
  does `ranked_below`: "the longest river" against "the second-longest river";
- `other_numeral`: a name the question numbers ("Harold I") that the sentence numbers only
  otherwise ("Harold II").

Does not read events, their participants or negation (rag/verify/event.py, rag/language/polarity.py):
where the parse gives no qualifier or measured noun, nothing is said (False).
"""

from __future__ import annotations

import re

from ..language.phrases import parse
from ..language.roles import span_root, stem
from ..language.text import tokenize

_WH = frozenset(("what", "which", "how"))
# Qualifiers a name gives a noun: an adjective or noun before it, "of/from X" after it.
_BEFORE = frozenset(("amod", "compound", "nmod"))
_NAMED = frozenset(("NORP", "GPE", "LOC", "ORG", "PERSON", "FAC"))


def _asked_noun(doc):
    """The noun a question's interrogative word asks for ("what total [revenue]", "how many
    [ships]"), or None."""
    for t in doc:
        if t.lower_ in _WH:
            head = t.head if t.dep_ == "det" else t.head.head if t.dep_ == "advmod" and t.head.dep_ == "amod" else None
            if head is not None and head.pos_ == "NOUN" and head.i != t.i:
                return head
    return None


def _measured(doc, start: int, end: int):
    """The noun a number at doc[start:end] measures: the one it counts ("20,000 [troops]") or
    names after it ("$394 million in operating [income]", "$219 million worth of net [income]")."""
    root = span_root(doc, start, end)
    if root is None or root.pos_ != "NUM":
        return None
    noun = root.head if root.dep_ == "nummod" and root.head.pos_ == "NOUN" else None
    if noun is None:
        prep = next((c for c in root.children if c.dep_ == "prep" and c.lower_ in ("in", "of")), None)
        noun = next((g for g in (prep.children if prep is not None else ()) if g.dep_ == "pobj"), None)
    if noun is not None and noun.lemma_ == "worth":
        prep = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        noun = next((g for g in (prep.children if prep is not None else ()) if g.dep_ == "pobj"), None)
    return noun if noun is not None and noun.pos_ == "NOUN" else None


def _modified(doc, start: int, end: int):
    """The noun a number at doc[start:end] stands before as its modifier ("a flat [$1.4B]
    valuation": "valuation"), or None."""
    root = span_root(doc, start, end)
    if root is None or not any(ch.isdigit() for ch in root.text) or root.dep_ not in ("nummod", "compound"):
        return None
    head = root.head
    return head if head.pos_ == "NOUN" and not start <= head.idx < end else None


def _whole(doc, start: int, end: int) -> bool:
    """Whether the number at doc[start:end] counts the whole that another number is a part of
    ("8,000 of the [20,000] troops")."""
    root = span_root(doc, start, end)
    if root is None or root.dep_ != "nummod":
        return False
    noun = root.head
    of = noun.head if noun.dep_ == "pobj" else None
    return of is not None and of.lower_ == "of" and of.head.like_num


def other_measure(question: str, evidence: str, start: int, end: int) -> bool:
    """Whether the number at evidence[start:end] measures another thing than the question asks
    for, which the evidence does not name ("What total revenue ...?" against "$394 million in
    operating income"); or, for a "how much" or "how many" that names no thing, whether the
    number is that of a thing the question does not name ("How much did it raise?" against "raises
    $65M on a flat [$1.4B] valuation")."""
    qdoc = parse(question)
    asked = _asked_noun(qdoc)
    doc = parse(evidence)
    if re.search(r"\bhow many of\b", question, re.I) and _whole(doc, start, end):
        return True  # "How many of his troops were Normans?": "8,000 of the [20,000] troops" is the whole
    if asked is None:
        if not re.search(r"\bhow (much|many)\b", question, re.I):
            return False
        modified = _modified(doc, start, end)
        return modified is not None and stem(modified) not in {stem(t) for t in qdoc}
    measured = _measured(doc, start, end)
    if measured is None or stem(measured) == stem(asked):
        return False
    return stem(asked) not in {stem(t) for t in doc}


def _qualifiers(token) -> set[tuple[str, str]]:
    """(kind, stem) of the names that qualify a noun: ("before", "italian"), ("of", "acre")."""
    out = set()
    heads = [token]
    if token.dep_ == "compound" and token.head.pos_ == "PROPN":  # "the German abbot Isembard"
        heads.append(token.head)
    for c in (c for h in heads for c in h.children if c.i != token.i):
        if c.dep_ in _BEFORE and (c.pos_ == "PROPN" or c.ent_type_ in _NAMED):
            out.add(("before", stem(c)))
        elif c.dep_ == "prep" and c.lower_ in ("of", "from"):
            out |= {("of", stem(g)) for g in c.children if g.dep_ == "pobj" and g.pos_ == "PROPN"}
    return out


def other_qualifier(question: str, evidence: str) -> bool:
    """Whether a noun the question qualifies by a name stands in the evidence only qualified by
    another name of the same kind ("Italian abbot" asked, "German abbot" said), and the
    question's name is nowhere in the evidence but as another noun's ("Norman mercenaries")."""
    doc = parse(evidence)
    q_words = set(tokenize(question))
    for noun in parse(question):
        if noun.pos_ != "NOUN":
            continue
        asked = _qualifiers(noun)
        if not asked:
            continue
        said = [_qualifiers(t) for t in doc if t.pos_ == "NOUN" and stem(t) == stem(noun)]
        names = {s for _, s in asked}
        loose = {stem(t) for t in doc if not (t.dep_ in _BEFORE and t.head.pos_ == "NOUN" and t.head.i != t.i)}
        if any(q & asked for q in said) or names & loose:
            continue  # the sentence has the question's qualifier, not as another noun's (the parse may misplace it)
        kinds = {k for k, _ in asked}
        # Another name, not another form of the question's ("Argentinian" for "Argentine").
        if any(k in kinds and s not in q_words and not any(_forms(s, n) for n in names) for q in said for k, s in q):
            return True
    return False


def _forms(a: str, b: str) -> bool:
    """Whether two name stems are forms of one name: one begins the other ("argentin", "argentinian")."""
    return a.startswith(b) or b.startswith(a)


# Words that place a thing on one side of another, each with its opposite.
_SIDES = dict(
    p
    for a, b in [("upper", "lower"), ("northern", "southern"), ("eastern", "western"), ("inner", "outer"),
                 ("first", "last"), ("earliest", "latest"), ("north", "south"), ("east", "west")]
    for p in ((a, b), (b, a))
)  # fmt: skip
_SIDED = re.compile(r"\b(" + "|".join(_SIDES) + r")\s+([A-Za-z]+)", re.I)


def opposite_sides(question: str, evidence: str) -> bool:
    """Whether the question puts a thing on one side ("the lower Euphrates valley") and the
    evidence only on the other ("the upper Euphrates valley")."""
    said: dict[str, set[str]] = {}
    for m in _SIDED.finditer(evidence):
        said.setdefault(next(iter(tokenize(m[2])), ""), set()).add(m[1].lower())
    for m in _SIDED.finditer(question):
        sides = said.get(next(iter(tokenize(m[2])), ""), set())
        if _SIDES[m[1].lower()] in sides and m[1].lower() not in sides:
            return True
    return False


_ORDINAL = r"(?:second|third|fourth|fifth|sixth|2nd|3rd|4th|5th|6th)"


def ranked_below(question: str, evidence: str) -> bool:
    """Whether the question calls a thing the most of something ("the longest river") and the
    evidence only ranks it below ("the second-longest river"): every mention of the superlative
    there has an ordinal before it."""
    for t in parse(question):
        word = re.escape(t.lower_)
        if t.tag_ not in ("JJS", "RBS") or re.search(rf"\b{_ORDINAL}[- ]{word}\b", question, re.I):
            continue  # "the second-longest" asked is not "the longest"
        ranked = len(re.findall(rf"\b{_ORDINAL}[- ]{word}\b", evidence, re.I))
        if ranked and ranked == len(re.findall(rf"\b{word}\b", evidence, re.I)):
            return True
    return False


# A name with its regnal (or ordinal) number: "Harold II", "World War I".
_NUMBERED = re.compile(r"\b([A-Z][a-z]+)\s+((?=[IVX])X{0,3}(?:IX|IV|V?I{0,3}))\b")


def other_numeral(question: str, evidence: str) -> bool:
    """Whether a name the question numbers ("King Harold I") stands in the evidence only with
    another number ("King Harold II"): another king, war or pope."""
    said: dict[str, set[str]] = {}
    for m in _NUMBERED.finditer(evidence):
        said.setdefault(m[1], set()).add(m[2])
    return any(m[1] in said and m[2] not in said[m[1]] for m in _NUMBERED.finditer(question))
