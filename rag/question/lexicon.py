"""The words a question's form is read by: auxiliaries, interrogatives, and the nouns that name a type.

Covers the closed word lists of English question structure (auxiliaries that open a yes/no
question, wh-words, nouns that ask for a person, place, date, number, organisation or source,
verbs that ask for an open answer) and which phrase labels answer which type.

Does not read a question (rag/question/form.py does) and holds no word of a particular question.
"""

from __future__ import annotations

AUXILIARIES = frozenset(
    "is are was were am be do does did has have had can could will would should shall may might must "
    "isn't aren't wasn't weren't doesn't don't didn't hasn't haven't hadn't can't couldn't won't wouldn't".split()
)
WH = frozenset("who whom whose what which when where why how".split())
# Nouns that name people, places, times, quantities and organisations: the answer's type when they
# follow "which"/"what" ("which executive", "what year").
PERSON_NOUNS = frozenset(
    "person people man men woman women executive executives leader leaders president presidents ceo ceos founder "
    "founders author authors player players king kings queen queens minister ministers official officials "
    "politician politicians individual individuals scientist scientists writer writers artist artists director "
    "directors chairman chief head members member figure figures entrepreneur billionaire duke count ruler rulers "
    "emperor pope bishop general commander candidate candidates".split()
)
PLACE_NOUNS = frozenset(
    "city cities country countries place places town towns state states region regions continent island islands "
    "province provinces capital location locations river rivers area areas nation nations county village".split()
)
DATE_NOUNS = frozenset("year years date dates day days month months century centuries time decade era period".split())
NUMBER_NOUNS = frozenset(
    "number percentage percent share amount price cost rate age size length height width population total "
    "distance sum value count speed temperature depth weight capacity volume elevation altitude score salary "
    "budget revenue income profit debt fee fees wage wages fraction proportion ratio".split()
)
# The question asks which articles say something: the answer names sources.
SOURCE_NOUNS = frozenset("article articles source sources document documents report reports story stories".split())
PREPOSITIONS = frozenset("of in on at to for from by with about into during after before between under".split())
ORG_NOUNS = frozenset(
    "company companies organization organisation organizations organisations firm firms outlet outlets "
    "publication publications newspaper newspapers agency agencies team teams party parties group groups "
    "brand brands university universities institution bank banks startup startups airline airlines "
    "club clubs school schools network networks ministry ministries council councils".split()
)
MEASURES = frozenset("long far high tall wide deep heavy large big".split())
HOW_NUMBER = frozenset("many much long old far often large big high tall wide deep fast heavy".split())
OPEN_VERBS = frozenset(
    "say said says discuss discussed describe described explain explained happen happened summarise summarize "
    "think thought argue argued claim mean meant suggest suggested report reported announce announced "
    "saying discussing describing explaining happening arguing claiming suggesting reporting announcing".split()
)
# Words that end a noun phrase and start what is said of it: "the rock [called ...]", "the bend [near ...]".
CLAUSE_WORDS = frozenset(
    "that which who whom whose called named known listed near behind above below across along around through "
    "over within without than where when".split()
)
OPEN_STARTS = ("describe", "explain", "summarise", "summarize", "tell me", "outline", "give an overview")
LIST_STARTS = ("list", "name all", "name the", "enumerate")
VERBISH = AUXILIARIES | frozenset(
    "plan plans planned want wants wanted will meet met hold holds held make makes made become became".split()
)
# Phrase labels (rag/language/phrases.py) that can answer each asked type: the small English pipeline
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
