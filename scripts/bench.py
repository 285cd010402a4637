"""Benchmarks of rag on this machine: index build, dense search at scale, answers.

Covers:
- the machine (CPU model, cores, RAM, load average, Python/torch/faiss versions);
- `synth_corpus`: a deterministic, news-like synthetic corpus made by
  recombining sentences of the seed articles and SciFact abstracts, with
  names, places and numbers varied (same seed, same text);
- index build: a full build and an incremental one (1% of the files edited)
  of corpora of about 1k, 10k and 100k chunks, each as `rag index` runs it
  in a fresh child process; chunks/s and peak memory (peak RSS).
  Sizes above `embed_max` get stand-in vectors instead of the model's (the
  model is still loaded and run once on full-window texts, so its memory
  counts), and the embedding time is taken from the largest real build
  (everything else is measured for real);
- dense search: p50/p95 latency of one query at a time (as `Store.dense_search`
  is called, k=100 candidates) for exact search and approximate FAISS indexes
  at 10k, 100k and 1M vectors, their recall@10 and recall@100 against exact
  search, build time and index size. The vectors are interpolated between
  real chunk vectors of the benchmark corpus, plus noise (`synth_vectors`);
- answer latency: time to first token, tokens/s, whole answer and peak RSS of
  `rag.pipeline.ask` with the bundled model on an index of the seeds;
- writing docs/benchmarks.md and PNG plots (matplotlib, Agg).

Does not measure retrieval or answer quality (rag.measure.run does), run on a
GPU, measure concurrent queries, or anything past one machine (docs/scaling.md
reasons about that). Each heavy measurement runs once: on a shared CPU the
figures are noisy, and the load average is recorded beside them.

Usage: .venv/bin/python scripts/bench.py [--parts build,search,answer] [--scifact corpus.jsonl]
[--questions seeds_dev.jsonl] (see --help).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.errors import RagError
from rag.index.embedding import Embedder, TextEmbedder
from rag.settings import default_cache_dir

ROOT = Path(__file__).resolve().parents[1]
DIM = 384
PARTS = ("build", "search", "answer")
DEFAULT_SIZES = (1_000, 10_000, 100_000)
DEFAULT_SEARCH_SIZES = (10_000, 100_000, 1_000_000)


@dataclass
class BenchOptions:
    parts: tuple[str, ...] = PARTS
    sizes: tuple[int, ...] = DEFAULT_SIZES
    # Corpora above this many chunks get stand-in vectors; embedding time is extrapolated.
    embed_max: int = 10_000
    search_sizes: tuple[int, ...] = DEFAULT_SEARCH_SIZES
    queries: int = 200
    # HNSW graphs take minutes per million vectors to build on 2 cores; above this, skipped.
    hnsw_max: int = 100_000
    # IVF-PQ at the largest size: ~5 min more to train and encode; shows what 4x more compression costs.
    pq: bool = False
    # Norm of the noise added to synthetic vectors (real ones have norm 1): with it,
    # 10k synthetic vectors have neighbours about as close as 10k real ones.
    noise: float = 0.5
    seed: int = 0
    work_dir: Path = field(default_factory=lambda: default_cache_dir() / "bench")
    # SciFact's corpus.jsonl (sentences and topics for the synthetic corpus) and the seeds'
    # question set (for the answer part); without them, the seeds alone and generic questions.
    scifact: Path | None = None
    questions: Path | None = None
    out_dir: Path = ROOT / "docs"
    log: Callable[[str], None] = field(default=lambda msg: print(msg, file=sys.stderr, flush=True))


# ---------------------------------------------------------------- machine


def machine_info() -> dict:
    """What the figures were measured on."""
    import faiss
    import psutil

    cpu = platform.processor() or platform.machine()
    simd: list[str] = []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                # What FAISS, torch and llama.cpp can use; the model name alone may not say.
                flags = set(line.split(":", 1)[1].split())
                simd = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile") if f in flags]
                break
    except OSError:
        pass
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    return {
        "cpu": cpu,
        "simd": " ".join(simd),
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "torch": torch_version,
        "faiss": faiss.__version__,
        "numpy": np.__version__,
        "os": f"{platform.system()} {platform.release()}",
    }


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB.

    VmHWM belongs to the process's own address space; ru_maxrss would carry over
    the parent's peak across fork and exec, inflating every child's figure.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- synthetic corpus

FIRST = (
    "Ana", "Bruno", "Carla", "Diego", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Keiko", "Luis",
    "Maya", "Nikolai", "Olga", "Pablo", "Quentin", "Rosa", "Samir", "Tamara", "Umar", "Valeria", "Wen", "Ximena",
    "Yusuf", "Zofia", "Amara", "Bjorn", "Chloe", "Dmitri", "Esther", "Felipe",
)  # fmt: skip
LAST = (
    "Alvarez", "Brennan", "Castillo", "Dubois", "Eriksen", "Fischer", "Gomez", "Haddad", "Ivanova", "Jensen",
    "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quispe", "Rossi", "Schmidt", "Tanaka",
    "Urquiza", "Varga", "Weber", "Xu", "Yilmaz", "Zamora", "Abbott", "Bianchi", "Costa", "Duarte",
)  # fmt: skip
CITIES = (
    "Buenos Aires", "Lisbon", "Nairobi", "Osaka", "Toronto", "Krakow", "Lima", "Accra", "Hamburg", "Seoul",
    "Montevideo", "Dublin", "Manila", "Quito", "Rotterdam", "Cordoba", "Valencia", "Perth", "Tbilisi", "Oslo",
)  # fmt: skip
ORGS = (
    "the health ministry", "the central bank", "the city council", "the national statistics office",
    "the university hospital", "the energy regulator", "the transport authority", "the research council",
    "a regional court", "the port authority", "the teachers' union", "the chamber of commerce",
)  # fmt: skip
ROLES = ("spokesperson", "director", "minister", "chief economist", "lead researcher", "mayor", "analyst")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TEMPLATES = (
    "{person}, {role} at {org}, said on {day} that the figure had reached {n} in {city}.",
    "Officials in {city} expect a decision by {month}, according to {person}.",
    "{person} told reporters in {city} that {org} would publish new data within {n} weeks.",
    "The announcement came {n} days after {org} in {city} reported a similar result.",
    "\u201cWe will not comment on individual cases,\u201d {person} said in a statement on {day}.",
    "About {n} people attended the meeting in {city}, organisers said.",
    "{org} in {city} declined to say how much the programme would cost.",
    "Critics, including {person}, have questioned the {n} estimate.",
)
MONTHS = ("January", "March", "May", "July", "September", "November")
TITLES = (
    "{city} {verb} {topic}",
    "{person} says {org} will review {topic}",
    "{n} questions about {topic} in {city}",
    "What {org} found about {topic}",
)
VERBS = ("weighs", "debates", "backs", "delays", "questions", "funds")


def sentence_pool(
    seeds_dir: Path | None = None, jsonl: Path | None = None, limit: int | None = None
) -> tuple[list[str], list[str]]:
    """(sentences, topics) to recombine: sentences of the seed articles and of SciFact abstracts.

    Topics are short lower-case phrases from SciFact titles. Order follows the
    files, so the pool, and so the corpus, is the same on every run.
    """
    from rag.ingest.chunking import sentences

    seeds_dir = seeds_dir or ROOT / "seeds"
    texts: list[str] = []
    topics: list[str] = []
    if seeds_dir.is_dir():
        for path in sorted(seeds_dir.glob("*.txt")):
            texts.append(path.read_text(encoding="utf-8"))
    if jsonl is not None and jsonl.exists():
        with open(jsonl, encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if limit is not None and i >= limit:
                    break
                row = json.loads(line)
                texts.append(row.get("text", ""))
                words = row.get("title", "").rstrip(".").split()
                if 2 <= len(words) <= 8:
                    topics.append(" ".join(words).lower())
    pool = [s.text for t in texts for s in sentences(t) if 5 <= len(s.text.split()) <= 60]
    return pool, topics or ["local services", "the new budget", "water prices"]


def _vary_numbers(sentence: str, rng: random.Random) -> str:
    # Same number of digits, so the sentence keeps its shape and token count.
    return re.sub(r"\d+", lambda m: str(rng.randint(10 ** (len(m.group()) - 1), 10 ** len(m.group()) - 1)), sentence)


def _fill(template: str, rng: random.Random, topics: Sequence[str]) -> str:
    return template.format(
        person=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        role=rng.choice(ROLES),
        org=rng.choice(ORGS),
        city=rng.choice(CITIES),
        day=rng.choice(DAYS),
        month=rng.choice(MONTHS),
        n=rng.choice((rng.randint(2, 99), rng.randint(100, 9999), f"{rng.randint(1, 99)}.{rng.randint(0, 9)}%")),
        verb=rng.choice(VERBS),
        topic=rng.choice(topics),
    )


def synth_article(i: int, seed: int, pool: Sequence[str], topics: Sequence[str]) -> str:
    """Article number i: a title, then 3-10 paragraphs of recombined and templated sentences.

    Seeded by (seed, i) alone, so article i is the same whatever the corpus size.
    """
    rng = random.Random(f"rag-bench:{seed}:{i}")
    title = _fill(rng.choice(TITLES), rng, topics)
    title = title[0].upper() + title[1:]
    paragraphs = []
    for _ in range(rng.randint(3, 10)):
        sents = []
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.25:
                sents.append(_fill(rng.choice(TEMPLATES), rng, topics))
            else:
                sents.append(_vary_numbers(rng.choice(pool), rng))
        paragraphs.append(" ".join(sents))
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def synth_corpus(n_docs: int, seed: int, pool: Sequence[str], topics: Sequence[str]) -> list[tuple[str, str]]:
    """n_docs (file name, text) pairs; the same seed and pool give the same texts."""
    return [(f"{i // 1000:03d}/a{i:06d}.txt", synth_article(i, seed, pool, topics)) for i in range(n_docs)]


def write_corpus(docs: Sequence[tuple[str, str]], folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    for name, text in docs:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def edit_corpus(folder: Path, names: Sequence[str], fraction: float, seed: int, topics: Sequence[str]) -> list[str]:
    """Rewrite the middle paragraph of a seeded `fraction` of the files, as a news correction would."""
    rng = random.Random(f"rag-bench-edit:{seed}")
    chosen = sorted(rng.sample(range(len(names)), max(1, round(len(names) * fraction))))
    for i in chosen:
        path = folder / names[i]
        paragraphs = path.read_text(encoding="utf-8").split("\n\n")
        mid = max(1, len(paragraphs) // 2)
        paragraphs[mid] = " ".join(_fill(rng.choice(TEMPLATES), rng, topics) for _ in range(2))
        path.write_text("\n\n".join(paragraphs), encoding="utf-8")
    return [names[i] for i in chosen]


def chunks_per_doc(docs: Sequence[tuple[str, str]]) -> float:
    """Mean chunks per article with the product's chunker and tokenizer (torch is not loaded)."""
    from rag.index.build import chunk_document
    from rag.ingest import documents
    from rag.settings import Settings

    settings = Settings.from_env()
    embedder = Embedder.from_settings(settings)
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in docs:
            path = Path(tmp) / Path(name).name
            path.write_text(text, encoding="utf-8")
            doc = documents.load(path.stem, path, Path(tmp), settings.max_file_mb)
            total += sum(1 for _ in chunk_document(doc, settings, embedder))
    return total / max(1, len(docs))


