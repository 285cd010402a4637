"""The probes as a regression check: questions written from the articles alone, asked with the real models.

Covers every question set in tests/data/probe/ (tests/data/README.md says how they were written),
asked through `rag.measure.run.evaluate_questions` over a real index of its articles (the seeds, or
a development set's articles in ../shared) with the default embedder and GGUF model, scored
strictly. Per set, wrong answers may not rise above, and right answers not fall below, the
figures recorded in tests/data/probe/expected.json (measured on an AMD EPYC with AVX2, the date
in that file): a change that abstains more fails as surely as one that answers wrongly.

Does not tune anything on the probes; when a change moves them on purpose, its commit records
the new figures here with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.measure.run import evaluate_questions
from rag.settings import Settings

from .conftest import REPO, SEEDS

PROBES = REPO / "tests" / "data" / "probe"
EVAL = REPO.parent / "shared" / "eval"
CORPORA = {
    "seeds": SEEDS,
    "multihop_news": EVAL / "multihop_news" / "articles",
    "squad2_normans_rhine": EVAL / "squad2_normans_rhine" / "articles",
}
EXPECTED = json.loads((PROBES / "expected.json").read_text(encoding="utf-8"))


def corpus_of(path: Path) -> str:
    return next(name for name in sorted(CORPORA, key=len, reverse=True) if path.stem.startswith(name))


@pytest.mark.model
@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_probes_answer_no_worse_than_recorded(corpus: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    articles = CORPORA[corpus]
    if not articles.is_dir():
        pytest.skip(f"{articles} is not here (../shared beside the repository)")
    work = tmp_path_factory.mktemp(f"probe-{corpus}")
    worse = []
    for path in sorted(PROBES.glob(f"{corpus}*.jsonl")):
        report = evaluate_questions(path, Settings(), articles=articles, work_dir=work, progress=False)
        v = report["metrics"]["verdicts"]
        right, wrong = v["correct"], v["wrong"] + v["answered-unanswerable"]
        want = EXPECTED["sets"][path.name]
        print(f"{path.name}: {right} right (recorded {want['right']}), {wrong} wrong (recorded {want['wrong']})")
        if wrong > want["wrong"] or right < want["right"]:
            rows = [r for r in report["rows"] if r["verdict"] in ("wrong", "answered-unanswerable")]
            worse.append((path.name, right, wrong, want, [(r["question"], r["answer"]) for r in rows]))
    assert not worse, worse
