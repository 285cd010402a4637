"""The files of an index folder: their names, the build lock, checksums and fsync.

Covers: the names of the pointer, the lock and a version's data files, the
exclusive lock one build holds on a folder, the CRC-32 of each data file
(recorded in the manifest, checked on load), flushing a finished version to
disk, and removing versions that are no longer live.

Does not know what the files hold: the writer, the reader and the dense index
do.
"""

from __future__ import annotations

import os
import shutil
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..errors import IndexCorruptError, IndexLockedError

CURRENT = "CURRENT"
LOCK = ".lock"
DATA_FILES = ("chunks.sqlite", "vectors.npy", "dense.faiss", "bm25.npz", "bm25_vocab.json")
REBUILD_HINT = "run `rag index --rebuild`"


class BuildLock:
    """An exclusive, non-blocking lock on an index folder for one build."""

    def __init__(self, index_dir: Path) -> None:
        self.path = Path(index_dir) / LOCK
        self._fd: int | None = None

    def __enter__(self) -> BuildLock:
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
            os.close(fd)
            raise IndexLockedError(
                f"Another `rag index` (pid {holder or '?'}) is building {self.path.parent}: "
                "wait for it to finish, then run again."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        import fcntl

        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def file_crc32(path: Path) -> str:
    """CRC-32 of a file, as 8 hex digits."""
    crc = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def verify_checksums(folder: Path, recorded: Mapping[str, str], names: Iterable[str]) -> None:
    """Refuse a file whose bytes changed since it was written (same size, damaged content).

    Versions written before checksums were recorded have none and are not checked.
    """
    for name in names:
        want = recorded.get(name)
        if want is None:
            continue
        try:
            have = file_crc32(folder / name)
        except OSError as exc:
            raise IndexCorruptError(f"Cannot read {folder / name}: {exc.strerror or exc}. {REBUILD_HINT}.") from None
        if have != want:
            raise IndexCorruptError(f"{folder / name} is damaged (its checksum changed): {REBUILD_HINT}.")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Flush every file of a folder, then the folder itself."""
    for child in folder.iterdir():
        fsync_file(child)
    fsync_file(folder)


def remove_stale_versions(index_dir: Path, keep: str | None) -> None:
    for child in Path(index_dir).iterdir():
        if child.is_dir() and (child.name.startswith(".tmp-") or child.name.startswith("v-")) and child.name != keep:
            shutil.rmtree(child, ignore_errors=True)
