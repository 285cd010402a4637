"""How well rag.ingest.metadata reads articles' titles, outlets, authors and dates.

Covers:
- a folder with an expected.json (file name -> {title, outlet, author, date}, as in
  tests/data/meta): each field's correct/total and share, per file kind (HTML, PDF, Markdown,
  text) and over all files, and the files with a wrong field;
- `--multihop DIR`: a folder of plain-text articles whose second paragraph is a byline
  "By OUTLET, published YYYY-MM-DD." (the multihop news eval set): the share of those files
  whose outlet (the byline's whole name) and date were read.

Does not change anything, and judges only exact equality (an outlet named differently is wrong).

Usage: .venv/bin/python scripts/meta_accuracy.py [FOLDER] [--multihop ../shared/eval/multihop_news/articles]
"""

from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

from rag.ingest.metadata import ArticleMeta, read_meta

FIELDS = ("title", "outlet", "author", "date")
KINDS = {".html": "HTML", ".htm": "HTML", ".pdf": "PDF", ".md": "Markdown", ".markdown": "Markdown", ".txt": "text"}
# The multihop set's byline: its own fixed form, read here only to know the right answer.
MULTIHOP_BYLINE = re.compile(r"By (.+), published (\d{4}-\d{2}-\d{2})\.")


def pct(n: int, total: int) -> str:
    return f"{n}/{total} ({100 * n / total:.1f}%)" if total else "0/0"


def folder_accuracy(folder: Path) -> None:
    expected: dict[str, dict[str, str]] = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    right: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    files: dict[str, int] = defaultdict(int)
    wrong: list[str] = []
    for name, want in sorted(expected.items()):
        got = read_meta(folder / name)
        for kind in (KINDS.get(Path(name).suffix.lower(), "other"), "all"):
            files[kind] += 1
            for f in FIELDS:
                right[kind][f] += getattr(got, f) == want.get(f, "")
        misses = [
            f"{f}={getattr(got, f)!r} (want {want.get(f, '')!r})" for f in FIELDS if getattr(got, f) != want.get(f, "")
        ]
        if misses:
            wrong.append(f"  {name}: " + "; ".join(misses))
    print(f"Field accuracy over {folder} ({files['all']} files)")
    print(f"{'kind':<10}{'files':>6}  " + "  ".join(f"{f:<16}" for f in FIELDS))
    for kind in [*sorted(k for k in files if k != "all"), "all"]:
        print(f"{kind:<10}{files[kind]:>6}  " + "  ".join(f"{pct(right[kind][f], files[kind]):<16}" for f in FIELDS))
    print("Wrong fields:" if wrong else "Wrong fields: none", *wrong, sep="\n")


def multihop_accuracy(folder: Path) -> None:
    paths = sorted(folder.glob("*.txt"))
    with_byline = outlet = date = both = 0
    misses: list[str] = []
    for path in paths:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
        m = MULTIHOP_BYLINE.fullmatch(paragraphs[1]) if len(paragraphs) > 1 else None
        if m is None:
            continue
        with_byline += 1
        got: ArticleMeta = read_meta(path)
        outlet += got.outlet == m.group(1)
        date += got.date == m.group(2)
        both += got.outlet == m.group(1) and got.date == m.group(2)
        if (got.outlet, got.date) != (m.group(1), m.group(2)):
            misses.append(f"  {path.name}: read {got.outlet!r}, {got.date!r}; byline {m.group(1)!r}, {m.group(2)!r}")
    print(f"\nMultihop bylines over {folder}: {with_byline} of {len(paths)} files have the byline form")
    print(
        f"outlet read: {pct(outlet, with_byline)}   date read: {pct(date, with_byline)}   both: {pct(both, with_byline)}"
    )
    print("Misses:" if misses else "Misses: none", *misses, sep="\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", nargs="?", type=Path, default=Path(__file__).resolve().parent.parent / "tests/data/meta")
    ap.add_argument("--multihop", type=Path, help="folder of articles with a 'By OUTLET, published DATE.' byline")
    args = ap.parse_args()
    folder_accuracy(args.folder)
    if args.multihop:
        multihop_accuracy(args.multihop)


if __name__ == "__main__":
    main()