# ---------------------------------------------------------------- metrics


def recall_at_k(approx: np.ndarray, exact: np.ndarray, k: int) -> float:
    """Mean over queries of |approx top-k ∩ exact top-k| / k (rows are queries; -1 = no result)."""
    approx, exact = np.atleast_2d(approx), np.atleast_2d(exact)
    if not len(exact):
        return float("nan")
    if len(approx) != len(exact):
        raise ValueError(f"{len(approx)} result rows for {len(exact)} queries")
    hits = [
        len({int(x) for x in a[:k] if x >= 0} & {int(x) for x in e[:k] if x >= 0})
        for a, e in zip(approx, exact, strict=True)
    ]
    return float(np.mean(hits) / k)


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else float("nan")


# ---------------------------------------------------------------- index build


def _child(kind: str, args: dict) -> dict:
    """Run one measurement in a fresh interpreter (this script, `--child KIND ARGS`); it prints its figures
    as the last JSON line."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, json.dumps(args)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RagError(f"The {kind} benchmark failed (exit code {done.returncode}); its error is printed above.")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _build_child(args: dict) -> dict:
    from rag.index.build import build_index
    from rag.settings import Settings
    from rag.store import live_version

    settings = Settings.from_env().replace(
        source_dir=args["source"], index_dir=args["index"], index_factory=args.get("index_factory", "auto")
    )
    # Built as `rag index` builds it, with nothing loaded beforehand: model loading
    # is part of the measured build.
    embedder = (StubEmbedder if args["stub"] else Embedder).from_settings(settings)
    if args["stub"]:
        # Loaded and run once on full-window batches, so the peak holds the model and its buffers.
        Embedder.from_settings(settings).encode(["word " * 250] * 64)
    timed = TimedEmbedder(embedder)
    stats = build_index(settings, embedder=timed)
    found = live_version(Path(args["index"]))
    return {
        "files": found[1].get("files", {}) if found else {},
        "build_s": stats.seconds,
        "embed_s": timed.seconds,
        "chunks": stats.chunks,
        "embedded": stats.embedded_chunks,
        "docs": stats.added + stats.changed + stats.unchanged,
        "changed_docs": stats.changed,
        "peak_rss_mb": peak_rss_mb(),
        "dtype": settings.embed_dtype,
        "load": load_average(),
    }


class TimedEmbedder:
    """An embedder that adds up the time spent in `encode`; everything else is the wrapped one's."""

    def __init__(self, inner: TextEmbedder) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.texts = 0

    @property
    def identity(self) -> str:
        return self.inner.identity

    @property
    def max_tokens(self) -> int:
        return self.inner.max_tokens

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def count_tokens_many(self, texts: list[str]) -> list[int]:
        return self.inner.count_tokens_many(texts)

    def split_tokens(self, text: str, max_tokens: int) -> list[tuple[int, int]]:
        return self.inner.split_tokens(text, max_tokens)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        t = time.perf_counter()
        out = self.inner.encode(texts, progress=progress)
        self.seconds += time.perf_counter() - t
        self.texts += len(texts)
        return out


