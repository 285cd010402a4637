"""A question that asks two things at once, answered part by part.

Covers `split` ("Who will Milei meet, and what will they discuss?" is two questions: the
second opens with its own interrogative word after "and") and `join`: the parts' answers made
one, each part's claims with their own citations, renumbered in order, and for a part the
documents do not answer, a plain statement that they do not, so a partial answer says what
it leaves out instead of abstaining on the whole or answering only half without saying so.

Does not answer anything itself (the pipeline answers each part as a question of its own,
the second with the first's names, as a follow-up) or split questions joined otherwise
("Who met Musk and Altman?" asks one thing), nor where the second interrogative word is its
verb's subject ("..., and who is also accused of fraud" still describes the first one asked
about; so "..., and who is the CEO of Google?" is left whole too).
"""

from __future__ import annotations

import dataclasses
import re

from ..results import Answer, Citation, Claim
from .form import AUXILIARIES, WH, words

_WH = "|".join(sorted(WH))
# ", and what ..." / " and when ...": a second question, after at least three words of the first.
_SECOND = re.compile(rf"(?:,\s*|\s+)and\s+(?=(?:{_WH})\b)", re.IGNORECASE)


def split(question: str) -> list[str]:
    """The questions a question asks: itself, or its two parts when it is two questions joined
    by "and" (each then ends with the question mark)."""
    opening = words(question)[:1]
    if not opening or opening[0] not in WH | AUXILIARIES:
        return [question]
    for m in _SECOND.finditer(question):
        first, second = question[: m.start()].strip(" ,;"), question[m.end() :].strip()
        if len(first.split()) >= 3 and len(second.split()) >= 2 and _asks_anew(question, first, m.end()):
            second = second[0].upper() + second[1:]
            return [first.rstrip("?") + "?", second if second.endswith("?") else second + "?"]
    return [question]


def _ends_sentence(text: str) -> bool:
    return bool(re.search(r"[.!?”\"](\s*\[\d+\])*\s*$", text))


def _renumbered(text: str, renumber: dict[int, int]) -> str:
    """The text with its markers "[n]" renumbered."""
    return re.sub(r"\[(\d+)\]", lambda m: f"[{renumber.get(int(m[1]), int(m[1]))}]", text)


def _asks_anew(question: str, first: str, at: int) -> bool:
    """Whether the interrogative word at offset `at` opens a question of its own: the first part
    has a verb ("how many people and which companies" is one question), and the word is not
    the subject of its verb ("..., and who is also accused of fraud" goes on describing the one
    asked about; "and what will they discuss" asks anew)."""
    from ..language.phrases import parse

    doc = parse(question)
    wh = next((t for t in doc if t.idx == at), None)
    has_verb = any(t.pos_ in ("VERB", "AUX") and t.idx < len(first) for t in doc)
    if wh is None or not has_verb:
        return False
    phrase = wh.head if wh.dep_ in ("det", "poss") else wh  # "[whose decisions] are anticipated"
    return phrase.dep_ not in ("nsubj", "nsubjpass", "csubj")


def join(question: str, parts: list[str], answers: list[Answer], not_in_documents: str) -> Answer:
    """One answer from the parts' answers: each answered part's text with its markers
    renumbered, then what the documents do not say; abstains only when every part does."""
    if all(a.abstained for a in answers):
        first = answers[0]
        return dataclasses.replace(first, question=question, text=not_in_documents)
    texts: list[str] = []
    missing: list[str] = []
    cites: list[Citation] = []
    claims: list[Claim] = []
    for part, a in zip(parts, answers, strict=True):
        if a.abstained:
            missing.append(part)
            continue
        offset = len(cites)
        renumber = {c.marker: c.marker + offset for c in a.citations}
        cites.extend(dataclasses.replace(c, marker=renumber[c.marker]) for c in a.citations)
        claims.extend(Claim(c.text, tuple(renumber[m] for m in c.citations)) for c in a.claims)
        texts.append(_renumbered(a.text, renumber))
    text = ""
    for t in texts:  # "Tim Cook [1]; Starlink [2].", but sentences one after another
        text += (" " if _ends_sentence(text) else "; ") + t if text else t
    text += "" if _ends_sentence(text) else "."
    if missing:
        text += " The documents do not answer " + " or ".join(f"“{m}”" for m in missing)
    answered = [a for a in answers if not a.abstained]
    timings = {k: sum(a.timings.get(k, 0.0) for a in answers) for k in answers[0].timings}
    return Answer(
        question,
        text,
        tuple(cites),
        False,
        tuple(dict.fromkeys(c.source_id for c in cites)),
        tuple(h for a in answers for h in a.hits),
        timings,
        answered[0].model,
        tuple(claims),
        answered[0].kind,
    )
