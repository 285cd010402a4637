"""How sure a fact must be to be stated, for the model that scores it.

Covers the gate on a candidate's combined score (structure plus `ranking.LM_WEIGHT` times the
model's mean log-probability of the phrase, `answers.total`) that a fact, and a list's best
item, must reach. Each model's log-probabilities have a scale of their own (a surer model lifts
every candidate), so the gate is the scoring model's: `GATES` holds those measured on SQuAD 2.0
dev for the models that install here (models.md), found by the GGUF's own name and size
(`LlamaGenerator.identity`); any other model gets the bundled model's gate, and the
`answer_gate` setting (RAG_ANSWER_GATE, --answer-gate) may give a number instead.

Does not score or rank candidates (rag/answer/compose.py) or measure the gates
(scripts/gate_calibration.py, docs/answers.md).
"""

from __future__ import annotations

from ..settings import parse_gate

# The bundled SmolLM2-135M-Instruct's gate: as many right as wrong answers among SQuAD 2.0 dev
# fact questions in the lowest band it lets through (docs/answers.md, "Abstaining").
BUNDLED_GATE = 1.0
# Each measured model's gate, by "<general.basename> <general.size_label>" of its GGUF metadata,
# in lower case. The default model's: the lowest at which its wrong answers on the whole SQuAD 2.0
# dev set (`squad2_normans_rhine`) stay within the project's cap of 10% of all questions
# (docs/evaluation.md, "The default model's gate"). The others': the gate at which it answers no
# more SQuAD 2.0 dev fact questions wrongly than the bundled model does at its own (models.md,
# "A gate for each model").
GATES = {
    "qwen2.5-coder 1.5b": 1.54,
    "smollm2 135m": BUNDLED_GATE,
    "qwen2.5-coder 0.5b": 2.04,
    "gemma-3 270m": 0.16,
}


def answer_gate(identity: str, setting: str = "auto") -> float:
    """The gate for a model known by `identity` ("smollm2 135m"), unless `setting` fixes one."""
    fixed = parse_gate(setting)
    if fixed is not None:
        return fixed
    return GATES.get(identity.strip().lower(), BUNDLED_GATE)
