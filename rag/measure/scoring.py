"""Scoring answers: per-question rows from `Answer` objects, and the figures from the rows.

Covers `verdict` (one word for what happened to a question), `score_row` (one
JSON-ready row), `summarise` (the answer figures of any set of rows),
`score_answers` (rows plus every figure, overall and by question type, by the
answer's kind and by answerable/unanswerable) and `format_table`. The rules,
stated once (docs and the README quote them):

- correct: answered, answerable, and `metrics.answer_correct` holds for the
  answer text (markers stripped; whole words; a gold list needs every item; a
  yes/no gold needs the text to open with that word); quotes do not count;
- wrong answers (the headline): answered (not abstained) and not correct,
  answerable or not, over all questions;
- evidence recall: the text or a citation quote holds a gold answer, over
  answered answerable questions with a gold answer other than yes/no;
- EM / F1: SQuAD 2.0 style on the stripped text, an abstention predicting "";
  `exact_match`/`f1` over answerable questions, `*_all` over all questions
  (an abstained unanswerable question scores 1);
- multihop: answered questions with 2+ gold sources whose citations name at
  least two of them, over such questions;
- retrieval hit rate / MRR over the sources of the first k hits, answerable
  questions with gold sources; citation precision/recall and verbatim quotes
  as before; latency from `Answer.timings`.
An undefined figure (empty denominator) is None.

Does not run the pipeline, read question files or write anything (rag.measure.run does).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..results import Answer
from .metrics import (
    answer_correct,
    contains_answer,
    exact_match,
    hit_at_k,
    is_yes_no,
    mean,
    mrr,
    percentile,
    ratio,
    strip_markers,
    token_f1,
    unique_ids,
)

VERDICTS = ("correct", "wrong", "false-refusal", "abstained-ok", "answered-unanswerable")


def verdict(item: dict, answer: Answer) -> str:
    """correct / wrong / false-refusal for answerable items; abstained-ok / answered-unanswerable otherwise."""
    if not item["answerable"]:
        return "abstained-ok" if answer.abstained else "answered-unanswerable"
    if answer.abstained:
        return "false-refusal"
    return "correct" if answer_correct(answer.text, item["answers"]) else "wrong"


def score_row(item: dict, ans: Answer, k: int, source_text: Callable[[str], str | None] | None = None) -> dict:
    """One question's row: what was asked, answered and cited, and how it scores."""
    gold = set(item["sources"])
    answered_answerable = item["answerable"] and not ans.abstained
    retrieved = unique_ids(h.source_id for h in sorted(ans.hits, key=lambda h: h.rank)[:k])
    cited = unique_ids(c.source_id for c in ans.citations)
    prediction = "" if ans.abstained else strip_markers(ans.text)
    golds = item["answers"] if item["answerable"] else []
    text_golds = [g for g in item["answers"] if not is_yes_no(g)]
    evidence = None
    if answered_answerable and text_golds:
        evidence = contains_answer([ans.text, *(c.quote for c in ans.citations)], text_golds)
    citations = []
    for c in ans.citations:
        text = source_text(c.source_id) if source_text else None
        ok = (text is not None and text[c.start : c.end] == c.quote) if source_text else None
        citations.append({"source_id": c.source_id, "start": c.start, "end": c.end, "quote": c.quote, "verbatim": ok})
    has_gold = item["answerable"] and bool(gold)
    return {
        "id": item["id"],
        "question": item["question"],
        "type": item.get("type"),
        "kind": ans.kind,
        "answerable": item["answerable"],
        "verdict": verdict(item, ans),
        "answer": ans.text,
        "abstained": ans.abstained,
        "em": exact_match(prediction, golds),
        "f1": token_f1(prediction, golds),
        "evidence_hit": evidence,
        "cites_two_gold": len(gold.intersection(cited)) >= 2 if len(gold) >= 2 and not ans.abstained else None,
        "retrieval_hit": hit_at_k(retrieved, gold, k) if has_gold else None,
        "reciprocal_rank": mrr(retrieved, gold) if has_gold else None,
        "cited_sources": cited,
        "gold_answers": item["answers"],
        "gold_sources": item["sources"],
        "retrieved_sources": retrieved,
        "citations": citations,
        "timings": dict(ans.timings or {}),
        "trace": dict(ans.trace or {}),
    }


def _share(rows: Sequence[dict], key: str) -> float | None:
    values = [r[key] for r in rows if r[key] is not None]
    return ratio(sum(bool(v) for v in values), len(values))


def summarise(rows: Sequence[dict]) -> dict:
    """Counts, answer figures and retrieval figures of these rows (see the module docstring)."""
    n = {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = len(rows) - len(answerable)
    answered = sum(not r["abstained"] for r in rows)
    wrong = n["wrong"] + n["answered-unanswerable"]
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": unanswerable,
        "answered": answered,
        "answers": {
            "wrong_answers": ratio(wrong, len(rows)),
            "answerable_right": ratio(n["correct"], len(answerable)),
            "unanswerable_abstained": ratio(n["abstained-ok"], unanswerable),
            "false_refusals": ratio(n["false-refusal"], len(answerable)),
            "right_when_answered": ratio(n["correct"], answered),
            "abstention_precision": ratio(n["abstained-ok"], len(rows) - answered),
            "evidence_recall": _share(rows, "evidence_hit"),
            "exact_match": mean([r["em"] for r in answerable]),
            "f1": mean([r["f1"] for r in answerable]),
            "exact_match_all": mean([r["em"] for r in rows]),
            "f1_all": mean([r["f1"] for r in rows]),
            "multihop_two_sources": _share(rows, "cites_two_gold"),
        },
        "retrieval": {
            "hit_rate": mean([r["retrieval_hit"] for r in rows if r["retrieval_hit"] is not None]),
            "mrr": mean([r["reciprocal_rank"] for r in rows if r["reciprocal_rank"] is not None]),
        },
        "verdicts": n,
    }


