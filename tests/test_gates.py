"""The answer gate follows the scoring model: measured gates by the GGUF's name, a number from the
settings, and a clear error for anything else."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

import rag
from rag.answer import gate
from rag.errors import GateError
from rag.serve.cli import cli
from rag.settings import Settings, parse_gate

from .conftest import FakeEmbedder, FakeScorer

Q = "What satellite internet service has Musk provided to Argentina?"


class NamedScorer(FakeScorer):
    """A fake model that says which model it is, as `LlamaGenerator.identity` does."""

    def __init__(self, identity: str, prefer=None) -> None:
        super().__init__(prefer)
        self.identity = identity


def test_the_setting_is_auto_or_a_number_checked_when_settings_are_built() -> None:
    assert parse_gate("auto") is None and parse_gate("") is None
    assert parse_gate(" 1.5 ") == 1.5
    with pytest.raises(GateError, match="RAG_ANSWER_GATE"):
        Settings(answer_gate="strict")
    with pytest.raises(GateError, match="RAG_ANSWER_GATE"):
        Settings().replace(answer_gate="strict")


def test_each_measured_model_has_its_own_gate_and_others_the_bundled_one() -> None:
    assert gate.answer_gate("SmolLM2 135M") == gate.BUNDLED_GATE
    assert gate.answer_gate("Qwen2.5-Coder 0.5B") == gate.GATES["qwen2.5-coder 0.5b"] > gate.BUNDLED_GATE
    assert gate.answer_gate("Qwen2.5-Coder 1.5B") == gate.GATES["qwen2.5-coder 1.5b"] > gate.BUNDLED_GATE
    assert gate.answer_gate("some other model 7b") == gate.BUNDLED_GATE
    assert gate.answer_gate("qwen2.5-coder 0.5b", "0.25") == 0.25  # the setting wins


@pytest.fixture
def indexed(settings):
    embedder = FakeEmbedder()
    rag.build_index(settings=settings, embedder=embedder)
    return settings, embedder


def test_a_surer_model_must_clear_a_higher_gate(indexed) -> None:
    settings, embedder = indexed

    # The same likelihood from two models: the bundled one states the fact, a model whose
    # measured gate is higher (its scores run higher for every candidate) does not.
    def model(identity: str) -> NamedScorer:
        return NamedScorer(identity, lambda text: -2.5)

    bundled = rag.ask(Q, settings=settings, generator=model("smollm2 135m"), embedder=embedder)
    assert bundled.text == "Starlink [1]"
    surer = rag.ask(Q, settings=settings, generator=model("qwen2.5-coder 0.5b"), embedder=embedder)
    assert surer.abstained
    # A gate given in the settings holds for any model.
    fixed = dataclasses.replace(settings, answer_gate="-50")
    assert rag.ask(Q, settings=fixed, generator=model("qwen2.5-coder 0.5b"), embedder=embedder).text == "Starlink [1]"
    strict = dataclasses.replace(settings, answer_gate="50")
    assert rag.ask(Q, settings=strict, generator=model("smollm2 135m"), embedder=embedder).abstained


def test_a_bad_gate_is_one_line_from_the_cli(indexed) -> None:
    settings, embedder = indexed
    result = CliRunner().invoke(
        cli, ["ask", Q, "--index", str(settings.index_dir), "--answer-gate", "strict"], obj={"embedder": embedder}
    )
    assert result.exit_code != 0
    assert "--answer-gate" in result.output and "Traceback" not in result.output
