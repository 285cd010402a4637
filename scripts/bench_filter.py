"""Filtered search at scale: latency and recall of dense and BM25 search under a filter, in the folder
store and in Qdrant's local mode.

Builds a synthetic index (default 100,000 chunks: 10,000 sources x 10 chunks, dimension 384) through
the stores' own writers, each source with an outlet among 20 (2% without one) and a date over
2023-2024 (5% undated). Vectors are clustered (topic centre -> source centre -> chunk, renormalised)
so that nearest neighbours mean something; chunk texts come from a small vocabulary of made-up
words, topic words and common ones, so BM25 has terms to match. Queries are near a topic centre,
with three of its words and a common one.

For each filter (none, one outlet ~5%, one by the name before its tag line ~5%, a month ~4%,
a year ~48%, outlet + month ~0.2%) and each store it measures:

- p50 / p95 latency of `store.dense_search(q, k, where)` and `store.sparse_search(text, k, where)`,
  one query at a time, and the first call under the filter (the folder store then reads which rows
  the filter allows, and remembers them);
- recall@k of the dense result against an exact filtered search done here with numpy over exactly
  the allowed chunks' vectors, as float16 as the stores keep them (ids compared);
- that the filter is honoured: every returned row belongs to an allowed source, and a search
  returns min(k, allowed chunks) rows (dense) or min(k, allowed chunks holding a query term) (BM25),
  i.e. the filter is applied inside the search, not to a top-k taken before it.

The allowed sources are computed here from the generated metadata, independently of
`rag.filters`, and checked against `Filter.allows`.

    .venv/bin/python scripts/bench_filter.py [--chunks 100000] [--queries 100] [--store both]
        [--qdrant-chunks N] [--qdrant-queries N] [--factory auto] [--json out.json]

FAISS runs on one thread, as `rag.pipeline` sets it for searching. Qdrant's local mode is its
Python engine (qdrant-client), which scans every point's payload for a filter: it is slow at this
size by design (a server or qdrant-edge is what scales); `--qdrant-chunks` and `--qdrant-queries`
keep its part short.

Does not measure a Qdrant server, concurrent queries, or retrieval quality.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.filters import Filter, make_filter
from rag.measure.metrics import percentile
from rag.store import ChunkRecord, FolderWriter, Manifest, SourceInfo, chunk_hash, open_store

DIM = 384
START = dt.date(2023, 1, 1)
DAYS = (dt.date(2024, 12, 31) - START).days + 1
# (name as articles state it, the name before its tag line or "" when it has none)
OUTLETS = (
    ("TechCrunch", ""), ("Reuters", ""), ("The Guardian", ""), ("BBC News", ""),
    ("The Roar | Sports Writers Blog", "The Roar"), ("FOX News - Entertainment", "FOX News"),
    ("Ars Technica", ""), ("Wired", ""), ("The Verge", ""), ("Al Jazeera", ""), ("Le Monde", ""),
    ("Der Spiegel", ""), ("The Hindu", ""), ("ABC News", ""), ("CNBC", ""), ("Bloomberg", ""),
    ("Politico", ""), ("NPR", ""), ("Nature News", ""), ("El País", ""),
)  # fmt: skip
NO_OUTLET = 0.02
UNDATED = 0.05
# (label, since, until, outlet): what a user would type.
FILTERS = (
    ("none", None, None, None),
    ("outlet techcrunch", None, None, "techcrunch"),
    ("outlet 'the roar' (tag line)", None, None, "The Roar"),
    ("month 2024-03", "2024-03", "2024-03", None),
    ("year 2023", "2023", "2023", None),
    ("techcrunch + 2024-03", "2024-03", "2024-03", "TechCrunch"),
)
TOPICS = 400
TOPIC_WORDS = 12
VOCAB = 3000
WORDS_PER_CHUNK = 30
TOPIC_WORDS_PER_CHUNK = 10


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- machine


def machine() -> dict:
    import faiss

    cpu, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        qdrant = version("qdrant-client")
    except Exception:
        qdrant = "not installed"
    return {
        "cpu": cpu,
        "simd": " ".join(f for f in ("avx2", "avx512f") if f in flags) or "neither avx2 nor avx512f",
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "faiss": faiss.__version__,
        "qdrant_client": qdrant,
        "numpy": np.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# ---------------------------------------------------------------- synthetic corpus


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def made_up_words(n: int, rng: np.random.Generator) -> list[str]:
    """n distinct pronounceable three-syllable words ("bakoli"), in a fixed order."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    seen: dict[str, None] = {}
    while len(seen) < n:
        a, b, c = rng.integers(0, len(syllables), 3)
        seen.setdefault(syllables[a] + syllables[b] + syllables[c], None)
    return list(seen)


