#!/usr/bin/env python3
"""Validate tests/data/claims.jsonl, the claim/evidence test set of issue #10.

Checks that every line is a JSON object with the expected fields, that ids are
unique, that `evidence` is an exact substring of the source article, that
`supported` agrees with `kind`, and that the set is balanced (at least 80 pairs,
exactly half supported). Prints counts per kind and per source folder, and a
word-overlap summary (informational: unsupported claims are meant to share most
of their words with the evidence). Exits non-zero on any problem.

The articles live in the shared folder next to the repository (../shared from
the repository root); set RAG_SHARED to point elsewhere.

    python3 tests/data/check_claims.py [path/to/claims.jsonl]
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_SET = HERE / "claims.jsonl"
FOLDERS = {
    "seeds": Path("seeds"),
    "squad2_normans_rhine": Path("eval/squad2_normans_rhine/articles"),
    "multihop_news": Path("eval/multihop_news/articles"),
}
FIELDS = {
    "id": str,
    "source": str,
    "evidence": str,
    "question": str,
    "answer": str,
    "claim": str,
    "supported": bool,
    "kind": str,
}
KINDS = (
    "supported",
    "swapped_entity",
    "wrong_number",
    "wrong_date",
    "negation",
    "wrong_attribution",
    "mixed_sentences",
    "unsupported_detail",
    "wrong_relation",
)
MIN_PAIRS = 80
ID_FORM = re.compile(r"^c\d{3,}$")
WORD = re.compile(r"\w+")


def shared_root() -> Path:
    env = os.environ.get("RAG_SHARED")
    if env:
        return Path(env).expanduser().resolve()
    return (Path(__file__).resolve().parents[2] / ".." / "shared").resolve()


def article_index(root: Path) -> dict[str, tuple[str, Path]]:
    """Map each article's file name without extension to (folder name, path)."""
    index: dict[str, tuple[str, Path]] = {}
    for name, rel in FOLDERS.items():
        folder = root / rel
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                index.setdefault(path.stem, (name, path))
    return index


def overlap(claim: str, evidence: str) -> float:
    """Share of the claim's distinct words that also occur in the evidence."""
    words = {w.lower() for w in WORD.findall(claim)}
    have = {w.lower() for w in WORD.findall(evidence)}
    return len(words & have) / len(words) if words else 0.0


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SET
    root = shared_root()
    index = article_index(root)
    problems: list[str] = []
    if not index:
        print(f"no articles found under {root} (set RAG_SHARED)", file=sys.stderr)
        return 2

    rows: list[dict] = []
    seen: set[str] = set()
    texts: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            where = f"line {number}"
            if not line.strip():
                problems.append(f"{where}: blank line")
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                problems.append(f"{where}: not JSON ({error})")
                continue
            if not isinstance(row, dict):
                problems.append(f"{where}: not a JSON object")
                continue
            bad = False
            for field, kind in FIELDS.items():
                if field not in row:
                    problems.append(f"{where}: missing {field!r}")
                    bad = True
                elif not isinstance(row[field], kind):
                    problems.append(f"{where}: {field!r} is not {kind.__name__}")
                    bad = True
                elif kind is str and not row[field].strip():
                    problems.append(f"{where}: {field!r} is empty")
                    bad = True
            extra = set(row) - set(FIELDS)
            if extra:
                problems.append(f"{where}: unexpected fields {sorted(extra)}")
            if bad:
                continue
            where = f"{where} ({row['id']})"
            if not ID_FORM.match(row["id"]):
                problems.append(f"{where}: id should look like c001")
            if row["id"] in seen:
                problems.append(f"{where}: duplicate id")
            seen.add(row["id"])
            if row["kind"] not in KINDS:
                problems.append(f"{where}: unknown kind {row['kind']!r}")
            if row["supported"] != (row["kind"] == "supported"):
                problems.append(f"{where}: supported={row['supported']} but kind={row['kind']!r}")
            found = index.get(row["source"])
            if found is None:
                problems.append(f"{where}: no article {row['source']!r} under {root}")
                continue
            folder, article = found
            if row["source"] not in texts:
                texts[row["source"]] = article.read_text(encoding="utf-8")
            if row["evidence"] not in texts[row["source"]]:
                problems.append(f"{where}: evidence is not an exact substring of {article}")
            if row["evidence"] != row["evidence"].strip():
                problems.append(f"{where}: evidence has leading or trailing whitespace")
            row["_folder"] = folder
            rows.append(row)

    total = len(rows)
    supported = sum(1 for r in rows if r["supported"])
    if total < MIN_PAIRS:
        problems.append(f"only {total} valid pairs; at least {MIN_PAIRS} wanted")
    if supported * 2 != total:
        problems.append(f"{supported} supported of {total}: not exactly half")
    kinds = Counter(r["kind"] for r in rows)
    for kind in KINDS[1:]:
        if kinds[kind] == 0:
            problems.append(f"no pairs of kind {kind!r}")

    print(f"{path}: {total} pairs, {supported} supported, {total - supported} not")
    print("per kind:")
    for kind in KINDS:
        print(f"  {kind:20s} {kinds[kind]:3d}")
    print("per source folder (supported / not):")
    for folder in FOLDERS:
        these = [r for r in rows if r["_folder"] == folder]
        yes = sum(1 for r in these if r["supported"])
        files = len({r["source"] for r in these})
        print(f"  {folder:22s} {len(these):3d} ({yes} / {len(these) - yes}) from {files} files")
    for label, flag in (("supported", True), ("unsupported", False)):
        values = [overlap(r["claim"], r["evidence"]) for r in rows if r["supported"] is flag]
        if values:
            print(f"mean share of claim words found in evidence, {label}: {sum(values) / len(values):.2f}")

    if problems:
        print(f"\n{len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
