"""Reading articles: source IDs, titles, encodings, HTML and PDF text, skip reasons."""

from __future__ import annotations

import pytest

from rag.errors import SourceError
from rag.ingest import documents
from rag.settings import Settings

MB = Settings().max_file_mb


def _pdf_with_text(text: str) -> bytes:
    """A minimal one-page PDF whose content stream draws `text`."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_source_ids_are_relative_paths_without_extension(corpus) -> None:
    found = documents.scan(corpus)
    assert [sid for sid, _ in found.files] == ["lithium", "space/starlink", "summit"]


def test_title_is_first_line_and_hash_is_stable(corpus) -> None:
    doc = documents.load("summit", corpus / "summit.txt", corpus, MB)
    assert doc.title == "The summit in Hamburg"
    assert doc.text.startswith("The summit in Hamburg")
    assert doc.content_hash == documents.load("summit", corpus / "summit.txt", corpus, MB).content_hash
    md = documents.load("lithium", corpus / "lithium.md", corpus, MB)
    assert md.title == "Lithium deposits"


def test_other_encodings_are_decoded(tmp_path) -> None:
    (tmp_path / "latin.txt").write_bytes("Café in São Paulo, naïve résumé. Überall Grüße.".encode("latin-1"))
    (tmp_path / "utf16.txt").write_bytes("Hello from UTF-16 — über".encode("utf-16"))
    assert "São Paulo" in documents.read_text(tmp_path / "latin.txt", MB)[0]
    assert documents.read_text(tmp_path / "utf16.txt", MB)[0] == "Hello from UTF-16 — über"


def test_html_is_turned_into_text_without_markup(tmp_path) -> None:
    page = (
        "<html><head><title>Lithium news</title><script>var x = 1;</script></head><body>"
        "<nav>Home | About</nav><article><h1>Lithium news</h1><p>Argentina holds large "
        "<b>lithium</b> deposits in the north of the country, and battery makers want them.</p>"
        "<p>Prices rose in March after new contracts were signed with foreign companies.</p></article>"
        "</body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    text, title = documents.read_text(tmp_path / "page.html", MB)
    assert title == "Lithium news"
    assert "lithium deposits" in text
    assert "<b>" not in text and "var x" not in text


def test_pdf_text_is_extracted(tmp_path) -> None:
    (tmp_path / "doc.pdf").write_bytes(_pdf_with_text("Starlink reached Argentina in March."))
    text, _ = documents.read_text(tmp_path / "doc.pdf", MB)
    assert "Starlink reached Argentina" in text


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("noise.txt", bytes(range(256)) * 40, "binary"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "PDF"),
    ],
)
def test_unreadable_files_give_a_reason(tmp_path, name, data, reason) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(documents.UnreadableFile, match=reason):
        documents.read_text(tmp_path / name, MB)


def test_scan_counts_other_files_and_rejects_missing_folder(tmp_path, corpus) -> None:
    (corpus / "image.png").write_bytes(b"\x89PNG")
    assert documents.scan(corpus).ignored == 1
    with pytest.raises(SourceError, match="does not exist"):
        documents.scan(tmp_path / "nope")


def _small_blocks(monkeypatch) -> None:
    """Stream every file over 1 KB, 64 bytes at a time, so small files exercise the large-file path."""
    monkeypatch.setattr(documents, "STREAM_BYTES", 1024)
    monkeypatch.setattr(documents, "BLOCK_BYTES", 64)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_large_files_stream_in_blocks_and_decode_as_a_whole_read_would(tmp_path, monkeypatch, encoding) -> None:
    _small_blocks(monkeypatch)
    text = "Crónica de Córdoba\r\n\r\n" + "El señor Muñoz inauguró la estación; “café” — €5.\r\n" * 60
    path = tmp_path / "big.txt"
    path.write_bytes(text.encode(encoding))
    doc = documents.load("big", path, tmp_path, MB)
    assert doc.text is None  # streamed: nothing held
    blocks = list(doc.blocks())
    assert len(blocks) > 10
    assert "".join(blocks) == text.replace("\r\n", "\n")  # a CR at a block's end waits for its LF
    assert doc.title == "Crónica de Córdoba"
    assert doc.content_hash == documents.file_hash(path)


def test_large_binary_file_is_refused_from_its_first_block(tmp_path, monkeypatch) -> None:
    import random

    _small_blocks(monkeypatch)
    path = tmp_path / "noise.txt"
    path.write_bytes(random.Random(3).randbytes(4096))
    with pytest.raises(documents.UnreadableFile, match="binary data"):
        documents.load("noise", path, tmp_path, MB)


def test_front_matter_is_left_out_of_the_text_but_a_rule_over_prose_is_kept(tmp_path) -> None:
    from rag.ingest.documents import read_text

    (tmp_path / "a.md").write_text("---\ntitle: Tides\ndate: 2024-01-02\n---\n\n# Tides\n\nThe tide turned.\n")
    (tmp_path / "b.md").write_text("---\nA line of prose, not a mapping.\n---\n\nMore prose.\n")
    assert read_text(tmp_path / "a.md", 10) == ("# Tides\n\nThe tide turned.\n", "Tides")
    text, title = read_text(tmp_path / "b.md", 10)
    assert text.startswith("---\nA line of prose") and title == "A line of prose, not a mapping."
