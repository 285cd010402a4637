"""The public entry points: `build_index`, `search`, `ask` and `ask_stream`.

Covers: resolving settings, keeping one loaded embedder, index and GGUF model
per process (reloading the index when a build has switched versions), and
wiring a question through retrieve -> select evidence -> compose -> check -> cite.

Each step lives in its own module; this one only connects them.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .answer.citing import NOT_IN_DOCUMENTS, cite, pieces, render
from .answer.compose import compose
from .answer.evidence import candidate_sentences, score_sentences
from .answer.gate import answer_gate
from .answer.model import Scorer, get_generator, resolve_model_path
from .answer.records import Draft
from .errors import QuestionError
from .filters import make_filter
from .index.build import build_index as _build_index
from .index.build import index_config
from .index.embedding import Embedder, TextEmbedder
from .ingest.chunking import article_head
from .question import two_part
from .question.follow_up import standalone_question
from .question.form import analyse
from .question.request import without_request
from .results import Answer, Hit, IndexStats, Progress, Source
from .retrieve import catalog, named_outlets
from .retrieve.hybrid import Retriever
from .settings import Settings
from .store import Store, store_location

_lock = threading.Lock()
_embedders: dict[tuple[str, str, str], Embedder] = {}
_stores: dict[tuple[str, str, str], Store] = {}


def _settings(settings: Settings | None, **overrides: object) -> Settings:
    base = settings or Settings.from_env()
    return base.replace(**overrides)


def get_embedder(settings: Settings) -> Embedder:
    from .index.cpu import resolve_embed_dtype

    key = (settings.embed_model, resolve_embed_dtype(settings.embed_dtype), settings.embed_backend)
    with _lock:
        if key not in _embedders:
            _embedders[key] = Embedder.from_settings(settings)
        return _embedders[key]


def get_retriever(settings: Settings, embedder: TextEmbedder | None = None) -> Retriever:
    """A retriever over the live version of settings.index_dir.

    The loaded index is shared by every caller with the same embedder and
    chunking, whatever their k or model, and reloaded only when a build has
    switched versions; the Retriever itself is a cheap wrapper.
    """
    where = store_location(settings)  # the folder settings.index_dir, or settings.store
    version = where.version()
    embedder = embedder or get_embedder(settings)
    config = index_config(settings, embedder)
    folder = where.key
    key = (folder, version, repr(config))
    with _lock:
        store = _stores.get(key)
    if store is None:
        store = where.open(config)
        _single_threaded_search()
        with _lock:
            for old in [k for k in _stores if k[0] == folder]:
                del _stores[old]
            _stores[key] = store
    return Retriever(store, embedder, settings)


def _single_threaded_search() -> None:
    # One query at a time: FAISS's two threads mostly wait on each other (16 ms
    # against 0.3 ms at 10k vectors on a loaded 2-core machine, docs/benchmarks.md).
    import faiss

    faiss.omp_set_num_threads(1)


def build_index(
    source_dir: str | Path | None = None,
    index_dir: str | Path | None = None,
    *,
    rebuild: bool = False,
    progress: bool = False,
    settings: Settings | None = None,
    embedder: TextEmbedder | None = None,
) -> IndexStats:
    """Index (or incrementally update the index of) a folder of articles."""
    s = _settings(settings, source_dir=source_dir, index_dir=index_dir)
    return _build_index(s, rebuild=rebuild, progress=progress, embedder=embedder or get_embedder(s))


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def check_question(question: object, max_chars: int) -> str:
    """The question, stripped; a QuestionError says how to fix an unusable one."""
    if not isinstance(question, str):
        raise QuestionError(f"The question must be text, not {type(question).__name__}.")
    question = _ANSI.sub(" ", question)  # terminal colour codes pasted with a question
    cleaned = "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in question).strip()
    if not cleaned:
        raise QuestionError("The question is empty: type a question about your articles.")
    if len(cleaned) > max_chars:
        raise QuestionError(
            f"The question is {len(cleaned):,} characters long; the limit is {max_chars:,} "
            "(RAG_MAX_QUESTION_CHARS). Ask a shorter question."
        )
    if not any(ch.isalnum() for ch in cleaned):
        raise QuestionError("The question has no words in it: type a question about your articles.")
    return cleaned


def search(
    query: str,
    k: int = 10,
    index_dir: str | Path | None = None,
    *,
    settings: Settings | None = None,
    embedder: TextEmbedder | None = None,
    since: str | None = None,
    until: str | None = None,
    outlet: str | Iterable[str] | None = None,
) -> list[Hit]:
    """The k chunks that best match the query, best first; `since`, `until` (YYYY-MM-DD, YYYY-MM
    or YYYY) and `outlet` (one name or several) keep the search to the articles they allow."""
    s = _settings(settings, index_dir=index_dir)
    query = check_question(query, s.max_question_chars)
    where = make_filter(since, until, outlet)
    return get_retriever(s, embedder).search(query, k, where=where)


def sources(
    index_dir: str | Path | None = None,
    *,
    settings: Settings | None = None,
    since: str | None = None,
    until: str | None = None,
    outlet: str | Iterable[str] | None = None,
) -> list[Source]:
    """The indexed articles, with their titles, outlets, dates and chunk counts (those the filter allows)."""
    s = _settings(settings, index_dir=index_dir)
    where = make_filter(since, until, outlet)
    return catalog.sources(store_location(s).open(), where)


def ask(
    question: str,
    *,
    index_dir: str | Path | None = None,
    k: int | None = None,
    model: str | None = None,
    history: list | None = None,
    settings: Settings | None = None,
    generator: Scorer | None = None,
    embedder: TextEmbedder | None = None,
    since: str | None = None,
    until: str | None = None,
    outlet: str | Iterable[str] | None = None,
) -> Answer:
    """Answer a question from the indexed articles, with verified citations; `since`, `until` and
    `outlet` keep it to the articles they allow (as in `search`)."""
    stream = ask_stream(
        question, index_dir=index_dir, k=k, model=model, history=history, settings=settings, generator=generator,
        embedder=embedder, since=since, until=until, outlet=outlet,
    )  # fmt: skip
    return final_answer(stream)


def final_answer(
    stream: Iterable[str | Progress | Answer],
    on_text: Callable[[str], object] | None = None,
    on_progress: Callable[[Progress], object] | None = None,
) -> Answer:
    """The `Answer` an `ask_stream` ends with; on_text(piece) sees each text piece before it, on_progress
    each `Progress`."""
    answer = None
    for item in stream:
        if isinstance(item, Answer):
            answer = item
        elif isinstance(item, Progress):
            if on_progress is not None:
                on_progress(item)
        elif on_text is not None:
            on_text(item)
    assert answer is not None  # ask_stream always ends with an Answer
    return answer


def ask_stream(
    question: str,
    *,
    index_dir: str | Path | None = None,
    k: int | None = None,
    model: str | None = None,
    history: list | None = None,
    settings: Settings | None = None,
    generator: Scorer | None = None,
    embedder: TextEmbedder | None = None,
    since: str | None = None,
    until: str | None = None,
    outlet: str | Iterable[str] | None = None,
) -> Iterator[str | Progress | Answer]:
    """Yield what it is doing (`Progress`), the answer's text in pieces, then the checked `Answer`.

    The text pieces add up to `Answer.text`. The answer is composed for the question's form
    (a phrase, a list, yes/no, or sentences), every claim checked against its evidence;
    a claim that fails the check is dropped, and with none left the answer abstains.
    `since`, `until` and `outlet` keep the search to the articles they allow.
    """
    t0 = time.perf_counter()
    s = _settings(settings, index_dir=index_dir, k=k, model=model)
    question = check_question(question, s.max_question_chars)
    where = make_filter(since, until, outlet)
    asked = two_part.split(question)
    if len(asked) > 1:  # two questions in one: each answered, then joined (a partial answer if one is not)

        def answer(part: str, earlier: list) -> Answer:
            return final_answer(
                ask_stream(part, index_dir=index_dir, k=k, model=model, history=earlier, settings=settings,
                           generator=generator, embedder=embedder, since=since, until=until, outlet=outlet)
            )  # fmt: skip

        first = answer(asked[0], history or [])
        second = answer(asked[1], [*(history or []), {"role": "user", "content": asked[0]}])
        joined = two_part.join(question, asked, [first, second], NOT_IN_DOCUMENTS)
        yield from pieces(joined.text)
        yield joined
        return
    if generator is None:
        resolve_model_path(s.model, s.cache_dir)  # a bad --model is reported at once, even when the answer abstains
    retriever = get_retriever(s, embedder)
    store = retriever.store
    query = standalone_question(question, history or [])
    form = analyse(question)
    searched = without_request(query)  # "List the companies ...": searched as "the companies ..."
    qvec = retriever.query_vector(searched)
    if where is not None and not catalog.sources(store, where):
        text = f"No indexed article matches the filter ({where.describe()}): widen it, or see `rag sources`."
        yield from pieces(text)
        yield Answer(question, text, (), True, (), (), {"total": time.perf_counter() - t0})
        return
    hits = tuple(retriever.search(searched, s.k, query_vector=qvec, where=where))
    # "as TechCrunch reported": its articles too
    hits += named_outlets.named_hits(retriever, searched, qvec, hits, where)
    evidence = candidate_sentences(hits)
    svecs = retriever.embedder.encode([e.text for e in evidence])
    scored = score_sentences(searched, evidence, qvec, svecs, store.idf, form)
    timings = {"retrieval": time.perf_counter() - t0}
    drafts: list[Draft] = []
    trace: dict = {}
    model_name = ""
    texts: dict[str, str | None] = {}  # each source's stored text, read once per question

    def text_of(source_id: str) -> str | None:
        if source_id not in texts:
            texts[source_id] = source_text(store, source_id)
        return texts[source_id]

    if scored and scored[0].score >= s.abstain_threshold:
        scorer = generator or get_generator(s.model, s.n_ctx, s.n_threads, s.cache_dir)
        model_name = scorer.name
        tg = time.perf_counter()
        passages: dict[str, str] = {}  # each article's head (title, byline, date) and retrieved text
        for h in hits:
            if h.source_id not in passages:
                head = article_head(text_of(h.source_id) or "") or h.title
                passages[h.source_id] = catalog.with_dateline(head, catalog.source_infos(store).get(h.source_id))
            passages[h.source_id] = f"{passages[h.source_id]} {h.text}"
        yield Progress(f"Reading {len(hits)} passages from {len(passages)} article(s)…")
        # The model ranks phrases of the evidence, at its own gate (rag/answer/gate.py).
        gate = answer_gate(scorer.identity, s.answer_gate)
        drafts = compose(query, form, scored, store.idf, scorer, passages, text_of, gate)
        if drafts and drafts[0].score is not None:
            trace["score"] = drafts[0].score
        timings["generation"] = time.perf_counter() - tg
    cites, claims = cite(drafts, text_of)
    cites = tuple(catalog.dressed(c, store) for c in cites)  # title, outlet and date of each article
    if not claims:
        text, cites, claims = NOT_IN_DOCUMENTS, (), ()
    else:
        text = render(form.kind, claims, cites)
    timings["first_token"] = time.perf_counter() - t0
    yield from pieces(text)
    timings["total"] = time.perf_counter() - t0
    sources = tuple(dict.fromkeys(c.source_id for c in cites))
    yield Answer(
        question,
        text,
        cites,
        not claims,
        sources,
        hits,
        timings,
        model_name if claims else "",
        claims,
        form.kind,
        trace,
    )


def source_text(store: Store, source_id: str) -> str | None:
    """The indexed text of a source, or None when the index does not hold it."""
    record = store.source(source_id)
    return record.text if record else None
