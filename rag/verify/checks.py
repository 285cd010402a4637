"""Does the cited sentence say what the claim says? The checks every claim must pass.

Covers: `supports(question, answer, evidence, idf)` -> `Verdict`, a claim being "the answer
to this question is `answer`", checked against the exact evidence text:
- the answer's words are in the evidence (numbers as written), and it is not the question;
- what the question is about is in the evidence: every number and every name of the
  question (a capitalised word past the first), and most of its other content weighted
  by rarity (IDF). A claim whose evidence speaks of another person, year or place fails;
- the relation: the answer stands near what the question asks about (a question term
  within a few words of it), not somewhere else in a long sentence, and in the role the
  question asks (who acts or who is acted on, rag/language/roles.py);
- polarity: the evidence does not negate what the question asserts (or the reverse).
`polarity_flipped` tells a yes/no answer whether the evidence says the opposite.

Does not choose answers (rag/answer/compose.py) or run any model; the rules follow sentence
structure in general and hold no particular question.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..language.polarity import negations
from ..language.roles import first_item, owners, role_of
from ..language.text import STOP_WORDS, fold, question_names, tokenize
from ..question.request import without_request
from .event import another_event, own_people
from .qualifier import opposite_sides, ranked_below

_WORDS = re.compile(r"\w+")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
# Question words that carry no content of their own.
_QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how does did do is are was were has have had will would can could "
    "should shall may might must many much name named according article articles report reported".split()
)
# Coverage of the question's content the evidence must reach (IDF-weighted share).
MIN_COVERAGE = 0.4
# How many words away from a question term the answer may stand.
MAX_DISTANCE = 12
# How many words away from a qualifying word of the question ("Apple" executive) the answer may stand.
ANCHOR_DISTANCE = 3


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str = ""
    # How many sentences of context (before the evidence sentence) the claim needed: cite them too.
    context_used: int = 0


@functools.lru_cache(maxsize=256)
def _skipped_terms(asked: tuple[str, ...]) -> frozenset[str]:
    return frozenset(tokenize(" ".join([*_QUESTION_WORDS, *asked])))


def content_terms(question: str, asked: Sequence[str] = ()) -> list[str]:
    """The question's analysed terms (text.tokenize), minus question words and the words that
    name the asked thing (`asked`, e.g. "countries" in "which countries ...": a type, which the
    evidence names by example, not by that word)."""
    skip = _skipped_terms(tuple(asked))
    question = _KIND_OF.sub(" ", question)  # "what kind of X": the evidence names the kind, not the word
    question = without_request(question)  # "List ...", "Tell me about ...": no content of the question's
    return [t for t in dict.fromkeys(tokenize(question)) if t not in skip]


_KIND_OF = re.compile(r"\b(kind|type|sort)s? of\b", re.I)


def coverage(terms: list[str], text: str, idf: Callable[[str], float]) -> float:
    """IDF-weighted share of terms found in text (long terms also by their first seven letters)."""
    if not terms:
        return 1.0
    have = set(tokenize(text))
    prefixes = {h[:7] for h in have if len(h) >= 7}
    total = sum(idf(t) for t in terms)
    got = sum(idf(t) for t in terms if t in have or (len(t) >= 7 and t[:7] in prefixes))
    return got / total if total else 1.0


def name_runs(question: str) -> list[list[str]]:
    """The question's names of two words or more, each as its words ("King Charles III"); a
    comma, a stop or a closing quote ends a name."""
    names = set(question_names(question))
    runs: list[list[str]] = [[]]
    for word in question.split():
        w = word.strip("\"“”‘’'(),.;:?!")
        if w in names:
            runs[-1].append(w)
        if w not in names or word[-1] in ",.;:?!\"”’')":
            runs.append([])
    return [r for r in runs if len(r) > 1]


def missing_numbers(question: str, evidence: str) -> list[str]:
    """The question's numbers that the evidence does not hold as whole numbers (the "11" of
    "11th century" is not in "1191")."""
    return [
        n for n in _NUMBER.findall(question) if not re.search(rf"(?<![\d,.]){re.escape(n)}(?![\d]|[,.]\d)", evidence)
    ]


def missing_names(question: str, evidence: str, answer: str = "") -> list[str]:
    """Numbers and capitalised names of the question that the evidence does not hold."""
    ev = fold(evidence)
    ev_words = set(_WORDS.findall(ev))
    ev_names = {fold(n) for n in re.findall(r"\b[A-Z][\w’'-]*", evidence)}
    missing = missing_numbers(question, evidence)
    for name in question_names(question):
        w = bare(name)
        if w in ev_words or w in ev or fold(w) in fold(answer):
            continue
        if len(w) >= 6 and any(x.startswith(w[:6]) for x in ev_words):  # Norman / Normandy, Argentina / Argentine
            continue
        if len(w) >= 5 and any(_one_edit(w, x) for x in ev_names):  # a typo of a name there: "Emmrich"
            continue
        missing.append(name)
    return missing


def unheld(question: str, held: str, answer: str = "") -> list[str]:
    """The question's numbers and names the held text lacks; a name of several words is held
    when its first or last word stands there as a name (capitalised), the short forms articles
    use after the first mention ("Alameda" for "Alameda Research", "Yedidia" for "Adam Yedidia").
    """
    missing = missing_names(question, held, answer)
    lacking = set(missing)
    for run in name_runs(question):
        words = [w for w in run if w.lower() not in ("the", "a", "an")]
        ends = {unpossessed(w) for w in (words[0], words[-1])} if len(words) > 1 else set()
        if any(re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", held) for w in ends):
            lacking -= set(words)
    return [m for m in missing if m in lacking]


def bare(name: str) -> str:
    """A question's name folded, without quotes or a possessive "'s"."""
    return fold(unpossessed(name))


