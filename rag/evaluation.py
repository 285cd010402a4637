"""Measuring rag: answer quality on a question set, and retrieval on a BEIR set.

Covers:
- pure metric functions (`normalise`, `contains_answer`, `unique_ids`,
  `ndcg_at_k`, `recall_at_k`, `mrr`, `hit_at_k`, `percentile`) that tuning
  scripts can call directly;
- `score_answers`: per-question rows and summary figures from `Answer`
  objects, so scoring needs no model (the tests pass hand-made Answers);
- `evaluate_questions`: runs `rag.pipeline.ask` over a JSONL question set
  (`id`, `question`, `answers`, `sources`, `answerable`) and scores it;
- `evaluate_beir`: writes a BEIR corpus as one article per file, builds or
  updates an index of it, searches every judged query and scores the ranking.

Definitions (all over source IDs; a source counts once, at its best rank):
- retrieval hit rate / MRR: answerable questions only, over the sources of
  the first k hits of `answer.hits` (k = `Settings.k`);
- accuracy: answerable questions answered (not abstained) whose text or a
  citation quote contains a gold string after `normalise`, over all
  answerable questions;
- citation precision: distinct (question, cited source) pairs whose source is
  gold, over all such pairs, for answered answerable questions;
- citation recall: answered answerable questions that cite at least one gold
  source, over answered answerable questions (false refusals are counted
  separately); citation source recall: gold sources cited over gold sources
  of those questions;
- verbatim: citations (of every answer) whose quote equals its source text at
  [start:end];
- abstention: unanswerable is the positive class; false refusals are
  answerable questions abstained on, over answerable questions;
- time to first token: answered questions that generated tokens only;
  tokens per second: generated tokens over generation seconds, summed.
An undefined figure (empty denominator) is None.

Does not tune anything, plot, or judge answers beyond string matching; the
CLI layer (`rag eval`) only formats what these functions return.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from .errors import RagError
from .results import Answer
from .settings import Settings

# Typographic variants NFKD leaves alone but a gold string is unlikely to use.
_PUNCT = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})

# ---------------------------------------------------------------- pure metrics


def normalise(text: str) -> str:
    """Lower case, no accents (NFKD minus combining marks), single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PUNCT))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def contains_answer(texts: str | Iterable[str], answers: Iterable[str]) -> bool:
    """Whether any non-empty gold answer occurs in any of the texts, after `normalise`."""
    haystacks = [normalise(texts)] if isinstance(texts, str) else [normalise(t) for t in texts]
    needles = [n for n in (normalise(a) for a in answers) if n]
    return any(n in h for n in needles for h in haystacks)


def unique_ids(ranked_ids: Iterable[str]) -> list[str]:
    """The IDs in order of first appearance: each source keeps its best rank."""
    return list(dict.fromkeys(ranked_ids))


