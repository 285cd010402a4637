"""Which parts of the structural check (rag/check.py `supports`) earn their place as a gate signal.

Replays the check on the claims the reader located in `rag eval --rows` files (their
`reader.claims`: text, sentence, offsets, context; each set with the IDF of its own index), once
whole and once with each part removed, and prints right and wrong answers of the reader's
phrases under the gate "the check passes and the model's Yes margin (`verify`, in the rows) is
above --verify". Needs no model: the claims, the margins and the verdicts are in the rows, which
must come from a run that asked the model's check of every claim.

    .venv/bin/python scripts/ablate_checks.py --verify 1.0 rows_squad.jsonl:INDEX_DIR rows_multihop.jsonl:INDEX_DIR

Does not run questions or change the gate (rag/gates.py).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from rag import check
from rag.questions import analyse

PARTS: dict[str, tuple[object, str, Callable]] = {
    "roles.role_of (rag/roles.py)": (check, "role_of", lambda *a, **k: None),
    "mismatch.another_event (rag/mismatch.py, rag/qualified.py)": (check, "another_event", lambda *a, **k: ""),
    "polarity_flipped (rag/polarity.py, rag/qualified.py)": (check, "polarity_flipped", lambda *a, **k: False),
    "stands_with (qualifier)": (check, "stands_with", lambda *a, **k: None),
    "distance": (check, "distance", lambda *a, **k: 0),
    "missing_names": (check, "missing_names", lambda *a, **k: []),
    "coverage": (check, "coverage", lambda *a, **k: 1.0),
    "own_people (rag/mismatch.py)": (check, "own_people", lambda *a, **k: False),
}


def verdicts(rows: list[dict], verify: float) -> list[bool | None]:
    out: list[bool | None] = []
    for r in rows:
        idf = r["_idf"]
        claims = r.get("reader", {}).get("claims") or []
        if not claims or r["kind"] in ("yesno", "open"):
            out.append(None)
            continue
        c = claims[0]
        form = analyse(r["question"])
        span = tuple(c["span"]) if c.get("span") else None
        v = check.supports(
            r["question"], c["text"], c["sentence"], idf, span, context=c["context"], anchors=form.anchors
        )
        out.append(v.ok and r["reader"]["signals"][0].get("verify", -99.0) > verify)
    return out


def tally(rows: list[dict], passed: list[bool | None]) -> tuple[int, int]:
    right = wrong = 0
    for r, ok in zip(rows, passed, strict=True):
        if not ok:
            continue
        if r["verdict"] == "correct":
            right += 1
        else:
            wrong += 1
    return right, wrong


def main(args: list[str]) -> None:
    from rag.store import open_store

    verify = float(args[1]) if args[:1] == ["--verify"] else 1.0
    rows = []
    for arg in args[2:] if args[:1] == ["--verify"] else args:
        path, index_dir = arg.split(":", 1)
        idf = open_store(index_dir).idf
        with open(path, encoding="utf-8") as fh:
            rows += [{**json.loads(line), "_idf": idf} for line in fh if line.strip()]
    rows = [r for r in rows if r.get("reader", {}).get("claims")]

    base = tally(rows, verdicts(rows, verify))
    print(f"{'part removed':60} right wrong   (claims: {sum(bool(r.get('reader', {}).get('claims')) for r in rows)})")
    print(f"{'(none: the whole check)':60} {base[0]:5} {base[1]:5}")
    for name, (module, attr, stub) in PARTS.items():
        saved = getattr(module, attr)
        setattr(module, attr, stub)
        try:
            r, w = tally(rows, verdicts(rows, verify))
        finally:
            setattr(module, attr, saved)
        print(f"{name:60} {r:5} {w:5}")


if __name__ == "__main__":
    main(sys.argv[1:])
