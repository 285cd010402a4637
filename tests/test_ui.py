"""Fast tests of the chat UI: HTML rendering, one turn with a fake pipeline, and the /ask endpoint.

No model is loaded: `rag.pipeline.ask_stream` is replaced by a fake that streams a fixed answer.
"""

from __future__ import annotations

import os
import re
import socket

import pytest

from rag import pipeline
from rag.errors import QuestionError
from rag.filters import DATE_FORMS, make_filter
from rag.results import Answer, Citation, Hit, Source
from rag.serve import chat, chat_filters, html
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
    out = html.esc('<script>alert("x")</script>\nline & two\r\n')
    assert "<script" not in out and "&lt;script&gt;" in out and "&amp;" in out and "&quot;" in out
    assert "\n" not in out and "\r" not in out and out.count("<br>") == 2


def test_citation_escapes_article_and_marks_quote():
    out = html.citation_html(cite(), EVIL)
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert f"<mark>{QUOTE}</mark>" in out
    assert "[1]" in out and "<code>zz_evil</code>" in out and "Lithium &lt;b&gt;notes&lt;/b&gt;" in out
    assert "<details><summary>Whole article" in out
    assert tags(out) <= ALLOWED_TAGS


def test_passage_is_a_window_around_the_quote():
    text = ("word " * 400) + QUOTE + (" word" * 400)
    start = text.index(QUOTE)
    out = html.passage_html(text, start, start + len(QUOTE))
    assert out.startswith("… ") and out.endswith(" …")
    assert f"<mark>{QUOTE}</mark>" in out
    shown = out.replace("<mark>", "").replace("</mark>", "")
    assert len(QUOTE) + 2 * html.CONTEXT_CHARS - 10 <= len(shown) <= len(QUOTE) + 2 * html.CONTEXT_CHARS + 4
    assert "wor " not in shown and " ord" not in shown  # cut between words


def test_window_edges_do_not_start_with_a_line_break():
    text = "x" * 50 + "\n\nQuote here. Then more\n\n" + "y" * 50
    start = text.index("Quote")
    out = html.passage_html(text, start, start + len("Quote here."), context=20)
    assert out == "… <mark>Quote here.</mark> Then more …"


def test_short_article_is_shown_whole_without_ellipsis():
    out = html.passage_html("A b. Quote here. C d.", 5, 16)
    assert out == "A b. <mark>Quote here.</mark> C d."


def test_long_titles_and_hits_are_shortened():
    long_hit = Hit("s", "s#0", "word " * 500, 0, 2500, 0.1, "A very long first line " * 20, 1)
    out = html.hit_html(long_hit, None)
    title = re.search(r'<span class="rag-title">(.*?)</span>', out).group(1)
    assert len(title) <= html.TITLE_CHARS + 2 and title.endswith("…")
    passage = re.search(r'<div class="rag-passage">(.*?)</div>', out).group(1)
    assert passage.endswith("word …") and len(passage) <= 2 * html.CONTEXT_CHARS + 2


def test_passages_drop_blank_lines_but_the_whole_article_keeps_them():
    text = "First para.\n\nQuote here.\n\nLast para."
    out = html.citation_html(cite(text=text, quote="Quote here."), text)
    passage = re.search(r'<div class="rag-passage">(.*?)</div>', out).group(1)
    assert passage == "First para.<br><mark>Quote here.</mark><br>Last para."
    assert "First para.<br><br><mark>Quote here.</mark>" in out


def test_the_answer_phrase_is_highlighted_inside_its_sentence():
    text = "Before. The deal was signed by Ana Ferreyra in May. After."
    start, end = text.index("The deal"), text.index("May.") + 4
    ps = text.index("Ana")
    c = Citation("s", "s#0", text[start:end], start, end, 1, "T", ps, ps + len("Ana Ferreyra"))
    out = html.citation_html(c, text)
    assert '<mark>The deal was signed by <strong class="rag-phrase">Ana Ferreyra</strong> in May.</mark>' in out
    # No phrase (an open answer or yes/no): the sentence alone is marked.
    plain = html.citation_html(Citation("s", "s#0", text[start:end], start, end, 1, "T"), text)
    assert "rag-phrase" not in plain and f"<mark>{text[start:end]}</mark>" in plain


