"""What this CPU can do fast, read at run time, and the embedding precision that follows.

Covers: reading the instruction-set flags the kernel reports (`/proc/cpuinfo`, or
`RAG_CPU_FLAGS` to force another machine's path, e.g. in tests), and choosing the
embedder's precision for `RAG_EMBED_DTYPE=auto`: int8 only where the CPU multiplies
int8 natively (VNNI or AMX), bfloat16 only where it has bfloat16 instructions, float32
everywhere else. Emulated int8 or bfloat16 is slower than float32 (docs/build_benchmark.md
has the figures for both kinds of machine).

Does not measure anything or load a model; the choice is made from flags alone, so it is
the same on every run of the same machine.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

# Flags that make int8 matrix products fast (dot products of four int8 pairs in one instruction).
INT8_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
# Flags that make bfloat16 matrix products native.
BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
# Shown by `rag info` and the benchmarks.
REPORTED = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")


def _read_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> frozenset[str]:
    try:
        text = cpuinfo.read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith(("flags", "Features")):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


@functools.cache
def _machine_flags() -> frozenset[str]:
    return _read_flags()


def cpu_flags() -> frozenset[str]:
    """The CPU's instruction-set flags; `RAG_CPU_FLAGS` (space- or comma-separated) overrides them."""
    forced = os.environ.get("RAG_CPU_FLAGS")
    if forced is not None:
        return frozenset(forced.replace(",", " ").split())
    return _machine_flags()


def embed_dtype_for(flags: frozenset[str]) -> str:
    """The fastest embedding precision these flags run natively: int8, bfloat16 or float32."""
    if flags & INT8_FLAGS:
        return "int8"
    if flags & BF16_FLAGS:
        return "bfloat16"
    return "float32"


def resolve_embed_dtype(dtype: str) -> str:
    """`auto` becomes the CPU's fastest native precision; any other value is kept as given."""
    return embed_dtype_for(cpu_flags()) if dtype == "auto" else dtype


def describe(flags: frozenset[str] | None = None) -> str:
    """One line naming the CPU and the flags that decide its paths, e.g. for benchmark reports."""
    flags = cpu_flags() if flags is None else flags
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    have = [f for f in REPORTED if f in flags]
    return f"{model}, {os.cpu_count()} cores, flags: {' '.join(have) or 'none of ' + ' '.join(REPORTED)}"
