"""Measuring what a rule of the structural check earns: `rag eval` with one part of
`rag.verify.checks.supports` switched off, so its right and wrong answers can be set beside the full
check's.

Covers the parts `supports` calls by name: the answer's role in the sentence (rag/language/roles.py),
another event or thing (rag/verify/event.py, rag/verify/qualifier.py), negation and degree
(`polarity_flipped`: rag/language/polarity.py, rag/verify/qualifier.py), the sentence's own people
(`mismatch.own_people`) and standing with the qualifier (`stands_with`).

Does not switch off rules used in ranking or in composing lists, yes/no and open answers, or
decide anything: it prints `rag eval`'s figures for the ablated run (docs/evaluation.md).

Usage: .venv/bin/python scripts/ablate_rules.py PART [rag eval arguments ...]
       PART: none, roles, events, polarity, own_people, qualifier
"""

from __future__ import annotations

import sys

from rag.verify import checks as check

PARTS = {
    "none": {},
    "roles": {"role_of": lambda *a, **k: None},
    "events": {"another_event": lambda *a, **k: ""},
    "polarity": {"polarity_flipped": lambda *a, **k: False},
    "own_people": {"own_people": lambda *a, **k: False},
    "qualifier": {"stands_with": lambda *a, **k: None},
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in PARTS:
        sys.exit(__doc__)
    for name, off in PARTS[sys.argv[1]].items():
        setattr(check, name, off)  # `supports` looks each up in the module when it runs
    from rag.serve.cli import cli

    cli(sys.argv[2:])


if __name__ == "__main__":
    main()
