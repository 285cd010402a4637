"""Which of two reports came first: "Did A report X before B mentioned Y?".

Covers `asked_order` (a yes/no question whose two clauses "before" or "after" joins, or one
asking "... before or after ...?") and `answer_order`: for each clause the article that says
it (the clause's names, an outlet among them, in the article's head or the sentence, and its
content in one of the article's retrieved sentences), each article's date (the first date in
its head, the title and byline), and the answer from the two dates: "Yes" or "No" ("Before"
or "After" for the choice), citing each clause's sentence and its article's dated line.

Does not read the order of events inside one article, relative dates ("last week") or dates
outside the head; where a clause names a date, its article must bear it. It abstains when a
clause's article is not among the retrieved ones, when both clauses find the same article or
two of one date, and when no date is found: the order is then not shown by the evidence, and
a yes/no that ignores "before" would be a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..ingest.chunking import article_head, sentences
from ..language.phrases import parse
from ..language.polarity import REPORTING
from ..language.roles import stem
from ..verify import checks
from .records import Draft, Evidence, Scored
from .sentences import YES_COVERAGE

# A clause's article must hold this share of the clause's content (IDF-weighted) in one
# retrieved sentence with the article's head: as much as a "yes" needs (statements.YES_COVERAGE).
PART_COVERAGE = YES_COVERAGE

_MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_MONTH = r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DATES = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
    (re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"), ("M", "d", "y")),
    (re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(\d{{4}})\b"), ("d", "M", "y")),
)


@dataclass(frozen=True)
class Order:
    first: str  # the main clause: "Did the Sporting News report on X"
    then: str  # the clause "before" or "after" governs: "The Roar mentioned Y"
    relation: str  # "before" or "after": of the first against the other
    choice: bool  # "... before or after ...?": the answer is the word, not yes or no


def dates(text: str) -> list[tuple[dt.date, int, int]]:
    """The calendar dates written in the text (ISO, "November 17, 2023", "17 Nov 2023"), in order,
    each with its offsets."""
    out = []
    for pattern, order in _DATES:
        for m in pattern.finditer(text):
            parts = dict(zip(order, m.groups(), strict=True))
            try:
                month = int(parts["m"]) if "m" in parts else _MONTHS[parts["M"][:3].lower()]
                out.append((dt.date(int(parts["y"]), month, int(parts["d"])), m.start(), m.end()))
            except ValueError:
                continue  # "2023-13-45" is no date
    return sorted(out, key=lambda d: d[1])


def asked_order(question: str) -> Order | None:
    """The two clauses of a question asking whether one report came before or after another, or
    None when it asks no such thing: each clause must have a verb of reporting ("Did A report X
    before B mentioned Y?"), and the question no other choice ("After A reported X, was B's
    coverage consistent or inconsistent?" asks about the coverage, not the order)."""
    if not re.search(r"\b(before|after)\b", question, re.I):
        return None
    if re.search(r"\b(or|whether)\b", re.sub(r"\bbefore or after\b", "", question, flags=re.I), re.I):
        return None
    doc = parse(question)
    for t in doc:
        choice = t.lower_ == "after" and t.i >= 2 and [x.lower_ for x in doc[t.i - 2 : t.i]] == ["before", "or"]
        if t.lower_ not in ("before", "after") or (t.dep_ != "mark" and not choice):
            continue  # "before the game" orders no report
        if t.i == 0:  # "Before B reported Y, did A ...?": B's clause is the one "before" governs
            if t.head.dep_ != "advcl":
                return None
            clause = [x for x in t.head.subtree if x.i >= t.i]
        else:  # "Did A report X before B mentioned Y?": the rest (the tagger's reading of it varies)
            clause = list(doc[t.i :])
        skip = {x.i for x in clause} | ({t.i - 2, t.i - 1} if choice else set())
        rest = [x for x in doc if x.i not in skip]  # the main clause
        then = "".join(x.text_with_ws for x in clause[1:]).strip(" ,?")
        first = "".join(x.text_with_ws for x in rest).strip(" ,?")
        if len(then.split()) >= 3 and len(first.split()) >= 3 and _reports(clause) and _reports(rest):
            return Order(first, then, "before" if choice else t.lower_, choice)
    return None


def _reports(clause: list) -> bool:
    """Whether a clause attributes something to a source by a verb of reporting; the tagger may
    read "report" in "Did the Courier report on X" as a noun, which counts where the clause has
    no other verb ("the Courier report on X published in May" has one)."""
    verbs = [x for x in clause if x.pos_ == "VERB" and x.lemma_.lower() not in ("do", "be", "have")]
    said = [x for x in clause if stem(x) in REPORTING]
    return any(x.pos_ == "VERB" for x in said) or (bool(said) and not verbs and said[0].pos_ == "NOUN")


def answer_order(
    asked: Order, scored: Sequence[Scored], idf: Callable[[str], float], text_of: Callable[[str], str | None]
) -> list[Draft]:
    """The answer to an order question from the dates of the two clauses' articles, or [] when
    the evidence does not show the order."""
    first = _article(asked.first, scored, idf, text_of)
    then = _article(asked.then, scored, idf, text_of) if first else None
    if first is None or then is None:
        return []
    (ev_a, line_a, date_a), (ev_b, line_b, date_b) = first, then
    if ev_a.source_id == ev_b.source_id or date_a == date_b:
        return []
    a_first = date_a < date_b
    if asked.choice:
        word = "Before" if a_first else "After"
    else:
        word = "Yes" if a_first == (asked.relation == "before") else "No"
    cited = {(e.source_id, e.start, e.end): e for e in (ev_a, line_a, ev_b, line_b)}  # a dated line may say it too
    return [Draft(word, tuple(cited.values()))]


def _article(
    part: str, scored: Sequence[Scored], idf: Callable[[str], float], text_of: Callable[[str], str | None]
) -> tuple[Evidence, Evidence, dt.date] | None:
    """The best retrieved sentence whose article says the clause, with the article's dated line
    and date."""
    named = dates(part)
    plain = part
    for _, start, end in reversed(named):  # the clause's date is checked against the article's, not as words
        plain = plain[:start] + plain[end:]
    terms = [t for t in checks.content_terms(plain) if t not in REPORTING]
    best: tuple[float, float, Evidence, Evidence, dt.date] | None = None
    heads: dict[str, tuple[str, Evidence, dt.date] | None] = {}
    for s in scored:
        ev = s.evidence
        if ev.source_id not in heads:
            heads[ev.source_id] = _dated_head(ev, text_of(ev.source_id) or "")
        head = heads[ev.source_id]
        if head is None or (named and named[0][0] != head[2]):
            continue
        said = f"{head[0]} {ev.text}"
        if checks.unheld(plain, said):
            continue
        cov = checks.coverage(terms, said, idf)
        if cov >= PART_COVERAGE and (best is None or (cov, s.score) > best[:2]):
            best = (cov, s.score, ev, head[1], head[2])
    return None if best is None else best[2:]


def _dated_head(ev: Evidence, text: str) -> tuple[str, Evidence, dt.date] | None:
    """An article's head (`article_head`), the sentence of it that holds its first date (as
    evidence, a span of the source), and that date; None when its head has no date."""
    head = article_head(text)
    lead = len(text) - len(text.lstrip())  # the head's offset in the source
    for span in sentences(head):
        found = dates(span.text)
        if found:
            start, end = lead + span.start, lead + span.end
            line = Evidence(ev.source_id, ev.chunk_id, ev.title, start, end, span.text, ev.hit_rank)
            return head, line, found[0][0]
    return None