def unpossessed(name: str) -> str:
    """A name as written, without quotes or a possessive "'s" ("Kaplan's" -> "Kaplan")."""
    return re.sub(r"[’']s$", "", name.strip("’'"))


def _misspelt_question_name(question: str, answer: str) -> bool:
    """Whether every word of the answer is one of the question's names, one letter apart
    ("Nederrijn" for a question about "the Nederrikn")."""
    names = {bare(n) for n in question_names(question)}
    words = _WORDS.findall(fold(answer))
    return bool(words) and all(any(len(n) >= 5 and _one_edit(w, n) for n in names) for w in words)


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one letter inserted, deleted, replaced, or two swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]


def answer_in_evidence(answer: str, evidence: str) -> bool:
    ev = fold(evidence)
    words = [w for w in _WORDS.findall(fold(answer)) if w not in STOP_WORDS]
    if not words:
        return False
    ev_words = set(_WORDS.findall(ev))
    return all(w in ev_words for w in words)


def distance(evidence: str, start: int, end: int, terms: list[str], units: Sequence[tuple[int, int]] = ()) -> int:
    """Words between the span evidence[start:end] and the nearest question term outside it.

    units: spans of whole names ("Meta Platforms Inc."); a term inside one counts from the
    name's near edge, so "Meta Platforms Inc. CEO Mark Zuckerberg" puts Zuckerberg one word
    from Meta.
    """
    words = _analysed_words(evidence)
    spans = [(a, b) for a, b, _ in words]
    best = 10**6
    inside = [i for i, (a, b) in enumerate(spans) if a < end and b > start]
    if not inside:
        return best
    lo, hi = inside[0], inside[-1]
    term_set = set(terms)
    for i, (a, _, analysed) in enumerate(words):
        if lo <= i <= hi:
            continue
        if analysed in term_set:
            j = i
            for u0, u1 in units:
                if u0 <= a < u1 and not (u0 < end and u1 > start):  # the whole name, up to its near edge
                    near = [k for k, (x, y) in enumerate(spans) if u0 <= x < u1]
                    j = near[-1] if i < lo else near[0]
            best = min(best, lo - j if j < lo else j - hi)
    return best


def stands_with(
    evidence: str, start: int, end: int, terms: list[str], units: Sequence[tuple[int, int]] = ()
) -> bool | None:
    """Whether the span evidence[start:end] stands with the qualifier `terms` (stems of "Apple"
    in "which Apple executive"): tied to it in the parse, however far ("Google CEO Sundar
    Pichai", `roles.owners`), or within ANCHOR_DISTANCE words and tied to no other name ("Sam
    Altman [of OpenAI]" stands next to "Google" in a list, but not with it). None where it is
    tied to no word of the qualifier and the evidence holds none outside the span."""
    tied = owners(evidence, start, end)
    if tied & set(terms):
        return True
    near = distance(evidence, start, end, terms, units)
    if near >= 10**6:
        return None
    if near <= ANCHOR_DISTANCE and not tied:
        return True
    # An item coordinated with one that stands with it does too: "Norman generals, Richard de
    # Camville and [Robert de Thornham]".
    first = None if tied else first_item(evidence, start, end)
    return first is not None and stands_with(evidence, *first, terms, units) is True


@functools.lru_cache(maxsize=1024)
def _analysed_words(text: str) -> tuple[tuple[int, int, str], ...]:
    """Each word of text as (start, end, its first analysed term or ""): a sentence is read once,
    however many candidates of it are measured."""
    out = []
    for m in _WORDS.finditer(text):
        analysed = tokenize(m.group())
        out.append((m.start(), m.end(), analysed[0] if analysed else ""))
    return tuple(out)


