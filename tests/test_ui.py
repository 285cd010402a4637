"""Fast tests of the chat UI: HTML rendering, one turn with a fake pipeline, and the /ask endpoint.

No model is loaded: `rag.pipeline.ask_stream` is replaced by a fake that streams a fixed answer.
"""

from __future__ import annotations

import os
import re
import socket

import pytest

from rag import pipeline, ui
from rag.errors import QuestionError
from rag.results import Answer, Citation, Hit
from rag.settings import Settings

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Gradio's queue trips pandas' own deprecation warnings; nothing to do with this code.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

EVIL = (
    "Intro sentence about lithium. <script>alert(1)</script> The survey was led by Ana Ferreyra in 2023. "
    '<img src=x onerror="alert(2)"> Trailing text & more.\n\nSecond paragraph [link](javascript:alert(3)).'
)
QUOTE = "The survey was led by Ana Ferreyra in 2023."


def cite(text: str = EVIL, quote: str = QUOTE, **kw) -> Citation:
    start = text.index(quote)
    values = dict(
        source_id="zz_evil",
        chunk_id="zz_evil#0",
        quote=quote,
        start=start,
        end=start + len(quote),
        marker=1,
        title="Lithium <b>notes</b>",
    )
    return Citation(**{**values, **kw})


def hit(rank: int, text: str = EVIL) -> Hit:
    return Hit("zz_evil", f"zz_evil#{rank}", text, 0, len(text), 0.5, "Lithium <b>notes</b>", rank)


def answer(abstained: bool = False, **kw) -> Answer:
    if abstained:
        values = dict(
            text="The documents do not say.", citations=(), sources=(), hits=tuple(hit(i) for i in (1, 2, 3, 4))
        )
    else:
        values = dict(text="Ana Ferreyra <i>led</i> it [1].", citations=(cite(),), sources=("zz_evil",), hits=(hit(1),))
    values = {"question": "Who led the survey?", "timings": {"total": 1.5}, "model": "m.gguf", **values, **kw}
    return Answer(abstained=abstained, **values)


def lookup(sid: str) -> str | None:
    return EVIL if sid == "zz_evil" else None


def tags(fragment: str) -> set[str]:
    return {t.lower() for t in re.findall(r"<\s*([a-zA-Z]+)", fragment)}


ALLOWED_TAGS = {"div", "mark", "details", "summary", "code", "strong", "span", "br", "b"}


# ---------------------------------------------------------------- rendering


def test_esc_escapes_markup_and_removes_newlines():
    out = ui.esc('<script>alert("x")</script>\nline & two\r\n')
    assert "<script" not in out and "&lt;script&gt;" in out and "&amp;" in out and "&quot;" in out
    assert "\n" not in out and "\r" not in out and out.count("<br>") == 2


def test_citation_escapes_article_and_marks_quote():
    out = ui.citation_html(cite(), EVIL)
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert f"<mark>{QUOTE}</mark>" in out
    assert "[1]" in out and "<code>zz_evil</code>" in out and "Lithium &lt;b&gt;notes&lt;/b&gt;" in out
    assert "<details><summary>Whole article" in out
    assert tags(out) <= ALLOWED_TAGS


def test_passage_is_a_window_around_the_quote():
    text = ("word " * 400) + QUOTE + (" word" * 400)
    start = text.index(QUOTE)
    out = ui.passage_html(text, start, start + len(QUOTE))
    assert out.startswith("… ") and out.endswith(" …")
    assert f"<mark>{QUOTE}</mark>" in out
    shown = out.replace("<mark>", "").replace("</mark>", "")
    assert len(QUOTE) + 2 * ui.CONTEXT_CHARS - 10 <= len(shown) <= len(QUOTE) + 2 * ui.CONTEXT_CHARS + 4
    assert "wor " not in shown and " ord" not in shown  # cut between words


def test_window_edges_do_not_start_with_a_line_break():
    text = "x" * 50 + "\n\nQuote here. Then more\n\n" + "y" * 50
    start = text.index("Quote")
    out = ui.passage_html(text, start, start + len("Quote here."), context=20)
    assert out == "… <mark>Quote here.</mark> Then more …"


def test_short_article_is_shown_whole_without_ellipsis():
    out = ui.passage_html("A b. Quote here. C d.", 5, 16)
    assert out == "A b. <mark>Quote here.</mark> C d."


