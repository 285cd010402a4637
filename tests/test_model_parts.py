"""The default model's parts (rag/answer/model_parts.py): joined in numeric order, checked, renamed.

What is checked: parts join into the pinned file under its final name; a wrong hash or size
leaves no file (and no temporary one) and says what to run; a missing part package says what
to run; a short name resolves without a path.
"""

from __future__ import annotations

import hashlib

import pytest

from rag.answer import model_parts
from rag.answer.model import resolve_model_path
from rag.errors import ModelError


def _parts(tmp_path, blobs: list[bytes]):
    out = []
    for i, blob in enumerate(blobs, 1):
        p = tmp_path / f"part{i:02d}.bin"
        p.write_bytes(blob)
        out.append(p)
    return out


def test_parts_join_in_order_into_the_checked_file(tmp_path) -> None:
    blobs = [b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 3]
    whole = b"".join(blobs)
    target = tmp_path / "models" / "m.gguf"
    got = model_parts.assemble(target, _parts(tmp_path, blobs), len(whole), hashlib.sha256(whole).hexdigest())
    assert got == target and target.read_bytes() == whole
    assert [p.name for p in target.parent.iterdir()] == ["m.gguf"]  # no temporary file left


def test_a_wrong_hash_leaves_no_file_and_says_what_to_run(tmp_path) -> None:
    blobs = [b"GGUF" + b"a" * 10, b"b" * 7]
    whole = b"".join(reversed(blobs))  # the pinned file is the other order
    target = tmp_path / "models" / "m.gguf"
    with pytest.raises(ModelError, match="reinstall"):
        model_parts.assemble(target, _parts(tmp_path, blobs), len(whole), hashlib.sha256(whole).hexdigest())
    assert list(target.parent.iterdir()) == []


def test_a_missing_part_says_what_to_run() -> None:
    with pytest.raises(ModelError, match="make install"):
        model_parts.part_path(model_parts.PARTS + 1)


def test_short_names_resolve(tmp_path) -> None:
    assert resolve_model_path("smollm2-135m").name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model_path(str(tmp_path / "none.gguf"))
