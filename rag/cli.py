"""The `rag` command line: a thin layer over the public API.

Commands: `index` (build or update), `search`, `ask`, `ui`, `eval`. Each turns
options into `Settings`, calls the API, and prints text or `--json`. A
`RagError` becomes one line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import RagError
from .settings import Settings, offline_environment

if TYPE_CHECKING:
    from .embedding import TextEmbedder


def _friendly(func: Callable) -> Callable:
    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except RagError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper


def _settings(**options: object) -> Settings:
    return Settings.from_env().replace(**options)


def _check_options(settings: Settings) -> None:
    """A bad --answer-gate / RAG_ANSWER_GATE is reported before any index or model is loaded."""
    from .gates import gate_setting

    gate_setting(settings.answer_gate)


def _embedder() -> TextEmbedder | None:
    """An embedder handed in by whoever runs the CLI in-process (`cli(args, obj={"embedder": e})`), else None."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj.get("embedder") if isinstance(obj, dict) else None


def _dump(obj: object) -> None:
    data = dataclasses.asdict(obj) if dataclasses.is_dataclass(obj) and not isinstance(obj, type) else obj
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


index_option = click.option(
    "--index", "index_dir", type=click.Path(path_type=Path), help="Index folder [RAG_INDEX_DIR, index/]."
)
store_option = click.option(
    "--store",
    "store",
    help="Where the index lives: a Qdrant location such as qdrant+http://HOST:6333/NAME, "
    "qdrant+path:///ABS/DIR/NAME or qdrant+memory://NAME [RAG_STORE; default: the --index folder].",
)
model_option = click.option(
    "--model",
    "model",
    help="GGUF file to answer with, or qwen-1.5b (the default) or smollm2-135m (small and fast) "
    "[RAG_MODEL, qwen-1.5b].",
)
gate_option = click.option(
    "--answer-gate",
    "answer_gate",
    help="How sure a fact must be to be stated: auto (the gate measured for the model: 1.54 for the default, "
    "1.0 for smollm2-135m) or a number; higher answers less, and more surely [RAG_ANSWER_GATE, auto].",
)


@click.group()
@click.version_option(package_name="rag")
def cli() -> None:
    """Private question answering over a folder of articles, with verified citations."""


@cli.command()
@click.option(
    "--source", "source_dir", type=click.Path(path_type=Path), help="Folder of articles [RAG_SOURCE_DIR, seeds/]."
)
@index_option
@store_option
@click.option("--rebuild", is_flag=True, help="Re-embed everything instead of updating.")
@click.option(
    "--copy-from",
    "copy_from",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Copy this index folder, vectors and all, into the Qdrant --store instead of reading --source.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@_friendly
def index(
    source_dir: Path | None,
    index_dir: Path | None,
    store: str | None,
    rebuild: bool,
    copy_from: Path | None,
    as_json: bool,
) -> None:
    """Build the index of a folder, or update it with what changed."""
    from .pipeline import build_index

    settings = _settings(source_dir=source_dir, index_dir=index_dir, store=store)
    if copy_from is not None:
        from .store.copy import copy_index

        click.echo(copy_index(copy_from, settings))
        return
    progress = not as_json and sys.stderr.isatty()
    stats = build_index(settings=settings, rebuild=rebuild, progress=progress, embedder=_embedder())
    if as_json:
        _dump(stats)
        return
    for path, reason in stats.skipped_files:
        click.echo(f"skipped {path}: {reason}", err=True)
    click.echo(f"Indexed {settings.source_dir} into {stats.index_dir}: {stats.summary()}")


@cli.command()
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True, help="Hits to show.")
@index_option
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@_friendly
def search(query: str, k: int, index_dir: Path | None, store: str | None, as_json: bool) -> None:
    """Show the passages that best match QUERY."""
    from .pipeline import search as do_search

    hits = do_search(query, k=k, settings=_settings(index_dir=index_dir, store=store), embedder=_embedder())
    if as_json:
        _dump([dataclasses.asdict(h) for h in hits])
        return
    for h in hits:
        snippet = " ".join(h.text.split())
        click.echo(f"{h.rank:>3}. {h.source_id}  [{h.start}:{h.end}]  {h.score:.4f}")
        click.echo(f"     {snippet[:300]}{'…' if len(snippet) > 300 else ''}")


