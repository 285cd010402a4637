"""HTML for the chat: an answer with its markers, its evidence and the answer's words highlighted.

Covers: escaping (every string from an article, the model or the user is HTML-escaped
here before it reaches the page), a citation under its article's title · outlet · date, a
quote shown in its passage with the answer phrase in bold inside the highlighted sentence,
the whole article behind a fold, abstentions with the closest passages, the user's question
with the filter it was asked with, errors, and the index panel.

Does not run Gradio (rag/serve/chat.py) or compute anything about the answer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ..results import Answer, Citation, Hit

CONTEXT_CHARS = 300  # shown on each side of a quote
TITLE_CHARS = 100  # titles of .txt articles are their first line, which can be a whole paragraph
MAX_ARTICLE_CHARS = 200_000  # beyond this the "whole article" is cut, to keep messages small
SourceLookup = Callable[[str], "str | None"]

CSS = """
.rag-msg { line-height: 1.5; }
.rag-evidence { margin-top: .8em; border-top: 1px solid var(--border-color-primary); padding-top: .5em; }
.rag-evidence-title { font-weight: 600; font-size: .9em; opacity: .8; margin-bottom: .3em; }
.rag-cite, .rag-hit { margin: .5em 0; padding: .4em .6em; border-left: 3px solid var(--color-accent);
  background: var(--background-fill-secondary); border-radius: 4px; font-size: .92em; }
