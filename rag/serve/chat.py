"""The browser chat (`rag ui`): a Gradio app over `rag.pipeline.ask_stream`.

Covers: a chat that streams each answer and then replaces it with the verified
text; under each answer its evidence (every quote highlighted in its passage,
expandable to the whole article, under its title, outlet and date) or, for an
abstention, a distinct box and the closest passages; a side panel with what is
indexed, a publication date range and an outlet picker that keep the search to the
articles they allow (rag/serve/chat_filters.py), `k`, the GGUF model and a "Rebuild index"
button; one JSON endpoint, `/ask` (a question, and optionally `since`, `until` and
`outlet`); per-tab conversations.

Does not: retrieve, generate or verify (pipeline does), serve any file, or
listen beyond 127.0.0.1 unless told to. Every string that comes from an
article, the model or the user is HTML-escaped here before it reaches the page.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import pipeline
from ..errors import RagError
from ..results import Answer, Progress
from ..settings import Settings
from ..store import store_location
from .chat_filters import DATE_PLACEHOLDER, SINCE_LABEL, UNTIL_LABEL, filter_args, indexed_outlets, picked_outlets
from .html import (
    CSS,
    SourceLookup,
    answer_html,
    error_html,
    esc,
    index_info_html,
    question_html,
    streaming_html,
)

if TYPE_CHECKING:
    import gradio as gr

BUNDLED = "bundled"  # dropdown value for Settings.model == "" (the default, Qwen2.5-Coder-1.5B)
MODELS_DIR: Path | None = None  # extra GGUF models: Settings.models_dir unless set here


def new_session() -> dict:
    """Per-tab state: what the chat shows, and the plain-text turns sent back as history."""
    return {"display": [], "history": []}


def model_choices(settings: Settings) -> list[tuple[str, str]]:
    """(label, value) pairs: the default and the small bundled model, then the *.gguf files in the models
    folder (Settings.models_dir)."""
    from ..answer.model_parts import SMALL_NAME

    choices = [("Default (Qwen2.5-Coder-1.5B-Instruct)", BUNDLED), ("Small (SmolLM2-135M-Instruct)", SMALL_NAME)]
    folder = MODELS_DIR or settings.models_dir
    found = sorted(folder.glob("*.gguf")) if folder.is_dir() else []
    if (
        settings.model
        and settings.model != SMALL_NAME
        and Path(settings.model).resolve() not in [p.resolve() for p in found]
    ):
        found.insert(0, Path(settings.model))
    choices += [(p.name, str(p)) for p in found]
    return choices


def source_lookup(settings: Settings) -> SourceLookup:
    """source_id -> article text from the live index (None when unavailable), cached per answer."""
    try:
        store = pipeline.get_retriever(settings).store
    except RagError:
        return lambda _sid: None
    cache: dict[str, str | None] = {}

    def lookup(source_id: str) -> str | None:
        if source_id not in cache:
            cache[source_id] = pipeline.source_text(store, source_id)
        return cache[source_id]

    return lookup


def request_settings(settings: Settings, k: float | None, model: str | None) -> Settings:
    model_path = "" if not model or model == BUNDLED else model
    return settings.replace(k=int(k) if k else None, model=model_path)


def respond(
    settings: Settings,
    question: str,
    session: dict,
    k: float | None = None,
    model: str | None = None,
    since: str | None = None,
    until: str | None = None,
    outlets: list[str] | None = None,
) -> Iterator[tuple[list[dict], dict]]:
    """Stream one turn: yields (chat messages, session) as the answer grows, then the final ones.

    since / until / outlets: the side panel's date range and picked outlets (empty: no filter).
    """
    if not question or not question.strip():
        yield list(session["display"]), session  # an empty submit changes nothing
        return
    s = request_settings(settings, k, model)
    asked = question_html(question, since or "", until or "", picked_outlets(outlets))
    display = [*session["display"], {"role": "user", "content": asked}]
    yield [*display, {"role": "assistant", "content": streaming_html("")}], session
    text, answer = "", None
    try:
        where = filter_args(since, until, outlets)
        for item in pipeline.ask_stream(question, settings=s, history=list(session["history"]), **where):
            if isinstance(item, Answer):
                answer = item
            elif isinstance(item, Progress):
                yield [*display, {"role": "assistant", "content": streaming_html(item.message)}], session
            else:
                text += item
                yield [*display, {"role": "assistant", "content": streaming_html(text)}], session
    except RagError as exc:
        # A problem the user can fix (empty question, bad date, no index, bad model): say so, keep no turn.
        yield [*display, {"role": "assistant", "content": error_html(str(exc))}], session
        return
    if answer is None:  # pragma: no cover - ask_stream always ends with an Answer
        yield [*display, {"role": "assistant", "content": error_html("No answer was produced.")}], session
        return
    display.append({"role": "assistant", "content": answer_html(answer, source_lookup(s))})
    history = [
        *session["history"],
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer.text},
    ]
    yield display, {"display": display, "history": history}


def ask_json(
    settings: Settings,
    question: str,
    since: str | None = None,
    until: str | None = None,
    outlet: str | list[str] | None = None,
) -> dict[str, Any]:
    """The /ask endpoint's work: the final Answer of `ask_stream` (kept to the articles `since`,
    `until` and `outlet` allow, as in `pipeline.ask`), as a JSON-ready dict."""
    stream = pipeline.ask_stream(question, settings=settings, since=since, until=until, outlet=outlet)
    return dataclasses.asdict(pipeline.final_answer(stream))


def index_info(settings: Settings) -> str:
    where = store_location(settings)
    try:
        manifest = where.manifest_json()
    except RagError as exc:
        return index_info_html(None, where.label, str(exc))
    return index_info_html(manifest, where.label)


def rebuild_source_dir(settings: Settings) -> Path:
    """Rebuild from the folder the live index was built from; settings.source_dir if there is none."""
    try:
        manifest = store_location(settings).manifest_json()
    except RagError:
        manifest = None
    recorded = manifest.get("source_dir") if manifest else None
    return Path(recorded) if recorded and Path(recorded).is_dir() else Path(settings.source_dir)


# ---------------------------------------------------------------- the Gradio app


def build_app(settings: Settings) -> gr.Blocks:
    """The chat app, not yet launched (call `.launch()` on it, or use `launch`)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home: the tool is private
    import gradio as gr

    choices = model_choices(settings)
    default_model = str(settings.model) if settings.model else BUNDLED
    with warnings.catch_warnings():
        # Gradio 6 prefers css in launch(); keeping it here lets tests launch build_app() as is.
        warnings.filterwarnings("ignore", message=".*moved from the Blocks constructor.*")
        demo = gr.Blocks(title="rag: ask your articles", css=CSS, analytics_enabled=False)
    with demo:
        session = gr.State(new_session())
        gr.Markdown(
            "## Ask your articles\n"
            "Answers come only from the indexed articles. Each one shows its evidence: the quoted sentence, "
            "highlighted in its article. When the articles do not hold the answer, it says so."
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=260):
                gr.Markdown("### Your index")
                info = gr.HTML(index_info(settings), elem_id="index-info")
                gr.Markdown("### Search only")
                with gr.Row():
                    since = gr.Textbox(label=SINCE_LABEL, placeholder=DATE_PLACEHOLDER, elem_id="since", min_width=120)
                    until = gr.Textbox(label=UNTIL_LABEL, placeholder=DATE_PLACEHOLDER, elem_id="until", min_width=120)
                outlets = gr.Dropdown(
                    indexed_outlets(settings),
                    value=[],
                    multiselect=True,
                    label="Outlets (none picked: all)",
                    elem_id="outlets",
                )
                k = gr.Slider(
                    1, max(20, settings.k), value=settings.k, step=1, label="Passages to retrieve (k)", elem_id="k"
                )
                model = gr.Dropdown(choices, value=default_model, label="Model (GGUF)", elem_id="model")
                rebuild = gr.Button("Rebuild index", elem_id="rebuild")
                status = gr.HTML("", elem_id="rebuild-status")
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    elem_id="chat",
                    height="68vh",
                    label="Answers from your articles, with quoted evidence",
                    placeholder="Ask a question about the indexed articles.",
                    feedback_options=None,
                    buttons=["copy", "copy_all"],  # no "share": it would upload the conversation
                )
                with gr.Row():
                    question = gr.Textbox(
                        placeholder="Ask a question and press Enter",
                        show_label=False,
                        scale=6,
                        elem_id="question",
                        autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="send")
                clear = gr.Button("New conversation", size="sm", elem_id="clear")

        def on_ask(q: str, state: dict, k_value: float, model_value: str, lo: str, hi: str, picked: list[str]):
            # Empty the box once, then leave it alone: the user may type the next question meanwhile.
            box = gr.update(value="")
            for msgs, st in respond(settings, q, state, k_value, model_value, lo, hi, picked):
                yield box, msgs, st
                box = gr.skip()

        def outlet_update(picked: list[str] | None = None):
            # The live index's outlets; an outlet picked before stays picked while the index still has it.
            choices = indexed_outlets(settings)
            return gr.update(choices=choices, value=[p for p in picked or [] if p in choices])

        def on_rebuild(picked: list[str], progress=gr.Progress(track_tqdm=True)):  # noqa: B008 - Gradio's idiom
            src = rebuild_source_dir(settings)
            progress(0, desc=f"Reading {src}")
            try:
                stats = pipeline.build_index(settings=settings.replace(source_dir=src), progress=True)
                pipeline.get_retriever(settings)  # load the new version now, not on the next question
            except RagError as exc:
                return error_html(str(exc)), index_info(settings), outlet_update(picked)
            done = f'<div class="rag-meta">Updated from {esc(str(src))}: {esc(stats.summary())}</div>'
            return done, index_info(settings), outlet_update(picked)

        # One concurrency group for everything that runs the model: a small bound on a 2-core machine.
        answer_group: dict[str, Any] = {"concurrency_id": "answer", "concurrency_limit": 2}
        # One event for Enter and the button: while an answer is pending, a second submit is ignored
        # (trigger_mode "once"), so one tab never runs two turns on the same conversation.
        asking = gr.on(
            [question.submit, send.click],
            on_ask,
            [question, session, k, model, since, until, outlets],
            [question, chat, session],
            api_visibility="private",
            trigger_mode="once",
            **answer_group,
        )
        # Starting over also stops an answer still streaming, which would otherwise bring the old turns back.
        quick: dict[str, Any] = {"api_visibility": "private", "queue": False}
        fresh: dict[str, Any] = {**quick, "cancels": [asking]}
        clear.click(lambda: ([], new_session()), None, [chat, session], **fresh)
        chat.clear(new_session, None, session, **fresh)  # the chat's own bin icon
        rebuild.click(
            on_rebuild, outlets, [status, info, outlets], api_visibility="private", concurrency_id="rebuild",
            concurrency_limit=1,
        )  # fmt: skip
        demo.load(lambda: (index_info(settings), outlet_update()), None, [info, outlets], **quick)

        def ask(
            question: str, since: str | None = None, until: str | None = None, outlet: str | list[str] | None = None
        ) -> dict:
            """Answer a question from the indexed articles; returns the Answer (text, citations, hits...).
            since / until (YYYY-MM-DD, YYYY-MM or YYYY) and outlet (one name or a list) keep it to the
            articles they allow."""
            try:
                return ask_json(settings, question, since, until, outlet)
            except RagError as exc:
                raise gr.Error(str(exc), print_exception=False) from None

        gr.api(ask, api_name="ask", **answer_group)
    demo.queue(default_concurrency_limit=2, max_size=32)
    return demo


