"""The form of a question, read from its grammar: what kind of answer it asks for.

Covers: `analyse(question)` -> `Form`: whether the question asks for one fact, a list,
a yes or no, or an open answer (a few sentences), and for a fact, what type of thing
(person, place, date, number, organisation, or any thing), plus the words that name what
is asked about ("Apple executive", "tech companies' representatives"). The rules follow
English question structure in general: interrogative words, auxiliaries that open
yes/no questions, plural nouns after "which"/"what", verbs of saying and describing.

Does not look at any article; it parses the question with the small English pipeline of
rag/phrases.py to find the noun phrase after "which"/"what". It holds no rule for a particular question.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from .text import question_names

FACT, LIST, YESNO, OPEN = "fact", "list", "yesno", "open"

AUXILIARIES = frozenset(
    "is are was were am be do does did has have had can could will would should shall may might must "
    "isn't aren't wasn't weren't doesn't don't didn't hasn't haven't hadn't can't couldn't won't wouldn't".split()
)
WH = frozenset("who whom whose what which when where why how".split())
# Nouns that name people, places, times, quantities and organisations: the answer's type when they
# follow "which"/"what" ("which executive", "what year").
_PERSON_NOUNS = frozenset(
    "person people man men woman women executive executives leader leaders president presidents ceo ceos founder "
    "founders author authors player players king kings queen queens minister ministers official officials "
    "politician politicians individual individuals scientist scientists writer writers artist artists director "
    "directors chairman chief head members member figure figures entrepreneur billionaire duke count ruler rulers "
    "emperor pope bishop general commander candidate candidates".split()
)
_PLACE_NOUNS = frozenset(
    "city cities country countries place places town towns state states region regions continent island islands "
    "province provinces capital location locations river rivers area areas nation nations county village".split()
)
_DATE_NOUNS = frozenset("year years date dates day days month months century centuries time decade era period".split())
_NUMBER_NOUNS = frozenset(
    "number percentage percent share amount price cost rate age size length height width population total "
    "distance sum value count speed temperature depth weight capacity volume elevation altitude score salary "
    "budget revenue income profit debt fee fees wage wages fraction proportion ratio".split()
)
# The question asks which articles say something: the answer names sources.
_SOURCE_NOUNS = frozenset("article articles source sources document documents report reports story stories".split())
_PREPOSITIONS = frozenset("of in on at to for from by with about into during after before between under".split())
_ORG_NOUNS = frozenset(
    "company companies organization organisation organizations organisations firm firms outlet outlets "
    "publication publications newspaper newspapers agency agencies team teams party parties group groups "
    "brand brands university universities institution bank banks startup startups airline airlines "
    "club clubs school schools network networks ministry ministries council councils".split()
)
_MEASURES = frozenset("long far high tall wide deep heavy large big".split())
_HOW_NUMBER = frozenset("many much long old far often large big high tall wide deep fast heavy".split())
_OPEN_VERBS = frozenset(
    "say said says discuss discussed describe described explain explained happen happened summarise summarize "
    "think thought argue argued claim mean meant suggest suggested report reported announce announced "
    "saying discussing describing explaining happening arguing claiming suggesting reporting announcing".split()
)
# Words that end a noun phrase and start what is said of it: "the rock [called ...]", "the bend [near ...]".
_CLAUSE_WORDS = frozenset(
    "that which who whom whose called named known listed near behind above below across along around through "
    "over within without than where when".split()
)
_OPEN_STARTS = ("describe", "explain", "summarise", "summarize", "tell me", "outline", "give an overview")
_LIST_STARTS = ("list", "name all", "name the", "enumerate")
_VERBISH = AUXILIARIES | frozenset(
    "plan plans planned want wants wanted will meet met hold holds held make makes made become became".split()
)
# Phrase labels (rag/phrases.py) that can answer each asked type: the small English pipeline
# often calls a company a place or a person's name an organisation, so names stand in for names.
COMPATIBLE_LABELS = {
    "person": ("person", "org"),
    "place": ("place", "org"),
    "date": ("date",),
    "number": ("number",),
    "org": ("org", "person", "place"),
    "thing": ("thing", "org", "person", "place", "number", "date"),
    "source": (),
}
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
    """The noun phrase an interrogative determiner opens, from the English parser (rag/phrases.py):
    "Which tech companies' representatives" -> ("tech", "companies'", "representatives")."""
    from .phrases import parse

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
    from .phrases import parse

    for t in parse(question):
        if t.lower_ in ("many", "much") and t.head.pos_ in ("NOUN", "PROPN") and t.head.i > t.i:
            return t.head.lower_
    return ""


def _before_verb(focus: tuple[str, ...], question: str) -> tuple[str, ...]:
    """The focus words before the first one the English parser tags as a verb."""
    from .phrases import parse

    verbs = {t.lower_ for t in parse(question) if t.pos_ in ("VERB", "AUX")}
    cut = [i for i, w in enumerate(focus) if w in verbs]
    return focus[: cut[0]] if cut else focus


def _before_clause(focus: tuple[str, ...]) -> tuple[str, ...]:
    """The focus words before a word that opens a clause ("the individual [that] ...")."""
    cut = [i for i, w in enumerate(focus) if w in _CLAUSE_WORDS]
    return focus[: cut[0]] if cut else focus


def _focus(ws: list[str], start: int) -> tuple[str, ...]:
    """The noun phrase after an interrogative word, up to its verb: "which [tech companies'] does ..." ."""
    out: list[str] = []
    rest = ws[start:]
    if len(rest) > 1 and rest[0] in ("kind", "type", "sort", "kinds", "types", "form") and rest[1] == "of":
        rest = rest[2:]  # "what kind of prison system": the system is asked about
    for w in rest:
        if w in _VERBISH or w in WH or w in _OPEN_VERBS or w in _PREPOSITIONS:
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
        if (m.group(2) == "from" and m.group(1).lower() not in _SOURCE_NOUNS) or m.group(1).lower() in _PERSON_NOUNS
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
        if n in _SOURCE_NOUNS and noun == nouns[-1]:
            return "source"
        if n in _PERSON_NOUNS or n.rstrip("s") in _PERSON_NOUNS or n == "representatives":
            return "person"
        if n in _PLACE_NOUNS:
            return "place"
        if n in _DATE_NOUNS:
            return "date"
        if n in _NUMBER_NOUNS:
            return "number"
        if n in _ORG_NOUNS or n.rstrip("'’") in _ORG_NOUNS:
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
    last = ws[-1] if ws and ws[-1] in _PREPOSITIONS | {"into", "onto", "like", "as"} else ""
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


# A request that opens a question ("List ...", "Tell me about ...", "Give an overview of ..."):
# how to answer, not what about.
_REQUEST = re.compile(
    r"^\s*(?:please\s+)?(?:list|name|enumerate|identify|describe|explain|summari[sz]e|outline|tell\s+me(?:\s+about)?"
    r"|give\s+(?:me\s+)?(?:an?\s+)?(?:overview|summary|account)\s+of)\b[\s:,]*",
    re.IGNORECASE,
)


def without_request(question: str) -> str:
    """The question without an opening request ("List the companies ..." -> "the companies
    ..."): what it asks about, to search and weigh evidence by; the question itself when it
    has no such opening or nothing follows it."""
    rest = _REQUEST.sub("", question, count=1)
    return rest if rest.strip(" .?!") else question


def _request_object(question: str) -> tuple[tuple[str, ...], bool] | None:
    """The noun a request asks for, with its modifiers, and whether it is plural: "List the
    tech companies whose ..." -> (("tech", "companies"), True); None where the parser finds none."""
    from .phrases import parse

    doc = parse(question)
    obj = next((t for t in doc if t.dep_ == "dobj" and t.head.i == 0), None)
    if obj is None:
        return None
    words = [t.lower_ for t in obj.lefts if t.dep_ in ("compound", "amod", "nmod")] + [obj.lower_]
    return tuple(words), obj.tag_ in ("NNS", "NNPS")


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
    while len(ws) > 1 and ws[0] in _PREPOSITIONS and ws[1] in WH:  # "From which countries ...", "In what year ..."
        ws = ws[1:]
    if not ws:
        return Form(FACT)
    first = ws[0]
    if low.startswith(_OPEN_STARTS):
        return Form(OPEN)
    if low.startswith(_LIST_STARTS):
        requested = _request_object(q)
        focus = requested[0] if requested else _focus(ws, 1)
        if requested and not requested[1] and low.startswith("name the"):
            return Form(FACT, _type_of(focus), focus, _anchors(focus))  # "Name the executive ...": one
        return Form(LIST, _type_of(focus), focus, _anchors(focus))
    if first in AUXILIARIES:
        # "Is it X or Y?" asks to choose, not to confirm.
        if " or " in low and not low.rstrip("?").endswith(" or not"):
            return Form(FACT)
        return Form(YESNO)
    if first == "why" or (first == "how" and (len(ws) < 2 or ws[1] not in _HOW_NUMBER)):
        return Form(OPEN)
    if first == "how":
        return Form(FACT, "number", counted=_counted(q), measure=ws[1] in _MEASURES)
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
        if first == "what" and (not focus or focus[0] in _VERBISH):
            # "What did X say?", "What happened?", "What are the ...?"
            rest = ws[1:]
            if len(rest) > 2 and rest[0] in ("is", "was") and rest[1] in ("the", "a", "an"):
                # "What is the name of the AI that was reported ...": the noun phrase is asked
                # for; a verb of saying after it belongs to a clause inside the phrase.
                focus = _before_clause(_focus(rest, 1))
                after = rest[1 + sum(w in ("the", "a", "an") for w in rest[1:3]) + len(focus) :]
                if focus and not (after and after[0] in _OPEN_VERBS):  # not "what is the town saying"
                    answer_type = _type_of(focus)  # "the source of the Rhine" is no article
                    return Form(FACT, "thing" if answer_type == "source" else answer_type, focus)
            if any(w in _OPEN_VERBS for w in rest):
                return Form(OPEN)
            if len(rest) > 1 and rest[0] in ("are", "were"):
                focus = _focus(rest, 1)
                # "What are the tributaries?" lists; "What were Isaac's chains made of?" asks
                # for the object of the preposition it ends on.
                if focus and _plural(focus[-1]) and ws[-1] not in _PREPOSITIONS:
                    return Form(LIST, _type_of(focus), focus)
            return Form(FACT, "thing", focus)
        answer_type = _type_of(focus)
        anchors = _anchors(focus) + (_affiliation(q) if answer_type == "person" else ())
        # "What kind of arches ...?" asks for one kind; "What kinds of ...?" for several.
        one_kind = re.search(r"\b(kind|type|sort|form) of\b", q, re.I) is not None
        if focus and _plural(focus[-1]) and answer_type not in ("date", "number") and not one_kind:
            return Form(LIST, answer_type, focus, anchors)
        return Form(FACT, answer_type, focus, anchors)
    if any(w in _OPEN_VERBS for w in ws[:3]):
        return Form(OPEN)
    # "... a milestone not seen since [which year]?": a "which/what <noun>" inside the question asks
    # as it would at its head.
    late = next((i for i, w in enumerate(ws) if i > 0 and w in ("which", "what")), None)
    focus = _before_verb(_focus(ws, late + 1), q) if late is not None else ()
    if focus:
        return Form(FACT, _type_of(focus), focus, _anchors(focus))
    return Form(FACT)