class StubEmbedder(Embedder):
    """Random unit vectors instead of the model's, for sizes too slow to embed here."""

    @property
    def dimension(self) -> int:
        return DIM

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        v = np.random.default_rng(len(texts)).standard_normal((len(texts), DIM), dtype=np.float32)
        return _normalise(v) if len(texts) else v


def bench_build(opts: BenchOptions, pool: tuple[list[str], list[str]]) -> list[dict]:
    sentences_, topics = pool
    sample = synth_corpus(200, opts.seed, sentences_, topics)
    per_doc = chunks_per_doc(sample)
    opts.log(f"[build] {per_doc:.2f} chunks per synthetic article")
    rows = []
    for size in sorted(opts.sizes):
        n_docs = max(1, round(size / per_doc))
        docs = synth_corpus(n_docs, opts.seed, sentences_, topics)
        source, index = opts.work_dir / f"corpus-{size}", opts.work_dir / f"index-{size}"
        write_corpus(docs, source)
        shutil.rmtree(index, ignore_errors=True)
        stub = size > opts.embed_max
        opts.log(f"[build] {size:,} chunks: {n_docs:,} articles, {'stand-in' if stub else 'real'} vectors ...")
        load_before = load_average()
        full = _child("build", {"source": str(source), "index": str(index), "stub": stub})
        changed = edit_corpus(source, [n for n, _ in docs], 0.01, opts.seed, topics)
        opts.log(f"[build]   full {full['build_s']:.1f} s; incremental with {len(changed)} files edited ...")
        inc = _child("build", {"source": str(source), "index": str(index), "stub": stub})
        rows.append(
            {"target": size, "docs": n_docs, "stub": stub, "full": full, "incremental": inc, "load": load_before}
        )
    # Stand-in builds get the embedding rate of the largest real build.
    real = [r for r in rows if not r["stub"] and r["full"]["embed_s"] > 0]
    rate = real[-1]["full"]["embedded"] / real[-1]["full"]["embed_s"] if real else None
    for r in rows:
        for key in ("full", "incremental"):
            m = r[key]
            m["embed_rate"] = m["embedded"] / m["embed_s"] if m["embed_s"] > 0 and not r["stub"] else rate
            m["est_build_s"] = m["build_s"] - m["embed_s"] + m["embedded"] / rate if r["stub"] and rate else None
    return rows


