"""The form of a question, read from its grammar: what kind of answer it asks for.

Covers: `analyse(question)` -> `Form`: whether the question asks for one fact, a list,
a yes or no, or an open answer (a few sentences), and for a fact, what type of thing
(person, place, date, number, organisation, or any thing), plus the words that name what
is asked about ("Apple executive", "tech companies' representatives"). The rules follow
English question structure in general: interrogative words, auxiliaries that open
yes/no questions, plural nouns after "which"/"what", verbs of saying and describing.

Does not look at any article; it parses the question with the small English pipeline of
rag/language/phrases.py to find the noun phrase after "which"/"what". It holds no rule for a particular question.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from ..language.text import question_names
from .lexicon import (
    AUXILIARIES,
    CLAUSE_WORDS,
    DATE_NOUNS,
    HOW_NUMBER,
    LIST_STARTS,
    MEASURES,
    NUMBER_NOUNS,
    OPEN_STARTS,
    OPEN_VERBS,
    ORG_NOUNS,
    PERSON_NOUNS,
    PLACE_NOUNS,
    PREPOSITIONS,
    SOURCE_NOUNS,
    VERBISH,
    WH,
)
from .request import request_object

FACT, LIST, YESNO, OPEN = "fact", "list", "yesno", "open"

_WORD = re.compile(r"[A-Za-z][A-Za-z'’.-]*|\d[\d,.]*")


@dataclass(frozen=True)
class Form:
    """What a question asks for.

    kind: fact, list, yesno or open. answer_type (facts and lists): person, place, date,
    number, org or thing. focus: the words after "which"/"what" that name the asked thing.
    """

    kind: str
    answer_type: str = "thing"  # person, place, date, number, org, source or thing
    focus: tuple[str, ...] = ()
    # Words that qualify the asked thing: "apple" in "which Apple executive"; "tech" in
    # "which tech companies' representatives" (the possessor names the asked thing).
    anchors: tuple[str, ...] = ()
    # "what kind of X": the answer is a kind of X, said with the X ("private prison system").
    kind_of: bool = False
    # A question that ends on a preposition ("turn Argentina into?") asks for that preposition's object.
    last_preposition: str = ""
    # "how many X": the X (as written) whose count is asked.
    counted: str = ""
    # "how far", "how long", "how high": a measure is asked, a number with its unit.
    measure: bool = False


def words(question: str) -> list[str]:
    """Lower-cased words; a possessive keeps its apostrophe ("companies'", "apple's")."""
    out = []
    for w in _WORD.findall(question):
        w = w.strip(".").lower()
        out.append(w if w.endswith(("s'", "s’", "'s", "’s")) else w.strip("'’"))
    return out


def _plural(word: str) -> bool:
    w = word.rstrip("'’")
    if word.endswith(("s'", "s’")):
        return True
    return len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ics", "news", "series"))


def _focus_parsed(question: str) -> tuple[str, ...] | None:
    """The noun phrase an interrogative determiner opens, from the English parser (rag/language/phrases.py):
    "Which tech companies' representatives" -> ("tech", "companies'", "representatives")."""
    from ..language.phrases import parse

    doc = parse(question)
    chunks = list(doc.noun_chunks)
    for i, chunk in enumerate(chunks):
        wh = [t for t in chunk if t.lower_ in ("which", "what") and t.dep_ == "det"]
        if not wh:
            continue
        out = [t.text.lower() + ("'" if t.i + 1 < len(doc) and doc[t.i + 1].dep_ == "case" else "")
               for t in chunk if t.i > wh[0].i and t.dep_ != "case" and t.lower_ not in ("the", "a", "an")]  # fmt: skip
        if out and out[-1] in ("kind", "type", "sort", "kinds", "types") and i + 1 < len(chunks):
            out = [t.lower_ for t in chunks[i + 1] if t.lower_ not in ("the", "a", "an")]
        return tuple(out)
    return None


def _counted(question: str) -> str:
    """The noun "how many" counts, as written: "How many major ice [ages] have occurred?"."""
    from ..language.phrases import parse

    for t in parse(question):
        if t.lower_ in ("many", "much") and t.head.pos_ in ("NOUN", "PROPN") and t.head.i > t.i:
            return t.head.lower_
    return ""


def _before_verb(focus: tuple[str, ...], question: str) -> tuple[str, ...]:
    """The focus words before the first one the English parser tags as a verb."""
    from ..language.phrases import parse

    verbs = {t.lower_ for t in parse(question) if t.pos_ in ("VERB", "AUX")}
    cut = [i for i, w in enumerate(focus) if w in verbs]
    return focus[: cut[0]] if cut else focus


def _before_clause(focus: tuple[str, ...]) -> tuple[str, ...]:
    """The focus words before a word that opens a clause ("the individual [that] ...")."""
    cut = [i for i, w in enumerate(focus) if w in CLAUSE_WORDS]
    return focus[: cut[0]] if cut else focus


def _focus(ws: list[str], start: int) -> tuple[str, ...]:
    """The noun phrase after an interrogative word, up to its verb: "which [tech companies'] does ..." ."""
    out: list[str] = []
    rest = ws[start:]
    if len(rest) > 1 and rest[0] in ("kind", "type", "sort", "kinds", "types", "form") and rest[1] == "of":
        rest = rest[2:]  # "what kind of prison system": the system is asked about
    for w in rest:
        if w in VERBISH or w in WH or w in OPEN_VERBS or w in PREPOSITIONS:
            break
        if w in ("the", "a", "an", "kind", "type", "sort", "kinds", "types"):
            continue
        out.append(w)
        if len(out) >= 4:
            break
    return tuple(out)


_GENERIC = frozenset("other main first last new old major key different various".split())


def _anchors(focus: tuple[str, ...]) -> tuple[str, ...]:
    possessors = [i for i, n in enumerate(focus[:-1]) if n.endswith(("'", "’", "'s", "’s"))]
    head = possessors[-1] if possessors else len(focus) - 1
    return tuple(w for w in focus[:head] if w not in _GENERIC)


_AFFILIATION = re.compile(r"(\w+)\s+(from|of)\s+((?:the\s+)?[A-Z][\w&.'’-]*(?:\s+(?:of\s+)?[A-Z][\w&.'’-]*)*)")


def _affiliation(question: str) -> tuple[str, ...]:
    """The words of a name a person is asked to be "from", or the "of" of a person noun ("Who
    will Milei meet from OpenAI?", "which executive of Meta ...", "who is the CEO of Apple"):
    that person stands with that name. Not "the War of Barbastro", nor where it was reported
    ("according to reports from The Verge")."""
    return tuple(
        w.lower()
        for m in _AFFILIATION.finditer(question)
        if (m.group(2) == "from" and m.group(1).lower() not in SOURCE_NOUNS) or m.group(1).lower() in PERSON_NOUNS
        for w in m.group(3).split()
        if w[0].isupper()
    )


def _type_of(nouns: tuple[str, ...]) -> str:
    # "which companies' representatives": a possessor names what is asked.
    possessors = [i for i, n in enumerate(nouns[:-1]) if n.endswith(("'", "’", "'s", "’s"))]
    if possessors:
        nouns = nouns[: possessors[-1] + 1]
    for noun in reversed(nouns):  # the head noun comes last: "Apple executive", "tech companies' representatives"
        n = re.sub(r"['’]s?$", "", noun)
        if n in SOURCE_NOUNS and noun == nouns[-1]:
            return "source"
        if n in PERSON_NOUNS or n.rstrip("s") in PERSON_NOUNS or n == "representatives":
            return "person"
        if n in PLACE_NOUNS:
            return "place"
        if n in DATE_NOUNS:
            return "date"
        if n in NUMBER_NOUNS:
            return "number"
        if n in ORG_NOUNS or n.rstrip("'’") in ORG_NOUNS:
            return "org"
    return "thing"


# Words that open a leading phrase before the question proper: "After X reported ..., did Y ...?"
_LEADING = frozenset(
    "after before between considering given following according while although though since despite with in "
    "from based as regarding concerning when if once".split()
)


def _main_clause(ws: list[str], question: str) -> list[str]:
    """The words of the question proper, after a leading phrase set off by a comma.

    "According to X, is ..." -> "is ..."; "Between the report of A and the report of B, was
    there ..." -> "was there ...". Only when the question opens with a word that starts such a
    phrase, and only from the first comma followed by an auxiliary or interrogative word.
    """
    if not ws or ws[0] in WH | AUXILIARIES or ws[0] not in _LEADING:
        return ws
    for part in question.split(",")[1:]:
        tail = words(part)
        if tail and tail[0] in AUXILIARIES | WH:
            return words(question[question.index(part) :])
    return ws


def analyse(question: str) -> Form:
    form = _analyse(question)
    kind_of = bool(re.search(r"\b(kind|type|sort|form)s? of\b", question, re.I))
    ws = words(question)
    last = ws[-1] if ws and ws[-1] in PREPOSITIONS | {"into", "onto", "like", "as"} else ""
    if form.kind in (FACT, LIST) and (kind_of or last):
        return dataclasses.replace(form, kind_of=kind_of, last_preposition=last)
    return form


def names_only(anchors: tuple[str, ...], question: str) -> tuple[str, ...]:
    """The qualifiers written as names ("Apple" in "Which Apple executive"), not as common words.

    A name picks one thing out, so the answer must stand next to it; a common word ("tech" in
    "which tech companies", "annual") only describes what is asked and may stand anywhere.
    """
    named = {w.lower() for w in question_names(question)}
    return tuple(a for a in anchors if a.rstrip("'’").removesuffix("'s").removesuffix("’s") in named or a in named)


def described_as(question: str, form: Form) -> tuple[str, ...]:
    """The noun a question names its answer by: the focus of "which/what <noun>", or the noun of
    "Who is the <noun> that ..." ("individual"), which the evidence names by example, not by
    that word."""
    if form.focus:
        return form.focus[-1:]
    ws = words(question)
    if len(ws) > 3 and ws[0] == "who" and ws[1] in ("is", "was") and ws[2] in ("the", "a", "an"):
        return _before_clause(_before_verb(_focus(ws, 2), question))[-1:]
    return ()


def _analyse(question: str) -> Form:
    q = question.strip()
    low = q.lower()
    ws = _main_clause(words(q), q)
    if ws != words(q):
        q = " ".join(ws)
        low = q.lower()
    while len(ws) > 1 and ws[0] in PREPOSITIONS and ws[1] in WH:  # "From which countries ...", "In what year ..."
        ws = ws[1:]
    if not ws:
        return Form(FACT)
    first = ws[0]
    if low.startswith(OPEN_STARTS):
        return Form(OPEN)
    if low.startswith(LIST_STARTS):
        requested = request_object(q)
        focus = requested[0] if requested else _focus(ws, 1)
        if requested and not requested[1] and low.startswith("name the"):
            return Form(FACT, _type_of(focus), focus, _anchors(focus))  # "Name the executive ...": one
        return Form(LIST, _type_of(focus), focus, _anchors(focus))
    if first in AUXILIARIES:
        # "Is it X or Y?" asks to choose, not to confirm.
        if " or " in low and not low.rstrip("?").endswith(" or not"):
            return Form(FACT)
        return Form(YESNO)
    if first == "why" or (first == "how" and (len(ws) < 2 or ws[1] not in HOW_NUMBER)):
        return Form(OPEN)
    if first == "how":
        return Form(FACT, "number", counted=_counted(q), measure=ws[1] in MEASURES)
    if first == "when":
        return Form(FACT, "date")
    if first == "where":
        return Form(FACT, "place")
    if first in ("who", "whom", "whose"):
        if len(ws) > 1 and ws[1] in ("are", "were"):
            return Form(LIST, "person", anchors=_affiliation(q))
        return Form(FACT, "person", anchors=_affiliation(q))
    if first in ("which", "what"):
        parsed = _focus_parsed(q)
        # Without a "which/what <noun>" in the parse, the words after "what" count up to the
        # first verb: "What [Frank] led ...", "What drained ..." (nothing: the subject is asked).
        focus = parsed if parsed is not None else _before_verb(_focus(ws, 1), q)
        if first == "what" and (not focus or focus[0] in VERBISH):
            # "What did X say?", "What happened?", "What are the ...?"
            rest = ws[1:]
            if len(rest) > 2 and rest[0] in ("is", "was") and rest[1] in ("the", "a", "an"):
                # "What is the name of the AI that was reported ...": the noun phrase is asked
                # for; a verb of saying after it belongs to a clause inside the phrase.
                focus = _before_clause(_focus(rest, 1))
                after = rest[1 + sum(w in ("the", "a", "an") for w in rest[1:3]) + len(focus) :]
                if focus and not (after and after[0] in OPEN_VERBS):  # not "what is the town saying"
                    answer_type = _type_of(focus)  # "the source of the Rhine" is no article
                    return Form(FACT, "thing" if answer_type == "source" else answer_type, focus)
            if any(w in OPEN_VERBS for w in rest):
                return Form(OPEN)
            if len(rest) > 1 and rest[0] in ("are", "were"):
                focus = _focus(rest, 1)
                # "What are the tributaries?" lists; "What were Isaac's chains made of?" asks
                # for the object of the preposition it ends on.
                if focus and _plural(focus[-1]) and ws[-1] not in PREPOSITIONS:
                    return Form(LIST, _type_of(focus), focus)
            return Form(FACT, "thing", focus)
        answer_type = _type_of(focus)
        anchors = _anchors(focus) + (_affiliation(q) if answer_type == "person" else ())
        # "What kind of arches ...?" asks for one kind; "What kinds of ...?" for several.
        one_kind = re.search(r"\b(kind|type|sort|form) of\b", q, re.I) is not None
        if focus and _plural(focus[-1]) and answer_type not in ("date", "number") and not one_kind:
            return Form(LIST, answer_type, focus, anchors)
        return Form(FACT, answer_type, focus, anchors)
    if any(w in OPEN_VERBS for w in ws[:3]):
        return Form(OPEN)
    # "... a milestone not seen since [which year]?": a "which/what <noun>" inside the question asks
    # as it would at its head.
    late = next((i for i, w in enumerate(ws) if i > 0 and w in ("which", "what")), None)
    focus = _before_verb(_focus(ws, late + 1), q) if late is not None else ()
    if focus:
        return Form(FACT, _type_of(focus), focus, _anchors(focus))
    return Form(FACT)
