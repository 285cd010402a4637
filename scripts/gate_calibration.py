"""Choosing the fact gate offline: dump every fact question's shortlisted candidates once, then
replay weights, gates and ways of reading the model's score without running the model again.

Covers:
- `dump`: for each fact question of an eval set (`rag eval` formats), the candidates
  `rag.answer.compose.candidates` shortlists, each with its structural score, whether it holds the gold
  answer, and the model's mean log-probability of it as the reply three ways: given the question
  and its passages (what `rag.answer.ranking.rank` uses), capitalised, and given the passages with no
  question (for domain-conditional PMI);
- `replay`: for each reading of the model's score and each weight, how often the right candidate
  ranks first, and the most right answers any gate keeps at a cap on wrong ones.

Does not run the check after ranking (a few top candidates `rag eval` would drop are counted) or
score lists, yes/no and open questions. Results: docs/answers.md, "Abstaining".

Usage: .venv/bin/python scripts/gate_calibration.py dump QUESTIONS INDEX OUT.jsonl
       .venv/bin/python scripts/gate_calibration.py replay OUT.jsonl [--wrong 35]
"""

from __future__ import annotations

import argparse
import json

from rag.answer import compose, evidence, ranking
from rag.answer.model import get_generator
from rag.measure.metrics import answer_correct
from rag.measure.run import load_questions
from rag.pipeline import get_retriever
from rag.question.form import FACT, analyse
from rag.settings import Settings

READINGS = {
    "as written": lambda c: c["lm"],
    "capitalised": lambda c: max(c["lm"], c["lm_cap"]),
    "PMI": lambda c: c["lm"] - c["lm_noq"],
}


def dump(questions: str, index: str, out: str) -> None:
    s = Settings.from_env().replace(index_dir=index)
    r = get_retriever(s)
    gen = get_generator(s.model, s.n_ctx, s.n_threads)
    with open(out, "w") as fh:
        for q in load_questions(questions):
            form = analyse(q["question"])
            if form.kind != FACT:
                continue
            qvec = r.query_vector(q["question"])
            hits = tuple(r.search(q["question"], s.k, query_vector=qvec))
            ev = evidence.candidate_sentences(hits)
            sv = r.embedder.encode([e.text for e in ev])
            scored = evidence.score_sentences(q["question"], ev, qvec, sv, r.store.idf, form)
            row: dict = {"id": q["id"], "answerable": q["answerable"], "cands": []}
            if scored and scored[0].score >= s.abstain_threshold:
                top = evidence.near_best(scored)
                cands = compose.candidates(q["question"], form, top, r.store.idf)[: ranking.MAX_SCORED]
                if cands:
                    passages = list(dict.fromkeys(x.evidence.text for x in cands))[:3]
                    texts = [x.phrase.text for x in cands]
                    both = texts + [t[:1].upper() + t[1:] for t in texts]
                    lm = gen.score(ranking.answer_prompt(q["question"], passages), both)
                    noq = gen.score(ranking.answer_prompt("", passages), texts)
                    for i, x in enumerate(cands):
                        right = bool(q["answerable"] and answer_correct(x.phrase.text, q["answers"]))
                        row["cands"].append(
                            {"text": x.phrase.text, "struct": ranking.total(x), "lm": lm[i],
                             "lm_cap": lm[len(texts) + i], "lm_noq": noq[i], "right": right}
                        )  # fmt: skip
            fh.write(json.dumps(row) + "\n")


def replay(path: str, max_wrong: int) -> None:
    with open(path) as fh:
        rows = [json.loads(line) for line in fh]
    anywhere = sum(any(c["right"] for c in r["cands"]) for r in rows)
    print(
        f"{len(rows)} fact questions, {sum(r['answerable'] for r in rows)} answerable, right candidate shortlisted: {anywhere}"
    )
    for name, read in READINGS.items():
        for w in (0.0, 0.3, 0.45, 0.6, 0.8, 1.0):
            tops = []
            for r in rows:
                if r["cands"]:
                    totals = [c["struct"] + w * read(c) for c in r["cands"]]
                    i = max(range(len(totals)), key=lambda i: (totals[i], -i))
                    tops.append((totals[i], r["cands"][i]["right"]))
            first = sum(right for _, right in tops)
            best = (0, 0, 0.0)
            for gate in sorted({t for t, _ in tops}):
                kept = [right for t, right in tops if t >= gate]
                right, wrong = sum(kept), len(kept) - sum(kept)
                if wrong <= max_wrong and right > best[0]:
                    best = (right, wrong, gate)
            print(f"{name:12s} weight {w:.2f}: right first {first:3d}; at most {max_wrong} wrong: "
                  f"right {best[0]}, wrong {best[1]} (gate {best[2]:.2f})")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("questions")
    d.add_argument("index")
    d.add_argument("out")
    p = sub.add_parser("replay")
    p.add_argument("dump")
    p.add_argument("--wrong", type=int, default=35)
    a = ap.parse_args()
    if a.cmd == "dump":
        dump(a.questions, a.index, a.out)
    else:
        replay(a.dump, a.wrong)


if __name__ == "__main__":
    main()