# ---------------------------------------------------------------- dense search


def base_vectors(opts: BenchOptions) -> tuple[np.ndarray, str, bool]:
    """Real chunk vectors from the largest really embedded benchmark index, else a Gaussian mixture."""
    from rag.store import live_version

    for size in sorted(opts.sizes, reverse=True):
        if size > opts.embed_max:
            continue
        try:
            found = live_version(opts.work_dir / f"index-{size}")
        except Exception:
            found = None
        if found is not None:
            vecs = np.load(found[0] / "vectors.npy").astype(np.float32)
            if len(vecs) >= 1000:
                return (
                    vecs,
                    f"{len(vecs):,} real all-MiniLM-L6-v2 vectors of the ~{size:,}-chunk benchmark corpus",
                    True,
                )
    rng = np.random.default_rng(opts.seed)
    centres = rng.standard_normal((2000, DIM)).astype(np.float32)
    return _normalise(centres), "2,000 random unit centres (no embedded corpus found: run the build part first)", False


def _normalise(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def nearest(base: np.ndarray, k: int = 10) -> np.ndarray:
    """Row i: the indices of the k nearest other base vectors (inner product)."""
    import faiss

    index = faiss.IndexFlatIP(base.shape[1])
    index.add(base)
    _, rows = index.search(base, k + 1)
    return rows[:, 1:]


def synth_vectors(
    n: int, base: np.ndarray, noise: float, rng: np.random.Generator, neighbours: np.ndarray | None = None
) -> np.ndarray:
    """n unit vectors made from real ones: interpolated between neighbours, plus Gaussian noise.

    Each is a random point on the segment from a random base vector to one of
    its nearest base vectors (SMOTE-style; `neighbours` from `nearest`), plus
    isotropic noise of norm `noise`, renormalised. Interpolating fills the
    space between real vectors the way a larger corpus would; noise alone
    around 10k parents would make 1M vectors into 10k tight clusters of ~100
    near-copies, which flatters IVF. Without `neighbours`: parent plus noise.
    """
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for a in range(0, n, 100_000):
        m = min(n, a + 100_000) - a
        parents = rng.integers(0, len(base), m)
        v = base[parents]
        if neighbours is not None:
            other = neighbours[parents, rng.integers(0, neighbours.shape[1], m)]
            t = rng.random(m, dtype=np.float32)[:, None]
            v = (1 - t) * v + t * base[other]
        noise_v = rng.standard_normal((m, base.shape[1]), dtype=np.float32) * (noise / np.sqrt(base.shape[1]))
        out[a : a + m] = _normalise(v + noise_v)
    return out


def _index_bytes(index, work: Path) -> int:
    import faiss

    path = work / "size-probe.faiss"
    faiss.write_index(index, str(path))
    size = path.stat().st_size
    path.unlink()
    return size


def _latencies(index, queries: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:
    times, rows = [], np.empty((len(queries), k), dtype=np.int64)
    for i, q in enumerate(queries):
        t = time.perf_counter()
        _, found = index.search(q.reshape(1, -1), k)
        times.append(time.perf_counter() - t)
        rows[i] = found[0]
    return times, rows


def _neighbour_similarity(vectors: np.ndarray, sample: int, rng: np.random.Generator) -> tuple[float, float]:
    """Mean cosine of a vector's 1st and 10th nearest other vector: how tight neighbourhoods are."""
    import faiss

    idx = faiss.IndexFlatIP(vectors.shape[1])
    idx.add(vectors)
    picks = rng.choice(len(vectors), min(sample, len(vectors)), replace=False)
    scores, _ = idx.search(vectors[picks], 11)
    return float(scores[:, 1].mean()), float(scores[:, 10].mean())


def bench_search(opts: BenchOptions) -> dict:
    import faiss

    from rag.store import build_dense, choose_index_factory

    k = 100
    rng = np.random.default_rng(opts.seed)
    base, origin, real = base_vectors(opts)
    n_max = max(opts.search_sizes)
    opts.log(f"[search] generating {n_max:,} + {opts.queries} vectors from {origin}")
    neighbours = nearest(base, 10) if real else None
    data = synth_vectors(n_max, base, opts.noise, rng, neighbours)
    queries = synth_vectors(opts.queries, base, opts.noise, rng, neighbours)
    probe = min(len(base), 10_000)
    shape = {
        "origin": origin,
        "noise": opts.noise,
        "interpolated": real,
        "real": _neighbour_similarity(base[:probe], 500, rng),
        "synthetic": _neighbour_similarity(data[:probe], 500, rng),
    }
    out: dict = {"k": k, "queries": opts.queries, "vectors": shape, "threads": faiss.omp_get_max_threads(), "rows": []}
    opts.work_dir.mkdir(parents=True, exist_ok=True)
    for n in sorted(opts.search_sizes):
        x = data[:n]
        load = load_average()
        flat = faiss.IndexFlatIP(DIM)
        t = time.perf_counter()
        flat.add(x)
        flat_build = time.perf_counter() - t
        _, exact = flat.search(queries, k)  # batched: ground truth, not timed
        top = flat.search(queries, 10)[0]
        row = {"n": n, "load": load, "exact_top1": float(top[:, 0].mean()), "exact_top10": float(top[:, 9].mean())}
        row["indexes"] = []
        # Exact search at 1M takes ~0.1-0.3 s a query: 50 queries give a stable median.
        sample = queries[: 50 if n >= 500_000 else len(queries)]
        threads = faiss.omp_get_max_threads()
        # FAISS splits one query over its OpenMP threads; when another job holds the
        # other core, each query waits for a time slice, so one thread is measured too.
        for label, nt in (("", threads), ("1 thread", 1)):
            faiss.omp_set_num_threads(nt)
            times, _ = _latencies(flat, sample, k)
            row["indexes"].append(
                {
                    "name": "Flat (exact)",
                    "factory": "Flat",
                    "param": label or f"{threads} threads",
                    "build_s": flat_build,
                    "bytes": n * DIM * 4,
                    "p50_ms": pct(times, 50) * 1e3,
                    "p95_ms": pct(times, 95) * 1e3,
                    "recall10": 1.0,
                    "recall100": 1.0,
                    "threads": nt,
                    "auto": nt == threads and choose_index_factory(n) == "Flat",
                }
            )
        faiss.omp_set_num_threads(threads)
        del flat
        opts.log(f"[search] {n:,}: exact p50 {row['indexes'][0]['p50_ms']:.1f} ms")
        factories = [("auto", choose_index_factory(n))]
        nlist = 1 << max(8, round(math.log2(4 * math.sqrt(n))))
        ivf_sq8 = f"IVF{nlist},SQ8"
        if factories[0][1] != ivf_sq8:
            factories.append(("sweep", ivf_sq8))
        if n == n_max and n >= 1_000_000:
            # Half the lists: k-means training costs ~4x less, each probe scans twice as much.
            factories.append(("sweep", f"IVF{nlist // 2},SQ8"))
        if n == n_max and opts.pq:
            factories.append(("sweep", f"IVF{nlist},PQ96"))
        if n <= opts.hnsw_max:
            factories.append(("sweep", "HNSW32"))
        for role, factory in factories:
            if role == "auto" and factory == "Flat":
                continue  # measured above as exact
            t = time.perf_counter()
            index = build_dense(x, "auto" if role == "auto" else factory)
            build_s = time.perf_counter() - t
            size = _index_bytes(index, opts.work_dir)
            # The store's own parameters first, then the sweep on the same index.
            settings = [("", None)] if role == "auto" else []
            for label, apply in settings + _search_params(index):
                if apply is not None:
                    apply()
                times, found = _latencies(index, queries, k)
                entry = {
                    "name": f"auto -> {factory}" if apply is None else factory,
                    "factory": factory,
                    "param": label or _describe_params(index),
                    "build_s": build_s,
                    "bytes": size,
                    "p50_ms": pct(times, 50) * 1e3,
                    "p95_ms": pct(times, 95) * 1e3,
                    "recall10": recall_at_k(found, exact, 10),
                    "recall100": recall_at_k(found, exact, 100),
                    "auto": apply is None,
                }
                row["indexes"].append(entry)
                opts.log(
                    f"[search] {n:,} {entry['name']} {entry['param']}: p50 {entry['p50_ms']:.2f} ms, "
                    f"recall@10 {entry['recall10']:.3f}, {size / 2**20:.0f} MiB, built in {build_s:.0f} s"
                )
            del index
        out["rows"].append(row)
    return out


def _describe_params(index) -> str:
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        return f"nprobe={ivf.nprobe}"
    hnsw = getattr(faiss.downcast_index(index), "hnsw", None)
    return f"efSearch={hnsw.efSearch}" if hnsw is not None else ""


def _search_params(index) -> list[tuple[str, Callable[[], None]]]:
    import faiss

    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None:
        probes = [p for p in (4, 8, 16, 32, 64, 128, 256) if p <= ivf.nlist]
        return [(f"nprobe={p}", lambda p=p: setattr(ivf, "nprobe", p)) for p in probes]
    hnsw = faiss.downcast_index(index).hnsw
    return [(f"efSearch={e}", lambda e=e: setattr(hnsw, "efSearch", e)) for e in (16, 32, 64, 128, 256)]


# ---------------------------------------------------------------- answers


def seed_questions(path: Path | None = None, limit: int = 8) -> list[str]:
    """Answerable questions about the seed articles (a JSONL set such as seeds_dev.jsonl), or generic ones."""
    if path is not None and path.exists():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [r["question"] for r in rows if r.get("answerable", True)][:limit]
    return ["Who will Milei meet in Silicon Valley?", "Which companies will the president visit?"]


def _answer_child(args: dict) -> dict:
    from rag.pipeline import ask, build_index

    t = time.perf_counter()
    build_index(args["source"], args["index"])
    index_s = time.perf_counter() - t
    rows = []
    for q in [args["questions"][0]] + args["questions"]:  # the first one again, cold: it loads the GGUF
        t = time.perf_counter()
        answer = ask(q, index_dir=args["index"])
        rows.append({"wall_s": time.perf_counter() - t, "abstained": answer.abstained, **answer.timings})
    return {"index_s": index_s, "cold": rows[0], "rows": rows[1:], "peak_rss_mb": peak_rss_mb(), "load": load_average()}


def bench_answer(opts: BenchOptions) -> dict:
    from rag.answer.model import bundled_model_path

    questions = seed_questions(opts.questions)
    opts.log(f"[answer] {len(questions)} questions on the seeds with {bundled_model_path().name} ...")
    with tempfile.TemporaryDirectory() as tmp:
        result = _child(
            "answer", {"source": str(ROOT / "seeds"), "index": str(Path(tmp) / "index"), "questions": questions}
        )
    result["model"] = bundled_model_path().name
    return result


# ---------------------------------------------------------------- report


def run(opts: BenchOptions) -> dict:
    """Run the chosen parts, merge with earlier results in work_dir, write the doc and plots."""
    opts.work_dir.mkdir(parents=True, exist_ok=True)
    store = opts.work_dir / "results.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    results["machine"] = machine_info()
    started = time.time()
    if "build" in opts.parts:
        pool = sentence_pool(jsonl=opts.scifact)
        results["build"] = {"load": load_average(), "rows": bench_build(opts, pool), "at": _now()}
        store.write_text(json.dumps(results, indent=1))
    if "search" in opts.parts:
        results["search"] = dict(bench_search(opts), at=_now())
        store.write_text(json.dumps(results, indent=1))
    if "answer" in opts.parts:
        results["answer"] = dict(bench_answer(opts), at=_now())
    if opts.parts:
        results["last_run"] = {"parts": list(opts.parts), "minutes": (time.time() - started) / 60, "at": _now()}
    store.write_text(json.dumps(results, indent=1))
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    plots = write_plots(results, opts.out_dir)
    (opts.out_dir / "benchmarks.md").write_text(render_markdown(results, plots), encoding="utf-8")
    opts.log(f"wrote {opts.out_dir / 'benchmarks.md'} and {len(plots)} plots; raw figures in {store}")
    return results


def _now() -> str:
    return time.strftime("%Y-%m-%d %H:%M")


def _mb(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.0f}"


def render_markdown(results: dict, plots: Sequence[str] = ()) -> str:
    m = results.get("machine", {})
    lines = [
        "# Benchmarks",
        "",
        "Generated by `scripts/bench.py`; the raw figures are in its work folder "
        "(`results.json`). Rerun a part with `scripts/bench.py --parts search` and so on. Every heavy "
        "measurement ran once, on a CPU shared with other jobs: the load average (1, 5, 15 min) "
        "is given beside each part, and a figure can be off by tens of percent.",
        "",
        "## Machine",
        "",
    ]
    last = results.get("last_run")
    if last:
        lines[-2:-2] = [
            f"The last measuring run ({', '.join(last['parts'])}) took {last['minutes']:.0f} minutes, "
            f"ending {last['at']}.",
            "",
        ]
    lines += [
        f"- CPU: {m.get('cpu')}, {m.get('cores')} cores ({m.get('simd') or 'no AVX2'}); RAM {m.get('ram_gb')} GiB; "
        "no GPU",
        f"- {m.get('os')}; Python {m.get('python')}, torch {m.get('torch')}, faiss {m.get('faiss')}, "
        f"numpy {m.get('numpy')}",
        "",
    ]
    if "build" in results:
        lines += _build_section(results["build"])
    if "search" in results:
        lines += _search_section(results["search"])
    if "answer" in results:
        lines += _answer_section(results["answer"])
    if plots:
        lines += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
    return "\n".join(lines)


def _build_section(build: dict) -> list[str]:
    lines = [
        "## Index build",
        "",
        f"Measured {build.get('at', '')}, load {build.get('load', '')}. Synthetic news-like corpus "
        "(`scripts/bench.py: synth_corpus`, seed 0): sentences of the seed articles and SciFact abstracts "
        "recombined into articles of 3-10 paragraphs, with templated news sentences (names, places, "
        "organisations, numbers varied). Each build runs `rag.index.build.build_index` with the default "
        f"settings (index_factory `auto`, OpenVINO {build['rows'][0]['full'].get('dtype', '')} with one "
        "inference stream per core, in the building process) in a fresh child process, nothing "
        "preloaded: build seconds include loading the model. The build streams: batches of 2,048 "
        "chunks are embedded and written to disk as they come. Peak memory is the building "
        "process's own peak RSS (`VmHWM`). *Incremental*: the same index after 1% of the files had "
        "their middle paragraph rewritten.",
        "",
        "| corpus | articles | chunks | vectors | build s | chunks/s | embed chunks/s | peak MiB "
        "| incr. files | incr. embedded | incr. s | incr. peak MiB |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in build["rows"]:
        f, i = r["full"], r["incremental"]
        if r["stub"] and f.get("est_build_s"):
            secs = f"{f['est_build_s']:,.0f} (est.; {f['build_s']:,.0f} without embedding)"
            isecs = f"{i['est_build_s']:,.0f} (est.)" if i.get("est_build_s") else f"{i['build_s']:,.1f}"
            rate = f"{f['chunks'] / f['est_build_s']:,.1f} (est.)"
        else:
            secs, isecs, rate = f"{f['build_s']:,.1f}", f"{i['build_s']:,.1f}", f"{f['chunks'] / f['build_s']:,.1f}"
        lines.append(
            f"| ~{r['target']:,} | {r['docs']:,} | {f['chunks']:,} | {'stand-in' if r['stub'] else 'real'} "
            f"| {secs} | {rate} | {f['embed_rate'] or float('nan'):,.1f} "
            f"| {f['peak_rss_mb']:,.0f} | {i['changed_docs']:,} | {i['embedded']:,} | {isecs} "
            f"| {i['peak_rss_mb']:,.0f} |"
        )
    sized = [r for r in build["rows"] if r["full"].get("files")]
    if sized:
        names = list(sized[-1]["full"]["files"])
        lines += [
            "",
            "Index size on disk per chunk after the full build (bytes; `vectors.npy` is float16 and is "
            "only read by updates, the rest is loaded or queried by `Store`):",
            "",
            "| corpus | " + " | ".join(f"`{n}`" for n in names) + " | total MiB |",
            "|---|" + "---:|" * (len(names) + 1),
        ]
        for r in sized:
            files, chunks = r["full"]["files"], max(1, r["full"]["chunks"])
            cells = " | ".join(f"{files.get(n, 0) / chunks:,.0f}" for n in names)
            lines.append(f"| ~{r['target']:,} | {cells} | {_mb(sum(files.values()))} |")
    stubbed = [r for r in build["rows"] if r["stub"]]
    if stubbed:
        lines += [
            "",
            "*Stand-in vectors*: corpora above the really embedded sizes are built with random unit "
            "vectors in place of the model; everything else (reading, chunking, SQLite, BM25, FAISS) "
            "runs for real, and the model is loaded and run once on full-window texts so that its "
            "memory is in the peak. The estimated time adds the embedded chunks divided by the "
            "embedding rate of the largest real build.",
        ]
    return lines + [""]


def _search_section(search: dict) -> list[str]:
    v = search["vectors"]
    lines = [
        "## Dense search",
        "",
        f"Measured {search.get('at', '')}. One query at a time, k={search['k']} (what "
        f"`Store.dense_search` is asked for by retrieval), FAISS with {search['threads']} threads; "
        f"{search['queries']} queries (50 for exact search at 1M); recall against exact search "
        "over the same vectors. Index size is the serialised FAISS index, which is what it takes "
        "in memory once loaded.",
        "",
        f"Vectors: made from {v['origin']} (`scripts/bench.py: synth_vectors`): "
        + (
            "each a random point between a real vector and one of its 10 nearest real neighbours, "
            if v.get("interpolated")
            else "each a base vector "
        )
        + f"plus isotropic Gaussian noise of norm {v['noise']}, renormalised; queries are drawn the same "
        "way and are not in the index. Uniform random vectors would be the worst case for approximate "
        "search, and noisy copies of 10k vectors would be 10k tight clusters (easy for IVF); these keep "
        "the real vectors' structure and fill the space between them. Mean cosine to the 1st / 10th nearest neighbour on 10k "
        f"vectors: real {v['real'][0]:.3f} / {v['real'][1]:.3f}, synthetic {v['synthetic'][0]:.3f} / "
        f"{v['synthetic'][1]:.3f}.",
        "",
        "| vectors | index | search parameter | build s | index MiB | p50 ms | p95 ms | recall@10 | recall@100 |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in search["rows"]:
        for e in row["indexes"]:
            name = f"**{e['name']}**" if e.get("auto") else e["name"]
            lines.append(
                f"| {row['n']:,} | {name} | {e['param']} | {e['build_s']:.1f} | {_mb(e['bytes'])} "
                f"| {e['p50_ms']:.2f} | {e['p95_ms']:.2f} | {e['recall10']:.3f} | {e['recall100']:.3f} |"
            )
    lines += ["", "Load average during each size: " + "; ".join(f"{r['n']:,}: {r['load']}" for r in search["rows"])]
    flat = {
        e["threads"]: e["p50_ms"] for e in search["rows"][0]["indexes"] if e["factory"] == "Flat" and "threads" in e
    }
    if len(flat) == 2 and flat[max(flat)] > 3 * flat[1]:
        lines += [
            "",
            f"Exact search of one query at {search['rows'][0]['n']:,} vectors took {flat[max(flat)]:.1f} ms "
            f"with {max(flat)} FAISS threads and {flat[1]:.2f} ms with 1: FAISS splits a single query "
            "over its OpenMP threads, and when other jobs hold the cores each query waits for a time "
            "slice. A serving process that searches one query at a time does better with "
            "`faiss.omp_set_num_threads(1)`.",
        ]
    lines += [
        "",
        '**Bold** rows are what the store builds by default (`build_dense(..., "auto")` with the '
        "search parameters `Store` sets on load).",
    ]
    return lines + [""]


def _answer_section(ans: dict) -> list[str]:
    rows = [r for r in ans["rows"] if not r["abstained"] and r.get("tokens")]
    tokens = sum(r["tokens"] for r in rows)
    gen = sum(r["generation"] for r in rows)
    # After the first token: decoding only, without reading the prompt.
    decode_tokens = sum(r["tokens"] - 1 for r in rows)
    decode_s = sum(r["total"] - r["first_token"] for r in rows)
    ttft = [r["first_token"] for r in rows]
    total = [r["total"] for r in ans["rows"]]
    cold = ans["cold"]
    return [
        "## Answers",
        "",
        f"Measured {ans.get('at', '')}, load {ans.get('load', '')}. `rag.pipeline.ask` with the bundled "
        f"{ans.get('model', '')} on an index of the seed articles, {len(ans['rows'])} questions of the "
        f"seed dev set ({len(rows)} answered with generated text, "
        f"{len(ans['rows']) - len(rows)} abstained or generated nothing), one process; "
        "the first question is asked once more beforehand to load the models (the *cold* figure).",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| time to first token, p50 (p95) | {pct(ttft, 50):.2f} s ({pct(ttft, 95):.2f} s) |",
        f"| tokens/s, decoding (after the first token) | {decode_tokens / decode_s if decode_s else float('nan'):.1f} |",
        f"| tokens/s, generation with prompt reading | {tokens / gen if gen else float('nan'):.1f} |",
        f"| tokens per answer, mean | {tokens / len(rows) if rows else float('nan'):.1f} |",
        f"| whole answer, p50 (p95) | {pct(total, 50):.2f} s ({pct(total, 95):.2f} s) |",
        f"| cold first answer (loads embedder and GGUF) | {cold['wall_s']:.2f} s |",
        f"| building the seeds index (4 articles) | {ans['index_s']:.1f} s |",
        f"| peak RSS of the process | {ans['peak_rss_mb']:,.0f} MiB |",
        "",
    ]


def write_plots(results: dict, out_dir: Path) -> list[str]:
    """PNG plots of what was measured; returns their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    names = []
    if "build" in results:
        rows = results["build"]["rows"]
        fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
        n = [r["full"]["chunks"] for r in rows]
        rate = [r["full"]["chunks"] / (r["full"]["est_build_s"] or r["full"]["build_s"]) for r in rows]
        a.plot(n, rate, "o-", label="full build")
        a.set(xscale="log", xlabel="chunks", ylabel="chunks / s", title="Index build throughput")
        for x, y, r in zip(n, rate, rows, strict=True):
            if r["stub"]:
                a.annotate("est.", (x, y))
        b.plot(n, [r["full"]["peak_rss_mb"] for r in rows], "o-", label="full build")
        b.plot(n, [r["incremental"]["peak_rss_mb"] for r in rows], "s--", label="incremental (1% edited)")
        b.set(xscale="log", xlabel="chunks", ylabel="peak memory (MiB)", title="Index build peak memory")
        b.legend()
        fig.tight_layout()
        fig.savefig(out_dir / "bench_build.png", dpi=110)
        plt.close(fig)
        names.append("bench_build.png")
    if "search" in results:
        rows = results["search"]["rows"]
        fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
        series: dict[str, list[tuple[int, float, float]]] = {}
        for row in rows:
            for e in row["indexes"]:
                if e["factory"] == "Flat" and not e["name"].startswith("auto"):
                    series.setdefault(f"exact, {e['param']}", []).append((row["n"], e["p50_ms"], e["p95_ms"]))
                if e.get("auto"):
                    series.setdefault("store default (auto)", []).append((row["n"], e["p50_ms"], e["p95_ms"]))
        for label, pts in series.items():
            xs = [p[0] for p in pts]
            # The store's default is drawn over the exact lines it coincides with below the threshold.
            style = {"color": "black", "lw": 2.5, "alpha": 0.5} if label.startswith("store") else {}
            line = a.plot(xs, [p[1] for p in pts], "o-", label=f"{label} p50", **style)[0]
            a.plot(xs, [p[2] for p in pts], "x:", color=line.get_color(), label=f"{label} p95")
        a.axhline(20, color="grey", lw=0.8, ls="--")
        a.set(xscale="log", yscale="log", xlabel="vectors", ylabel="ms per query (k=100)", title="Search latency")
        a.legend(fontsize=8)
        big = rows[-1]
        for factory in dict.fromkeys(e["factory"] for e in big["indexes"] if not e["factory"].startswith("Flat")):
            pts = [e for e in big["indexes"] if e["factory"] == factory and not e.get("auto")]
            if pts:
                b.plot([e["p50_ms"] for e in pts], [e["recall10"] for e in pts], "o-", label=factory)
                for e in pts:
                    b.annotate(e["param"].split("=")[-1], (e["p50_ms"], e["recall10"]), fontsize=7)
        b.axhline(0.95, color="grey", lw=0.8, ls="--")
        b.set(xscale="log", xlabel="p50 ms", ylabel="recall@10", title=f"Recall vs latency at {big['n']:,} vectors")
        # After set(xscale=...), which resets the formatters.
        b.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        b.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        b.xaxis.set_major_locator(matplotlib.ticker.FixedLocator([0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]))
        b.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out_dir / "bench_search.png", dpi=110)
        plt.close(fig)
        names.append("bench_search.png")
    return names


# ---------------------------------------------------------------- command line


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(float(x)) for x in text.split(",") if x.strip())


def parse_args(argv: Sequence[str] | None = None) -> BenchOptions:
    p = argparse.ArgumentParser(prog="scripts/bench.py", description=(__doc__ or "").split("\n")[0])
    p.add_argument("--parts", default=",".join(PARTS), help="Comma-separated: build,search,answer [all].")
    p.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="Build corpus sizes in chunks.")
    p.add_argument("--embed-max", type=int, default=10_000, help="Larger corpora get stand-in vectors [10000].")
    p.add_argument("--search-sizes", default=",".join(map(str, DEFAULT_SEARCH_SIZES)), help="Vector counts.")
    p.add_argument("--queries", type=int, default=200, help="Queries per search measurement [200].")
    p.add_argument("--hnsw-max", type=int, default=100_000, help="Largest size to build HNSW at [100000].")
    p.add_argument("--pq", action="store_true", help="Also measure IVF-PQ at the largest search size (~5 min).")
    p.add_argument("--work", type=Path, default=BenchOptions().work_dir, help="Corpora, indexes, results.json.")
    p.add_argument("--out", type=Path, default=ROOT / "docs", help="Where benchmarks.md and plots go [docs/].")
    p.add_argument("--scifact", type=Path, help="SciFact corpus.jsonl, for the synthetic corpus's sentences.")
    p.add_argument("--questions", type=Path, help="Questions about the seeds (JSONL), for the answer part.")
    a = p.parse_args(argv)
    parts = tuple(x for x in a.parts.split(",") if x)
    unknown = set(parts) - set(PARTS)
    if unknown:
        p.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    return BenchOptions(
        parts=parts,
        sizes=_ints(a.sizes),
        embed_max=a.embed_max,
        search_sizes=_ints(a.search_sizes),
        queries=a.queries,
        hnsw_max=a.hnsw_max,
        pq=a.pq,
        work_dir=a.work,
        out_dir=a.out,
        scifact=a.scifact,
        questions=a.questions,
    )


CHILDREN: dict[str, Callable[[dict], dict]] = {"build": _build_child, "answer": _answer_child}


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--child"]:  # one measurement in a fresh process, started by _child()
        print(json.dumps(CHILDREN[args[1]](json.loads(args[2]))))
        return
    run(parse_args(args))


if __name__ == "__main__":
    main()