def test_citation_shows_title_outlet_and_date_escaped():
    out = html.citation_html(cite(outlet="Andes <i>Herald</i> & Co", date="2024-05-20"), EVIL)
    head = re.search(r'<div class="rag-cite-head">(.*?)</div>', out).group(1)
    about = re.sub(r"<[^>]+>", "", head.split("</code>", 1)[1]).strip()
    assert about == "Lithium &lt;b&gt;notes&lt;/b&gt; · Andes &lt;i&gt;Herald&lt;/i&gt; &amp; Co · 2024-05-20"
    assert "<i>" not in out and tags(out) <= ALLOWED_TAGS
    # What the article does not state is left out, with no stray separator.
    for kw, shown in (
        ({"date": "2024-05-20"}, "Lithium &lt;b&gt;notes&lt;/b&gt; · 2024-05-20"),
        ({"title": "", "outlet": "Pampa Post"}, "Pampa Post"),
        ({"title": ""}, ""),
    ):
        head = re.search(r'<div class="rag-cite-head">(.*?)</div>', html.citation_html(cite(**kw), EVIL)).group(1)
        assert re.sub(r"<[^>]+>", "", head.split("</code>", 1)[1]).strip() == shown
    assert 'class="rag-about"' not in html.citation_html(cite(title=""), EVIL)


def test_citation_falls_back_to_quote_when_source_changed():
    for source in (None, "completely different text now"):
        out = html.citation_html(cite(quote="<script>x</script> q", text="aa <script>x</script> q bb"), source)
        assert "<mark>&lt;script&gt;x&lt;/script&gt; q</mark>" in out and "<details>" not in out


def test_answer_html_with_evidence():
    out = html.answer_html(answer(), lookup)
    assert "rag-final" in out and "rag-abstain" not in out
    assert 'Ana Ferreyra &lt;i&gt;led&lt;/i&gt; it <span class="rag-marker">[1]</span>.' in out
    assert "Evidence" in out and f"<mark>{QUOTE}</mark>" in out
    assert "m.gguf" in out and "1.5 s" in out
    assert "\n" not in out and "<script" not in out
    assert tags(out) <= ALLOWED_TAGS


def test_abstention_renders_differently_with_closest_passages():
    out = html.answer_html(answer(abstained=True), lookup)
    assert "rag-abstained" in out and "rag-abstain-box" in out and "Not in your documents" in out
    assert "Closest passages" in out and "Evidence<" not in out
    assert out.count('class="rag-hit"') == 3  # hits[:3]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "<script" not in out
    assert "\n" not in out


def test_streaming_and_error_html_escape():
    assert "&lt;b&gt;" in html.streaming_html("<b>") and "rag-streaming" in html.streaming_html("")
    err = html.error_html("No index in <dir>")
    assert "rag-error" in err and "&lt;dir&gt;" in err


def test_index_info_html():
    manifest = {"count": 13, "built_at": "2026-11-23T14:54:07+0000", "embed_model": "mini<lm>", "sources": {"a": 1}}
    out = html.index_info_html(manifest, "idx")
    text = re.sub(r"<[^>]+>", " ", out)
    assert re.search(r"Sources\s+1\s+Chunks\s+13\s+Built\s+2026-11-23 14:54:07", text)
    assert tags(out) <= ALLOWED_TAGS
    assert "mini&lt;lm&gt;" in out
    missing = html.index_info_html(None, "idx")
    assert "rag-error" in missing and "Rebuild index" in missing


def test_index_info_reads_the_live_manifest(tmp_path):
    assert "No index" in chat.index_info(Settings(index_dir=tmp_path))
    (tmp_path / "CURRENT").write_text("garbage")
    assert "damaged" in chat.index_info(Settings(index_dir=tmp_path))


def test_model_choices(tmp_path, monkeypatch):
    monkeypatch.setattr(chat, "MODELS_DIR", tmp_path / "none")
    assert chat.model_choices(Settings()) == [
        ("Default (Qwen2.5-Coder-1.5B-Instruct)", chat.BUNDLED),
        ("Small (SmolLM2-135M-Instruct)", "smollm2-135m"),
    ]
    (tmp_path / "b.gguf").write_bytes(b"GGUF")
    (tmp_path / "a.gguf").write_bytes(b"GGUF")
    (tmp_path / "notes.txt").write_text("x")
    monkeypatch.setattr(chat, "MODELS_DIR", tmp_path)
    values = [v for _, v in chat.model_choices(Settings())]
    assert values == [chat.BUNDLED, "smollm2-135m", str(tmp_path / "a.gguf"), str(tmp_path / "b.gguf")]
    values = [v for _, v in chat.model_choices(Settings(model="/elsewhere/x.gguf"))]
    assert values[2] == "/elsewhere/x.gguf"


def test_request_settings():
    s = chat.request_settings(Settings(), 5.0, chat.BUNDLED)
    assert s.k == 5 and s.model == ""
    assert chat.request_settings(Settings(model="x.gguf"), None, "/m/y.gguf").model == "/m/y.gguf"