def _citation_figures(rows: Sequence[dict], verbatim_known: bool) -> dict:
    pairs = gold_pairs = cite_q = cite_gold_q = gold_cited = gold_total = 0
    for r in rows:
        if not r["answerable"] or r["abstained"]:
            continue
        gold, cited = set(r["gold_sources"]), r["cited_sources"]
        pairs += len(cited)
        gold_pairs += len(gold.intersection(cited))
        if gold:
            cite_q += 1
            cite_gold_q += bool(gold.intersection(cited))
            gold_cited += len(gold.intersection(cited))
            gold_total += len(gold)
    quotes = [c["verbatim"] for r in rows for c in r["citations"]]
    return {
        "precision": ratio(gold_pairs, pairs),
        "recall": ratio(cite_gold_q, cite_q),
        "source_recall": ratio(gold_cited, gold_total),
        "verbatim": ratio(sum(bool(q) for q in quotes), len(quotes)) if verbatim_known else None,
        "count": len(quotes),
    }


def _latency(rows: Sequence[dict]) -> dict:
    totals, ttfts, tokens, gen_seconds = [], [], 0, 0.0
    for r in rows:
        t = r["timings"]
        if t.get("total") is not None:
            totals.append(float(t["total"]))
        n_tokens = t.get("tokens")
        # An abstention streams a canned sentence at once; its "first token" would flatter the model.
        if t.get("first_token") is not None and not r["abstained"] and (n_tokens is None or n_tokens > 0):
            ttfts.append(float(t["first_token"]))
        if n_tokens and t.get("generation"):
            tokens += int(n_tokens)
            gen_seconds += float(t["generation"])
    return {
        "total_p50": percentile(totals, 50),
        "total_p95": percentile(totals, 95),
        "first_token_p50": percentile(ttfts, 50),
        "first_token_p95": percentile(ttfts, 95),
        "tokens_per_second": ratio(tokens, gen_seconds),
    }


def _groups(rows: Sequence[dict], key: Callable[[dict], str]) -> dict[str, dict]:
    names = list(dict.fromkeys(key(r) for r in rows))
    return {name: summarise([r for r in rows if key(r) == name]) for name in names}


def score_answers(
    items: Sequence[dict],
    answers: Sequence[Answer],
    k: int,
    source_text: Callable[[str], str | None] | None = None,
) -> dict:
    """{"metrics": ..., "rows": [...]} for answers to items (same order).

    source_text(source_id) gives the indexed text, to check quotes are verbatim;
    without it the verbatim share is None.
    """
    rows = [score_row(i, a, k, source_text) for i, a in zip(items, answers, strict=True)]
    metrics = summarise(rows)
    metrics.update(
        k=k,
        citations=_citation_figures(rows, source_text is not None),
        latency=_latency(rows),
        by_answerable=_groups(rows, lambda r: "answerable" if r["answerable"] else "unanswerable"),
        by_type=_groups(rows, lambda r: r["type"] or "untyped") if any(r["type"] for r in rows) else {},
        by_kind=_groups(rows, lambda r: r["kind"] or "none"),
    )
    return {"metrics": metrics, "rows": rows}


# ---------------------------------------------------------------- output

_COLUMNS = (
    ("wrong", "wrong_answers"),
    ("right", "answerable_right"),
    ("abst", "unanswerable_abstained"),
    ("refus", "false_refusals"),
    ("evid", "evidence_recall"),
    ("EM", "exact_match"),
    ("F1", "f1"),
    ("2src", "multihop_two_sources"),
)


def _fmt(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def format_table(metrics: dict) -> str:
    """Overall figures as `name  value` lines; with answer groups, then one line per group in %."""
    prefixes = {"by_answerable": "", "by_type": "type:", "by_kind": "kind:"}
    groups = {f"{p}{name}": s for g, p in prefixes.items() for name, s in metrics.get(g, {}).items()}
    flat: list[tuple[str, object]] = []
    for key, value in metrics.items():
        if key.startswith("by_"):
            continue
        if isinstance(value, dict):
            flat.extend((f"{key}.{sub}", v) for sub, v in value.items())
        else:
            flat.append((key, value))
    width = max(len(name) for name, _ in flat)
    lines = [f"{name:<{width}}  {_fmt(value)}" for name, value in flat]
    if groups:
        header = "group (% of its questions)"
        label = max(len(header), *(len(name) for name in groups))
        lines += ["", f"{header:<{label}}  {'n':>5}" + "".join(f"  {h:>6}" for h, _ in _COLUMNS)]
        for name, s in groups.items():
            cells = ("n/a" if s["answers"][key] is None else f"{100 * s['answers'][key]:.1f}" for _, key in _COLUMNS)
            lines.append(f"{name:<{label}}  {s['questions']:>5}" + "".join(f"  {c:>6}" for c in cells))
    return "\n".join(lines)
