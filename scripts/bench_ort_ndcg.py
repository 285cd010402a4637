"""SciFact nDCG@10 and build time of rag's own pipeline with the embedder swapped for ONNX Runtime.

Runs `rag.measure.run.evaluate_beir` (a fresh index of the first N abstracts, every judged query
searched through rag's hybrid search, nDCG@10 over source IDs) in this process, with
`rag.index.openvino_encoder.OVEncoder` replaced by an ONNX Runtime encoder over the given .onnx file (same
tokeniser, same mean pooling and normalisation, two single-threaded sessions fed as rag feeds its
two OpenVINO streams, batches of `RAG_EMBED_BATCH` sorted by length). Chunks, titles, queries and
fusion are rag's unchanged: only the vectors differ. `--engine ov` runs the stock encoder
(RAG_EMBED_DTYPE decides its precision) for the reference. Product code is not modified.

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_ort_ndcg.py --engine ov|PATH.onnx [--docs 400]
Needs `pip install onnxruntime` (made by scripts/bench_ort_int8.py): a measurement, not a dependency.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def ort_encoder_class(onnx_path: Path):
    from rag.index.openvino_encoder import OVEncoder

    class ORTEncoder(OVEncoder):
        def __init__(self, location: Path, dtype: str = "float32", streams: int = 1) -> None:
            import onnxruntime as ort

            self.streams = max(1, streams)
            self._setup_tokenizer(Path(location))
            self.sessions = []
            for _ in range(self.streams):
                so = ort.SessionOptions()
                so.intra_op_num_threads = 1
                so.inter_op_num_threads = 1
                so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                self.sessions.append(ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"]))
            self.inputs = {i.name for i in self.sessions[0].get_inputs()}
            self.dimension = 384
            self._lock = threading.Lock()

        def _run(self, k: int, texts: list[str]) -> np.ndarray:
            feed, mask = self._feed(texts)
            return self._pool(self.sessions[k].run(None, feed)[0], mask)

        def encode(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
            if len(texts) <= batch_size:
                with self._lock:
                    return self._run(0, texts)
            out = np.zeros((len(texts), self.dimension), dtype=np.float32)
            order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
            batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]

            def worker(k: int) -> None:
                for b in batches[k :: self.streams]:
                    out[b] = self._run(k, [texts[j] for j in b])

            with self._lock:
                threads = [threading.Thread(target=worker, args=(k,)) for k in range(self.streams)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            return out

    return ORTEncoder


def main() -> None:
    from bench_build import subset

    from rag.index import openvino_encoder
    from rag.measure.run import evaluate_beir
    from rag.settings import Settings

    engine = option("--engine", "ov")
    docs = int(option("--docs", "400"))
    if engine != "ov":
        openvino_encoder.OVEncoder = ort_encoder_class(Path(engine))  # what Embedder._ov constructs
    work = Path(tempfile.mkdtemp(prefix="bench_ort_ndcg_"))
    beir = subset(Path(option("--beir", "/work/shared/eval/scifact")), work, docs)
    settings = Settings.from_env()
    print(f"load before {os.getloadavg()[0]:.2f}", flush=True)
    t0 = time.perf_counter()
    result = evaluate_beir(beir, settings, work_dir=work, index_dir=work / "index", progress=False)
    total = time.perf_counter() - t0
    m = result["metrics"]
    print(json.dumps({"engine": engine, "dtype": settings.embed_dtype, "ndcg@10": round(m["ndcg@10"], 4),
                      "build_seconds": round(m["build_seconds"], 1), "chunks": m["chunks"],
                      "total_seconds": round(total, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
