"""The embedder's backends: which models go to OpenVINO, and that both backends agree."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.errors import SettingsError
from rag.index import openvino_encoder
from rag.index.embedding import Embedder

from .conftest import SEEDS


def _st_folder(tmp_path: Path, pooling: dict, modules: list[str]) -> Path:
    (tmp_path / "1_Pooling").mkdir(parents=True)
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    (tmp_path / "tokenizer.json").write_text("{}")
    entries = [
        {
            "idx": i,
            "name": str(i),
            "path": "1_Pooling" if k == "Pooling" else "",
            "type": f"sentence_transformers.models.{k}",
        }
        for i, k in enumerate(modules)
    ]
    (tmp_path / "modules.json").write_text(json.dumps(entries))
    return tmp_path


def test_only_mean_pooled_models_go_to_openvino(tmp_path) -> None:
    mean = {"pooling_mode_mean_tokens": True, "pooling_mode_cls_token": False}
    cls = {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}
    assert openvino_encoder.supported(_st_folder(tmp_path / "a", mean, ["Transformer", "Pooling", "Normalize"]))
    assert openvino_encoder.supported(_st_folder(tmp_path / "b", mean, ["Transformer", "Pooling"]))
    assert not openvino_encoder.supported(_st_folder(tmp_path / "c", cls, ["Transformer", "Pooling"]))
    assert not openvino_encoder.supported(_st_folder(tmp_path / "d", mean, ["Transformer", "Pooling", "Dense"]))
    assert not openvino_encoder.supported(tmp_path / "missing")


def test_unknown_backend_or_dtype_names_the_choices() -> None:
    with pytest.raises(SettingsError, match="RAG_EMBED_BACKEND='onnx' is not one of auto, openvino, torch"):
        Embedder(backend="onnx")
    with pytest.raises(SettingsError, match="auto, int8, bfloat16, float32"):
        Embedder(dtype="int4")


@pytest.mark.model
@pytest.mark.parametrize(("dtype", "worst", "mean"), [("bfloat16", 0.999, 0.9999), ("int8", 0.95, 0.99)])
def test_openvino_and_torch_vectors_agree(dtype: str, worst: float, mean: float) -> None:
    texts = [p.strip() for f in sorted(SEEDS.iterdir()) for p in f.read_text().split("\n\n") if p.strip()][:40]
    fast = Embedder(backend="openvino", dtype=dtype)
    reference = Embedder(backend="torch", dtype="float32", workers=1)
    a, b = fast.encode(texts), reference.encode(texts)
    assert a.shape == b.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cos = (a * b).sum(axis=1)
    assert float(cos.min()) > worst and float(cos.mean()) > mean
    # One text at a time (the query path) gives the batch's vectors.
    single = np.vstack([fast.encode([t]) for t in texts[:5]])
    assert float((single * a[:5]).sum(axis=1).min()) > 0.999


@pytest.mark.model
def test_a_query_with_a_converted_model_does_not_import_torch() -> None:
    Embedder().encode(["warm the conversion cache"])
    code = (
        "import sys; from rag.index.embedding import Embedder; Embedder().encode(['x']); print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"


@pytest.mark.model
def test_first_run_converts_and_quantises_quietly(tmp_path) -> None:
    """From an empty model cache: `rag index --json` converts, quantises, and prints only its JSON.

    int8 is forced: on a CPU without VNNI or AMX the default is float32 and nothing is quantised.
    """
    import json
    import os

    env = dict(os.environ, RAG_CACHE_DIR=str(tmp_path / "cache"), RAG_EMBED_DTYPE="int8")
    args = ["index", "--source", str(SEEDS), "--index", str(tmp_path / "index"), "--json"]
    code = "import sys; from rag.serve.cli import cli; sys.argv = ['rag', *sys.argv[1:]]; cli()"
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == 4
    assert "━" not in out.stdout + out.stderr  # no progress bars from the quantiser
    assert len(list((tmp_path / "cache" / "openvino").glob("*-int8-*/model.xml"))) == 1