.rag-hit { border-left-color: var(--neutral-400); }
.rag-cite-head { margin-bottom: .2em; }
.rag-cite-head .rag-about { opacity: .8; }
.rag-marker { color: var(--color-accent); }
.rag-passage { margin: .2em 0; white-space: normal; }
.rag-msg mark { background: #ffe066; color: #111; padding: 0 .1em; border-radius: 2px; }
.rag-msg mark .rag-phrase { background: #ffb703; text-decoration: underline; }
.rag-article { max-height: 24em; overflow-y: auto; margin-top: .3em; font-size: .95em; }
.rag-abstain-box { border: 2px dashed #d97706; background: rgba(217, 119, 6, .12); border-radius: 6px;
  padding: .5em .8em; }
.rag-abstain-box strong { color: #b45309; }
.rag-error { border: 2px solid #dc2626; background: rgba(220, 38, 38, .1); border-radius: 6px; padding: .5em .8em; }
.rag-info-row { display: flex; gap: .6em; padding: .1em 0; font-size: .92em; }
.rag-info-row b { flex: 0 0 5.5em; }
.rag-info-row span { word-break: break-all; }
.rag-meta { font-size: .8em; opacity: .65; margin-top: .4em; }
.rag-streaming::after { content: " \\258C"; opacity: .6; }
"""


def esc(text: str, compact: bool = False) -> str:
    """Escape text for the page, newlines as <br> (`compact`: blank lines dropped too).

    With no raw newline left, a whole chat message is one raw HTML block to the
    chat's Markdown renderer, so article text is never read as Markdown (no
    links or remote images smuggled in by an article).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if compact:
        text = re.sub(r"\n\s*\n", "\n", text)
    return html.escape(text, quote=True).replace("\n", "<br>")


def _snap(text: str, lo: int, hi: int, start: int, end: int) -> tuple[int, int]:
    """Move a window's edges to whitespace so it neither starts nor ends mid-word."""
    if lo > 0:
        m = re.search(r"\s", text[lo:start])
        lo = lo + m.end() if m else lo
    if hi < len(text):
        cut = [m.start() for m in re.finditer(r"\s", text[end:hi])]
        hi = end + cut[-1] if cut else hi
    return lo, hi


def passage_html(
    text: str,
    start: int,
    end: int,
    context: int = CONTEXT_CHARS,
    compact: bool = True,
    phrase: tuple[int, int] = (-1, -1),
) -> str:
    """text[start:end] wrapped in <mark>, with about `context` characters around it, all escaped.

    phrase: source offsets of the answer's own words inside the mark, shown in bold.
    """
    lo, hi = _snap(text, max(0, start - context), min(len(text), end + context), start, end)
    # Edges cut inside the article start and end on text, not on a stray line break.
    before = "… " + esc(text[lo:start].lstrip(), compact) if lo > 0 else esc(text[:start], compact)
    after = esc(text[end:hi].rstrip(), compact) + " …" if hi < len(text) else esc(text[end:], compact)
    ps, pe = phrase
    if start <= ps < pe <= end:
        inner = (
            f'{esc(text[start:ps], compact)}<strong class="rag-phrase">{esc(text[ps:pe], compact)}</strong>'
            f"{esc(text[pe:end], compact)}"
        )
    else:
        inner = esc(text[start:end], compact)
    return f"{before}<mark>{inner}</mark>{after}"


def _short(text: str) -> str:
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS].rsplit(" ", 1)[0] + " …"


def _head(label: str, source_id: str, title: str, outlet: str = "", date: str = "") -> str:
    """The marker (or rank) and source ID, then the article's title · outlet · date, each left out when empty."""
    parts = [(title, "rag-title"), (outlet, "rag-outlet"), (date, "rag-date")]
    about = " · ".join(f'<span class="{cls}">{esc(_short(value))}</span>' for value, cls in parts if value)
    about = f' <span class="rag-about">{about}</span>' if about else ""
    return f'<div class="rag-cite-head">{label} <code>{esc(source_id)}</code>{about}</div>'


def _whole(text: str, start: int, end: int) -> str:
    shown = text[:MAX_ARTICLE_CHARS]
    if start < len(shown):
        body = passage_html(shown, start, min(end, len(shown)), context=len(shown), compact=False)
    else:
        body = esc(shown)
    more = " …" if len(text) > len(shown) else ""
    words = len(text.split())
    return (
        f"<details><summary>Whole article ({words:,} words)</summary>"
        f'<div class="rag-article">{body}{more}</div></details>'
    )


def citation_html(c: Citation, source_text: str | None) -> str:
    """One citation: marker, source ID, its article's title, outlet and date, the quote in its passage,
    the whole article."""
    head = _head(f'<span class="rag-marker">[{int(c.marker)}]</span>', c.source_id, c.title, c.outlet, c.date)
    if source_text is not None and source_text[c.start : c.end] == c.quote:
        phrase = (c.phrase_start, c.phrase_end)
        body = f'<div class="rag-passage">{passage_html(source_text, c.start, c.end, phrase=phrase)}</div>'
        body += _whole(source_text, c.start, c.end)
    else:
        # The index changed since this answer (or lost the article): the quote alone is still true.
        body = f'<div class="rag-passage"><mark>{esc(c.quote)}</mark></div>'
    return f'<div class="rag-cite">{head}{body}</div>'


def hit_html(h: Hit, source_text: str | None) -> str:
    """One retrieved passage (shown for abstentions): its start, and the whole article."""
    head = _head(f"#{int(h.rank)}", h.source_id, h.title)
    limit = 2 * CONTEXT_CHARS
    space = h.text.rfind(" ", 0, limit)
    cut = len(h.text) if len(h.text) <= limit else space if space > 0 else limit
    body = f'<div class="rag-passage">{esc(h.text[:cut], True)}{" …" if cut < len(h.text) else ""}</div>'
    if source_text is not None and source_text[h.start : h.end] == h.text:
        body += _whole(source_text, h.start, h.end)
    return f'<div class="rag-hit">{head}{body}</div>'


def _meta(answer: Answer) -> str:
    parts = [esc(Path(answer.model).name)] if answer.model else []
    total = answer.timings.get("total")
    if total is not None:
        parts.append(f"{float(total):.1f} s")
    return f'<div class="rag-meta">{" · ".join(parts)}</div>' if parts else ""


def answer_html(answer: Answer, source_text: SourceLookup) -> str:
    """A whole assistant message: the verified answer and its evidence, or an abstention."""
    if answer.abstained:
        hits = "".join(hit_html(h, source_text(h.source_id)) for h in answer.hits[:3])
        closest = (
            '<div class="rag-evidence"><div class="rag-evidence-title">'
            f"Closest passages (none of them answers the question)</div>{hits}</div>"
            if hits
            else ""
        )
        return (
            '<div class="rag-msg rag-final rag-abstained"><div class="rag-abstain-box">'
            f"<strong>Not in your documents.</strong> {esc(answer.text)}</div>{closest}{_meta(answer)}</div>"
        )
    cites = "".join(citation_html(c, source_text(c.source_id)) for c in answer.citations)
    evidence = f'<div class="rag-evidence"><div class="rag-evidence-title">Evidence</div>{cites}</div>' if cites else ""
    text = re.sub(r"\[(\d+)\]", r'<span class="rag-marker">[\1]</span>', esc(answer.text))
    return f'<div class="rag-msg rag-final"><div class="rag-answer">{text}</div>{evidence}{_meta(answer)}</div>'


def streaming_html(text: str) -> str:
    return f'<div class="rag-msg"><div class="rag-answer rag-streaming">{esc(text)}</div></div>'


def question_html(question: str, since: str = "", until: str = "", outlets: Sequence[str] = ()) -> str:
    """The user's message: the question, and under it the filter it was asked with, if any."""
    since, until = since.strip(), until.strip()
    said = []
    if since and until:
        said.append(f"published in {since}" if since == until else f"published {since} to {until}")
    elif since or until:
        said.append(f"published from {since}" if since else f"published until {until}")
    if outlets:
        said.append("from " + " or ".join(outlets))
    note = f'<div class="rag-meta rag-filter">Only articles {esc(", ".join(said))}</div>' if said else ""
    return f'<div class="rag-msg">{esc(question)}{note}</div>'


def error_html(message: str) -> str:
    return f'<div class="rag-msg rag-final rag-error">{esc(message)}</div>'


def index_info_html(manifest: dict | None, index_dir: Path | str, problem: str = "") -> str:
    """The side panel's summary of the live index (manifest keys count, built_at, embed_model, sources)."""
    if manifest is None:
        why = problem or f"No index in {index_dir} yet: press “Rebuild index”."
        return f'<div class="rag-error">{esc(why)}</div>'
    rows = [
        ("Sources", f"{len(manifest.get('sources', {})):,}"),
        ("Chunks", f"{int(manifest.get('count', 0)):,}"),
        ("Built", str(manifest.get("built_at", "?")).replace("T", " ")),
        ("Embedder", str(manifest.get("embed_model", "?"))),
        ("From", str(manifest.get("source_dir", "?"))),
        ("Index", str(index_dir)),
    ]
    items = "".join(f'<div class="rag-info-row"><b>{esc(k)}</b><span>{esc(v)}</span></div>' for k, v in rows)
    return f'<div class="rag-info">{items}</div>'


# ---------------------------------------------------------------- state and actions (no gradio needed)
