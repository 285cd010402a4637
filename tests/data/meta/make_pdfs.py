"""Writes the PDF files of this folder (blank one-page PDFs carrying only document information).

Usage: .venv/bin/python tests/data/meta/make_pdfs.py (rewrites them; their expected fields are in expected.json).
"""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfWriter

HERE = Path(__file__).resolve().parent
PDFS: dict[str, dict[str, str]] = {
    "pdf_full.pdf": {
        "/Title": "Annual report on coastal erosion",
        "/Author": "Hannah Okafor",
        "/CreationDate": "D:20240312000000Z",
    },
    "pdf_no_date.pdf": {
        "/Title": "Guide to municipal recycling",
        "/Author": "Recycling Office",
    },
    "pdf_publisher.pdf": {
        "/Title": "Wildfire season outlook",
        "/Author": "Luis Ortega",
        "/Publisher": "Forest Monitor",
        "/CreationDate": "D:20230705143000+02'00'",
    },
    "pdf_producer_only.pdf": {
        "/Title": "Minutes of the board meeting",
        "/Producer": "LibreOffice 7.6",
        "/Creator": "Writer",
    },
    "pdf_untitled.pdf": {
        "/CreationDate": "D:20211130",
    },
}


def pdf_bytes(info: dict[str, str]) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata(info)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def main() -> None:
    for name, info in PDFS.items():
        (HERE / name).write_bytes(pdf_bytes(info))
        print(name)


if __name__ == "__main__":
    main()