# ---------------------------------------------------------------- one turn with a fake pipeline


class FakePipeline:
    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, question, *, settings=None, history=None, since=None, until=None, outlet=None):
        where = {"since": since, "until": until, "outlet": outlet}
        self.calls.append({"question": question, "settings": settings, "history": history, "where": where})
        if question == "bad":
            raise QuestionError("The question has no words in it.")
        make_filter(since, until, outlet)  # a bad date raises FilterError, as the pipeline's does
        yield from ["Ana ", "Ferreyra", " <i>led</i> it [1]."]
        yield answer(abstained="World Cup" in question, question=question)


@pytest.fixture
def fake(monkeypatch):
    f = FakePipeline()
    monkeypatch.setattr(pipeline, "ask_stream", f)
    monkeypatch.setattr(chat, "source_lookup", lambda settings: lookup)
    return f


def test_respond_streams_then_replaces_with_verified_answer(fake):
    steps = list(chat.respond(Settings(), "Who led the survey?", chat.new_session(), 4, chat.BUNDLED))
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
    *_, (_, first) = chat.respond(Settings(), "Who led the survey?", chat.new_session())
    *_, (msgs, second) = chat.respond(Settings(), "When?", first)
    assert fake.calls[1]["history"] == first["history"] and len(second["history"]) == 4 and len(msgs) == 4
    *_, (other_msgs, other) = chat.respond(Settings(), "Who won the World Cup?", chat.new_session())
    assert fake.calls[2]["history"] == [] and len(other_msgs) == 2
    assert "rag-abstained" in other_msgs[-1]["content"]
    assert len(first["history"]) == 2  # earlier state objects are not mutated


def test_respond_shows_errors_and_ignores_empty_input(fake):
    session = chat.new_session()
    *_, (msgs, after) = chat.respond(Settings(), "bad", session)
    assert "rag-error" in msgs[-1]["content"] and "no words" in msgs[-1]["content"]
    assert after is session and after["history"] == []
    assert list(chat.respond(Settings(), "   ", session)) == [([], session)]
    assert len(fake.calls) == 1


def test_filters_reach_ask_stream_and_show_under_the_question(fake):
    asked = {"since": " 2024-05 ", "until": "2024-06-30", "outlets": ["Andes <Herald>"]}
    *_, (msgs, session) = chat.respond(Settings(), "Who led the survey?", chat.new_session(), 4, chat.BUNDLED, **asked)
    assert fake.calls[0]["where"] == {"since": "2024-05", "until": "2024-06-30", "outlet": ["Andes <Herald>"]}
    assert "rag-final" in msgs[-1]["content"] and len(session["history"]) == 2
    note = re.search(r'<div class="rag-meta rag-filter">(.*?)</div>', msgs[0]["content"]).group(1)
    assert note == "Only articles published 2024-05 to 2024-06-30, from Andes &lt;Herald&gt;"
    # Empty boxes and no outlet picked: no filter at all, and no note.
    *_, (msgs, _) = chat.respond(Settings(), "Who led the survey?", chat.new_session(), None, None, "  ", "", [])
    assert fake.calls[1]["where"] == {"since": None, "until": None, "outlet": None}
    assert "rag-filter" not in msgs[0]["content"]
    *_, (msgs, _) = chat.respond(Settings(), "Who?", chat.new_session(), None, None, "", "2023", ["A", "B"])
    assert fake.calls[2]["where"] == {"since": None, "until": "2023", "outlet": ["A", "B"]}
    assert "Only articles published until 2023, from A or B" in msgs[0]["content"]
    *_, (msgs, _) = chat.respond(Settings(), "Who?", chat.new_session(), None, None, "2024-05", "2024-05", [])
    assert "Only articles published in 2024-05</div>" in msgs[0]["content"]


@pytest.mark.parametrize(
    ("since", "until", "said"),
    [
        ("2024-13", "", "Published from '2024-13' is not a date rag reads: write " + DATE_FORMS + "."),
        ("", "May 2024", "Published to 'May 2024' is not a date rag reads: write " + DATE_FORMS + "."),
        ("2024-06", "2024-05", "Published from 2024-06-01 is after 2024-05-31: give a range whose start comes first."),
    ],
)
def test_a_bad_date_shows_a_one_line_error_in_the_chat(fake, since, until, said):
    session = chat.new_session()
    *_, (msgs, after) = chat.respond(Settings(), "Who led the survey?", session, None, None, since, until, [])
    assert [m["role"] for m in msgs] == ["user", "assistant"]
    assert msgs[-1]["content"] == html.error_html(said) and "<br>" not in msgs[-1]["content"]
    assert after is session and after["history"] == [] and fake.calls == []