@dataclass
class Corpus:
    source_ids: list[str]
    outlets: list[str]  # "" for none
    dates: list[str]  # ISO date, "" for undated
    hashes: list[str]
    titles: list[str]
    chunk_source: np.ndarray  # chunk -> source index
    words: np.ndarray  # chunk -> vocabulary indices of its words
    vocab: list[str]
    texts: list[str]
    vectors16: np.ndarray  # float16, as the stores keep them
    queries: np.ndarray  # float32 query vectors
    query_words: np.ndarray  # query -> vocabulary indices
    query_texts: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def head(self, n_sources: int) -> Corpus:
        """The first n sources and their chunks (a build stopped by its time limit); the same queries."""
        n = int(np.searchsorted(self.chunk_source, n_sources, side="left"))
        return Corpus(
            self.source_ids[:n_sources], self.outlets[:n_sources], self.dates[:n_sources], self.hashes[:n_sources],
            self.titles[:n_sources], self.chunk_source[:n], self.words[:n], self.vocab, self.texts[:n],
            self.vectors16[:n], self.queries, self.query_words, self.query_texts,
        )  # fmt: skip

    def chunks_of(self, s: int) -> range:
        first = int(np.searchsorted(self.chunk_source, s, side="left"))
        last = int(np.searchsorted(self.chunk_source, s, side="right"))
        return range(first, last)