def ndcg_at_k(ranked_ids: Sequence[str], relevant: Iterable[str], k: int = 10) -> float:
    """Binary-relevance nDCG@k; the ideal ranking puts all relevant IDs first. 0.0 if none are relevant."""
    relevant = set(relevant)
    if not relevant:
        return 0.0
    ranked = unique_ids(ranked_ids)[:k]
    dcg = sum(1.0 / math.log2(i + 2) for i, sid in enumerate(ranked) if sid in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal


def recall_at_k(ranked_ids: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """Share of the relevant IDs among the first k distinct IDs. 0.0 if none are relevant."""
    relevant = set(relevant)
    if not relevant:
        return 0.0
    return len(relevant.intersection(unique_ids(ranked_ids)[:k])) / len(relevant)


def hit_at_k(ranked_ids: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """1.0 if any relevant ID is among the first k distinct IDs, else 0.0."""
    return 1.0 if set(relevant).intersection(unique_ids(ranked_ids)[:k]) else 0.0


def mrr(ranked_ids: Sequence[str], relevant: Iterable[str]) -> float:
    """Reciprocal rank of the first relevant distinct ID, 0.0 if there is none."""
    relevant = set(relevant)
    for i, sid in enumerate(unique_ids(ranked_ids), start=1):
        if sid in relevant:
            return 1.0 / i
    return 0.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100) by linear interpolation, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


# ---------------------------------------------------------------- question sets


def load_questions(path: str | Path) -> list[dict]:
    """Read a JSONL question set; a RagError names the line of a malformed entry."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RagError(f"Cannot read the question set {path}: {exc.strerror or exc}.") from None
    items = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RagError(f"{path}:{n} is not JSON ({exc.msg}): one question object a line.") from None
        if not isinstance(item, dict) or not isinstance(item.get("question"), str) or not item["question"].strip():
            raise RagError(f'{path}:{n} has no "question" text.')
        answers, sources = item.get("answers", []), item.get("sources", [])
        if isinstance(answers, str):
            answers = [answers]
        lists = isinstance(answers, list) and isinstance(sources, list)
        if not lists or not all(isinstance(x, str) for x in [*answers, *sources]):
            raise RagError(f'{path}:{n}: "answers" and "sources" must be lists of strings.')
        answerable = item.get("answerable", bool(answers))
        items.append(
            {
                "id": str(item.get("id", n)),
                "question": item["question"],
                "answers": list(answers),
                "sources": list(sources),
                "answerable": bool(answerable),
            }
        )
    if not items:
        raise RagError(f"The question set {path} is empty.")
    return items


VERDICTS = ("correct", "wrong", "false-refusal", "abstained-ok", "answered-unanswerable")


def verdict(item: dict, answer: Answer) -> str:
    """correct / wrong / false-refusal for answerable items; abstained-ok / answered-unanswerable otherwise."""
    if not item["answerable"]:
        return "abstained-ok" if answer.abstained else "answered-unanswerable"
    if answer.abstained:
        return "false-refusal"
    texts = [answer.text, *(c.quote for c in answer.citations)]
    return "correct" if contains_answer(texts, item["answers"]) else "wrong"


def score_answers(
    items: Sequence[dict],
    answers: Sequence[Answer],
    k: int,
    source_text: Callable[[str], str | None] | None = None,
) -> dict:
    """Summary figures and per-question rows for answers to items (same order).

    source_text(source_id) gives the indexed text, to check quotes are verbatim;
    without it the verbatim share is None.
    """
    rows: list[dict] = []
    hits, rrs, ttfts, totals = [], [], [], []
    pairs = gold_pairs = cite_q = cite_gold_q = gold_cited = gold_total = 0
    quotes = verbatim = tokens = 0
    gen_seconds = 0.0
    for item, ans in zip(items, answers, strict=True):
        gold = set(item["sources"])
        retrieved = unique_ids(h.source_id for h in sorted(ans.hits, key=lambda h: h.rank)[:k])
        cited = unique_ids(c.source_id for c in ans.citations)
        v = verdict(item, ans)
        if item["answerable"] and gold:
            hits.append(hit_at_k(retrieved, gold, k))
            rrs.append(mrr(retrieved, gold))
        if item["answerable"] and not ans.abstained:
            pairs += len(cited)
            gold_pairs += len(gold.intersection(cited))
            if gold:
                cite_q += 1
                cite_gold_q += bool(gold.intersection(cited))
                gold_cited += len(gold.intersection(cited))
                gold_total += len(gold)
        checks = []
        for c in ans.citations:
            text = source_text(c.source_id) if source_text else None
            ok = text is not None and text[c.start : c.end] == c.quote
            checks.append(ok if source_text else None)
            quotes += 1
            verbatim += ok
        t = ans.timings or {}
        if t.get("total") is not None:
            totals.append(float(t["total"]))
        n_tokens = t.get("tokens")
        # An abstention streams a canned sentence at once; its "first token" would flatter the model.
        if t.get("first_token") is not None and not ans.abstained and (n_tokens is None or n_tokens > 0):
            ttfts.append(float(t["first_token"]))
        if n_tokens and t.get("generation"):
            tokens += int(n_tokens)
            gen_seconds += float(t["generation"])
        rows.append(
            {
                "id": item["id"],
                "question": item["question"],
                "verdict": v,
                "answer": ans.text,
                "abstained": ans.abstained,
                "cited_sources": cited,
                "gold_answers": item["answers"],
                "gold_sources": item["sources"],
                "retrieved_sources": retrieved,
                "citations": [
                    {"source_id": c.source_id, "start": c.start, "end": c.end, "quote": c.quote, "verbatim": ok}
                    for c, ok in zip(ans.citations, checks, strict=True)
                ],
                "timings": dict(t),
            }
        )
    verdicts = {name: sum(r["verdict"] == name for r in rows) for name in VERDICTS}
    answerable = sum(i["answerable"] for i in items)
    unanswerable = len(items) - answerable
    abstained = sum(a.abstained for a in answers)
    metrics = {
        "questions": len(items),
        "answerable": answerable,
        "unanswerable": unanswerable,
        "k": k,
        "retrieval": {"hit_rate": _mean(hits), "mrr": _mean(rrs)},
        "answers": {
            "accuracy": _ratio(verdicts["correct"], answerable),
            "accuracy_when_answered": _ratio(verdicts["correct"], verdicts["correct"] + verdicts["wrong"]),
        },
        "citations": {
            "precision": _ratio(gold_pairs, pairs),
            "recall": _ratio(cite_gold_q, cite_q),
            "source_recall": _ratio(gold_cited, gold_total),
            "verbatim": _ratio(verbatim, quotes) if source_text else None,
            "count": quotes,
        },
        "abstention": {
            "precision": _ratio(verdicts["abstained-ok"], abstained),
            "recall": _ratio(verdicts["abstained-ok"], unanswerable),
            "false_refusals": _ratio(verdicts["false-refusal"], answerable),
        },
        "latency": {
            "total_p50": percentile(totals, 50),
            "total_p95": percentile(totals, 95),
            "first_token_p50": percentile(ttfts, 50),
            "first_token_p95": percentile(ttfts, 95),
            "tokens_per_second": _ratio(tokens, gen_seconds),
        },
        "verdicts": verdicts,
    }
    return {"metrics": metrics, "rows": rows}


def evaluate_questions(path: str | Path, settings: Settings | None = None, *, progress: bool = True) -> dict:
    """Ask every question of a JSONL set through `rag.pipeline.ask` and score the answers.

    Returns {"metrics": ..., "rows": [...]}. One untimed warm-up question (the
    first answerable one, as an abstention may never load the generator) goes
    first so that loading models does not count in the latency figures.
    """
    from tqdm import tqdm

    from .pipeline import ask, get_retriever

    settings = settings or Settings.from_env()
    items = load_questions(path)
    store = get_retriever(settings).store
    t0 = time.perf_counter()
    ask(next((i for i in items if i["answerable"]), items[0])["question"], settings=settings)
    warmup = time.perf_counter() - t0
    answers = [
        ask(item["question"], settings=settings)
        for item in tqdm(items, desc="questions", unit="q", file=sys.stderr, disable=not progress)
    ]

    def source_text(source_id: str) -> str | None:
        record = store.source(source_id)
        return record.text if record else None

    report = score_answers(items, answers, settings.k, source_text)
    report["metrics"]["warmup_seconds"] = warmup
    return report


# ---------------------------------------------------------------- BEIR


def _read_jsonl(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_qrels(beir_dir: Path) -> dict[str, set[str]]:
    """Relevant corpus IDs (score > 0) per query ID, from qrels.tsv or qrels/test.tsv."""
    path = next((p for p in (beir_dir / "qrels.tsv", beir_dir / "qrels" / "test.tsv") if p.exists()), None)
    if path is None:
        raise RagError(f"No qrels.tsv (or qrels/test.tsv) in {beir_dir}: is it a BEIR folder?")
    qrels: dict[str, set[str]] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        parts = line.split("\t")
        if (n == 0 and parts[0] == "query-id") or not line.strip():
            continue
        if len(parts) < 3:
            raise RagError(f"{path}:{n + 1} should be `query-id<TAB>corpus-id<TAB>score`.")
        if float(parts[2]) > 0:
            qrels.setdefault(parts[0], set()).add(parts[1])
    return qrels


def _file_stem(doc_id: str) -> str:
    # Corpus IDs become file names; anything that could escape the folder or
    # collide after cleaning gets a hash suffix, and the ID map undoes it.
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", doc_id).lstrip(".")
    if safe != doc_id or not safe:
        safe = f"{safe[:80]}_{hashlib.sha1(doc_id.encode()).hexdigest()[:10]}"
    return safe


def write_corpus(corpus_path: Path, source_dir: Path) -> dict[str, str]:
    """Write each BEIR document to `<id>.txt` (title, blank line, text); returns {source ID: corpus ID}.

    Unchanged files are left alone and stale ones removed, so an index update
    after a second run has nothing to do.
    """
    source_dir.mkdir(parents=True, exist_ok=True)
    ids: dict[str, str] = {}
    for doc in _read_jsonl(corpus_path):
        stem = _file_stem(str(doc["_id"]))
        title = " ".join(str(doc.get("title") or "").split())
        body = f"{title}\n\n{doc.get('text') or ''}\n" if title else f"{doc.get('text') or ''}\n"
        target = source_dir / f"{stem}.txt"
        if not target.exists() or target.read_text(encoding="utf-8") != body:
            tmp = target.with_suffix(".tmp")
            tmp.write_text(body, encoding="utf-8")
            os.replace(tmp, target)
        ids[stem] = str(doc["_id"])
    for stale in source_dir.iterdir():
        if stale.is_file() and stale.stem not in ids:
            stale.unlink()
    return ids


def beir_work_dir(beir_dir: str | Path) -> Path:
    """The default cache folder for a BEIR set: ~/.cache/rag/beir/<name>-<hash of its path>."""
    resolved = Path(beir_dir).resolve()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "rag" / "beir" / f"{resolved.name}-{hashlib.sha1(str(resolved).encode()).hexdigest()[:8]}"


def score_rankings(rankings: dict[str, Sequence[str]], qrels: dict[str, set[str]], k: int = 10) -> dict:
    """Mean nDCG@k, recall@k and recall@100 of ranked corpus IDs per query, over judged queries."""
    judged = [q for q in rankings if qrels.get(q)]
    return {
        "queries": len(judged),
        f"ndcg@{k}": _mean([ndcg_at_k(rankings[q], qrels[q], k) for q in judged]),
        f"recall@{k}": _mean([recall_at_k(rankings[q], qrels[q], k) for q in judged]),
        "recall@100": _mean([recall_at_k(rankings[q], qrels[q], 100) for q in judged]),
        "mrr": _mean([mrr(rankings[q], qrels[q]) for q in judged]),
    }


def evaluate_beir(
    beir_dir: str | Path,
    settings: Settings | None = None,
    *,
    work_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    k: int = 10,
    depth: int = 100,
    progress: bool = True,
) -> dict:
    """Index a BEIR set (incrementally) and score retrieval on every judged query.

    Returns {"metrics": ..., "rows": [...]} with one row per judged query.
    """
    from tqdm import tqdm

    from .pipeline import build_index, search

    beir_dir = Path(beir_dir)
    for name in ("corpus.jsonl", "queries.jsonl"):
        if not (beir_dir / name).exists():
            raise RagError(f"No {name} in {beir_dir}: a BEIR folder holds corpus.jsonl, queries.jsonl and qrels.")
    work = Path(work_dir) if work_dir else beir_work_dir(beir_dir)
    source_dir = work / "source"
    index_dir = Path(index_dir) if index_dir else work / "index"
    qrels = load_qrels(beir_dir)
    ids = write_corpus(beir_dir / "corpus.jsonl", source_dir)
    settings = (settings or Settings.from_env()).replace(source_dir=source_dir, index_dir=index_dir)
    stats = build_index(settings=settings, progress=progress)

    queries = [q for q in _read_jsonl(beir_dir / "queries.jsonl") if qrels.get(str(q["_id"]))]
    rankings: dict[str, list[str]] = {}
    latencies: list[float] = []
    rows = []
    for q in tqdm(queries, desc="queries", unit="q", file=sys.stderr, disable=not progress):
        qid = str(q["_id"])
        t0 = time.perf_counter()
        hits = search(q["text"], k=max(depth, k), settings=settings)
        latencies.append(time.perf_counter() - t0)
        rankings[qid] = unique_ids(ids.get(h.source_id, h.source_id) for h in hits)
        rows.append(
            {
                "id": qid,
                "query": q["text"],
                f"ndcg@{k}": ndcg_at_k(rankings[qid], qrels[qid], k),
                "relevant": sorted(qrels[qid]),
                "retrieved": rankings[qid][:k],
            }
        )
    metrics = score_rankings(rankings, qrels, k)
    metrics.update(
        corpus=len(ids),
        chunks=stats.chunks,
        build_seconds=stats.seconds,
        embedded_chunks=stats.embedded_chunks,
        search_p50=percentile(latencies, 50),
        search_p95=percentile(latencies, 95),
        index_dir=str(index_dir),
    )
    return {"metrics": metrics, "rows": rows}


# ---------------------------------------------------------------- output


def format_table(metrics: dict) -> str:
    """The metrics as aligned `name  value` lines, one section after another."""
    lines = []

    def fmt(value: object) -> str:
        if value is None:
            return "n/a"
        if isinstance(value, float):
            return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
        return str(value)

    flat: list[tuple[str, object]] = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            flat.extend((f"{key}.{sub}", v) for sub, v in value.items())
        else:
            flat.append((key, value))
    width = max(len(name) for name, _ in flat)
    for name, value in flat:
        lines.append(f"{name:<{width}}  {fmt(value)}")
    return "\n".join(lines)


def write_rows(rows: Iterable[dict], path: str | Path) -> Path:
    """Write per-question rows as JSONL, one object a line, UTF-8 as is."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
