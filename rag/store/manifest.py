"""The manifest of an index version: what was indexed, how, and the files it wrote.

Covers: the typed `Manifest` (embedder, chunking, per-source file hashes, files
that could not be read, chunk count, dimension, FAISS factory, file sizes and
checksums), its JSON form in `manifest.json`, and the check that an index was
built with the configuration a caller expects.

Does not read or write the file: the reader verifies and loads it, the writer
fills in the counts and files at commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IndexMismatchError
from .files import REBUILD_HINT

# 3: sources carry their outlet, author and date (2 had title only).
FORMAT_VERSION = 3


@dataclass(frozen=True)
class Unreadable:
    """A file the last build could not read. It is not retried until its bytes or the size limit change."""

    hash: str
    reason: str
    max_file_mb: float | None  # the size limit in force then; None in records that did not say

    @classmethod
    def from_json(cls, raw: list[Any]) -> Unreadable:
        return cls(str(raw[0]), str(raw[1]), raw[2] if len(raw) > 2 else None)

    def to_json(self) -> list[Any]:
        return [self.hash, self.reason] + ([] if self.max_file_mb is None else [self.max_file_mb])

    def still_applies(self, digest: str, max_file_mb: float) -> bool:
        """Whether the same file under the same size limit would fail again for the same reason."""
        return self.hash == digest and self.max_file_mb is not None and self.max_file_mb == max_file_mb


@dataclass(frozen=True)
class Manifest:
    embed_model: str
    chunking: dict[str, Any]
    sources: dict[str, str]  # source ID -> SHA-256 of the file's bytes
    unreadable: dict[str, Unreadable] = field(default_factory=dict)
    built_at: str = ""
    source_dir: str = ""
    # Filled in by the writer at commit.
    format: int = FORMAT_VERSION
    count: int = 0
    embed_dim: int = 0
    index_factory: str = "Flat"
    files: dict[str, int] = field(default_factory=dict)  # data file name -> size in bytes
    crc32: dict[str, str] = field(default_factory=dict)  # data file name -> CRC-32; absent in old versions

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        return cls(
            embed_model=data.get("embed_model", ""),
            chunking=data.get("chunking", {}),
            sources=data.get("sources", {}),
            unreadable={sid: Unreadable.from_json(raw) for sid, raw in data.get("unreadable", {}).items()},
            built_at=data.get("built_at", ""),
            source_dir=data.get("source_dir", ""),
            format=data.get("format", 0),
            count=int(data.get("count", 0)),
            embed_dim=int(data.get("embed_dim", 0)),
            index_factory=data.get("index_factory", "Flat"),
            files=data.get("files", {}),
            crc32=data.get("crc32", {}),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "embed_model": self.embed_model,
            "chunking": self.chunking,
            "sources": self.sources,
            "unreadable": {sid: u.to_json() for sid, u in self.unreadable.items()},
            "built_at": self.built_at,
            "source_dir": self.source_dir,
            "format": self.format,
            "count": self.count,
            "embed_dim": self.embed_dim,
            "index_factory": self.index_factory,
            "files": self.files,
            "crc32": self.crc32,
        }


def check_config(manifest: Manifest, expected: dict[str, Any], index_dir: Path | str) -> None:
    """Refuse an index built with another embedder or chunking (`expected` holds manifest keys)."""
    recorded = manifest.to_json()
    for key, want in expected.items():
        have = recorded.get(key)
        if have != want:
            raise IndexMismatchError(
                f"The index in {index_dir} was built with {key}={have!r}, but the current settings "
                f"say {want!r}: {REBUILD_HINT} to rebuild it, or change the settings back."
            )