def make_corpus(n_chunks: int, per_source: int, n_queries: int, seed: int) -> Corpus:
    rng = np.random.default_rng(seed)
    n_src = -(-n_chunks // per_source)
    chunk_source = np.arange(n_chunks) // per_source
    # Outlets and dates.
    pick = rng.integers(0, len(OUTLETS), n_src)
    outlets = ["" if rng.random() < NO_OUTLET else OUTLETS[i][0] for i in pick]
    days = rng.integers(0, DAYS, n_src)
    dates = ["" if rng.random() < UNDATED else (START + dt.timedelta(days=int(d))).isoformat() for d in days]
    # Vectors: topic centre -> source centre -> chunk, each step Gaussian noise and renormalising.
    centres = _unit(rng.standard_normal((TOPICS, DIM)).astype(np.float32))
    topic = rng.integers(0, TOPICS, n_src)
    scale = 1 / np.sqrt(DIM)
    src_vec = _unit(centres[topic] + 0.8 * scale * rng.standard_normal((n_src, DIM), dtype=np.float32))
    vectors16 = np.empty((n_chunks, DIM), dtype=np.float16)
    for a in range(0, n_chunks, 50_000):
        b = min(n_chunks, a + 50_000)
        noise = 0.6 * scale * rng.standard_normal((b - a, DIM), dtype=np.float32)
        vectors16[a:b] = _unit(src_vec[chunk_source[a:b]] + noise)
    # Texts: a topic's own words and common words (Zipf-like).
    vocab = made_up_words(VOCAB, rng)
    topic_words = rng.choice(np.arange(VOCAB // 2, VOCAB), (TOPICS, TOPIC_WORDS))
    common_p = 1.0 / (np.arange(VOCAB // 2) + 10.0)
    common_p /= common_p.sum()
    own = topic_words[topic[chunk_source][:, None], rng.integers(0, TOPIC_WORDS, (n_chunks, TOPIC_WORDS_PER_CHUNK))]
    common = rng.choice(VOCAB // 2, (n_chunks, WORDS_PER_CHUNK - TOPIC_WORDS_PER_CHUNK), p=common_p)
    words = rng.permuted(np.concatenate([own, common], axis=1), axis=1)
    texts = [" ".join(vocab[w] for w in row) + "." for row in words]
    titles = [" ".join(vocab[w] for w in topic_words[t, :3]).capitalize() for t in topic]
    # Queries: near a topic centre, three of its words and a common one (their own generator, so the
    # index is the same whatever the number of queries).
    qrng = np.random.default_rng([seed, 1])
    q_topic = qrng.integers(0, TOPICS, n_queries)
    queries = _unit(centres[q_topic] + 0.8 * scale * qrng.standard_normal((n_queries, DIM), dtype=np.float32))
    query_words = np.concatenate(
        [topic_words[q_topic[:, None], qrng.integers(0, TOPIC_WORDS, (n_queries, 3))],
         qrng.choice(VOCAB // 2, (n_queries, 1), p=common_p)],
        axis=1,
    )  # fmt: skip
    source_ids = [f"news/{i:06d}.txt" for i in range(n_src)]
    hashes = [hashlib.sha256(f"{seed}:{i}".encode()).hexdigest() for i in range(n_src)]
    corpus = Corpus(
        source_ids, outlets, dates, hashes, titles, chunk_source, words, vocab, texts, vectors16, queries, query_words
    )
    corpus.query_texts = [" ".join(vocab[w] for w in row) for row in query_words]
    return corpus


def allowed_sources(corpus: Corpus, since: str | None, until: str | None, outlet: str | None) -> np.ndarray:
    """Which sources a filter allows, worked out here (not with rag.filters): a bool per source."""
    lo = _bound(since, end=False)
    hi = _bound(until, end=True)
    want = " ".join(outlet.casefold().split()) if outlet else ""
    short = {full: (alias or full) for full, alias in OUTLETS}
    ok = np.ones(len(corpus.source_ids), dtype=bool)
    for i, (name, date) in enumerate(zip(corpus.outlets, corpus.dates, strict=True)):
        dated_in = not (lo or hi) or (date and (not lo or date >= lo) and (not hi or date <= hi))
        named = not want or (name and want in (name.casefold(), short[name].casefold()))
        ok[i] = bool(dated_in and named)
    return ok


def _bound(text: str | None, end: bool) -> str:
    if not text:
        return ""
    if len(text) == 4:
        return f"{text}-12-31" if end else f"{text}-01-01"
    if len(text) == 7:
        y, m = int(text[:4]), int(text[5:])
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return (nxt - dt.timedelta(days=1)).isoformat() if end else f"{text}-01"
    return text


# ---------------------------------------------------------------- writing the stores


def fill(writer, corpus: Corpus, block: int = 500, deadline: float = float("inf")) -> int:
    """Write every source (info, its text as one part) and its chunks, a block of sources at a time,
    until `deadline` (a `time.perf_counter()` value) has passed; returns the number of sources written."""
    n_src = len(corpus.source_ids)
    for a in range(0, n_src, block):
        if time.perf_counter() > deadline:
            return a
        records, rows = [], []
        for s in range(a, min(n_src, a + block)):
            sid, title = corpus.source_ids[s], corpus.titles[s]
            writer.add_source(
                SourceInfo(sid, sid, title, corpus.hashes[s], corpus.outlets[s], "", corpus.dates[s])
            )  # fmt: skip
            at = 0
            for j, c in enumerate(corpus.chunks_of(s)):
                text = corpus.texts[c]
                records.append(ChunkRecord(f"{sid}#{j}", sid, at, at + len(text), title, text, chunk_hash(title, text)))
                rows.append(c)
                at += len(text) + 2
            writer.add_source_part(sid, 0, "\n\n".join(corpus.texts[c] for c in corpus.chunks_of(s)))
        writer.add_chunks(records, corpus.vectors16[rows])
    return n_src


def manifest(corpus: Corpus) -> Manifest:
    return Manifest(
        embed_model="synthetic-384",
        chunking={"bench": "filter"},
        sources=dict(zip(corpus.source_ids, corpus.hashes, strict=True)),
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )


def build_folder(corpus: Corpus, folder: Path, factory: str):
    import faiss

    from rag.store.dense import choose_index_factory

    t = time.perf_counter()
    with FolderWriter(folder, DIM) as writer:
        fill(writer, corpus)
        writer.commit(manifest(corpus), factory)
    seconds = time.perf_counter() - t
    store = open_store(folder)
    index = choose_index_factory(len(corpus)) if factory == "auto" else factory
    ivf = faiss.try_extract_index_ivf(store._dense)  # what the store searches with, as it tuned it on load
    index = f"{index}, nprobe={ivf.nprobe}" if ivf is not None else index
    return store, seconds, corpus, (lambda rows: np.asarray(rows, dtype=np.int64)), f"folder: {index}"


def build_qdrant(corpus: Corpus, folder: Path, mode: str, limit: float):
    """The corpus in a Qdrant local-mode collection; past `limit` seconds of writing, what was written
    is committed and the corpus cut to it."""
    from rag.store.qdrant import chunk_point_id, source_key
    from rag.store.qdrant_location import QdrantLocation

    text = f"qdrant+path://{folder.resolve()}/bench" if mode == "path" else "qdrant+memory://bench"
    location = QdrantLocation.parse(text)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Local mode is not recommended")
        with location.lock(), location.writer(None, DIM) as writer:
            done = fill(writer, corpus, block=50, deadline=t + limit)
            if done < len(corpus.source_ids):
                log(f"qdrant: time limit: {done:,} of {len(corpus.source_ids):,} sources written, committing those")
                corpus = corpus.head(done)
            writer.commit(manifest(corpus))
    seconds = time.perf_counter() - t
    store = location.open()
    index: dict[int, int] = {}
    for s, sid in enumerate(corpus.source_ids):
        key = source_key(sid, corpus.hashes[s])
        for j, c in enumerate(corpus.chunks_of(s)):
            index[chunk_point_id(key, f"{sid}#{j}")] = c

    def to_chunks(rows: Sequence[int]) -> np.ndarray:
        return np.asarray([index.get(int(r), -1) for r in rows], dtype=np.int64)

    return store, seconds, corpus, to_chunks, f"qdrant+{mode} (local mode)"


# ---------------------------------------------------------------- measuring


@dataclass
class FilterCase:
    label: str
    where: Filter | None
    chunks: np.ndarray  # allowed chunk indices, sorted
    chunk_ok: np.ndarray  # bool per chunk
    exact: np.ndarray  # query -> exact top-k chunk indices (float16 vectors)
    kth: np.ndarray  # query -> exact k-th best score (for ties)
    sparse_expected: np.ndarray  # query -> min(k, allowed chunks holding a query term)


def filter_cases(corpus: Corpus, k: int, stems: Callable[[str], list[str]]) -> tuple[list[FilterCase], list[str]]:
    """Each filter with the chunks it allows and the exact filtered top-k of every query; and any
    disagreement between the allowed sources here and `Filter.allows`."""
    problems = []
    vocab_stem = [tuple(stems(w)) for w in corpus.vocab]
    holds = []  # query -> bool per chunk: holds one of the query's analysed terms
    for row in corpus.query_words:
        wanted = {t for w in row for t in vocab_stem[w]}
        ids = [i for i, st in enumerate(vocab_stem) if set(st) & wanted]
        holds.append(np.isin(corpus.words, ids).any(axis=1))
    cases = []
    for label, since, until, outlet in FILTERS:
        where = make_filter(since, until, outlet)
        src_ok = allowed_sources(corpus, since, until, outlet)
        if where is not None:
            rule = np.array(
                [where.allows(o, d, s) for o, d, s in zip(corpus.outlets, corpus.dates, corpus.source_ids, strict=True)]
            )
            if not np.array_equal(rule, src_ok):
                problems.append(f"{label}: Filter.allows disagrees on {int((rule != src_ok).sum())} sources")
        chunk_ok = src_ok[corpus.chunk_source]
        chunks = np.flatnonzero(chunk_ok)
        sims = corpus.queries @ corpus.vectors16[chunks].astype(np.float32).T  # exact, float16 vectors
        top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        exact = chunks[top]
        kth = np.take_along_axis(sims, top[:, -1:], axis=1)[:, 0] if len(chunks) else np.zeros(len(sims))
        expected = np.array([min(k, int((h & chunk_ok).sum())) for h in holds])
        cases.append(FilterCase(label, where, chunks, chunk_ok, exact, kth, expected))
    return cases, problems


def _ms(seconds: Sequence[float], q: float) -> float:
    value = percentile(list(seconds), q)
    return float("nan") if value is None else value * 1000


def measure(store, to_chunks, corpus: Corpus, cases: list[FilterCase], n_queries: int, k: int) -> list[dict]:
    rows_out = []
    for case in cases:
        dense_t, sparse_t, recalls, tie_recalls = [], [], [], []
        outside = short_dense = short_sparse = errors = 0
        notes: list[str] = []
        first_dense = first_sparse = float("nan")
        for qi in range(-1, n_queries):  # -1: the first call under this filter, timed apart
            q = corpus.queries[max(qi, 0)]
            text = corpus.query_texts[max(qi, 0)]
            try:
                t = time.perf_counter()
                rows, _ = store.dense_search(q, k, case.where)
                td = time.perf_counter() - t
                t = time.perf_counter()
                srows, sscores = store.sparse_search(text, k, case.where)
                ts = time.perf_counter() - t
            except Exception as exc:  # report, go on with the other filters
                errors += 1
                if len(notes) < 3:
                    notes.append(f"{type(exc).__name__}: {exc}")
                continue
            if qi < 0:
                first_dense, first_sparse = td * 1000, ts * 1000
                continue
            dense_t.append(td)
            sparse_t.append(ts)
            got, sgot = to_chunks(rows), to_chunks(srows)
            bad = int((got < 0).sum() + (sgot < 0).sum())
            bad += int((~case.chunk_ok[got[got >= 0]]).sum() + (~case.chunk_ok[sgot[sgot >= 0]]).sum())
            if bad and len(notes) < 3:
                notes.append(f"query {qi}: {bad} rows outside the filter")
            outside += bad
            want = case.exact[qi][case.exact[qi] >= 0]
            short_dense += len(got) < len(want)
            short_sparse += len(sgot) < case.sparse_expected[qi]
            if len(sscores) > 1 and np.any(np.diff(sscores) > 1e-6):
                notes.append(f"query {qi}: BM25 scores not in order")
            if len(want):
                recalls.append(len(set(got.tolist()) & set(want.tolist())) / len(want))
                # Ties: a returned chunk whose exact score equals the k-th best counts as a hit.
                sims = corpus.vectors16[got[got >= 0]].astype(np.float32) @ q
                tie_recalls.append(min(1.0, float((sims >= case.kth[qi] - 1e-6).sum()) / len(want)))
        rows_out.append(
            {
                "filter": case.label,
                "allowed_chunks": len(case.chunks),
                "allowed_pct": 100 * len(case.chunks) / len(corpus),
                "queries": len(dense_t),
                "dense_p50_ms": _ms(dense_t, 50),
                "dense_p95_ms": _ms(dense_t, 95),
                "dense_first_ms": first_dense,
                "recall": float(np.mean(recalls)) if recalls else float("nan"),
                "recall_ties": float(np.mean(tie_recalls)) if tie_recalls else float("nan"),
                "sparse_p50_ms": _ms(sparse_t, 50),
                "sparse_p95_ms": _ms(sparse_t, 95),
                "sparse_first_ms": first_sparse,
                "rows_outside": outside,
                "short_dense": short_dense,
                "short_sparse": short_sparse,
                "errors": errors,
                "notes": notes,
            }
        )
        r = rows_out[-1]
        log(
            f"  {case.label}: dense p50 {r['dense_p50_ms']:.2f} ms, recall {r['recall']:.3f}, "
            f"sparse p50 {r['sparse_p50_ms']:.2f} ms, outside {outside}, errors {errors}"
        )
    return rows_out


# ---------------------------------------------------------------- report


def table(results: list[dict], k: int) -> str:
    head = (
        f"| store | chunks | index | filter | allowed chunks | queries | dense p50 / p95 ms | dense 1st call ms "
        f"| recall@{k} | BM25 p50 / p95 ms | BM25 1st call ms | rows outside filter | short results |"
    )
    lines = [head, "|" + "---|" * 4 + "---:|" * 9]
    for res in results:
        for r in res["rows"]:
            recall = f"{r['recall']:.3f}"
            if abs(r["recall_ties"] - r["recall"]) > 1e-9:
                recall += f" ({r['recall_ties']:.3f} with ties)"
            short = f"{r['short_dense']} dense, {r['short_sparse']} BM25"
            if r["errors"]:
                short += f", {r['errors']} errors"
            lines.append(
                f"| {res['store']} | {res['chunks']:,} | {res['index']} | {r['filter']} "
                f"| {r['allowed_chunks']:,} ({r['allowed_pct']:.1f}%) | {r['queries']} "
                f"| {r['dense_p50_ms']:.2f} / {r['dense_p95_ms']:.2f} | {r['dense_first_ms']:.1f} | {recall} "
                f"| {r['sparse_p50_ms']:.2f} / {r['sparse_p95_ms']:.2f} | {r['sparse_first_ms']:.1f} "
                f"| {r['rows_outside']} | {short} |"
            )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--chunks", type=int, default=100_000, help="chunks in the index (default 100,000)")
    p.add_argument("--per-source", type=int, default=10, help="chunks per source (default 10)")
    p.add_argument("--queries", type=int, default=100, help="queries per filter (default 100)")
    p.add_argument("--store", choices=("folder", "qdrant", "both"), default="both")
    p.add_argument("--factory", default="auto", help="FAISS index of the folder store (default auto: Flat <= 100k)")
    p.add_argument("--qdrant-chunks", type=int, help="chunks of the Qdrant index (default --chunks)")
    p.add_argument("--qdrant-queries", type=int, default=10, help="queries per filter for Qdrant (default 10)")
    p.add_argument("--qdrant-mode", choices=("path", "memory"), default="path", help="qdrant+path (default) or +memory")
    p.add_argument(
        "--qdrant-build-seconds", type=float, default=180,
        help="stop writing the Qdrant index after this long and measure what was written (default 180)",
    )  # fmt: skip
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--threads", type=int, default=1, help="FAISS threads (default 1, as rag searches)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", type=Path, help="folder for the indexes (default: a temporary one, removed)")
    p.add_argument("--json", type=Path, help="also write the figures here")
    return p.parse_args(argv)


def run_store(kind: str, n_chunks: int, n_queries: int, args: argparse.Namespace, work: Path) -> dict:
    import faiss

    from rag.language.text import tokenize

    log(f"{kind}: corpus of {n_chunks:,} chunks ...")
    corpus = make_corpus(n_chunks, args.per_source, max(args.queries, n_queries), args.seed)
    log(f"{kind}: building (load {load_average()}) ...")
    if kind == "folder":
        store, seconds, corpus, to_chunks, index = build_folder(corpus, work / "folder", args.factory)
    else:
        limit = args.qdrant_build_seconds
        store, seconds, corpus, to_chunks, index = build_qdrant(corpus, work / "qdrant", args.qdrant_mode, limit)
    log(f"{kind}: built in {seconds:.0f} s ({len(store):,} chunks, {index}); exact searches ...")
    cases, problems = filter_cases(corpus, args.k, tokenize)
    if len(store) != len(corpus):
        problems.append(f"the store holds {len(store):,} chunks, {len(corpus):,} were written")
    load = load_average()
    faiss.omp_set_num_threads(args.threads)  # searching only: a build trains IVF with every core
    t = time.perf_counter()
    rows = measure(store, to_chunks, corpus, cases, n_queries, args.k)
    return {
        "store": kind,
        "chunks": len(corpus),
        "asked_chunks": n_chunks,
        "index": index,
        "build_seconds": seconds,
        "search_seconds": time.perf_counter() - t,
        "load_before_search": load,
        "problems": problems,
        "rows": rows,
    }


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    info = machine()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-filter-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        if args.store in ("folder", "both"):
            results.append(run_store("folder", args.chunks, args.queries, args, work))
        if args.store in ("qdrant", "both"):
            n = args.qdrant_chunks or args.chunks
            results.append(run_store("qdrant", n, args.qdrant_queries, args, work))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"Filtered search, measured {info['date']}: {info['cpu']}, {info['cores']} cores ({info['simd']}); "
          f"Python {info['python']}, faiss {info['faiss']} ({args.threads} thread), qdrant-client "
          f"{info['qdrant_client']}, numpy {info['numpy']}.")  # fmt: skip
    print(
        f"{args.per_source} chunks per source, dimension {DIM}, k={args.k}; recall@{args.k} against an exact "
        "filtered search (numpy, float16 vectors). Build time and load average:"
    )
    for res in results:
        cut = f" (time limit: {res['asked_chunks']:,} asked)" if res["chunks"] < res["asked_chunks"] else ""
        print(
            f"- {res['store']}: {res['chunks']:,} chunks{cut} built in {res['build_seconds']:.0f} s "
            f"({res['chunks'] / max(res['build_seconds'], 1e-9):,.0f} chunks/s); "
            f"searches took {res['search_seconds']:.0f} s; load before searching {res['load_before_search']}"
        )
        for problem in res["problems"]:
            print(f"  PROBLEM: {problem}")
        for r in res["rows"]:
            for note in r["notes"]:
                print(f"  {r['filter']}: {note}")
    print()
    print(table(results, args.k))
    if args.json:
        args.json.write_text(
            json.dumps({"machine": info, "args": vars(args), "results": results}, indent=1, default=str)
        )


if __name__ == "__main__":
    main()