def test_outlet_choices_are_the_distinct_outlets_of_the_index(monkeypatch, tmp_path):
    rows = [
        Source("a", "T", "The Roar | Sports Writers Blog", "", "2024-01-02", 3),
        Source("b", "T", "andes  herald", "", "", 1),
        Source("c", "T", "", "Jane Doe", "2024-01-02", 1),
        Source("d", "T", "Andes Herald", "", "", 1),
        Source("e", "T", "BBC", "", "", 1),
    ]
    assert chat_filters.outlet_choices(rows) == ["andes herald", "BBC", "The Roar | Sports Writers Blog"]
    assert chat_filters.indexed_outlets(Settings(index_dir=tmp_path / "none")) == []  # no index yet
    monkeypatch.setattr(pipeline, "sources", lambda settings: rows)
    demo = chat.build_app(Settings(index_dir=tmp_path / "index"))
    picker = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "outlets")
    assert [value for _, value in picker.choices] == ["andes herald", "BBC", "The Roar | Sports Writers Blog"]
    assert picker.multiselect and picker.value == []
    boxes = {b.elem_id: b for b in demo.blocks.values() if getattr(b, "elem_id", None) in ("since", "until")}
    assert boxes["since"].label == "Published from" and boxes["until"].label == "to"
    assert all(b.placeholder == chat_filters.DATE_PLACEHOLDER for b in boxes.values())


def test_outlets_are_read_once_per_index_version(monkeypatch, tmp_path):
    reads = []

    def sources(settings):
        reads.append(settings.index_dir)
        return [Source("a", "T", f"Outlet {len(reads)}", "", "", 1)]

    monkeypatch.setattr(pipeline, "sources", sources)
    settings = Settings(index_dir=tmp_path)
    (tmp_path / "CURRENT").write_text("v1")
    assert chat_filters.indexed_outlets(settings) == chat_filters.indexed_outlets(settings) == ["Outlet 1"]
    (tmp_path / "CURRENT").write_text("v2")  # a rebuild switched versions
    assert chat_filters.indexed_outlets(settings) == ["Outlet 2"] and len(reads) == 2


def test_ask_json(fake):
    data = chat.ask_json(Settings(), "Who led the survey?")
    assert data["text"] == "Ana Ferreyra <i>led</i> it [1]." and data["citations"][0]["marker"] == 1
    assert data["sources"] == ("zz_evil",) or data["sources"] == ["zz_evil"]
    assert fake.calls[0]["where"] == {"since": None, "until": None, "outlet": None}
    chat.ask_json(Settings(), "Who led the survey?", since="2024", until="2024-06", outlet="Andes Herald")
    assert fake.calls[1]["where"] == {"since": "2024", "until": "2024-06", "outlet": "Andes Herald"}


# ---------------------------------------------------------------- the app itself, served


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_app_serves_ask_endpoint_and_nothing_else(fake, tmp_path):
    from gradio_client import Client

    demo = chat.build_app(Settings(index_dir=tmp_path / "index"))
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        result = client.predict("Who led the survey?", api_name="/ask")
        assert result["text"] == "Ana Ferreyra <i>led</i> it [1]." and result["citations"][0]["source_id"] == "zz_evil"
        assert fake.calls[-1]["where"] == {"since": None, "until": None, "outlet": None}
        assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/ask"]
        with pytest.raises(Exception, match="no words"):
            client.predict("bad", api_name="/ask")
        # The filters, by name: one outlet or several.
        client.predict("Who led the survey?", since="2024-05", until="2024", outlet="Andes Herald", api_name="/ask")
        assert fake.calls[-1]["where"] == {"since": "2024-05", "until": "2024", "outlet": "Andes Herald"}
        client.predict("Who led the survey?", outlet=["Andes Herald", "BBC"], api_name="/ask")
        assert fake.calls[-1]["where"] == {"since": None, "until": None, "outlet": ["Andes Herald", "BBC"]}
        with pytest.raises(Exception, match="is not a date rag reads"):
            client.predict("Who led the survey?", since="May", api_name="/ask")
        import httpx

        # No file serving outside what the page shows: the repo, the index and /etc stay unreachable.
        for path in ("/file=/etc/passwd", "/gradio_api/file=/etc/passwd", "/file=pyproject.toml"):
            assert httpx.get(f"http://127.0.0.1:{port}{path}").status_code >= 400
    finally:
        demo.close()
