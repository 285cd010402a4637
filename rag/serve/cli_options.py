"""The options and helpers every `rag` command shares: settings from options, filters, errors as one line.

Covers: turning a `RagError` into one line on stderr and exit code 1, building
`Settings` from options over `RAG_*`, the --index / --store / --model /
--answer-gate / --since / --until / --outlet options, printing `--json`, and an
embedder handed in by a caller that runs the CLI in-process.

Does not define commands (rag/serve/cli.py and rag/serve/cli_eval.py do).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import RagError
from ..settings import Settings

if TYPE_CHECKING:
    from ..index.embedding import TextEmbedder


def friendly(func: Callable) -> Callable:
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


def settings_from(**options: object) -> Settings:
    return Settings.from_env().replace(**options)


def embedder_in_use() -> TextEmbedder | None:
    """An embedder handed in by whoever runs the CLI in-process (`cli(args, obj={"embedder": e})`), else None."""
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return obj.get("embedder") if isinstance(obj, dict) else None


def dump(obj: object) -> None:
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


_DATE_HELP = "published on or {} this date: YYYY-MM-DD, YYYY-MM or YYYY (undated articles are left out)"


def filter_options(func: Callable) -> Callable:
    """--since, --until and --outlet (repeatable): the articles a search may draw on (rag/filters.py)."""
    func = click.option(
        "--outlet", "outlets", multiple=True, help="Only articles from this outlet (repeatable; any case)."
    )(func)
    func = click.option("--until", help="Only articles " + _DATE_HELP.format("before") + ".")(func)
    return click.option("--since", help="Only articles " + _DATE_HELP.format("after") + ".")(func)


def filters_from(since: str | None, until: str | None, outlets: tuple[str, ...]) -> dict[str, Any]:
    from ..filters import make_filter

    make_filter(since, until, outlets)  # a bad date is reported before any index or model is loaded
    return {"since": since, "until": until, "outlet": list(outlets) or None}


def about(title: str, outlet: str, date: str) -> str:
    """An article's title, outlet and date in one line, leaving out what it does not state."""
    return " · ".join(x for x in (" ".join(title.split())[:100], outlet, date) if x)
