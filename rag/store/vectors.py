"""The chunk vectors of a version on disk: `vectors.npy`, float16, row i = chunk row i.

Covers: writing the file from the raw float16 bytes a build appended, and
reading rows of it back block by block (`VectorFile`) without a memory map.
The file is kept so an update copies the vectors of unchanged chunks instead
of embedding them again.

Does not search: the dense index does, over a copy of these vectors.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

# Vectors are copied and added to FAISS this many rows at a time.
VECTOR_BLOCK = 16_384


class VectorFile:
    """The rows of a float16 `.npy` file, read block by block with plain reads.

    Unlike a memory map, the rows read are not counted in the process's resident
    memory once used, so a build's peak memory reflects what it holds. Supports
    `len()`, `.shape`, slices and sorted or unsorted arrays of row numbers.
    """

    ndim = 2

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        with open(self.path, "rb") as fh:
            fmt = np.lib.format
            read = fmt.read_array_header_1_0 if fmt.read_magic(fh) == (1, 0) else fmt.read_array_header_2_0
            shape, fortran, dtype = read(fh)
            self.offset = fh.tell()
        if len(shape) != 2 or fortran or dtype != np.float16:
            raise ValueError(f"expected a C-ordered float16 matrix, found {dtype} {shape}")
        self.shape = (int(shape[0]), int(shape[1]))
        if self.offset + self.shape[0] * self.shape[1] * 2 != self.path.stat().st_size:
            raise ValueError("file size does not match its header")

    def __len__(self) -> int:
        return self.shape[0]

    def rows(self, start: int, stop: int) -> np.ndarray:
        start, stop = max(0, start), min(stop, len(self))
        width = self.shape[1] * 2
        with open(self.path, "rb") as fh:
            fh.seek(self.offset + start * width)
            data = fh.read(max(0, stop - start) * width)
        return np.frombuffer(data, dtype=np.float16).reshape(-1, self.shape[1])

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            return self.rows(start, stop)[::step]
        wanted = np.asarray(key, dtype=np.int64).reshape(-1)
        out = np.empty((len(wanted), self.shape[1]), dtype=np.float16)
        order = np.argsort(wanted, kind="stable")
        i = 0
        while i < len(order):
            first = int(wanted[order[i]])
            block = self.rows(first, first + VECTOR_BLOCK)
            j = i
            while j < len(order) and wanted[order[j]] < first + len(block):
                out[order[j]] = block[wanted[order[j]] - first]
                j += 1
            if j == i:
                raise IndexError(f"row {first} out of range")
            i = j
        return out


def write_npy(path: Path, raw: Path, rows: int, dim: int) -> None:
    """A float16 .npy file of shape (rows, dim) whose data are the bytes of `raw`."""
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float16)), "fortran_order": False, "shape": (rows, dim)}
    with open(path, "wb") as out, open(raw, "rb") as src:
        np.lib.format.write_array_header_1_0(out, header)
        shutil.copyfileobj(src, out, 1 << 20)
