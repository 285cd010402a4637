"""The claim check: whether given evidence supports a claim, by composing the answer from it.

`verify_claim` splits the evidence into sentences, scores each by how much of the question it
covers (as the pipeline would), and runs the composer of rag/answer/compose.py on them: a claim passes
only if the composer derives the same answer (the same yes/no word; the same phrase, or one
holding or held by it; items it would list; an open claim standing in one sentence that names
what is asked about). Measured on the hard claim set (tests/data/claims.jsonl, tests/test_check.py).

Does not retrieve, score the model's text, or build citations.
"""

from __future__ import annotations

from collections.abc import Callable

from ..ingest.chunking import sentences
from ..language.text import fold, tokenize
from ..question.form import LIST, OPEN, YESNO, analyse
from ..verify import checks
from . import lists
from .compose import candidates
from .evidence import near_best
from .model import Scorer
from .ranking import rank, total
from .records import Evidence, Scored
from .sentences import yes_no


def verify_claim(
    question: str, answer: str, evidence: str, idf: Callable[[str], float], scorer: Scorer | None = None
) -> bool:
    """Whether the evidence sentence supports `answer` as the answer to `question`.

    The claim passes only if the composer (rag/answer/compose.py), given the same evidence, derives the same answer:
    for yes/no, the same word; otherwise the claimed phrase must be the best candidate (or
    hold it, or be held by it) after every structure checks. A claim whose phrase stands in
    the sentence but in another relation (Altman for the Apple executive) fails here.
    """
    form = analyse(question)
    top = _claim_sentences(question, evidence, idf)
    if form.kind == YESNO or fold(answer).strip(" .") in ("yes", "no"):
        drafts = yes_no(question, top, idf)
        return bool(drafts) and fold(drafts[0].text) == fold(answer).strip(" .")
    if form.kind == OPEN:  # one sentence must hold the claim, and itself name what is asked about
        return any(
            checks.answer_in_evidence(answer, s.evidence.text) and not checks.missing_names(question, s.evidence.text)
            for s in top
        )
    cands = candidates(question, form, top, idf)
    if not cands:
        return False
    claimed = set(tokenize(answer))
    if form.kind == LIST:
        chosen = set().union(*(set(tokenize(c.phrase.text)) for c in lists.list_items(cands, total)))
        return bool(claimed) and claimed <= chosen
    best = set(tokenize(rank(question, cands, scorer)[0][0].phrase.text))
    return bool(claimed & best) and (claimed <= best or best <= claimed)


def _claim_sentences(question: str, evidence: str, idf: Callable[[str], float]) -> list[Scored]:
    """The evidence's sentences that cover the question nearly as well as the best one, best
    first, each with those before it as context: what `compose` would search."""
    terms = checks.content_terms(question)
    out: list[Scored] = []
    for span in sentences(evidence):
        a, b = span.start, span.end
        before = tuple(x.evidence for x in out[-2:])
        ev = Evidence("claim", "claim", "", a, b, evidence[a:b], 1, before)
        score = checks.coverage(terms, ev.text, idf)
        out.append(Scored(ev, score, score, score))
    out.sort(key=lambda s: -s.score)
    return near_best(out, limit=None)