def test_long_titles_and_hits_are_shortened():
    long_hit = Hit("s", "s#0", "word " * 500, 0, 2500, 0.1, "A very long first line " * 20, 1)
    out = ui.hit_html(long_hit, None)
    title = re.search(r'<span class="rag-title">(.*?)</span>', out).group(1)
    assert len(title) <= ui.TITLE_CHARS + 2 and title.endswith("…")
    passage = re.search(r'<div class="rag-passage">(.*?)</div>', out).group(1)
    assert passage.endswith("word …") and len(passage) <= 2 * ui.CONTEXT_CHARS + 2


def test_passages_drop_blank_lines_but_the_whole_article_keeps_them():
    text = "First para.\n\nQuote here.\n\nLast para."
    out = ui.citation_html(cite(text=text, quote="Quote here."), text)
    passage = re.search(r'<div class="rag-passage">(.*?)</div>', out).group(1)
    assert passage == "First para.<br><mark>Quote here.</mark><br>Last para."
    assert "First para.<br><br><mark>Quote here.</mark>" in out


def test_the_answer_phrase_is_highlighted_inside_its_sentence():
    text = "Before. The deal was signed by Ana Ferreyra in May. After."
    start, end = text.index("The deal"), text.index("May.") + 4
    ps = text.index("Ana")
    c = Citation("s", "s#0", text[start:end], start, end, 1, "T", ps, ps + len("Ana Ferreyra"))
    out = ui.citation_html(c, text)
    assert '<mark>The deal was signed by <strong class="rag-phrase">Ana Ferreyra</strong> in May.</mark>' in out
    # No phrase (an open answer or yes/no): the sentence alone is marked.
    plain = ui.citation_html(Citation("s", "s#0", text[start:end], start, end, 1, "T"), text)
    assert "rag-phrase" not in plain and f"<mark>{text[start:end]}</mark>" in plain


def test_citation_falls_back_to_quote_when_source_changed():
    for source in (None, "completely different text now"):
        out = ui.citation_html(cite(quote="<script>x</script> q", text="aa <script>x</script> q bb"), source)
        assert "<mark>&lt;script&gt;x&lt;/script&gt; q</mark>" in out and "<details>" not in out


def test_answer_html_with_evidence():
    out = ui.answer_html(answer(), lookup)
    assert "rag-final" in out and "rag-abstain" not in out
    assert 'Ana Ferreyra &lt;i&gt;led&lt;/i&gt; it <span class="rag-marker">[1]</span>.' in out
    assert "Evidence" in out and f"<mark>{QUOTE}</mark>" in out
    assert "m.gguf" in out and "1.5 s" in out
    assert "\n" not in out and "<script" not in out
    assert tags(out) <= ALLOWED_TAGS


def test_abstention_renders_differently_with_closest_passages():
    out = ui.answer_html(answer(abstained=True), lookup)
    assert "rag-abstained" in out and "rag-abstain-box" in out and "Not in your documents" in out
    assert "Closest passages" in out and "Evidence<" not in out
    assert out.count('class="rag-hit"') == 3  # hits[:3]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "<script" not in out
    assert "\n" not in out


def test_streaming_and_error_html_escape():
    assert "&lt;b&gt;" in ui.streaming_html("<b>") and "rag-streaming" in ui.streaming_html("")
    err = ui.error_html("No index in <dir>")
    assert "rag-error" in err and "&lt;dir&gt;" in err


def test_index_info_html():
    manifest = {"count": 13, "built_at": "2026-11-23T14:54:07+0000", "embed_model": "mini<lm>", "sources": {"a": 1}}
    out = ui.index_info_html(manifest, "idx")
    text = re.sub(r"<[^>]+>", " ", out)
    assert re.search(r"Sources\s+1\s+Chunks\s+13\s+Built\s+2026-11-23 14:54:07", text)
    assert tags(out) <= ALLOWED_TAGS
    assert "mini&lt;lm&gt;" in out
    missing = ui.index_info_html(None, "idx")
    assert "rag-error" in missing and "Rebuild index" in missing


def test_index_info_reads_the_live_manifest(tmp_path):
    assert "No index" in ui.index_info(Settings(index_dir=tmp_path))
    (tmp_path / "CURRENT").write_text("garbage")
    assert "damaged" in ui.index_info(Settings(index_dir=tmp_path))


def test_model_choices(tmp_path, monkeypatch):
    monkeypatch.setattr(ui, "MODELS_DIR", tmp_path / "none")
    assert ui.model_choices(Settings()) == [
        ("Default (Qwen2.5-Coder-1.5B-Instruct)", ui.BUNDLED),
        ("Small (SmolLM2-135M-Instruct)", "smollm2-135m"),
    ]
    (tmp_path / "b.gguf").write_bytes(b"GGUF")
    (tmp_path / "a.gguf").write_bytes(b"GGUF")
    (tmp_path / "notes.txt").write_text("x")
    monkeypatch.setattr(ui, "MODELS_DIR", tmp_path)
    values = [v for _, v in ui.model_choices(Settings())]
    assert values == [ui.BUNDLED, "smollm2-135m", str(tmp_path / "a.gguf"), str(tmp_path / "b.gguf")]
    values = [v for _, v in ui.model_choices(Settings(model="/elsewhere/x.gguf"))]
    assert values[2] == "/elsewhere/x.gguf"


