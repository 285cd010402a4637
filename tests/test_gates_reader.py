"""The reader's gate (rag/gates.py `stated`): what decides whether a located claim is stated.

What is checked: a phrase needs the structural check and the model's own "Yes" margin; a yes or
no of the reader's is never stated (the extractive judge answers those); a number given as the gate setting replaces the
margin; an unknown model gets the measured default gate; in the pipeline, a claim the model
doubts is not stated and the answer abstains.
"""

from __future__ import annotations

import rag
from rag.gates import DEFAULT_READER_GATE, stated

from .conftest import FakeEmbedder, FakeReader

SURE = {"supports": 1.0, "verify": 3.0, "lp_mean": -0.1}


def test_a_phrase_needs_the_check_and_the_models_yes() -> None:
    assert stated("qwen2.5-coder 1.5b", [SURE], "fact") == [True]
    assert stated("qwen2.5-coder 1.5b", [{**SURE, "supports": 0.0}], "fact") == [False]
    assert stated("qwen2.5-coder 1.5b", [{**SURE, "verify": DEFAULT_READER_GATE.verify - 0.1}], "fact") == [False]
    assert stated("some other model", [SURE, {**SURE, "verify": -1.0}], "list") == [True, False]


def test_the_readers_own_yes_or_no_is_not_stated() -> None:
    assert stated("x", [{"supports": 1.0, "verify": 3.0, "lp_mean": -0.01}], "yesno") == [False]


def test_the_gate_setting_replaces_the_margin() -> None:
    assert stated("x", [{**SURE, "verify": 0.5}], "fact", "0.2") == [True]
    assert stated("x", [{**SURE, "verify": 0.5}], "fact", "2") == [False]


def test_a_claim_the_model_doubts_is_not_stated(settings, embedder: FakeEmbedder) -> None:
    rag.build_index(settings=settings, embedder=embedder)
    q = "What satellite internet service has Musk provided to Argentina?"
    s = settings.replace(writer="model")
    assert (
        rag.ask(q, settings=s, generator=FakeReader("Starlink [1]", verify=3.0), embedder=embedder).text
        == "Starlink [1]"
    )
    doubted = rag.ask(q, settings=s, generator=FakeReader("Brazil [1] Starlink [1]", verify=-2.0), embedder=embedder)
    assert doubted.reader["signals"][0]["stated"] == 0.0
    # The extractive composer then answers, as a second opinion, from the spans of the sources.
    assert doubted.text == "Starlink [1]" and "extract" in doubted.timings
