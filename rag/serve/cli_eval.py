"""`rag eval`: scoring answers on a question set, or retrieval on a BEIR folder.

A thin layer over rag/measure/run.py: options in, a table or `--json` out,
per-question rows to a file on request.

Does not score anything itself (rag/measure/run.py and rag/measure/scoring.py do).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_options import (
    dump,
    filter_options,
    filters_from,
    friendly,
    gate_option,
    index_option,
    model_option,
    settings_from,
)


@click.command("eval")
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
@filter_options
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
@friendly
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
    since: str | None,
    until: str | None,
    outlets: tuple[str, ...],
    as_json: bool,
    rows_path: Path | None,
    work_dir: Path | None,
) -> None:
    """Score answers on a QUESTIONS set (a JSONL file or a folder with questions.jsonl), or retrieval (--beir DIR)."""
    from ..measure import run
    from ..measure.scoring import format_table

    if (questions is None) == (beir_dir is None):
        raise click.UsageError("Give either QUESTIONS (a .jsonl file or a set folder) or --beir DIR.")
    if beir_dir is not None and (articles_dir or limit or types or since or until or outlets):
        raise click.UsageError("--articles, --limit, --types and the filters apply to a question set, not to --beir.")
    filters = filters_from(since, until, outlets)
    if beir_dir is not None:
        report = run.evaluate_beir(
            beir_dir, settings_from(model=model, store=store or ""), work_dir=work_dir, index_dir=index_dir, k=k or 10
        )
    else:
        assert questions is not None  # one of the two is given, checked above
        settings = settings_from(model=model, answer_gate=answer_gate, k=k, store=store or "")
        report = run.evaluate_questions(
            questions,
            settings,
            articles=articles_dir,
            work_dir=work_dir,
            index_dir=index_dir,
            limit=limit,
            types=types.split(","),
            progress=sys.stderr.isatty(),
            filters=filters,
        )
    if rows_path is not None:
        run.write_rows(report["rows"], rows_path)
    if as_json:
        dump(report["metrics"])
    else:
        click.echo(format_table(report["metrics"]))
    if rows_path is not None:
        click.echo(f"Per-question rows: {rows_path}", err=True)
