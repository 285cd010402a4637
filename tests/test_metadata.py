"""rag.ingest.metadata: an article's title, outlet, author and date, read from the file itself."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from rag.ingest.metadata import ArticleMeta, read_meta

META = Path(__file__).resolve().parent / "data" / "meta"
EXPECTED: dict[str, dict[str, str]] = json.loads((META / "expected.json").read_text(encoding="utf-8"))
FIELDS = [f.name for f in dataclasses.fields(ArticleMeta)]


def test_the_folder_holds_every_kind() -> None:
    names = set(EXPECTED)
    assert names == {p.name for p in META.iterdir()} - {"expected.json", "make_pdfs.py"}
    kinds = [Path(n).suffix for n in names]
    assert kinds.count(".html") >= 6 and kinds.count(".pdf") >= 4
    assert sum(1 for n in names if n.endswith(".md") and (META / n).read_text().startswith("---")) >= 6
    assert sum(1 for n in names if n.endswith(".txt") and not (META / n).read_text().startswith("---")) >= 8


@pytest.mark.parametrize(("name", "field"), [(n, f) for n in sorted(EXPECTED) for f in FIELDS])
def test_reads_each_field(name: str, field: str) -> None:
    assert getattr(read_meta(META / name), field) == EXPECTED[name][field]


def test_text_given_is_read_instead_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Something else\n\nBy Nobody, Nowhere\n", encoding="utf-8")
    meta = read_meta(path, text="Ferry strike ends\n\nBy Jane Doe, Reuters, published 4 May 2023.\n")
    assert meta == ArticleMeta("Ferry strike ends", "Reuters", "Jane Doe", "2023-05-04")


@pytest.mark.parametrize(
    ("byline", "outlet", "author", "date"),
    [
        ("By TechCrunch, published 2023-12-18.", "TechCrunch", "", "2023-12-18"),
        ("By Jane Doe, Reuters", "Reuters", "Jane Doe", ""),
        ("By Jane Doe", "", "Jane Doe", ""),
        ("By Jane Doe, 4 May 2023", "", "Jane Doe", "2023-05-04"),
        ("By Jane Doe, Reuters, March 12, 2024", "Reuters", "Jane Doe", "2024-03-12"),
        ("By Jane Doe, John Smith, Reuters", "Reuters", "Jane Doe, John Smith", ""),
        ("By Jane Doe, on 4 May 2023", "", "Jane Doe", "2023-05-04"),
        ("By On Point Media, published 2022-01-31.", "On Point Media", "", "2022-01-31"),
        ("Published 12 March 2024", "", "", "2024-03-12"),
        ("Published 12 March 2024 by the newsroom", "", "", "2024-03-12"),
        ("Posted: March 3, 2021", "", "", "2021-03-03"),
        ("2023-11-07", "", "", "2023-11-07"),
        ("Jane Doe | The Guardian | 4 May 2023", "The Guardian", "Jane Doe", "2023-05-04"),
        ("By the way, this is a sentence.", "", "", ""),
        ("By Friday, the council had published its report.", "", "", ""),
        ("Home | News | Sport", "", "", ""),
        ("Updated 5 May 2022", "", "", ""),
        ("Published 3 days ago", "", "", ""),
        ("On 12 March 2024 the council voted to close the road.", "", "", ""),
    ],
)
def test_byline_forms(byline: str, outlet: str, author: str, date: str) -> None:
    meta = read_meta(Path("x.txt"), text=f"A title\n\n{byline}\n\nThe body of the article.\n")
    assert meta == ArticleMeta("A title", outlet, author, date)


def test_broken_yaml_gives_empty_fields(tmp_path: Path) -> None:
    path = tmp_path / "broken.md"
    path.write_text(
        '---\ntitle: "unclosed\nauthor: [a, b\n---\n\n# Heading\n\nBy Jane Doe, Reuters\n', encoding="utf-8"
    )
    assert read_meta(path) == ArticleMeta()
    path.write_text("---\n- just\n- a list\n---\n\nBody.\n", encoding="utf-8")
    assert read_meta(path) == ArticleMeta()


def test_a_rule_without_a_closing_line_is_not_front_matter() -> None:
    meta = read_meta(Path("x.md"), text="---\n\n# A title\n\nBy Jane Doe, Reuters\n\nBody.\n")
    assert meta == ArticleMeta("A title", "Reuters", "Jane Doe", "")


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7\n garbage \x00\xff", b"not a pdf at all", bytes(range(256)) * 4])
def test_garbage_pdf_gives_empty_fields(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    assert read_meta(path) == ArticleMeta()


def test_unreadable_files_give_empty_fields(tmp_path: Path) -> None:
    assert read_meta(tmp_path / "missing.html") == ArticleMeta()
    assert read_meta(tmp_path / "missing.txt") == ArticleMeta()
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 8)
    assert read_meta(tmp_path / "binary.txt") == ArticleMeta()
    (tmp_path / "notes.docx").write_text("By Jane Doe, Reuters", encoding="utf-8")
    assert read_meta(tmp_path / "notes.docx") == ArticleMeta()


def test_nothing_is_read_from_the_file_name(tmp_path: Path) -> None:
    body = "Snowfall brings the city to a standstill\n\nTrains were cancelled across the city.\n"
    for name in ("2024-01-01_reuters.txt", "2024-01-01_reuters.md", "Reuters - 2024-01-01.txt"):
        (tmp_path / name).write_text(body, encoding="utf-8")
        meta = read_meta(tmp_path / name)
        assert meta == ArticleMeta(title="Snowfall brings the city to a standstill"), name
    html = tmp_path / "2024-01-01_reuters.html"
    html.write_text("<html><head><title>Snow</title></head><body><p>Trains were cancelled.</p></body></html>")
    assert read_meta(html) == ArticleMeta(title="Snow")
