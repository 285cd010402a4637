"""Settings: environment variables arrive as the field's type; importing rag leaves the environment alone."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.settings import Settings, default_cache_dir

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class WithFlag(Settings):
    flag: bool = False


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("yes", True), ("TRUE", True), ("0", False), ("no", False)])
def test_a_bool_setting_arrives_as_a_bool(raw: str, value: bool) -> None:
    assert WithFlag.from_env({"RAG_FLAG": raw}).flag is value


def test_a_bad_bool_or_number_says_what_to_write() -> None:
    with pytest.raises(RagError, match="RAG_FLAG='maybe' is not a yes/no value"):
        WithFlag.from_env({"RAG_FLAG": "maybe"})
    with pytest.raises(RagError, match="RAG_K='many' is not a number; set it to a int"):
        Settings.from_env({"RAG_K": "many"})


def test_numbers_and_folders_arrive_typed() -> None:
    s = Settings.from_env({"RAG_K": "3", "RAG_MAX_FILE_MB": "0.5", "RAG_INDEX_DIR": "/tmp/x", "RAG_BUILD_BATCH": "16"})
    assert (s.k, s.max_file_mb, s.index_dir, s.build_batch) == (3, 0.5, Path("/tmp/x"), 16)
    assert isinstance(s.k, int) and isinstance(s.max_file_mb, float)
    assert Settings.from_env({}, index_dir="idx").index_dir == Path("idx")
    assert s.replace(models_dir="m").models_dir == Path("m")


def test_the_cache_folder_is_worked_out_in_one_place() -> None:
    assert default_cache_dir({"RAG_CACHE_DIR": "/c"}) == Path("/c")
    assert default_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/rag")
    assert Settings.from_env({"XDG_CACHE_HOME": "/x"}).cache_dir == Path("/x/rag")
    assert Settings.from_env({"RAG_CACHE_DIR": "/c", "XDG_CACHE_HOME": "/x"}).cache_dir == Path("/c")


def test_importing_rag_changes_no_environment_variable() -> None:
    code = "import os; before = dict(os.environ); import rag, rag.settings, rag.serve.cli; print(dict(os.environ) == before)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "TOKENIZERS_"))}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True", out.stderr


def test_models_are_loaded_offline(monkeypatch) -> None:
    from rag.index.embedding import resolve_model

    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RagError):
        resolve_model("/nonexistent")  # fails after preparing the environment, before loading anything
    assert os.environ["HF_HUB_OFFLINE"] == "1" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_modes_are_enums_checked_once_with_the_choices_named() -> None:
    from rag.errors import RagError
    from rag.settings import EmbedBackend, EmbedDtype, Fusion

    s = Settings.from_env({"RAG_FUSION": "RRF", "RAG_EMBED_DTYPE": "int8"})
    assert s.fusion is Fusion.RRF and s.fusion == "rrf" and s.embed_dtype is EmbedDtype.INT8
    assert Settings().replace(embed_backend="torch").embed_backend is EmbedBackend.TORCH
    with pytest.raises(RagError, match=r"RAG_FUSION='mean' is not one of score, rrf"):
        Settings.from_env({"RAG_FUSION": "mean"})
    with pytest.raises(RagError, match="RAG_EMBED_DTYPE='fp8' is not one of auto, int8, bfloat16, float32"):
        Settings(embed_dtype="fp8")  # type: ignore[arg-type]
