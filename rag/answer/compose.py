"""Composing the answer a question asks for from scored evidence sentences.

Covers, by the question's form (rag/question/form.py):
- fact: typed candidate phrases (rag/language/phrases.py) of the best sentences that hold the asked
  event with its named participants (`polarity.carries`), ranked by how near
  they stand to what the question asks about, how many articles name them, and how
  likely the model finds each as the reply (`Scorer.score`); the best one that passes
  `checks.supports` is the answer, a span of the source;
- a fact no single sentence carries: a name that the best sentences of several articles
  share (rag/answer/shared_name.py), each article cited;
- list: the best candidate and the items coordinated with it, and those further sentences
  name in the same relation (rag/answer/lists.py), each with its own evidence;
- yes/no, open (from sentences that hold the asked event, as for a fact) and "which
  articles ...": whole sentences, in rag/answer/sentences.py;
Returns `Draft`s: claim text plus the evidence it rests on; the pipeline turns them into
citations and the answer text.

Does not retrieve, score sentences, build citations or check a given claim (rag/answer/claim_check.py
runs this composer on the claim's evidence); it never writes a word that is not
a phrase of the evidence, except "Yes", "No" and the names of articles.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from ..ingest.chunking import article_head
from ..language.phrases import Phrase, measured, parse, phrases
from ..language.polarity import REPORTING, carries
from ..language.roles import cited_as_source, governing_verb, modifies_a_name, named_as, stem, tree_distance
from ..language.text import fold, question_names, tokenize
from ..question.form import FACT, LIST, OPEN, YESNO, Form, names_only
from ..question.lexicon import COMPATIBLE_LABELS
from ..verify import checks
from . import lists
from .evidence import near_best
from .model import Scorer
from .ranking import MIN_TOTAL, rank, total
from .records import Candidate, Draft, Scored
from .sentences import antecedents, open_answer, open_evidence, sources, yes_no
from .shared_name import across_articles
from .time_order import answer_order, asked_order

# Prepositions that introduce where something is or happens.
_LOCATIVE = ("in", "at", "near", "from", "to", "into", "inside", "outside", "across", "throughout", "within")


def compose(
    question: str,
    form: Form,
    scored: Sequence[Scored],
    idf: Callable[[str], float],
    scorer: Scorer | None,
    passages: Mapping[str, str] | None = None,
    text_of: Callable[[str], str | None] | None = None,
    gate: float = MIN_TOTAL,
) -> list[Draft]:
    """The claims answering the question, or [] when the evidence does not support an answer.

    passages: each source's head (title and byline, `pipeline.article_head`) and retrieved
    text (by ID), where a question's names (an outlet, a title) may stand outside the cited
    sentences. text_of: each source's stored text (by ID), where an article's date is read.
    gate: the combined score a fact (a list's best item) must reach (rag/answer/gate.py).
    """
    if not scored:
        return []
    if form.kind == OPEN:
        cited = {s.evidence.source_id for s in scored}
        heads = {source: article_head(text_of(source) or "") for source in cited} if text_of else {}
        return open_answer(open_evidence(question, scored, passages, heads))
    top = near_best(scored)
    # "Did A report X before B reported Y?", "... before or after ...?": by the articles' dates.
    asked = asked_order(question) if form.kind in (YESNO, FACT) else None
    if asked is not None:
        return answer_order(asked, scored, idf, text_of) if text_of else []
    if form.kind == YESNO:
        return yes_no(question, top, idf, passages or {})
    if form.kind == LIST and form.answer_type == "source":
        return sources(question, top, idf)
    cands = candidates(question, form, top, idf)
    if not cands and form.kind == FACT:
        # Only where no sentence offers a candidate: where some do but all fall below the gate,
        # a name the articles share is no stronger (in a few articles on one topic, every
        # article names the same people, whatever was asked).
        return across_articles(question, form, scored, idf, passages or {})
    if not cands:
        return []
    if form.kind == FACT:
        return [_draft(c, score) for c, score in rank(question, cands, scorer, gate)[:1]]
    if form.kind == LIST:
        ranked = rank(question, cands, scorer, gate)
        if not ranked:
            return []  # the best item is no likelier than a fact that would not be stated
        wide = near_best(scored, lists.LIST_MARGIN, lists.LIST_SENTENCES)
        more = candidates(question, form, wide, idf) if len(wide) > len(top) else []
        names = set(tokenize(" ".join(question_names(question))))
        relation = [t for t in checks.content_terms(question) if t not in names]  # "meet", not "Milei"
        best = ranked[0][1]
        return [_draft(c, best) for c in lists.more_items(lists.list_items(cands, total), more, relation)]
    return []


def _draft(c: Candidate, score: float | None = None) -> Draft:
    span = (c.evidence.start + c.phrase.start, c.evidence.start + c.phrase.end)
    # Context sentences the check needed are cited too (the title, if needed, shows with every citation).
    n = min(c.context_used, len(c.evidence.context))
    context = c.evidence.context[len(c.evidence.context) - n :] if n else ()
    return Draft(c.phrase.text, (c.evidence, *context), span, score)


def _focus_compound(p: Phrase, form: Form) -> Phrase | None:
    """From "Starlink satellite internet service" (asked: "what satellite internet service"), "Starlink"."""
    if not form.focus or p.entity:
        return None
    head = fold(form.focus[-1]).rstrip("s")
    focus = {fold(f) for f in form.focus}
    words = p.text.split()
    heads = [i for i, w in enumerate(words) if fold(w).rstrip("s,") == head]
    tail = words[heads[-1] + 1 :] if heads else []
    if tail and all(w[:1].isupper() for w in tail) and not form.kind_of:
        # The name after the asked noun: "the famous rock [Lorelei]" (asked: "what rock").
        text = " ".join(tail)
        return Phrase(text, p.end - len(text), p.end, "thing", True, p.group)
    for i in range(1, len(words)):
        if fold(words[i]).rstrip("s,") == head or fold(words[i]) in focus:
            lead = " ".join(words[:i]).strip(" ,")
            if lead and form.kind_of:  # "what kind of prison system": the whole "private prison system"
                return Phrase(p.text, p.start, p.end, "thing", True, p.group)
            if lead:
                return Phrase(lead, p.start, p.start + len(lead), "thing", True, p.group)
            break
    return None


def _name_runs(question: str) -> list[set[str]]:
    """The question's names of two words or more, as sets of keyword stems ("King Charles III")."""
    return [set(tokenize(" ".join(checks.unpossessed(w) for w in run))) for run in checks.name_runs(question)]


def _fuller_name(p: Phrase, names: set[str]) -> bool:
    """Whether a person's name ends with a name the question gives: the same person, named in full."""
    words = p.text.split()
    regnal = bool(re.fullmatch(r"[IVXL]+", words[-1].removesuffix("'s").removesuffix("’s")))  # not "Harold II"
    return p.label == "person" and len(words) > 1 and not regnal and checks.bare(words[-1]) in names


def _proper(sentence: str, p: Phrase) -> bool:
    """Whether every word of the phrase is a proper noun."""
    words = [t for t in parse(sentence) if p.start <= t.idx < p.end and not t.is_punct]
    return bool(words) and all(t.pos_ == "PROPN" for t in words)


def _names(sentence: str, start: int, end: int) -> bool:
    """Whether sentence[start:end] holds a noun, a name or a number."""
    return any(start <= t.idx < end and t.pos_ in ("NOUN", "PROPN", "NUM") for t in parse(sentence))


def candidates(question: str, form: Form, top: Sequence[Scored], idf: Callable[[str], float]) -> list[Candidate]:
    """Phrases of the asked type that pass the check, best first, each text once."""
    allowed = COMPATIBLE_LABELS.get(form.answer_type, COMPATIBLE_LABELS["thing"])
    if form.answer_type == "thing":
        # "What lords": not "first" or "1070"; "What contributed to it?": not "the early 1980s"
        # (a time is asked with "when" or "what year", a number with "how many" or "what length").
        bare = ("number", "date") if form.focus and form.focus[-1] not in ("name", "names") else ("date",)
        allowed = tuple(a for a in allowed if a not in bare)
    terms = checks.content_terms(question)
    qual = names_only(form.anchors, question)  # the answer must stand next to these: "Apple" executive
    q_terms = set(terms)
    anchor_set = set(tokenize(" ".join(form.anchors)))
    named_set = set(tokenize(" ".join(qual)))
    runs = _name_runs(question)
    given = {checks.bare(n) for n in question_names(question)}  # one word each, bare ("Milei's": milei)
    asked_noun = next(iter(tokenize(form.focus[-1])), "") if form.focus else ""
    # Unless the question asks who says it, a source a sentence cites is not its answer.
    cites_source = not (REPORTING & {stem(t) for t in parse(question)} or "according" in question.lower())
    # Per answer text: (phrase, sentence, context sentences needed, stands next to the qualifier).
    found: dict[str, list[tuple[Phrase, Scored, int, bool]]] = {}
    structural: set[tuple[int, int, int]] = set()  # "Y" of "Y <asked noun>": named by its structure
    wordy: set[tuple[int, int, int]] = set()  # the whole "Y <asked noun>", which repeats the question
    for s in top:
        context = antecedents(s)
        if not carries(question, s.evidence.text, " ".join(context), anywhere=True):
            continue  # the sentence does not hold the asked event with its participants
        pool = list(phrases(s.evidence.text))
        pairs = [(p, c) for p in pool if (c := _focus_compound(p, form)) is not None]
        # A lead that names nothing ("many fine [castles]": no noun, name or number) answers nothing.
        compounds = [c for _, c in pairs if _names(s.evidence.text, c.start, c.end)]
        structural.update((s.evidence.start, c.start, c.end) for c in compounds)
        # "Starlink satellite internet service" holds the asked noun: its lead "Starlink" answers.
        wordy.update((s.evidence.start, p.start, p.end) for p, c in pairs if (c.start, c.end) != (p.start, p.end))
        units = [(p.start, p.end) for p in pool if p.entity]
        asked_people = [(p.start, p.end) for p in pool if _fuller_name(p, given)]
        # "X, an annual gathering" / "the largest city is X": X is named as what is asked for,
        # whatever type the tagger gave it.
        named = {(p.start, p.end) for p in pool if named_as(s.evidence.text, p.start, p.end, asked_noun)}
        structural.update((s.evidence.start, *x) for x in named)
        # "At which battle": where a name of the sentence is one of the asked kind ("the Battle of
        # Hastings"), a person ("Duke William II") is not what is asked.
        kind_named = form.answer_type == "thing" and any(
            p.entity and p.label != "person" and asked_noun in tokenize(p.text) for p in pool
        )
        for p in pool + compounds:
            if (
                p.label not in allowed
                and (p.start, p.end) not in named
                and not (
                    form.answer_type in ("person", "place", "org")
                    and not p.entity
                    and _proper(s.evidence.text, p)
                    and not any(e.entity and e.start < p.end and p.start < e.end for e in pool)
                )
            ):
                continue  # a name the tagger gave no type at all ("the Ruhr", "Sankt Goarshausen") may be either
            if kind_named and p.label == "person" and (p.start, p.end) not in named:
                continue
            if form.answer_type == "person" and (p.start, p.end) not in named:
                if qual and p.label == "org":
                    continue  # "Who from Google": a person of Google, not the company that owns it
                if modifies_a_name(s.evidence.text, p.start, p.end):
                    continue  # "[Tesla] owner Elon Musk": Tesla says whose he is
            if form.answer_type in ("person", "place", "date", "number") and anchor_set & set(tokenize(p.text)):
                continue  # the qualifier is not the answer: "Meta" qualifies the executive asked for
            if form.answer_type == "thing" and not p.entity and len(p.text.split()) > 6:
                continue
            if any(run <= set(tokenize(p.text)) for run in runs):
                continue  # holds a whole name the question gives: "King Charles III [of West Francia]"
            if cites_source and cited_as_source(s.evidence.text, p.start):
                continue  # "According to Milei, Musk is interested in lithium": Milei says it, is not it
            if any(p.start <= a and b <= p.end for a, b in asked_people):
                continue  # "(President) Javier Milei" is the Milei the question names, not who he meets
            v = checks.supports(
                question, p.text, s.evidence.text, idf, (p.start, p.end), context, qual, units, form.focus[-1:]
            )
            if v.ok:
                anchored = bool(named_set) and bool(
                    checks.stands_with(s.evidence.text, p.start, p.end, list(named_set), units)
                )
                found.setdefault(fold(p.text), []).append((p, s, v.context_used, anchored))
    # "How many ice ages": where some number counts them, numbers that do not are dropped.
    counting = {k for k, v in found.items() if any(_counts(form.counted, s.evidence.text, p) for p, s, *_ in v)}
    if counting:
        found = {k: v for k, v in found.items() if k in counting}
    # Where some answer stands next to the question's qualifier, answers that do not are dropped.
    if any(a for places in found.values() for *_, a in places):
        found = {k: [x for x in v if x[3]] for k, v in found.items()}
        found = {k: v for k, v in found.items() if v}
    out = []
    near_terms = list(anchor_set) or terms
    for places in found.values():
        p, s, used, _ = places[0]
        articles = {x.evidence.source_id for _, x, _, _ in places}
        if (s.evidence.start, p.start, p.end) in wordy:
            continue
        if form.kind_of and (s.evidence.start, p.start, p.end) not in structural:
            continue  # "what kind of arches": only a phrase that says the kind with the arches answers
        d = checks.distance(s.evidence.text, p.start, p.end, near_terms)
        if d >= 10**6:
            d = checks.distance(s.evidence.text, p.start, p.end, terms)
        if form.answer_type == "thing":
            exact = 0.5 * ((s.evidence.start, p.start, p.end) in structural) + 0.25 * p.entity
            exact += 0.5 * _object_of(form.last_preposition, s.evidence.text, p)
        else:
            exact = 0.5 * (p.label == form.answer_type) + 0.25 * (form.measure and measured(p.text))
            exact += 0.25 * ((s.evidence.start, p.start, p.end) in structural)
        overlap = len(set(tokenize(p.text)) & q_terms) / max(1, len(tokenize(p.text)))
        rank_score = s.score + exact - overlap
        out.append(Candidate(p, s.evidence, 1.0 / (1.0 + d), len(articles), rank_score, used))
    # Spans inside a longer kept span of the same evidence ("Cook" in "Tim Cook") go.
    out = [c for c in out if not any(_inside(c, o) for o in out if o is not c)]
    if form.answer_type == "place":
        # Where it happens: "met [in Buenos Aires]", not "[Silicon Valley] investor", in one
        # sentence; places coordinated with one that is ("in [France], Germany and Italy") too.
        located = [c for c in out if any(_object_of(w, c.evidence.text, c.phrase) for w in _LOCATIVE)]
        # Where a sentence puts one of them on the question's own verb ("at [Millingen] the Rhine
        # splits" for "where does it split"), the places of its other clauses go.
        verbs = {stem(t) for t in parse(question) if t.pos_ == "VERB"}
        on_verb = [c for c in located if governing_verb(c.evidence.text, c.phrase.start, c.phrase.end) in verbs]
        located = [c for c in located if c in on_verb or _where(c) not in {_where(x) for x in on_verb}]
        sentences_with = {_where(c) for c in located}
        groups = {(*_where(c), c.phrase.group) for c in located if c.phrase.group >= 0}
        out = [
            c for c in out if _where(c) not in sentences_with or c in located or (*_where(c), c.phrase.group) in groups
        ]
    # Equal scores: the phrase that hangs closest, in the parse, to the question's names first.
    name_terms = set(tokenize(" ".join(question_names(question))))
    out.sort(
        key=lambda c: (
            -total(c),
            tree_distance(c.evidence.text, c.phrase.start, c.phrase.end, name_terms),
            c.evidence.source_id,
            c.evidence.start,
            c.phrase.start,
        )
    )
    return out


def _counts(noun: str, sentence: str, p: Phrase) -> bool:
    """Whether the phrase is the number of the noun "how many" asks about ("[six] major Ice Ages")."""
    if not noun:
        return False
    stem = fold(noun).rstrip("s")
    return any(
        p.start <= t.idx < p.end and t.dep_ == "nummod" and fold(t.head.text).rstrip("s") == stem
        for t in parse(sentence)
    )


def _where(c: Candidate) -> tuple[str, int]:
    return c.evidence.source_id, c.evidence.start


def _object_of(preposition: str, sentence: str, p: Phrase) -> bool:
    """Whether the phrase follows the preposition the question ends on ("into [an AI hub]")."""
    if not preposition:
        return False
    before = sentence[max(0, p.start - 40) : p.start].lower().split()
    return preposition in before[-3:]


def _inside(a: Candidate, b: Candidate) -> bool:
    return (
        a.evidence.start == b.evidence.start
        and b.phrase.start <= a.phrase.start
        and a.phrase.end <= b.phrase.end
        and (b.phrase.end - b.phrase.start) > (a.phrase.end - a.phrase.start)
    )
