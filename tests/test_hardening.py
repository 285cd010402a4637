"""Hardening (issue 6): bad input files, bad questions, broken models, a damaged or contended index.

Most tests drive the real `rag` command in a child process and check what a user sees: the
exit code, one `Error:` line that says what to do, and never a traceback. Fast tests run the
CLI through SHIM, which hands the FakeEmbedder of conftest.py to the CLI (and, when asked, deletes a
file between the scan and the read, sleeps while embedding, or SIGKILLs itself at a chosen
point of the build); everything else in the child is the product's own code. Tests marked
`model` run the installed `rag` script with the real bundled embedder and GGUF model, on one
module-scoped index of the seeds.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import rag
from rag import pipeline
from rag.errors import QuestionError
from rag.index.build import index_config
from rag.index.embedding import TextEmbedder
from rag.ingest import documents
from rag.pipeline import check_question
from rag.retrieve.hybrid import Retriever
from rag.settings import Settings
from rag.store import LOCK, live_version, open_store

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
RAG_BIN = Path(sys.executable).with_name("rag")
STARLINK_Q = "What satellite internet service has Musk provided to Argentina?"
STARLINK_SOURCE = "003_3298cd6367d0e3cf"
FIX = "rag index --rebuild"

# The child process: the real CLI, with test hooks chosen by environment variables.
SHIM = r"""
import os, signal, sys, time
sys.path.insert(0, os.environ["HARDEN_REPO"])

def die():
    os.kill(os.getpid(), signal.SIGKILL)

kill_at = os.environ.get("HARDEN_KILL_AT", "")
obj = {}
if os.environ.get("HARDEN_FAKE"):
    from tests.conftest import FakeEmbedder

    class Embedder(FakeEmbedder):
        def encode(self, texts, progress=False):
            if kill_at == "embed":
                die()
            time.sleep(float(os.environ.get("HARDEN_SLOW", "0")))
            return super().encode(texts, progress)

    obj["embedder"] = Embedder()
if kill_at == "write":  # every file of the new version written and flushed, not yet renamed into place
    real_rename = os.rename
    def rename(src, dst, *args, **kwargs):
        if os.path.basename(src).startswith(".tmp-"):
            die()
        return real_rename(src, dst, *args, **kwargs)
    os.rename = rename
if kill_at == "switch":  # the new version renamed into place, CURRENT not yet switched to it
    real_replace = os.replace
    def replace(src, dst, *args, **kwargs):
        if os.path.basename(dst) == "CURRENT":
            die()
        return real_replace(src, dst, *args, **kwargs)
    os.replace = replace
vanish = os.environ.get("HARDEN_VANISH")
if vanish:  # a file the scan listed disappears before it is read
    from rag.ingest import documents
    real_scan = documents.scan
    def scan(source_dir):
        found = real_scan(source_dir)
        os.unlink(os.path.join(source_dir, vanish))
        return found
    documents.scan = scan