@cli.command()
@click.argument("question")
@index_option
@store_option
@model_option
@gate_option
@click.option("-k", "k", type=click.IntRange(1, 100), help="Passages to retrieve [RAG_K].")
@click.option("--json", "as_json", is_flag=True, help="Print the Answer as JSON.")
@_friendly
def ask(
    question: str,
    index_dir: Path | None,
    store: str | None,
    model: str | None,
    answer_gate: str | None,
    k: int | None,
    as_json: bool,
) -> None:
    """Answer QUESTION from the indexed articles, citing quoted evidence."""
    from .pipeline import ask_stream, final_answer

    settings = _settings(index_dir=index_dir, store=store, model=model, answer_gate=answer_gate, k=k)
    stream = ask_stream(question, settings=settings, embedder=_embedder())
    answer = final_answer(
        stream,
        None if as_json else lambda piece: click.echo(piece, nl=False),
        # What it is doing, for a person at a terminal; a script's stderr keeps errors only.
        (lambda p: click.echo(p.message, err=True)) if sys.stderr.isatty() and not as_json else None,
    )
    if as_json:
        _dump(answer)
        return
    click.echo()
    if answer.abstained:
        click.echo("\nClosest passages:")
        for h in answer.hits[:3]:
            click.echo(f"  {h.source_id}: {' '.join(h.text.split())[:200]}")
        return
    click.echo("\nEvidence:")
    shown: set[tuple[str, int, int]] = set()
    for c in answer.citations:
        phrase = ""
        if c.phrase_start >= 0:
            words = c.quote[c.phrase_start - c.start : c.phrase_end - c.start]
            phrase = f" \u201c{words}\u201d at [{c.phrase_start}:{c.phrase_end}] in"
        if (c.source_id, c.start, c.end) in shown:  # the same sentence again, for another item of a list
            click.echo(f"  [{c.marker}]{phrase} {c.source_id} [{c.start}:{c.end}], quoted above")
            continue
        shown.add((c.source_id, c.start, c.end))
        click.echo(f"  [{c.marker}]{phrase} {c.source_id} [{c.start}:{c.end}]: \u201c{c.quote}\u201d")


@cli.command()
@index_option
@store_option
@model_option
@gate_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=7860, show_default=True, help="Port to listen on.")
@_friendly
def ui(
    index_dir: Path | None,
    store: str | None,
    model: str | None,
    answer_gate: str | None,
    host: str,
    port: int,
) -> None:
    """Start the chat in the browser (local only by default)."""
    offline_environment()  # before Gradio imports huggingface_hub, which reads it once
    from .ui import launch

    settings = _settings(index_dir=index_dir, store=store, model=model, answer_gate=answer_gate)
    _check_options(settings)
    launch(settings, host=host, port=port)


@cli.command("eval")
@click.argument("questions", required=False, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--articles",
    "articles_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Ask over an index of this folder [articles/ beside QUESTIONS if there is one; else the --index].",
)
@click.option(
    "--beir",
    "beir_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Score retrieval on a BEIR folder (corpus.jsonl, queries.jsonl, qrels.tsv) instead.",
)
@index_option
@click.option(
    "--store",
    "store",
    help="Index the articles (or BEIR files) into this Qdrant location instead of a folder in --work "
    "(RAG_STORE is not used here: an evaluation would overwrite the index it names).",
)
@model_option
@gate_option
@click.option(
    "-k",
    "k",
    type=click.IntRange(1, 1000),
    help="Passages to retrieve [RAG_K]; with --beir, the cut-off of nDCG@k and recall@k [10].",
)
@click.option("--limit", type=click.IntRange(1), help="Only the first N questions (after --types).")
@click.option("--types", default="", help="Only questions of these comma-separated types (e.g. inference,null).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option(
    "--rows",
    "rows_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write per-question (or per-query) rows to this JSONL file [none].",
)
@click.option(
    "--work",
    "work_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the index of the articles (or the BEIR files) [~/.cache/rag/eval|beir/NAME-HASH].",
)
@_friendly
def eval_command(
    questions: Path | None,
    articles_dir: Path | None,
    beir_dir: Path | None,
    index_dir: Path | None,
    store: str | None,
    model: str | None,
    answer_gate: str | None,
    k: int | None,
    limit: int | None,
    types: str,
    as_json: bool,
    rows_path: Path | None,
    work_dir: Path | None,
) -> None:
    """Score answers on a QUESTIONS set (a JSONL file or a folder with questions.jsonl), or retrieval (--beir DIR)."""
    from . import evaluation
    from .scoring import format_table

    if (questions is None) == (beir_dir is None):
        raise click.UsageError("Give either QUESTIONS (a .jsonl file or a set folder) or --beir DIR.")
    if beir_dir is not None and (articles_dir or limit or types):
        raise click.UsageError("--articles, --limit and --types apply to a question set, not to --beir.")
    if beir_dir is not None:
        report = evaluation.evaluate_beir(
            beir_dir, _settings(model=model, store=store or ""), work_dir=work_dir, index_dir=index_dir, k=k or 10
        )
    else:
        assert questions is not None  # one of the two is given, checked above
        settings = _settings(model=model, answer_gate=answer_gate, k=k, store=store or "")
        _check_options(settings)  # before the index is built or loaded
        report = evaluation.evaluate_questions(
            questions,
            settings,
            articles=articles_dir,
            work_dir=work_dir,
            index_dir=index_dir,
            limit=limit,
            types=types.split(","),
            progress=sys.stderr.isatty(),
        )
    if rows_path is not None:
        evaluation.write_rows(report["rows"], rows_path)
    if as_json:
        _dump(report["metrics"])
    else:
        click.echo(format_table(report["metrics"]))
    if rows_path is not None:
        click.echo(f"Per-question rows: {rows_path}", err=True)
