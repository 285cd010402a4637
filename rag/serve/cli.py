"""The `rag` command line: a thin layer over the public API.

Commands: `index` (build or update), `sources`, `search`, `ask`, `ui`, `eval`. Each turns
options (rag/serve/cli_options.py) into `Settings`, calls the API, and prints text or `--json`. A
`RagError` becomes one line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from ..settings import offline_environment
from .cli_options import (
    about,
    dump,
    embedder_in_use,
    filter_options,
    filters_from,
    friendly,
    gate_option,
    index_option,
    model_option,
    settings_from,
    store_option,
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
@friendly
def index(
    source_dir: Path | None,
    index_dir: Path | None,
    store: str | None,
    rebuild: bool,
    copy_from: Path | None,
    as_json: bool,
) -> None:
    """Build the index of a folder, or update it with what changed."""
    from ..pipeline import build_index

    settings = settings_from(source_dir=source_dir, index_dir=index_dir, store=store)
    if copy_from is not None:
        from ..store.copy import copy_index

        click.echo(copy_index(copy_from, settings))
        return
    progress = not as_json and sys.stderr.isatty()
    stats = build_index(settings=settings, rebuild=rebuild, progress=progress, embedder=embedder_in_use())
    if as_json:
        dump(stats)
        return
    for path, reason in stats.skipped_files:
        click.echo(f"skipped {path}: {reason}", err=True)
    click.echo(f"Indexed {settings.source_dir} into {stats.index_dir}: {stats.summary()}")


@cli.command()
@click.argument("query")
@click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True, help="Hits to show.")
@index_option
@store_option
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@friendly
def search(
    query: str,
    k: int,
    index_dir: Path | None,
    store: str | None,
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show the passages that best match QUERY."""
    from ..pipeline import search as do_search

    filters = filters_from(since, until, outlets)
    settings = settings_from(index_dir=index_dir, store=store)
    hits = do_search(query, k=k, settings=settings, embedder=embedder_in_use(), **filters)
    if as_json:
        dump([dataclasses.asdict(h) for h in hits])
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
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the Answer as JSON.")
@friendly
def ask(
    question: str,
    index_dir: Path | None,
    store: str | None,
    model: str | None,
    answer_gate: str | None,
    k: int | None,
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    as_json: bool,
) -> None:
    """Answer QUESTION from the indexed articles, citing quoted evidence."""
    from ..pipeline import ask_stream, final_answer

    filters = filters_from(since, until, outlets)
    settings = settings_from(index_dir=index_dir, store=store, model=model, answer_gate=answer_gate, k=k)
    stream = ask_stream(question, settings=settings, embedder=embedder_in_use(), **filters)
    answer = final_answer(
        stream,
        None if as_json else lambda piece: click.echo(piece, nl=False),
        # What it is doing, for a person at a terminal; a script's stderr keeps errors only.
        (lambda p: click.echo(p.message, err=True)) if sys.stderr.isatty() and not as_json else None,
    )
    if as_json:
        dump(answer)
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
        said = about(c.title, c.outlet, c.date)
        click.echo(f"  [{c.marker}]{phrase} {c.source_id} [{c.start}:{c.end}]{f' ({said})' if said else ''}:")
        click.echo(f"      \u201c{c.quote}\u201d")


@cli.command()
@index_option
@store_option
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print the articles as JSON.")
@friendly
def sources(
    index_dir: Path | None,
    store: str | None,
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    as_json: bool,
) -> None:
    """List the indexed articles: ID, date, outlet, title and chunks."""
    from ..pipeline import sources as list_sources

    found = list_sources(
        settings=settings_from(index_dir=index_dir, store=store), **filters_from(since, until, outlets)
    )
    if as_json:
        dump([dataclasses.asdict(x) for x in found])
        return
    for x in found:
        title = " ".join(x.title.split())
        click.echo(
            f"{x.source_id}  {x.date or '----------'}  {x.outlet or '-'}  {title[:80] or '-'}  ({x.chunks} chunks)"
        )
    click.echo(f"{len(found)} articles", err=True)


@cli.command()
@index_option
@store_option
@model_option
@gate_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=7860, show_default=True, help="Port to listen on.")
@friendly
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
    from .chat import launch

    settings = settings_from(index_dir=index_dir, store=store, model=model, answer_gate=answer_gate)
    launch(settings, host=host, port=port)


from .cli_eval import eval_command  # noqa: E402 - registered on the group defined above

cli.add_command(eval_command)
