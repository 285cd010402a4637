"""Running measurements: a question set through `rag.pipeline.ask`, a BEIR set through search.

Covers:
- question sets in the shared format (JSONL of `id`, `question`, `answers`,
  `sources`, `answerable`, optional `type`): `question_set` finds the file and
  the article folder beside it, `load_questions` reads and checks it,
  `select` keeps the first N and/or some types;
- `evaluate_questions`: builds or updates an index of the article folder in a
  work folder (or uses the configured index), asks every question and scores
  the answers with `rag.measure.scoring.score_answers`;
- `evaluate_beir`: writes a BEIR corpus as one article per file, builds or
  updates an index of it, searches every judged query and scores the ranking;
- `write_rows`: per-question rows as JSONL.

Does not define how answers are scored (rag.measure.scoring and rag.measure.metrics do),
tune anything, or format output (the CLI and `rag.measure.scoring.format_table`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import RagError
from ..settings import Settings, default_cache_dir
from ..store import store_location
from .metrics import mean, mrr, ndcg_at_k, percentile, recall_at_k, unique_ids
from .scoring import score_answers

# ---------------------------------------------------------------- question sets


def question_set(path: str | Path, articles: str | Path | None = None) -> tuple[Path, Path | None]:
    """The question file and article folder of a set: a file, or a folder holding questions.jsonl.

    Without `articles`, an `articles/` folder beside the question file is used if there is one.
    """
    path = Path(path)
    questions = path / "questions.jsonl" if path.is_dir() else path
    if not questions.is_file():
        raise RagError(f"No question set at {questions}: give a JSONL file or a folder holding questions.jsonl.")
    found = Path(articles) if articles is not None else questions.parent / "articles"
    if articles is not None and not found.is_dir():
        raise RagError(f"The article folder {found} does not exist.")
    return questions, found if found.is_dir() else None


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
        kind = item.get("type")
        items.append(
            {
                "id": str(item.get("id", n)),
                "question": item["question"],
                "answers": list(answers),
                "sources": list(sources),
                "answerable": bool(item.get("answerable", bool(answers))),
                "type": kind if isinstance(kind, str) and kind else None,
            }
        )
    if not items:
        raise RagError(f"The question set {path} is empty.")
    return items


def _type_matches(wanted: str, kind: str | None) -> bool:
    # "inference" selects "inference_query": the shared README names types without the suffix.
    return kind is not None and wanted in (kind, kind.removesuffix("_query"))


def select(items: Sequence[dict], *, limit: int | None = None, types: Iterable[str] = ()) -> list[dict]:
    """The items of the given types (all if none given), then the first `limit` of them."""
    wanted = [t.strip() for t in types if t.strip()]
    known = sorted({i["type"] for i in items if i["type"]})
    for w in wanted:
        if not any(_type_matches(w, k) for k in known):
            raise RagError(f"No questions of type {w!r}; this set has: {', '.join(known) or 'no types'}.")
    chosen = [i for i in items if not wanted or any(_type_matches(w, i["type"]) for w in wanted)]
    return chosen[:limit] if limit is not None else chosen


def work_dir_for(folder: str | Path, kind: str) -> Path:
    """A cache folder for a set's files and index: ~/.cache/rag/<kind>/<name>-<hash of its path>."""
    resolved = Path(folder).resolve()
    return default_cache_dir() / kind / f"{resolved.name}-{hashlib.sha1(str(resolved).encode()).hexdigest()[:8]}"


def evaluate_questions(
    path: str | Path,
    settings: Settings | None = None,
    *,
    articles: str | Path | None = None,
    work_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    limit: int | None = None,
    types: Iterable[str] = (),
    progress: bool = True,
    filters: dict[str, Any] | None = None,
    api: Any = None,
) -> dict:
    """Ask every (selected) question of a set through `rag.pipeline.ask` and score the answers.
    `filters` (since, until, outlet) are handed to every `ask`. `api` is what provides
    `ask`, `build_index`, `get_retriever` and `source_text`: rag.pipeline unless given.

    With an article folder (given, or `articles/` beside the questions) the
    questions are asked over an index of it, built or updated in `index_dir`
    [work folder/index]; otherwise over the index `settings` name. Returns
    {"metrics": ..., "rows": [...]}. One untimed warm-up question (the first
    answerable one, as an abstention may never load the generator) goes first
    so that loading models does not count in the latency figures.
    """
    from tqdm import tqdm

    if api is None:
        from .. import pipeline as api
    ask, build_index, get_retriever, source_text = api.ask, api.build_index, api.get_retriever, api.source_text

    questions, articles = question_set(path, articles)
    items = select(load_questions(questions), limit=limit, types=types)
    if not items:
        raise RagError(f"No questions selected from {questions}.")
    settings = settings or Settings.from_env()
    built = None
    if articles is not None:
        work = Path(work_dir) if work_dir else work_dir_for(articles, "eval")
        settings = settings.replace(source_dir=articles, index_dir=Path(index_dir) if index_dir else work / "index")
        built = build_index(settings=settings, progress=progress)
    elif index_dir is not None:
        settings = settings.replace(index_dir=index_dir)
    store = get_retriever(settings).store
    t0 = time.perf_counter()
    filters = {k: v for k, v in (filters or {}).items() if v}
    ask(next((i for i in items if i["answerable"]), items[0])["question"], settings=settings, **filters)
    warmup = time.perf_counter() - t0
    answers = [
        ask(item["question"], settings=settings, **filters)
        for item in tqdm(items, desc="questions", unit="q", file=sys.stderr, disable=not progress)
    ]

    report = score_answers(items, answers, settings.k, lambda source_id: source_text(store, source_id))
    report["metrics"].update(
        warmup_seconds=warmup, questions_file=str(questions), index_dir=store_location(settings).label
    )
    if filters:
        report["metrics"].update(filters=filters)
    if built is not None:
        report["metrics"].update(articles=str(articles), index_update=built.summary())
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
    return work_dir_for(beir_dir, "beir")


def score_rankings(rankings: Mapping[str, Sequence[str]], qrels: dict[str, set[str]], k: int = 10) -> dict:
    """Mean nDCG@k, recall@k and recall@100 of ranked corpus IDs per query, over judged queries."""
    judged = [q for q in rankings if qrels.get(q)]
    return {
        "queries": len(judged),
        f"ndcg@{k}": mean([ndcg_at_k(rankings[q], qrels[q], k) for q in judged]),
        f"recall@{k}": mean([recall_at_k(rankings[q], qrels[q], k) for q in judged]),
        "recall@100": mean([recall_at_k(rankings[q], qrels[q], 100) for q in judged]),
        "mrr": mean([mrr(rankings[q], qrels[q]) for q in judged]),
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
    api: Any = None,
) -> dict:
    """Index a BEIR set (incrementally) and score retrieval on every judged query.

    Returns {"metrics": ..., "rows": [...]} with one row per judged query. `api` provides
    `build_index` and `search`: rag.pipeline unless given.
    """
    from tqdm import tqdm

    if api is None:
        from .. import pipeline as api
    build_index, search = api.build_index, api.search

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
        index_dir=store_location(settings).label,  # the folder, or the Qdrant location given with --store
    )
    return {"metrics": metrics, "rows": rows}


# ---------------------------------------------------------------- output


def write_rows(rows: Iterable[dict], path: str | Path) -> Path:
    """Write per-question rows as JSONL, one object a line, UTF-8 as is."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