def warm_up(settings: Settings) -> None:
    """Load what answering needs; problems are only printed here (the chat reports them per question)."""
    try:
        pipeline.get_retriever(settings)
        from ..answer.model import get_generator

        get_generator(settings.model, n_ctx=settings.n_ctx, n_threads=settings.n_threads, cache_dir=settings.cache_dir)
    except RagError as exc:
        print(f"Note: {exc}")
    except Exception as exc:  # a warm-up must never take the server down
        print(f"Note: could not preload the model: {exc!r}")


SESSIONS = 200  # Gradio's default keeps 10,000 sessions at ~50 KB each


def launch(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve the chat until interrupted. Local only unless `host` says otherwise; never shared."""
    demo = build_app(settings)
    # Load the index, embedder and model while the server starts, so the first question does not wait ~10 s.
    threading.Thread(target=warm_up, args=(settings,), daemon=True).start()
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"Warning: listening on {host}: anyone who can reach it can read your articles (no login).")
    app_kwargs: dict = {}
    if host in ("127.0.0.1", "localhost"):  # refuse other Host names (DNS rebinding)
        from starlette.middleware import Middleware
        from starlette.middleware.trustedhost import TrustedHostMiddleware

        app_kwargs["middleware"] = [Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost"])]
    demo.launch(
        server_name=host,
        server_port=port,
        share=False,
        show_error=False,
        max_file_size=1,  # the app takes no uploads
        state_session_capacity=SESSIONS,
        app_kwargs=app_kwargs,
    )
