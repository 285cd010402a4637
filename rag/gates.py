"""How sure a fact must be to be stated, for the model that scores it.

Covers the gate on a candidate's combined score (structure plus `answers.LM_WEIGHT` times the
model's mean log-probability of the phrase, `answers.total`) that a fact, and a list's best
item, must reach. Each model's log-probabilities have a scale of their own (a surer model lifts
every candidate), so the gate is the scoring model's: `GATES` holds those measured on SQuAD 2.0
dev for the models that install here (models.md), found by the GGUF's own name and size
(`LlamaGenerator.identity`); any other model gets the bundled model's gate, and the
`answer_gate` setting (RAG_ANSWER_GATE, --answer-gate) may give a number instead.

Does not score or rank candidates (rag/answers.py) or measure the gates
(scripts/gate_calibration.py, docs/answers.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .errors import GateError

# The bundled SmolLM2-135M-Instruct's gate: as many right as wrong answers among SQuAD 2.0 dev
# fact questions in the lowest band it lets through (docs/answers.md, "Abstaining").
BUNDLED_GATE = 1.0
# Each measured model's gate, by "<general.basename> <general.size_label>" of its GGUF metadata,
# in lower case: the gate at which it answers no more SQuAD 2.0 dev fact questions wrongly than
# the bundled model does at its own (models.md, "A gate for each model").
GATES = {
    "smollm2 135m": BUNDLED_GATE,
    "qwen2.5-coder 0.5b": 2.04,
    "gemma-3 270m": 0.16,
}


def gate_setting(raw: str) -> float | None:
    """The gate a setting fixes, or None for "auto" (the scoring model's own); a GateError says
    what to write instead of anything else."""
    word = raw.strip().lower()
    if word in ("", "auto"):
        return None
    try:
        return float(word)
    except ValueError:
        raise GateError(
            f"Unknown answer gate {raw!r} (--answer-gate, RAG_ANSWER_GATE): use auto, or a number such as 1.0 "
            "(higher answers less and more surely)."
        ) from None


def answer_gate(identity: str, setting: str = "auto") -> float:
    """The gate for a model known by `identity` ("smollm2 135m"), unless `setting` fixes one."""
    fixed = gate_setting(setting)
    if fixed is not None:
        return fixed
    return GATES.get(identity.strip().lower(), BUNDLED_GATE)


@dataclass(frozen=True)
class ReaderGate:
    """When a phrase the reader located (rag/reader.py's signals) is stated: the structural check passes
    (`supports`), and the model, asked whether the located sentence gives this answer to this question,
    finds "Yes" at least `verify` nats likelier than "No". The reader's own yes or no is not stated
    (measured: it answered "Yes" to every yes/no question of a multihop sample, right or wrong); the
    extractive judge answers those (rag/statements.py)."""

    verify: float


# Measured on the public dev sets (docs/evaluation.md, "The reader's gate").
READER_GATES = {"qwen2.5-coder 1.5b": ReaderGate(verify=1.0)}
DEFAULT_READER_GATE = READER_GATES["qwen2.5-coder 1.5b"]


def stated(identity: str, signals: Sequence[Mapping[str, float]], kind: str, setting: str = "auto") -> list[bool]:
    """For each claim the reader located, whether it is stated: its signals pass the model's gate
    (a number given as `setting` replaces the `verify` margin)."""
    gate = READER_GATES.get(identity.strip().lower(), DEFAULT_READER_GATE)
    fixed = gate_setting(setting)
    verify = gate.verify if fixed is None else fixed
    out = []
    for s in signals:
        ok = kind != "yesno" and s.get("supports", 0.0) >= 1.0
        if kind != "open":
            ok = ok and s.get("verify", -99.0) > verify
        out.append(ok)
    return out
