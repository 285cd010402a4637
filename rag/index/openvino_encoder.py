"""Fast CPU encoding of mean-pooled sentence-transformers models with OpenVINO.

Covers: deciding whether a model folder is one this path reproduces (a
Transformer module, mean pooling, then optional normalisation: the bundled
all-MiniLM-L6-v2 and most sentence-transformers models), converting it once
to OpenVINO's format in a cache folder (`~/.cache/rag/openvino/`, or
`$RAG_CACHE_DIR/openvino/`; the conversion needs torch, later runs do not
import it), quantising that once to int8 with NNCF on fixed texts
(`calibration.txt`), and encoding batches with one inference stream per core.

Measured here on SciFact chunks (2 cores): float32 torch ~24 texts/s, bfloat16
131 chunks/s (cosine to float32 >= 0.99997), int8 154 chunks/s (cosine mean
0.997, min 0.965; SciFact nDCG@10 0.7297 against 0.7300 in bfloat16).

Does not: handle CLS or max pooling, prompts or other module stacks (the
embedder uses torch for those), decide what to embed, or chunk.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import threading
import uuid
import warnings
from pathlib import Path

import numpy as np

CONVERTER_VERSION = "1"


def available() -> bool:
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


def supported(location: Path) -> bool:
    """True for a local sentence-transformers folder of Transformer + mean Pooling (+ Normalize)."""
    location = Path(location)
    try:
        modules = json.loads((location / "modules.json").read_text())
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return False
        pooling_dir = next(m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((location / pooling_dir / "config.json").read_text())
    except (OSError, ValueError, KeyError, StopIteration):
        return False
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v}
    return modes == {"pooling_mode_mean_tokens"} and (location / "tokenizer.json").exists()


def cache_root() -> Path:
    from ..settings import default_cache_dir

    return default_cache_dir()


def _model_key(location: Path) -> str:
    import openvino

    h = hashlib.sha256(f"{CONVERTER_VERSION}\x00{openvino.__version__}\x00{location.resolve()}".encode())
    for name in sorted(os.listdir(location)):
        path = location / name
        if path.is_file():
            st = path.stat()
            h.update(f"{name}\x00{st.st_size}\x00{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def converted_model(location: Path) -> Path:
    """The OpenVINO model file for a sentence-transformers folder, converting it on first use."""
    location = Path(location)
    target = cache_root() / "openvino" / _model_key(location)
    xml = target / "model.xml"
    if xml.exists():
        return xml
    import openvino as ov
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # config notes about training-only fields, irrelevant here
    model = AutoModel.from_pretrained(str(location), local_files_only=True).eval()
    names = _input_names(model)
    example = {n: torch.ones((2, 8), dtype=torch.long) for n in names}
    if "token_type_ids" in example:
        example["token_type_ids"] = torch.zeros((2, 8), dtype=torch.long)
    # Tracing warns that two shape tests become constants; both hold for every input here
    # (no key/value cache, a mask always given), and tests compare the result with torch.
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ov_model = ov.convert_model(model, example_input=example)
    _save(ov_model, target)
    return xml


CALIBRATION = Path(__file__).with_name("calibration.txt")


def quantized_model(location: Path) -> Path:
    """An int8 version of the converted model, made once with NNCF from `calibration.txt`.

    Post-training quantisation (SmoothQuant, min-max ranges, bias correction) on fixed
    texts shipped with rag, so every machine derives the same model from the same inputs.
    """
    location = Path(location)
    digest = hashlib.sha256(CALIBRATION.read_bytes()).hexdigest()[:8]
    target = cache_root() / "openvino" / f"{_model_key(location)}-int8-{digest}"
    xml = target / "model.xml"
    if xml.exists():
        return xml
    import logging

    import nncf
    import openvino as ov

    logging.getLogger("nncf").setLevel(logging.ERROR)
    fp = ov.Core().read_model(converted_model(location))
    encoder = OVEncoder.__new__(OVEncoder)
    encoder._setup_tokenizer(location)
    encoder.inputs = {p.get_any_name() for p in fp.inputs}
    lines = [line.strip() for line in CALIBRATION.read_text(encoding="utf-8").splitlines() if line.strip()]
    # Single lines and runs of up to six, so short and full-window inputs are both seen.
    texts = lines + [" ".join(lines[i : i + n]) for n in (3, 6) for i in range(0, len(lines), n)]
    feeds = [encoder._feed([t])[0] for t in texts]
    # NNCF draws progress bars on stdout, which would corrupt `rag index --json`: swallow them.
    sink = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        q = nncf.quantize(fp, nncf.Dataset(feeds), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(feeds))
    _save(q, target)
    return xml


def _save(model, target: Path) -> None:
    """Save an OpenVINO model as target/model.xml, whole or not at all.

    Written beside the final folder and renamed, so a killed conversion leaves no half model.
    """
    import openvino as ov

    tmp = target.parent / f".tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    try:
        ov.save_model(model, tmp / "model.xml", compress_to_fp16=False)
        with contextlib.suppress(OSError):  # another process saved it first
            os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _input_names(model) -> list[str]:
    import inspect

    params = inspect.signature(model.forward).parameters
    return [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in params]


class OVEncoder:
    """Encodes texts into normalised, mean-pooled vectors with a compiled OpenVINO model."""

    def __init__(self, location: Path, dtype: str = "bfloat16", streams: int = 1) -> None:
        import openvino as ov

        location = Path(location)
        self.streams = max(1, streams)
        self._setup_tokenizer(location)
        core = ov.Core()
        model = core.read_model(quantized_model(location) if dtype == "int8" else converted_model(location))
        self.inputs = {p.get_any_name() for p in model.inputs}
        config = {
            # int8 models run their remaining float operations in bfloat16.
            "INFERENCE_PRECISION_HINT": "f32" if dtype == "float32" else "bf16",
            "PERFORMANCE_HINT": "THROUGHPUT",
            "NUM_STREAMS": str(self.streams),
            "INFERENCE_NUM_THREADS": str(self.streams),
            # Kernels kept per input shape: the default (5000) grew a build to 667 MB here,
            # 50 plateaued at 562 MB at the same speed (0 was worse: 746 MB).
            "CPU_RUNTIME_CACHE_CAPACITY": "50",
        }
        self.compiled = core.compile_model(model, "CPU", config)
        self.dimension = int(self.compiled.output(0).get_partial_shape()[2].get_length())
        self._request = self.compiled.create_infer_request()
        self._lock = threading.Lock()

    def _setup_tokenizer(self, location: Path) -> None:
        from tokenizers import Tokenizer

        cfg = json.loads((location / "sentence_bert_config.json").read_text())
        self.lowercase = bool(cfg.get("do_lower_case"))
        self.tokenizer = Tokenizer.from_file(str(location / "tokenizer.json"))
        padding = self.tokenizer.padding or {}
        self.tokenizer.enable_padding(pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]"))
        self.tokenizer.enable_truncation(int(cfg.get("max_seq_length", 512)))

    def _feed(self, texts: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        if self.lowercase:
            texts = [t.lower() for t in texts]
        enc = self.tokenizer.encode_batch(texts)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feed = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64), "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in enc], dtype=np.int64)
        return {k: v for k, v in feed.items() if k in self.inputs}, mask

    @staticmethod
    def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        m = mask[..., None].astype(np.float32)
        v = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return (v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)).astype(np.float32)

    def encode(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        if len(texts) <= batch_size:  # one query or a few: no queue
            feed, mask = self._feed(texts)
            with self._lock:
                hidden = self._request.infer(feed)[0]
                return self._pool(hidden, mask)
        from tqdm import tqdm

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Similar lengths in one batch pad less.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        bar = tqdm(total=len(texts), unit="chunk", desc="embedding", disable=not progress, smoothing=0.1)
        # One request per stream, driven from this thread: no Python runs in OpenVINO's threads
        # (a callback there can trigger garbage collection of another queue, whose destructor
        # then joins its own thread and aborts the process).
        requests = [self.compiled.create_infer_request() for _ in range(self.streams)]
        pending: list[tuple[list[int], np.ndarray] | None] = [None] * len(requests)

        def collect(k: int) -> None:
            item = pending[k]
            if item is not None:
                requests[k].wait()
                ids, mask = item
                out[ids] = self._pool(requests[k].get_output_tensor(0).data, mask)
                bar.update(len(ids))
                pending[k] = None

        for n, i in enumerate(range(0, len(order), batch_size)):
            k = n % len(requests)
            ids = order[i : i + batch_size]
            feed, mask = self._feed([texts[j] for j in ids])
            collect(k)
            requests[k].start_async(feed)
            pending[k] = (ids, mask)
        for k in range(len(requests)):
            collect(k)
        bar.close()
        return out