def test_request_settings():
    s = ui.request_settings(Settings(), 5.0, ui.BUNDLED)
    assert s.k == 5 and s.model == ""
    assert ui.request_settings(Settings(model="x.gguf"), None, "/m/y.gguf").model == "/m/y.gguf"


# ---------------------------------------------------------------- one turn with a fake pipeline


class FakePipeline:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, question, *, settings=None, history=None, **kw):
        self.calls.append({"question": question, "settings": settings, "history": history})
        if question == "bad":
            raise QuestionError("The question has no words in it.")
        yield from ["Ana ", "Ferreyra", " <i>led</i> it [1]."]
        yield answer(abstained="World Cup" in question, question=question)


@pytest.fixture
def fake(monkeypatch):
    f = FakePipeline()
    monkeypatch.setattr(pipeline, "ask_stream", f)
    monkeypatch.setattr(ui, "source_lookup", lambda settings: lookup)
    return f


def test_respond_streams_then_replaces_with_verified_answer(fake):
    steps = list(ui.respond(Settings(), "Who led the survey?", ui.new_session(), 4, ui.BUNDLED))
    streamed = [msgs[-1]["content"] for msgs, _ in steps[:-1]]
    assert "rag-streaming" in streamed[0] and "Ana Ferreyra &lt;i&gt;led" in streamed[-1]
    final_msgs, session = steps[-1]
    assert [m["role"] for m in final_msgs] == ["user", "assistant"]
    assert "rag-final" in final_msgs[-1]["content"] and "<mark>" in final_msgs[-1]["content"]
    assert session["history"] == [
        {"role": "user", "content": "Who led the survey?"},
        {"role": "assistant", "content": "Ana Ferreyra <i>led</i> it [1]."},
    ]
    assert fake.calls[0]["settings"].k == 4 and fake.calls[0]["settings"].model == ""


def test_follow_up_gets_history_and_sessions_stay_apart(fake):
    *_, (_, first) = ui.respond(Settings(), "Who led the survey?", ui.new_session())
    *_, (msgs, second) = ui.respond(Settings(), "When?", first)
    assert fake.calls[1]["history"] == first["history"] and len(second["history"]) == 4 and len(msgs) == 4
    *_, (other_msgs, other) = ui.respond(Settings(), "Who won the World Cup?", ui.new_session())
    assert fake.calls[2]["history"] == [] and len(other_msgs) == 2
    assert "rag-abstained" in other_msgs[-1]["content"]
    assert len(first["history"]) == 2  # earlier state objects are not mutated


def test_respond_shows_errors_and_ignores_empty_input(fake):
    session = ui.new_session()
    *_, (msgs, after) = ui.respond(Settings(), "bad", session)
    assert "rag-error" in msgs[-1]["content"] and "no words" in msgs[-1]["content"]
    assert after is session and after["history"] == []
    assert list(ui.respond(Settings(), "   ", session)) == [([], session)]
    assert len(fake.calls) == 1


def test_ask_json(fake):
    data = ui.ask_json(Settings(), "Who led the survey?")
    assert data["text"] == "Ana Ferreyra <i>led</i> it [1]." and data["citations"][0]["marker"] == 1
    assert data["sources"] == ("zz_evil",) or data["sources"] == ["zz_evil"]


# ---------------------------------------------------------------- the app itself, served


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_app_serves_ask_endpoint_and_nothing_else(fake, tmp_path):
    from gradio_client import Client

    demo = ui.build_app(Settings(index_dir=tmp_path / "index"))
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        result = client.predict("Who led the survey?", api_name="/ask")
        assert result["text"] == "Ana Ferreyra <i>led</i> it [1]." and result["citations"][0]["source_id"] == "zz_evil"
        assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/ask"]
        with pytest.raises(Exception, match="no words"):
            client.predict("bad", api_name="/ask")
        import httpx

        # No file serving outside what the page shows: the repo, the index and /etc stay unreachable.
        for path in ("/file=/etc/passwd", "/gradio_api/file=/etc/passwd", "/file=pyproject.toml"):
            assert httpx.get(f"http://127.0.0.1:{port}{path}").status_code >= 400
    finally:
        demo.close()