def polarity_flipped(question: str, evidence: str) -> bool:
    """True when exactly one of the two is negated (odd difference in negations); only the
    evidence's negations that bear on the question's words count. Also when the question asks
    for the least of something the evidence calls the most, or the reverse ("the least
    dominant sectors" of "the dominant sectors")."""
    if opposite_sides(question, evidence) or ranked_below(question, evidence):
        return True
    asked = _degrees(question)
    for stem, said in _degrees(evidence, set(asked)).items():
        q = asked[stem]
        if (q in _LEAST and said in _MOST) or (q in _MOST and said in _LEAST) or (q == "least" and not said):
            return True
    return (negations(question) - negations(evidence, frozenset(tokenize(question)))) % 2 == 1


_LEAST = frozenset(("least", "fewest", "lowest", "smallest"))
_MOST = frozenset(("most", "highest", "largest", "biggest"))
_DEGREE = re.compile(r"\b(?:(" + "|".join(_LEAST | _MOST) + r")\s+)?([a-z]+)", re.I)


def _degrees(text: str, stems: set[str] | None = None) -> dict[str, str]:
    """The degree word ("least", "most", "lowest", ...) said of each word: of the words that
    have one, or, given `stems`, of those words wherever they stand ("" where plain)."""
    out: dict[str, str] = {}
    for m in _DEGREE.finditer(text):
        word = tokenize(m[2])
        if not word:
            continue
        if stems is None and m[1]:
            out[word[0]] = m[1].lower()
        elif stems is not None and word[0] in stems:
            out[word[0]] = (m[1] or "").lower()
    return out


def supports(
    question: str,
    answer: str,
    evidence: str,
    idf: Callable[[str], float],
    span: tuple[int, int] | None = None,
    context: Sequence[str] = (),
    anchors: Sequence[str] = (),
    units: Sequence[tuple[int, int]] = (),
    asked: Sequence[str] = (),
) -> Verdict:
    """Whether evidence says that `answer` answers `question`.

    span: the answer's offsets in evidence. context: the sentences before it (nearest last),
    used, and then reported in `context_used`, only where the sentence alone does not name
    what the question is about. anchors: words that qualify what is asked ("Apple" in
    "which Apple executive"); where the sentence holds one, the answer must stand next to it
    (units: spans of whole names in evidence, see `distance`).
    """
    if not answer.strip():
        return Verdict(False, "empty answer")
    if not answer_in_evidence(answer, evidence):
        return Verdict(False, "the answer's words are not in the evidence")
    for num in _NUMBER.findall(answer):
        if num not in evidence:
            return Verdict(False, f"the number {num} is not in the evidence")
    terms = content_terms(question, asked)
    answer_terms = set(tokenize(answer))
    if answer_terms and answer_terms <= set(tokenize(question)):
        return Verdict(False, "the answer only repeats the question")
    if _misspelt_question_name(question, answer):
        return Verdict(False, "the answer is a name the question gives, spelt differently")
    rest = [t for t in terms if t not in answer_terms]
    used, reason = 0, ""
    alone = not missing_names(question, evidence, answer)
    own = not alone and own_people(question, evidence)
    for used in range(len(context) + 1):
        if used and (alone or own):
            break  # a sentence that names what the question is about must carry it by itself
        text = " ".join([*context[len(context) - used :], evidence])
        missing = missing_names(question, text, answer)
        cov = coverage(rest, text, idf)
        if missing:
            reason = f"the evidence does not mention {', '.join(missing)}"
        elif cov < MIN_COVERAGE:
            reason = f"the evidence covers {cov:.0%} of the question"
        else:
            reason = ""
            break
    if reason:
        return Verdict(False, reason)
    if span is not None:
        anchor_terms = [t for t in tokenize(" ".join(anchors)) if t not in answer_terms]
        if anchor_terms and stands_with(evidence, span[0], span[1], anchor_terms, units) is False:
            return Verdict(False, "the answer does not stand with what the question qualifies it by")
        if rest and distance(evidence, span[0], span[1], rest) > MAX_DISTANCE:
            return Verdict(False, "the answer stands far from what the question asks about")
        if role_of(question, evidence, span[0], span[1]) is False:
            return Verdict(False, "the answer does not stand in the role the question asks for")
    if why := another_event(question, evidence, span):
        return Verdict(False, why)
    if polarity_flipped(question, evidence):
        return Verdict(False, "the evidence negates what the question asserts")
    return Verdict(True, "", used)