from rag.serve.cli import cli
cli(sys.argv[1:], prog_name="rag", obj=obj)
"""


@dataclass
class Run:
    code: int
    out: str
    err: str
    maxrss_mb: float  # peak resident memory of the child (ru_maxrss)
    seconds: float

    @property
    def errors(self) -> list[str]:
        """The stderr lines that say something (the embedder's own loading bar is not counted)."""
        return [line for line in self.err.splitlines() if line.strip() and "Loading weights" not in line]

    def assert_clean_failure(self, *fragments: str) -> str:
        """Exit 1, exactly one `Error:` line holding every fragment, no traceback; returns the line."""
        assert self.code == 1, self
        assert "Traceback" not in self.out + self.err, self.err
        assert len(self.errors) == 1 and self.errors[0].startswith("Error: "), self.err
        for fragment in fragments:
            assert fragment in self.errors[0], (fragment, self.errors[0])
        return self.errors[0]


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAG_", "HARDEN_"))}
    env.update(HARDEN_REPO=str(REPO), PYTHONUNBUFFERED="1", **(extra or {}))
    return env


def start(args: list[str], *, fake: bool = False, real: bool = False, env: dict | None = None, cwd=None, **popen):
    """Start `rag ARGS`: through SHIM (fake embedder unless `real`), or the installed script."""
    extra = dict(env or {})
    if fake:
        extra["HARDEN_FAKE"] = "1"
    shim = fake or any(k.startswith("HARDEN_") for k in extra)
    cmd = [sys.executable, "-c", SHIM, *args] if shim or not RAG_BIN.exists() else [str(RAG_BIN), *args]
    return subprocess.Popen(cmd, env=_env(extra), cwd=cwd or tempfile.gettempdir(), **popen)


def run(args: list[str], *, fake: bool = False, env: dict | None = None, timeout: float = 600) -> Run:
    """Run `rag ARGS` to the end; also measures the child's peak memory with wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = start(args, fake=fake, env=env, stdout=out, stderr=err)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            usage.ru_maxrss / 1024,
            time.perf_counter() - t0,
        )


def versions(index_dir: Path) -> list[str]:
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith(("v-", ".tmp-")))


def write_articles(folder: Path, n: int, words: int = 400, seed: int = 0) -> None:
    """n generated news-like articles of about `words` words each, from the seeds' vocabulary."""
    vocab = sorted({w.strip(".,;:()\"'") for p in SEEDS.glob("*.txt") for w in p.read_text().split()} - {""})
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sentences, count = [], 0
        while count < words:
            k = rng.randint(8, 24)
            sentences.append(" ".join(rng.choice(vocab) for _ in range(k)).capitalize() + ".")
            count += k
        (folder / f"gen_{i:04d}.txt").write_text(f"Generated report {i}\n\n" + " ".join(sentences) + "\n")


# ---------------------------------------------------------------- bad input files

LATIN1 = "Crónica de Córdoba\n\nEl señor Muñoz inauguró la estación en junio; la niña comió jamón. ¿Dónde está?\n"
PORTUGUESE = "Ação do governo\n\nA população está insatisfeita com a situação econômica, disse o ministro.\n"
CP1252 = "Smart quotes\n\nThe café’s owner said “hello” — nothing more. It cost €5.\n"
UTF16 = "Über München\n\nDer Bürgermeister eröffnete die Brücke über die Isar.\n"
BIG_MB = 50


def make_bad_folder(root: Path, big_mb: int = BIG_MB) -> tuple[Path, dict[str, str]]:
    """Two seed articles, text in other encodings, and one of each kind of bad input.

    Returns the folder and {path of a bad file: a words its skip reason must hold}.
    """
    src = root / "articles"
    src.mkdir(parents=True)
    for p in sorted(SEEDS.glob("*.txt"))[2:]:
        (src / p.name).write_bytes(p.read_bytes())
    (src / "latin1.txt").write_bytes(LATIN1.encode("latin-1"))
    (src / "portuguese.txt").write_bytes(PORTUGUESE.encode("latin-1"))
    (src / "cp1252.txt").write_bytes(CP1252.encode("cp1252"))
    (src / "utf16.txt").write_bytes(UTF16.encode("utf-16"))
    (src / "x.txt").mkdir()  # a folder named like an article: walked into, not read as a file
    (src / "x.txt" / "inside.txt").write_text("A folder named x.txt\n\nThis article sits in a folder named x.txt.\n")
    (src / "empty.txt").write_bytes(b"")
    (src / "random.txt").write_bytes(random.Random(6).randbytes(8192))
    (src / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\nxref\n0 9\ngarbage")
    (src / "loop").mkdir()
    (src / "loop" / "again").symlink_to("..")  # loop/again -> articles: a directory cycle
    (src / "self.txt").symlink_to("self.txt")  # a symlink to itself
    (src / "vanishing.txt").write_text("Here for the scan\n\nGone before it is read.\n")
    paragraph = (" ".join(["Lithium exports from the north of Argentina rose again this year."] * 12) + "\n\n").encode()
    with open(src / "huge.txt", "wb") as fh:
        fh.write(b"A very large text file\n\n")
        while fh.tell() < big_mb * 2**20:
            fh.write(paragraph * 256)
        fh.truncate(big_mb * 2**20)
    expected = {
        "empty.txt": "empty file",
        "random.txt": "binary data",
        "broken.pdf": "broken PDF",
        "self.txt": "symlink loop",
        "loop/again": "symlink loop",
        "vanishing.txt": "disappeared",
    }
    return src, expected


def parse_skips(stderr: str) -> dict[str, str]:
    return dict(m.groups() for m in re.finditer(r"^skipped (.+?): (.+)$", stderr, re.M))


GOOD_IDS = {"002_e992b3807fd7806f", STARLINK_SOURCE, "latin1", "portuguese", "cp1252", "utf16", "x.txt/inside", "huge"}


def check_bad_folder_report(result: Run, index_dir: Path, expected: dict[str, str]) -> None:
    assert result.code == 0, result
    assert "Traceback" not in result.out + result.err
    skips = parse_skips(result.err)
    for path, reason in expected.items():
        assert reason in skips.get(path, ""), (path, skips)
    assert set(skips) == set(expected), skips
    assert re.search(rf"{len(GOOD_IDS)} added, .* {len(expected)} skipped", result.out), result.out
    store = open_store(index_dir)
    assert set(store.source_ids()) == GOOD_IDS
    # The 50 MB file was read block by block, all of it, and its chunks point into it exactly.
    huge = store.source("huge").text
    assert len(huge) == BIG_MB * 2**20 and huge.startswith("A very large text file")
    rows = store.rows_of_sources()["huge"]
    assert len(rows) > 30_000
    for c in store.chunks(rows[:: len(rows) // 50] + rows[-1:]):
        assert huge[c.start : c.end] == c.text
    assert store.chunks(rows[-1:])[0].end >= len(huge.rstrip())
    assert store.source("latin1").text == LATIN1
    assert store.source("portuguese").text == PORTUGUESE
    assert store.source("cp1252").text == CP1252
    assert store.source("utf16").text == UTF16


def test_bad_inputs_are_skipped_with_reasons_and_the_rest_indexed(tmp_path) -> None:
    """Through the real CLI code (fake embedder): each bad file named with its reason, exit 0.

    The disappearing file is simulated: SHIM deletes vanishing.txt right after the scan has
    listed it, so the build finds it gone when it reads it.
    """
    src, expected = make_bad_folder(tmp_path)
    index_dir = tmp_path / "index"
    result = run(
        ["index", "--source", str(src), "--index", str(index_dir)], fake=True, env={"HARDEN_VANISH": "vanishing.txt"}
    )
    # Before the checks below load the big text here: a child's peak memory counts its parent's at fork.
    small = tmp_path / "small"
    shutil.copytree(src, small, symlinks=True, ignore=shutil.ignore_patterns("huge.txt"))
    baseline = run(["index", "--source", str(small), "--index", str(tmp_path / "index2")], fake=True)
    check_bad_folder_report(result, index_dir, expected)
    print(
        f"\nbad-input build (fake embedder): {result.seconds:.1f} s, peak RSS {result.maxrss_mb:.0f} MB; "
        f"without the {BIG_MB} MB file: peak RSS {baseline.maxrss_mb:.0f} MB"
    )
    # Streamed: the file's text is never held, only its index (small 64-d vectors, BM25 counts).
    assert result.maxrss_mb < baseline.maxrss_mb + 48, "the large file was held in memory"

    # The JSON report carries the same reasons.
    (src / "vanishing.txt").write_text("Back again\n\nIt is readable now.\n")
    again = run(["index", "--source", str(src), "--index", str(index_dir), "--json"], fake=True)
    assert again.code == 0, again
    report = json.loads(again.out)
    assert {p for p, _ in report["skipped_files"]} == set(expected) - {"vanishing.txt"}
    assert report["added"] == 1 and report["unchanged"] == len(GOOD_IDS)


def test_nothing_indexable_is_an_error_naming_every_bad_file(tmp_path) -> None:
    src = tmp_path / "articles"
    src.mkdir()
    (src / "empty.txt").write_bytes(b"")
    (src / "random.txt").write_bytes(random.Random(6).randbytes(8192))
    result = run(["index", "--source", str(src), "--index", str(tmp_path / "index")], fake=True)
    result.assert_clean_failure("Nothing to index", "2 skipped", "empty.txt: empty file", "random.txt: binary data")
    assert not (tmp_path / "index").exists() or not versions(tmp_path / "index")


def test_size_limit_refuses_html_before_reading_but_not_text(tmp_path) -> None:
    """HTML and PDF are parsed whole, so they have a size limit; text files stream and have none."""
    body = "<p>Lithium exports rose again this year.</p>\n" * 50_000  # 2.1 MB
    path = tmp_path / "big.html"
    path.write_text(f"<html><head><title>Lithium</title></head><body>{body}</body></html>")
    with pytest.raises(documents.UnreadableFile, match=r"too large: 2\.1 MB > 1 MB limit .* raise RAG_MAX_FILE_MB"):
        documents.read_text(path, max_mb=1)
    assert documents.read_text(path, max_mb=3)[1] == "Lithium"
    assert documents.read_text(path, max_mb=0)[0].count("Lithium exports") == 50_000  # 0: no limit
    text = tmp_path / "big.txt"
    text.write_bytes(b"Lithium exports rose again this year.\n" * 60_000)
    assert documents.read_text(text, max_mb=1)[0].count("\n") == 60_000


def test_size_limit_is_a_setting(tmp_path) -> None:
    src = tmp_path / "articles"
    src.mkdir()
    for p in sorted(SEEDS.glob("*.txt")):
        paragraphs = "".join(f"<p>{html.escape(x)}</p>" for x in p.read_text().split("\n\n"))
        (src / f"{p.stem}.html").write_text(f"<html><body>{paragraphs}</body></html>")
    (src / "small.html").write_text("<html><body><h1>Small</h1><p>A short note.</p></body></html>")
    result = run(
        ["index", "--source", str(src), "--index", str(tmp_path / "index")], fake=True, env={"RAG_MAX_FILE_MB": "0.001"}
    )
    assert result.code == 0, result
    skips = parse_skips(result.err)
    assert set(skips) == {f"{p.stem}.html" for p in SEEDS.glob("*.txt")} and all(
        "too large" in r for r in skips.values()
    )


def test_file_name_that_is_not_utf8_is_skipped_not_fatal(tmp_path) -> None:
    src = tmp_path / "articles"
    src.mkdir()
    (src / "good.txt").write_text("Good\n\nStarlink reached Argentina.\n")
    with open(os.path.join(os.fsencode(src), b"caf\xe9.txt"), "wb") as fh:  # a Latin-1 file name
        fh.write(b"A name in Latin-1\n\nThe text itself is fine.\n")
    result = run(["index", "--source", str(src), "--index", str(tmp_path / "index")], fake=True)
    assert result.code == 0 and "Traceback" not in result.err, result
    assert parse_skips(result.err) == {"caf\\xe9.txt": "file name is not valid UTF-8: rename the file"}
    assert open_store(tmp_path / "index").source_ids() == ["good"]


# ---------------------------------------------------------------- questions

OK_QUESTIONS = {
    "control characters": (
        "What\x00 satellite\x1b[31m internet\x07 service?\u200b",
        "What  satellite  internet  service?",  # the colour code goes whole, not only its escape byte
    ),
    "spanish": ("¿Qué servicio de internet satelital dio Musk a la Argentina?", None),
    "chinese": ("马斯克向阿根廷提供了什么卫星互联网服务？", None),
    "arabic": ("ما هي خدمة الإنترنت عبر الأقمار الصناعية التي قدمها ماسك للأرجنتين؟", None),
    "one word": ("Starlink", None),
    "at the limit": ("Starlink " * 222, None),
}
BAD_QUESTIONS = {
    "empty": ("", "empty"),
    "whitespace": (" \n\t\u3000 ", "empty"),
    "only control characters": ("\x00\x07\x1b", "empty"),
    "100,000 characters": (("Starlink? " * 10_000)[:-1] + "!", "100,000 characters long; the limit is 2,000"),
    "only punctuation": ("?!... ¿¡ -- ;;", "no words"),
    "only emoji": ("🛰️🇦🇷❓", "no words"),
    "not text": (None, "must be text"),
}


@pytest.mark.parametrize("question", OK_QUESTIONS.values(), ids=OK_QUESTIONS.keys())
def test_usable_questions_pass_the_check(question) -> None:
    given, cleaned = question
    out = check_question(given, Settings().max_question_chars)
    assert out == (cleaned if cleaned is not None else given.strip())
    assert out.isprintable()


@pytest.mark.parametrize("question", BAD_QUESTIONS.values(), ids=BAD_QUESTIONS.keys())
def test_unusable_questions_are_refused_with_a_clear_message(question) -> None:
    given, message = question
    with pytest.raises(QuestionError, match=re.escape(message)):
        check_question(given, Settings().max_question_chars)


# ---------------------------------------------------------------- a damaged index


def _flip_middle(path: Path) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 16] = bytes(b ^ 0xFF for b in data[mid : mid + 16])
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _edit_manifest(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["count"] += 1
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _manifest_not_json_but_pointer_matches(folder: Path) -> None:
    import hashlib

    body = b'{"format": 1, "count": '
    (folder / "manifest.json").write_bytes(body)
    (folder.parent / "CURRENT").write_text(f"{folder.name} {hashlib.sha256(body).hexdigest()}\n")


DAMAGE = {
    "dense.faiss truncated": (lambda f: _truncate(f / "dense.faiss"), "missing or truncated"),
    "manifest.json edited": (_edit_manifest, "modified or damaged"),
    "dense.faiss bytes flipped, same size": (lambda f: _flip_middle(f / "dense.faiss"), "damaged"),
    "chunks.sqlite bytes flipped, same size": (lambda f: _flip_middle(f / "chunks.sqlite"), "damaged"),
    "bm25.npz deleted": (lambda f: (f / "bm25.npz").unlink(), "missing or truncated"),
    "CURRENT garbage": (lambda f: (f.parent / "CURRENT").write_text("no such thing here\n"), "damaged"),
    "manifest.json not JSON": (_manifest_not_json_but_pointer_matches, "not valid JSON"),
}


@pytest.fixture(scope="module")
def fake_seeds_index(tmp_path_factory) -> Path:
    """An index of the seeds built by `rag index` with the fake embedder, copied by each test that damages it."""
    index_dir = tmp_path_factory.mktemp("fake-seeds") / "index"
    assert run(["index", "--source", str(SEEDS), "--index", str(index_dir)], fake=True).code == 0
    return index_dir


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_damaged_index_is_detected_and_rebuild_fixes_it(tmp_path, fake_seeds_index, embedder, damage) -> None:
    corrupt, words = damage
    index_dir = tmp_path / "index"
    shutil.copytree(fake_seeds_index, index_dir)
    folder, _ = live_version(index_dir)
    corrupt(folder)
    result = run(["search", "Starlink", "--index", str(index_dir)], fake=True)
    line = result.assert_clean_failure(words, FIX)
    assert line.endswith(".")
    fixed = run(["index", "--rebuild", "--source", str(SEEDS), "--index", str(index_dir)], fake=True)
    assert fixed.code == 0, fixed
    assert (
        rag.search("Starlink", settings=Settings(index_dir=index_dir), embedder=embedder)[0].source_id
        == STARLINK_SOURCE
    )


def test_damaged_vectors_make_an_update_rebuild_everything(tmp_path) -> None:
    """vectors.npy is only read by an update: damage there is found by its checksum, said, and rebuilt."""
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    index_dir = tmp_path / "index"
    assert run(["index", "--source", str(src), "--index", str(index_dir)], fake=True).code == 0
    folder, _ = live_version(index_dir)
    _flip_middle(folder / "vectors.npy")
    (src / "new.txt").write_text("Copper\n\nChile exports copper.\n")
    result = run(["index", "--source", str(src), "--index", str(index_dir)], fake=True)
    assert result.code == 0 and "Traceback" not in result.err, result
    assert "5 added, 0 changed, 0 removed, 0 unchanged" in result.out, result.out
    assert "vectors.npy is damaged" in result.err and "Rebuilding the whole index" in result.err, result.err
    assert run(["search", "copper", "--index", str(index_dir)], fake=True).code == 0


# ---------------------------------------------------------------- builds killed or run twice


def _search_ids(
    settings: Settings, queries: tuple[str, ...], embedder: TextEmbedder, digits: int | None = 6
) -> list[list[tuple[str, float]]]:
    """The top 5 hits of each query, read from the index on disk now (not a store this process keeps)."""
    retriever = Retriever(open_store(settings.index_dir, index_config(settings, embedder)), embedder, settings)
    hits = [retriever.search(q, k=5) for q in queries]
    return [[(h.chunk_id, h.score if digits is None else round(h.score, digits)) for h in found] for found in hits]


QUERIES = ("Starlink satellite internet", "Hayek medal Hamburg", "lithium batteries", "Zuckerberg Silicon Valley")


@pytest.mark.parametrize("kill_at", ["embed", "write", "switch"])
def test_build_killed_at_any_point_leaves_the_previous_index(tmp_path, embedder, kill_at) -> None:
    """SIGKILL while embedding, after writing the new version's files, and just before switching to it."""
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    index_dir = tmp_path / "index"
    assert run(["index", "--source", str(src), "--index", str(index_dir)], fake=True).code == 0
    live_before = live_version(index_dir)[0].name
    before = _search_ids(Settings(index_dir=index_dir), QUERIES, embedder)
    write_articles(src, 20)

    killed = run(["index", "--source", str(src), "--index", str(index_dir)], fake=True, env={"HARDEN_KILL_AT": kill_at})
    assert killed.code == -signal.SIGKILL, killed
    assert live_version(index_dir)[0].name == live_before
    assert _search_ids(Settings(index_dir=index_dir), QUERIES, embedder) == before
    left = versions(index_dir)
    assert len(left) == 2, left  # a half-made version stays behind (it is written batch by batch)...

    result = run(["index", "--source", str(src), "--index", str(index_dir)], fake=True)
    assert result.code == 0 and "20 added" in result.out, result
    assert len(versions(index_dir)) == 1  # ...and the next build clears it away
    assert len(open_store(index_dir).source_ids()) == 24


def test_second_build_at_once_is_refused_and_the_index_stays_whole(tmp_path, embedder) -> None:
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    index_dir = tmp_path / "index"
    assert run(["index", "--source", str(src), "--index", str(index_dir)], fake=True).code == 0
    write_articles(src, 5)
    first = start(
        ["index", "--source", str(src), "--index", str(index_dir)],
        fake=True,
        env={"HARDEN_SLOW": "5"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while (index_dir / LOCK).read_text() != str(first.pid):
            assert time.monotonic() < deadline and first.poll() is None, "the first build never took the lock"
            time.sleep(0.05)
        second = run(["index", "--source", str(src), "--index", str(index_dir)], fake=True)
        second.assert_clean_failure(f"Another `rag index` (pid {first.pid}) is building", "wait for it to finish")
        out, err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0 and b"5 added" in out, err
    assert len(versions(index_dir)) == 1
    assert len(open_store(index_dir).source_ids()) == 9
    hits = rag.search("Starlink satellite internet", k=10, settings=Settings(index_dir=index_dir), embedder=embedder)
    store = open_store(index_dir)
    assert len(hits) == 10 and all(store.source(h.source_id).text[h.start : h.end] == h.text for h in hits)


# ---------------------------------------------------------------- with the real models


@pytest.fixture(scope="session")
def seeds(real_seeds_index) -> Settings:
    return real_seeds_index


@pytest.mark.model
def test_bad_inputs_real_cli_and_peak_memory(tmp_path) -> None:
    """The installed `rag index` on the bad folder; the 50 MB file adds only what its index needs to peak memory."""
    src, expected = make_bad_folder(tmp_path)
    (src / "vanishing.txt").unlink()  # the real script has no hook to delete it mid-build (see the fast test)
    expected.pop("vanishing.txt")
    result = run(["index", "--source", str(src), "--index", str(tmp_path / "index")])
    small = tmp_path / "small"  # measured before the checks load the big text here (see the fast test)
    shutil.copytree(src, small, symlinks=True, ignore=shutil.ignore_patterns("huge.txt"))
    baseline = run(["index", "--source", str(small), "--index", str(tmp_path / "index2")])
    assert baseline.code == 0, baseline
    check_bad_folder_report(result, tmp_path / "index", expected)
    chunks = len(open_store(tmp_path / "index").rows_of_sources()["huge"])
    faiss_mb = chunks * 384 * 4 / 2**20  # the exact index holds every vector in float32
    print(
        f"\nrag index, bad folder with a {BIG_MB} MB file ({chunks} chunks): {result.seconds:.1f} s, peak RSS "
        f"{result.maxrss_mb:.0f} MB; same folder without it: {baseline.seconds:.1f} s, peak RSS "
        f"{baseline.maxrss_mb:.0f} MB; FAISS index of the file {faiss_mb:.0f} MB"
    )
    # The stated bound: the small build's peak, plus the FAISS index the file's chunks need,
    # plus 128 MB (inference buffers for full-window batches, BM25 term counts, one window of
    # text). Reading the file whole would add its bytes, its text and its chunk texts.
    assert result.maxrss_mb < baseline.maxrss_mb + faiss_mb + 128, "the large file was held in memory"


@pytest.mark.model
@pytest.mark.parametrize(
    ("question", "code", "says"),
    [
        ("What\x1b[31m satellite internet\x07 service has Musk provided to Argentina?", 0, "Starlink"),
        ("¿Qué servicio de internet satelital ha dado Musk a la Argentina?", 0, STARLINK_SOURCE),
        ("Starlink? " * 10_000, 1, "the limit is 2,000"),
        ("?!?... ¿¡", 1, "no words"),
        ("   ", 1, "empty"),
    ],
    ids=["control characters", "spanish", "100,000 characters", "only punctuation", "whitespace"],
)
def test_rag_ask_answers_or_refuses_odd_questions(seeds, question, code, says) -> None:
    result = run(["ask", question, "--index", str(seeds.index_dir)])
    if code:
        result.assert_clean_failure(says)
    else:
        assert result.code == 0 and "Traceback" not in result.err, result
        assert says in result.out and ("Evidence:" in result.out or "Closest passages:" in result.out)


@pytest.mark.model
def test_question_with_too_many_tokens_is_a_clear_error(seeds) -> None:
    """Under 2,000 characters but ~5,800 tokens of the small model, past its context: a clear error (the
    default model's tokenizer reads these in fewer tokens, which fit)."""
    q = STARLINK_Q + " " + "😀" * 1900
    result = run(["ask", q, "--index", str(seeds.index_dir), "--model", "smollm2-135m"])
    result.assert_clean_failure("too long")


def _bad_models(folder: Path) -> dict[str, Path]:
    from rag.answer.model import bundled_model_path

    folder.mkdir(exist_ok=True)
    (folder / "notes.gguf").write_text("these are notes, not a model\n")
    with open(bundled_model_path(), "rb") as fh:
        (folder / "truncated.gguf").write_bytes(fh.read(1_000_000))  # a real header, cut short
    (folder / "a-folder.gguf").mkdir(exist_ok=True)
    return {
        "missing": folder / "missing.gguf",
        "wrong format": folder / "notes.gguf",
        "truncated": folder / "truncated.gguf",
        "a folder": folder / "a-folder.gguf",
    }


BAD_MODEL_WORDS = {
    "missing": ("does not exist", "--model"),
    "wrong format": ("not a GGUF model file", "--model"),
    "truncated": ("truncated or damaged", "--model"),
    "a folder": ("is not a file", "the .gguf file itself"),
}


@pytest.mark.model
@pytest.mark.parametrize("kind", BAD_MODEL_WORDS)
def test_bad_gguf_is_one_line_naming_the_file_and_the_fix(seeds, tmp_path, kind) -> None:
    path = _bad_models(tmp_path)[kind]
    result = run(["ask", STARLINK_Q, "--index", str(seeds.index_dir), "--model", str(path)])
    result.assert_clean_failure(str(path), *BAD_MODEL_WORDS[kind])


@pytest.mark.model
def test_bad_gguf_error_is_the_only_thing_on_stderr(seeds, tmp_path) -> None:
    path = _bad_models(tmp_path)["wrong format"]
    result = run(["ask", STARLINK_Q, "--index", str(seeds.index_dir), "--model", str(path)])
    assert result.code == 1 and len(result.err.strip().splitlines()) == 1, result.err


@pytest.mark.model
def test_bad_gguf_is_reported_even_when_the_answer_abstains(seeds, tmp_path) -> None:
    path = _bad_models(tmp_path)["missing"]
    result = run(
        ["ask", "Who won the 2022 FIFA World Cup final?", "--index", str(seeds.index_dir), "--model", str(path)]
    )
    result.assert_clean_failure(str(path), "does not exist")


def test_missing_embedding_model_folder_is_named() -> None:
    from rag.errors import ModelError
    from rag.index.embedding import Embedder

    with pytest.raises(ModelError, match="/nonexistent does not exist"):
        Embedder("/nonexistent")


@pytest.mark.model
def test_missing_embedding_model_is_one_line(seeds) -> None:
    """`rag ask` with RAG_EMBED_MODEL=/nonexistent: one line naming it, no traceback (wording: xfail below)."""
    result = run(["ask", STARLINK_Q, "--index", str(seeds.index_dir)], env={"RAG_EMBED_MODEL": "/nonexistent"})
    result.assert_clean_failure("/nonexistent")


@pytest.mark.model
@pytest.mark.parametrize("command", ["ask", "index"])
def test_missing_embedding_model_says_the_folder_is_missing(seeds, tmp_path, command) -> None:
    args = ["ask", STARLINK_Q] if command == "ask" else ["index", "--source", str(SEEDS)]
    index_dir = seeds.index_dir if command == "ask" else tmp_path / "index"
    result = run([*args, "--index", str(index_dir)], env={"RAG_EMBED_MODEL": "/nonexistent"})
    result.assert_clean_failure("/nonexistent does not exist", "RAG_EMBED_MODEL")
    assert len(result.err.strip().splitlines()) == 1, result.err


def _embedding_started(pid: int) -> bool:
    """True once the build has loaded OpenVINO or torch, which only embedding needs (in the build or a child)."""
    import psutil

    try:
        pids = [pid] + [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return False
    for p in pids:
        try:
            maps = Path(f"/proc/{p}/maps").read_text()
            if "libopenvino" in maps or "libtorch" in maps:
                return True
        except OSError:
            continue
    return False


@pytest.mark.model
def test_real_build_killed_while_embedding_leaves_the_previous_index(seeds, tmp_path) -> None:
    """A real `rag index` of ~800 articles, SIGKILLed ~2 s into embedding; a second build meanwhile is refused."""
    index_dir = tmp_path / "index"
    shutil.copytree(seeds.index_dir, index_dir)
    settings = seeds.replace(index_dir=index_dir)
    queries = (STARLINK_Q, "When is the Hayek medal ceremony?", "lithium")
    embedder = pipeline.get_embedder(settings)
    before = _search_ids(settings, queries, embedder, digits=None)
    live_before = live_version(index_dir)[0].name
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    write_articles(src, 200)

    build = start(["index", "--source", str(src), "--index", str(index_dir)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not _embedding_started(build.pid):
            assert build.poll() is None and time.monotonic() < deadline, "the build never started embedding"
            time.sleep(0.1)
        time.sleep(2)  # the runtime is loaded; the model follows in well under a second, then the embedding
        second = run(["index", "--source", str(src), "--index", str(index_dir)])
        second.assert_clean_failure(f"(pid {build.pid}) is building")
        assert build.poll() is None, "the build finished before it could be killed: give it more articles"
        assert live_version(index_dir)[0].name == live_before
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    assert build.returncode == -signal.SIGKILL
    assert live_version(index_dir)[0].name == live_before
    assert _search_ids(settings, queries, embedder, digits=None) == before
