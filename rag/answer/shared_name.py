"""A fact no single sentence carries: the name that several articles' best sentences share.

For questions that describe their answer through several articles ("Who is the individual
that TechCrunch reports ... and The Verge ..."): each article carries part of the question,
and together they name the same entity. Covers gathering the names (a lone surname joins the
one fuller name it ends, whatever label the small tagger gave each mention), choosing one of
the asked kind that two or more articles share (and not tied to another name where a sentence
names what the question qualifies it by: "which Apple executive"), and checking that the
cited sentences and their articles' retrieved text carry the question's names and enough of
its content.

Does not handle facts a sentence carries (rag/answer/compose.py) or score sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from ..language.phrases import Phrase, phrases
from ..language.text import fold, tokenize
from ..question.form import AUXILIARIES, Form, described_as, names_only, words
from ..verify import checks
from .records import Draft, Scored

# Best sentences searched for a name several articles share, and the share of the question
# (IDF-weighted) that their articles' text must carry (chosen on multihop_news dev, right and
# wrong answers by threshold in docs/answers.md).
ACROSS_SENTENCES = 16
ACROSS_COVERAGE = 0.4
# Only a question that describes its answer at length (this many content terms or more: several
# clauses, several reports) is read this way; a short question no sentence carries is not
# answered by a name its articles share (in articles on one topic they all share the same few).
# SQuAD dev questions have at most 10 such terms, multihop ones 10 to 35.
ACROSS_MIN_TERMS = 12
# Articles cited for such an answer, at most: those that name it best, and others that hold
# what the first lack (a name of the question, more of its content).
ACROSS_MAX_CITED = 5


def across_articles(
    question: str, form: Form, scored: Sequence[Scored], idf: Callable[[str], float], passages: Mapping[str, str]
) -> list[Draft]:
    """A name that the best sentences of two or more articles hold, each article cited.

    For questions that describe their answer through several articles ("the person that
    TechCrunch and The Verge both ..."): no single sentence carries the question, but the
    articles that do, together, name the same entity. The cited sentences, their articles'
    retrieved text and titles must hold the question's names and ACROSS_COVERAGE of its content.
    """
    if len(checks.content_terms(question)) < ACROSS_MIN_TERMS or form.kind_of or _opens_with_auxiliary(question):
        return []  # "Does A align with B, or ...?" asks to choose, "what type of X" for a kind: not a name
    best: dict[str, list[Scored]] = {}
    for s in scored[:ACROSS_SENTENCES]:
        best.setdefault(s.evidence.source_id, []).append(s)
    asked = set(tokenize(question))
    found: list[tuple[str, Phrase, Scored, bool]] = []  # (name, phrase, sentence, among its article's best two)
    for sentences in best.values():
        for i, s in enumerate(sentences):
            for p in phrases(s.evidence.text):
                if p.entity and not set(tokenize(p.text)) <= asked:
                    found.append((fold(p.text), p, s, i < 2))
    key_of = _name_keys({k for k, *_ in found})
    named: dict[str, dict[str, tuple[Phrase, Scored]]] = {}
    fullest: dict[str, tuple[Phrase, Scored]] = {}  # the fullest form of each name: "Sam Bankman-Fried"
    kinds: dict[str, set[str]] = {}
    mentions: dict[str, dict[str, tuple[Phrase, Scored]]] = {}  # every article naming it in a searched sentence
    for name, p, s, first in found:
        key = key_of[name]
        kinds.setdefault(key, set()).add(p.label)
        if key not in fullest or len(p.text) > len(fullest[key][0].text):
            fullest[key] = (p, s)
        mentions.setdefault(key, {}).setdefault(s.evidence.source_id, (p, s))
        if first:
            named.setdefault(key, {}).setdefault(s.evidence.source_id, (p, s))
    # A name of the asked kind only (a person for "who"): the articles' agreement is all there is.
    # The small tagger names one person "PERSON" here and "ORG" there, so any of its mentions will do.
    ranked = sorted(
        ((len(by), sum(s.score for _, s in by.values()), k) for k, by in named.items()
         if len(by) >= 2 and (form.answer_type == "thing" or form.answer_type in kinds[k])),
        reverse=True,
    )  # fmt: skip
    described = described_as(question, form)  # "individual": the answer, not what the evidence says of it
    qualifier = list(tokenize(" ".join(names_only(form.anchors, question))))
    for *_, key in ranked[:3]:
        by = named[key]
        tied = {_stands_with(m, qualifier) for m in mentions[key].values()} if qualifier else set()
        if False in tied and True not in tied:
            continue  # "Which Apple executive": a name the sentences naming Apple tie to another is not one
        picks = sorted(by.values(), key=lambda x: -x[1].score)[:3]
        full = fullest[key]
        if len(full[0].text) > len(picks[0][0].text):  # state the name whole, citing where it stands so
            picks = [full, *(x for x in picks if x[1] is not full[1])][:4]
        rest = [t for t in checks.content_terms(question, described) if t not in tokenize(picks[0][0].text)]
        picks = _more_articles(question, picks, list(mentions[key].values()), passages, rest, idf)
        held = _held(picks, passages)
        if checks.unheld(question, held, picks[0][0].text) or checks.coverage(rest, held, idf) < ACROSS_COVERAGE:
            continue
        cited = [s.evidence for _, s in picks]
        p, s = picks[0]
        span = (s.evidence.start + p.start, s.evidence.start + p.end)
        return [Draft(p.text, tuple(cited), span)]
    return []


def _more_articles(
    question: str,
    picks: list[tuple[Phrase, Scored]],
    others: list[tuple[Phrase, Scored]],
    passages: Mapping[str, str],
    rest: list[str],
    idf: Callable[[str], float],
) -> list[tuple[Phrase, Scored]]:
    """The picked articles and, up to ACROSS_MAX_CITED in all, others naming the answer that hold
    what the picked ones lack: first a name of the question ("as Fortune reported": the Fortune
    article), then, while the cited text carries less than ACROSS_COVERAGE of it, more of its content."""
    answer = picks[0][0].text

    def missing(ps: list[tuple[Phrase, Scored]]) -> int:
        return len(checks.unheld(question, _held(ps, passages), answer))

    def covered(ps: list[tuple[Phrase, Scored]]) -> float:
        return checks.coverage(rest, _held(ps, passages), idf)

    out = list(picks)
    cited = {s.evidence.source_id for _, s in out}
    for lacks, done in ((missing, 0), (lambda ps: -covered(ps), -ACROSS_COVERAGE)):
        now = lacks(out)
        for x in sorted(others, key=lambda x: -x[1].score):
            if len(out) >= ACROSS_MAX_CITED or now <= done:
                break
            if x[1].evidence.source_id in cited:
                continue
            after = lacks([*out, x])
            if after < now:
                out.append(x)
                cited.add(x[1].evidence.source_id)
                now = after
    return out


def _stands_with(mention: tuple[Phrase, Scored], qualifier: list[str]) -> bool | None:
    """Whether a sentence ties the name it mentions to the question's qualifier ("Apple"), as
    the claim check reads it (`checks.stands_with`: None where the sentence does not name it)."""
    p, s = mention
    return checks.stands_with(s.evidence.text, p.start, p.end, qualifier)


def _held(picks: list[tuple[Phrase, Scored]], passages: Mapping[str, str]) -> str:
    """The cited sentences with their articles' titles and retrieved text."""
    return " ".join(f"{s.evidence.text} {s.evidence.title} {passages.get(s.evidence.source_id, '')}" for _, s in picks)


def _opens_with_auxiliary(question: str) -> bool:
    ws = words(question)
    return bool(ws) and ws[0] in AUXILIARIES


def _name_keys(names: set[str]) -> dict[str, str]:
    """Each name's key: a lone surname ("bankman-fried", "swift") joins the one fuller name it ends."""
    out = {n: n for n in names}
    for n in names:
        if " " not in n:
            fuller = [m for m in names if " " in m and m.split()[-1] == n]
            if len(fuller) == 1:
                out[n] = fuller[0]
    return out
