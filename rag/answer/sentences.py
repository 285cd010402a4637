"""Answers made of whole sentences: yes or no, open questions, and "which articles ...".

Covers: `yes_no` ("Yes" when the cited sentences and their articles carry the whole question,
"No" when they carry it with the opposite polarity, nothing otherwise), `open_evidence` (the
sentences an open answer may draw on),
`open_answer` (one to three of them, from different places, not repeating each other) and `sources`
(each article whose best sentence carries the question). Each returns `Draft`s.

Does not pick phrases inside sentences (rag/answer/compose.py) or check claims (rag/verify/checks.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..language.polarity import carries, unasserted
from ..language.text import fold
from ..question.request import without_request
from ..verify import checks
from . import lists
from .evidence import near_best
from .records import Draft, Evidence, Scored

# A yes needs the evidence to carry this share of the question (IDF-weighted).
YES_COVERAGE = 0.7


def yes_no(
    question: str, top: Sequence[Scored], idf: Callable[[str], float], passages: Mapping[str, str] | None = None
) -> list[Draft]:
    """Yes when the best evidence carries the question, No when it does so negated.

    The question's names may stand in the cited articles' retrieved text (an outlet in a
    byline); its content must be carried by the cited sentences and those articles' text.
    """
    terms = checks.content_terms(question)
    chosen: list[Evidence] = []
    for s in top[:3]:
        if s.evidence.text not in [e.text for e in chosen]:
            chosen.append(s.evidence)
    if not chosen:
        return []
    around = " ".join(
        f"{e.title} {(passages or {}).get(e.source_id, '')}" for e in {e.source_id: e for e in chosen}.values()
    )
    joined = " ".join(e.text for e in chosen) + " " + around
    if checks.missing_names(question, joined) or checks.coverage(terms, joined, idf) < YES_COVERAGE:
        return []
    # One sentence must hold the event itself, with its named participants: not a plan "with Tim
    # Cook" for "Did Milei meet Tim Cook?", nor "Milei met Musk" beside another naming Zuckerberg.
    main = next((e for e in chosen if carries(question, e.text, _before(e, passages))), None)
    if main is None:
        return []
    chosen = [main, *(e for e in chosen if e is not main)]
    # Keep only the sentences needed: the first, and others that add question terms.
    needed = [main]
    have = checks.coverage(terms, main.text, idf)
    for e in chosen[1:]:
        more = checks.coverage(terms, " ".join(x.text for x in [*needed, e]), idf)
        if more > have + 0.05:
            needed.append(e)
            have = more
    if unasserted(question, main.text):
        return []  # "is expected to debut" neither confirms nor denies "has it debuted?"
    flipped = {checks.polarity_flipped(question, e.text) for e in needed}
    if len(flipped) > 1:
        return []  # one sentence it needs negates what another asserts: not decided
    word = "No" if flipped.pop() else "Yes"
    return [Draft(word, tuple(needed))]


def _before(e: Evidence, passages: Mapping[str, str] | None) -> str:
    """What a pronoun of the sentence may refer to: the sentences before it and its article's
    head and retrieved text."""
    return " ".join([*(c.text for c in e.context), (passages or {}).get(e.source_id, "")])


def open_evidence(
    question: str,
    scored: Sequence[Scored],
    passages: Mapping[str, str] | None = None,
    heads: Mapping[str, str] | None = None,
) -> list[Scored]:
    """The sentences an open answer (why, how, describe) may draw on, best first: those near the
    best (for a summary request, as many as a list draws on, each naming what the question
    names) that hold the asked event with its named participants, as for a fact, and that hold
    the question's names (in the sentence, its context or its article: `passages`, each
    source's head and retrieved text, "According to Wired, ...") and numbers (in the sentence,
    its context or its article's head, `heads`: "on 2023-10-07", not a date said of something
    else further on; without `heads`, in the sentence or its context). The extractive composer
    answers from these."""
    top = near_best(scored)
    if without_request(question) != question:  # "Summarise ...", "Tell me about ..."
        wide = near_best(scored, lists.LIST_MARGIN, lists.LIST_SENTENCES)
        top = [s for s in wide if s is scored[0] or not checks.missing_names(question, s.evidence.text)]
    numbers = set(checks.missing_numbers(question, ""))
    out = []
    for s in top:
        source, context = s.evidence.source_id, " ".join(antecedents(s))
        if not carries(question, s.evidence.text, context, anywhere=True):
            continue
        near = f"{s.evidence.text} {context} {s.evidence.title} {(heads or {}).get(source, '')}"
        held = f"{near} {(passages or {}).get(source, '')}"
        if checks.missing_numbers(question, near) or set(checks.unheld(question, held)) - numbers:
            continue
        out.append(s)
    return out


def antecedents(s: Scored) -> list[str]:
    """What the sentence's pronouns may refer to: its article's title and the sentences before it."""
    return [s.evidence.title] * bool(s.evidence.title) + [e.text for e in s.evidence.context]


def open_answer(top: Sequence[Scored]) -> list[Draft]:
    """One to three of the best sentences, no two from the same place or saying the same."""
    out: list[Draft] = []
    for s in top:
        ev = s.evidence
        if any(abs(ev.start - d.evidence[0].start) < 2 and ev.source_id == d.evidence[0].source_id for d in out):
            continue
        if any(_similar(ev.text, d.evidence[0].text) for d in out):
            continue
        out.append(Draft(ev.text, (ev,)))
        if len(out) == 3:
            break
    return out


def _similar(a: str, b: str) -> bool:
    wa, wb = set(fold(a).split()), set(fold(b).split())
    return len(wa & wb) / max(1, min(len(wa), len(wb))) > 0.7


def sources(question: str, top: Sequence[Scored], idf: Callable[[str], float]) -> list[Draft]:
    """For "which articles ...": each article whose best sentence carries the question."""
    terms = checks.content_terms(question)
    seen: set[str] = set()
    out = []
    for s in top:
        ev = s.evidence
        if ev.source_id in seen or checks.coverage(terms, ev.text, idf) < checks.MIN_COVERAGE:
            continue
        seen.add(ev.source_id)
        out.append(Draft(ev.title or ev.source_id, (ev,)))
    return out
