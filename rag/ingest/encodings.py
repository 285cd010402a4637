"""Which text encoding a file's bytes are in, and decoding them.

Covers: byte-order marks, UTF-8, a Western code page (cp1252 / Latin-1 / ISO-8859-15) when
its letters and marks read as text, then charset-normalizer's guess; telling binary data from
text. Used for whole files and for the first block of a streamed one.

Does not read files (rag/ingest/documents.py does) or decide what is an article.
"""

from __future__ import annotations

import codecs
import re


class UnreadableFile(Exception):
    """Raised by `read_text` with the reason a file cannot be used."""


def detect_encoding(data: bytes, partial: bool = False) -> str:
    """The encoding of text bytes: by BOM, UTF-8, a Western code page, else detected.

    `partial`: the bytes are the start of a longer file and may end inside a
    character. Raises UnreadableFile when no encoding fits (binary data).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        if "\x00" not in codecs.getincrementaldecoder("utf-8")().decode(data, final=not partial):
            return "utf-8"
    except UnicodeDecodeError:
        pass
    if _western(data) is not None:
        return "cp1252"
    from charset_normalizer import from_bytes

    results = from_bytes(data)
    best = results.best()
    if best is not None:
        # Short texts fit many code pages equally well; Western ones are the likelier guess.
        for match in results:
            if match.encoding in _WESTERN and match.percent_chaos <= best.percent_chaos + 1.0:
                best = match
                break
    if best is None or _looks_binary(str(best)):
        raise UnreadableFile("binary data, not text (no encoding fits)")
    return best.encoding


def decode_head(data: bytes, partial: bool = True) -> tuple[str, str]:
    """(encoding, text) of the first bytes of a file: `partial` (the file goes on), a character
    cut at the end is left out rather than replaced. Raises UnreadableFile for binary data."""
    encoding = detect_encoding(data, partial=partial)
    return encoding, codecs.getincrementaldecoder(encoding)(errors="replace").decode(data, final=False)


def decode(data: bytes) -> str:
    """Decode bytes to text in the encoding `detect_encoding` finds (UTF-16 must be valid)."""
    encoding = detect_encoding(data)
    if encoding == "utf-16":
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("invalid UTF-16 text") from None
    return data.decode(encoding, errors="replace")


_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_WESTERN_LETTERS = frozenset("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿŒœŠšŽžŸ")
_WESTERN_MARKS = frozenset("\u00a0’‘“”„‚–—…€«»‹›°¡¿·•©®™§¶±£¥¢´¨¸ºª½¼¾²×÷")
_ASCII_LETTERS = bytes(range(65, 91)) + bytes(range(97, 123))
_NOT_ASCII_LETTERS = bytes(b for b in range(256) if b not in _ASCII_LETTERS)
_C0_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _western(data: bytes) -> str | None:
    """The text as Windows-1252 (which includes Latin-1's letters) if it reads as a Western language.

    Short Latin-1 or Windows-1252 texts fit many code pages equally well, and the detector
    often picks a Central European one ("à" read as "ŕ", "’" as "Æ"). Here: every non-ASCII
    character must be a Western letter or mark, no mark may sit inside a word (as "³" for
    Polish "ł" would), and accented letters must be a minority (not another script).
    """
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if _C0_CONTROL.search(text):
        return None
    accented = 0
    for m in re.finditer(r"[^\x00-\x7f]", text):
        ch, i = m.group(), m.start()
        if ch in _WESTERN_LETTERS:
            accented += 1
            continue
        inside_word = 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
        if ch not in _WESTERN_MARKS or (inside_word and ch not in "’‘"):
            return None
    letters = accented + len(data.translate(None, _NOT_ASCII_LETTERS))
    return text if letters and accented <= 0.3 * letters else None


def _looks_binary(text: str) -> bool:
    if not text:
        return True
    bad = sum(1 for ch in text[:20000] if (ord(ch) < 32 and ch not in "\n\r\t\f") or ch == "\ufffd")
    return bad / min(len(text), 20000) > 0.01
