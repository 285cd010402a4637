"""The chat UI end to end: a real index of the seeds (plus a hostile and a decoy article, and two dated
articles from named outlets that answer the same question), the real pipeline and model, the app served in-process on 127.0.0.1, driven by gradio_client and by
Debian's headless Chromium through Playwright. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

import rag
from rag.serve import chat
from rag.settings import Settings

from .conftest import REPO, SEEDS

SHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARLINK_Q = "What satellite internet service has Musk provided to Argentina?"
STARLINK_SOURCE = "003_3298cd6367d0e3cf"
TIMEOUT_MS = 240_000  # one answer on 2 CPU cores, first one loading the model

HOSTILE_ID = "zz_hostile"
HOSTILE = """Survey of the Puna lithium deposit <script>alert('title')</script>

The Puna lithium deposit in Catamarca was surveyed in 2023 by the geologist Ana Ferreyra. \
<script>alert(1)</script> Her team estimated reserves of two million tonnes of lithium carbonate. \
<img src=x onerror="window.__pwned = 1"> **not bold** [a link](javascript:alert(2)) ![tracker](http://198.51.100.7/t.png)

The survey used drilling cores from twelve sites across the salt flat.
"""
HOSTILE_Q = "Who surveyed the Puna lithium deposit in Catamarca?"
# A decoy for the follow-up "Where will it be?": read without the conversation, the question finds
# this article's "it will be held in ..." first; read with it, the seeds' Hayek ceremony in Hamburg.
DECOY_ID = "zz_festival"
DECOY = """Harbour lantern festival announced for the autumn

The organisers of the lantern festival said on Monday that it will be held in the old harbour of Valparaíso this year. The committee said it will be held in Porto next year, on the river front.
Local restaurants expect thousands of visitors. Tickets go on sale in September.
"""

# Two outlets report who designed the footbridge. Asked with no filter, the answer quotes the Pampa
# Post (its sentence says it in the question's words); the Andes Herald says it too, so a filter
# that allows only the Herald still gets a real answer, quoted from the Herald.
HERALD_ID = "zz_bridge_herald"
HERALD = """---
title: "Rosario opens its new river footbridge"
outlet: Andes Herald
date: 2024-05-20
---

# Rosario opens its new river footbridge

The river footbridge in Rosario, designed by the engineer Lucía Benítez, opened to walkers on Sunday. \
It crosses the Paraná to the islands.

The bridge is 420 metres long and closes to the public at midnight.
"""
POST_ID = "zz_bridge_post"
POST = """Who designed the Rosario river footbridge

By Pampa Post, published 2023-03-02.

The Rosario river footbridge was designed by the engineer Lucía Benítez. Building work on the footbridge \
across the Paraná starts in April and should take a year.

The city council approved the budget last week.
"""
BRIDGE_Q = "Who designed the Rosario river footbridge?"
BAD_DATE = "Published from '2024-13' is not a date rag reads: write YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2023-11-01)."

browser_ready = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} is missing: `make browser` (apt-get install chromium) installs it",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app over a fresh index of the seeds plus the hostile and decoy articles, served on a free port."""
    root = tmp_path_factory.mktemp("ui")
    source = root / "articles"
    shutil.copytree(SEEDS, source)
    (source / f"{HOSTILE_ID}.txt").write_text(HOSTILE)
    (source / f"{DECOY_ID}.txt").write_text(DECOY)
    (source / f"{HERALD_ID}.md").write_text(HERALD)
    (source / f"{POST_ID}.txt").write_text(POST)
    rag.build_index(source, root / "index")
    settings = Settings.from_env(source_dir=source, index_dir=root / "index")
    demo = chat.build_app(settings)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}/", source=source, index=root / "index")
    demo.close()


@pytest.fixture(scope="module")
def app_url(served):
    return served.url


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: make install")
    sync_playwright = sync_api.sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url):
    """A fresh tab (own context, so own session) that records dialogs and any off-machine request."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    p = context.new_page()
    p.dialogs, p.remote = [], []
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
    p.on("request", lambda r: p.remote.append(r.url) if urlparse(r.url).hostname not in (None, "127.0.0.1") else None)
    p.goto(app_url)
    p.locator("#question textarea").wait_for()
    yield p
    context.close()


# Records each distinct text the streaming message shows, to check that answers arrive piece by piece.
WATCH_STREAM = """() => {
  window.__partials = [];
  new MutationObserver(() => {
    const s = document.querySelectorAll('#chat .rag-streaming');
    const t = s.length ? s[s.length - 1].innerText : null;
    if (t && window.__partials[window.__partials.length - 1] !== t) window.__partials.push(t);
  }).observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
}"""


def ask(page, question: str, turn: int, stream_shot: str | None = None):
    """Type a question, press Enter, wait for the `turn`-th final (verified) answer; return it.

    With `stream_shot`, also screenshot the answer while it is still streaming.
    """
    page.locator("#chat").wait_for(timeout=TIMEOUT_MS)  # on a loaded machine the app may still be rendering
    page.evaluate(WATCH_STREAM)
    page.locator("#question textarea").fill(question)
    page.locator("#question textarea").press("Enter")
    final = page.locator("#chat .rag-final").nth(turn - 1)
    if stream_shot:
        page.wait_for_function(
            "n => document.querySelectorAll('#chat .rag-final').length >= n"
            " || [...document.querySelectorAll('#chat .rag-streaming')].some(e => e.innerText.length > 25)",
            arg=turn,
            timeout=TIMEOUT_MS,
        )
        if page.locator("#chat .rag-final").count() < turn:
            shoot(page, stream_shot)
    final.wait_for(timeout=TIMEOUT_MS)
    return final


# Scroll the chat so the question before a final answer sits at the top (below the chat's label).
SCROLL_TO_TURN = """e => {
  let target = e.closest('.message-row');
  for (let n = target.previousElementSibling; n && !n.classList.contains('bot-row'); n = n.previousElementSibling) {
    if (n.classList.contains('user-row')) { target = n; break; }
  }
  const wrap = e.closest('.bubble-wrap');
  wrap.scrollTop += target.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 36;
}"""


def outlet_options(page) -> list[str]:
    """The outlets the picker offers (opened, read, closed again)."""
    picker = page.locator("#outlets input")
    picker.click()
    page.locator("#outlets [role=listbox]").wait_for()
    names = page.locator("#outlets [role=option]").evaluate_all("es => es.map(e => e.getAttribute('aria-label'))")
    picker.blur()
    page.locator("#outlets [role=listbox]").wait_for(state="detached")
    return names


def pick_outlet(page, name: str) -> None:
    """Pick an outlet as a user does: open the picker, click the outlet, leave the picker."""
    picker = page.locator("#outlets input")
    picker.click()
    page.locator("#outlets [role=option]").filter(has_text=name).click()
    picker.blur()
    page.locator("#outlets .token").filter(has_text=name).wait_for()


def cited_sources(final) -> list[str]:
    """The source ID of each citation under an answer."""
    return [c.inner_text() for c in final.locator(".rag-cite .rag-cite-head code").all()]


def assert_answered_from_herald(final) -> None:
    """A real answer (not an abstention), every citation from the Herald, shown with its title, outlet and date."""
    assert "rag-abstained" not in (final.get_attribute("class") or ""), final.inner_text()
    assert "Lucía Benítez" in final.locator(".rag-answer").inner_text()
    assert cited_sources(final) and set(cited_sources(final)) == {HERALD_ID}, cited_sources(final)
    about = final.locator(".rag-cite .rag-about").first.inner_text()
    assert about == "Rosario opens its new river footbridge · Andes Herald · 2024-05-20", about


def shoot(page, name: str, top=None) -> None:
    """Screenshot the page, with the chat scrolled so that `top` (a message) starts at its top."""
    if top is not None:
        # Twice: the chat's own autoscroll may still move it once the message has rendered.
        for _ in range(2):
            page.wait_for_timeout(500)
            top.evaluate(SCROLL_TO_TURN)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


@pytest.mark.model
def test_rag_ui_command_serves_on_loopback(served):
    """`rag ui` (the CLI) starts the app on 127.0.0.1 with the /ask endpoint, and stops on SIGTERM."""
    import httpx

    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from rag.serve.cli import cli; cli()",
            "ui",
            "--index",
            str(served.index),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"},
    )
    try:
        deadline, page = time.monotonic() + 120, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert page is not None and page.status_code == 200, proc.stdout.read().decode() if proc.poll() else ""
        info = httpx.get(f"http://127.0.0.1:{port}/gradio_api/info", timeout=10).json()
        assert list(info["named_endpoints"]) == ["/ask"]
        if shutil.which("ss"):
            listening = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True).stdout
            assert listening and all("127.0.0.1:" in line for line in listening.splitlines())
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.model
def test_api_ask_returns_answer_json(app_url):
    from gradio_client import Client

    result = Client(app_url, verbose=False).predict(STARLINK_Q, api_name="/ask")
    assert isinstance(result, dict) and set(result) >= {"text", "citations", "abstained", "sources", "hits"}
    assert "Starlink" in result["text"]
    assert STARLINK_SOURCE in result["sources"]
    assert any(c["source_id"] == STARLINK_SOURCE and "Starlink" in c["quote"] for c in result["citations"])

    # The filters, by name: asked with none, the Pampa Post is quoted; kept to the Herald, the Herald is.
    client = Client(app_url, verbose=False)
    plain = client.predict(BRIDGE_Q, api_name="/ask")
    assert not plain["abstained"] and POST_ID in plain["sources"], plain["text"]
    for kept in ({"outlet": "andes herald"}, {"since": "2024-05", "until": "2024", "outlet": ["Andes Herald"]}):
        result = client.predict(BRIDGE_Q, api_name="/ask", **kept)
        assert not result["abstained"] and "Lucía Benítez" in result["text"], (kept, result["text"])
        assert {c["source_id"] for c in result["citations"]} == {HERALD_ID}, kept
        assert {(c["outlet"], c["date"]) for c in result["citations"]} == {("Andes Herald", "2024-05-20")}
    with pytest.raises(Exception, match="is not a date rag reads"):
        client.predict(BRIDGE_Q, since="2024-13", api_name="/ask")


@pytest.mark.model
@pytest.mark.browser
@browser_ready
def test_chat_answers_follows_up_and_abstains(page, browser, app_url):
    first = ask(page, STARLINK_Q, 1, stream_shot="chat-streaming.png")
    assert first.locator(".rag-answer").inner_text().strip() == "Starlink [1]"
    assert first.locator(".rag-answer .rag-marker").inner_text() == "[1]"
    cites = first.locator(".rag-cite")
    assert STARLINK_SOURCE in cites.first.inner_text()
    # The answer's own words are highlighted inside the highlighted sentence.
    assert "Starlink" in first.locator(".rag-cite mark").first.inner_text()
    assert first.locator(".rag-cite mark .rag-phrase").first.inner_text() == "Starlink"
    assert "rag-abstained" not in (first.get_attribute("class") or "")
    shoot(page, "chat-answer.png", first)

    # Expanding a citation shows the whole article with the quote highlighted in it.
    first.locator("details summary").first.click()
    article = first.locator(".rag-article").first
    assert article.is_visible() and article.locator("mark").count() == 1
    shoot(page, "chat-evidence-expanded.png", first)

    # A list: every company named, each with its own marker and highlighted phrase.
    second = ask(page, "Which tech companies' representatives does Milei plan to meet?", 2)
    text = second.locator(".rag-answer").inner_text()
    assert all(name in text for name in ("Apple", "OpenAI", "Google")), text
    assert second.locator(".rag-answer .rag-marker").count() >= 3
    assert second.locator(".rag-cite .rag-phrase").count() >= 3
    shoot(page, "chat-list.png", second)

    # Yes or no, then the sentence that decides it.
    third = ask(page, "Has Milei met Musk before?", 3)
    assert third.locator(".rag-answer").inner_text().startswith("Yes.")
    assert "Musk" in third.locator(".rag-cite mark").first.inner_text()
    shoot(page, "chat-yes-no.png", third)

    # A follow-up that only makes sense with the previous question.
    ask(page, "When will the Hayek medal ceremony take place?", 4)
    fifth = ask(page, "Where will it be?", 5)
    # Answered, or abstained with the passage naming the place shown first (docs/answers.md); read
    # without the conversation, the decoy festival's "it will be held in ..." comes first instead.
    if "rag-abstained" in (fifth.get_attribute("class") or ""):
        assert "Hamburg" in fifth.locator(".rag-hit").first.inner_text()
    else:
        answer = fifth.locator(".rag-answer").inner_text()
        assert "Hamburg" in answer and "Valparaíso" not in answer, answer
    shoot(page, "chat-follow-up.png", fifth)

    sixth = ask(page, "Who won the 2022 FIFA World Cup final?", 6)
    assert "rag-abstained" in (sixth.get_attribute("class") or "")
    assert sixth.locator(".rag-abstain-box").is_visible()
    assert sixth.locator(".rag-hit").count() >= 1
    shoot(page, "chat-abstained.png", sixth)

    # A second tab has its own, empty conversation.
    other = browser.new_context().new_page()
    other.goto(app_url)
    other.locator("#question textarea").wait_for()
    assert other.locator("#chat .rag-msg").count() == 0
    other.context.close()

    # "New conversation" empties this tab's chat (and its history).
    page.locator("#clear").click()
    page.wait_for_function("() => document.querySelectorAll('#chat .rag-msg').length === 0")

    assert page.dialogs == [] and page.remote == []


@pytest.mark.model
@pytest.mark.browser
@browser_ready
def test_hostile_article_shows_as_text(page):
    final = ask(page, HOSTILE_Q, 1)
    evidence = final.locator(".rag-cite, .rag-hit").filter(has_text=HOSTILE_ID).first
    evidence.wait_for()
    # The markup in the article is shown, literally, and none of it ran or was fetched.
    assert "<script>alert(1)</script>" in evidence.inner_text()
    assert page.get_by_text("<script>alert(1)</script>").first.is_visible()
    assert final.locator("script, img").count() == 0
    assert page.evaluate("window.__pwned") is None
    shoot(page, "chat-hostile-article.png", final)
    assert page.dialogs == []
    assert page.remote == []  # not even the tracker image


@pytest.mark.model
@pytest.mark.browser
@browser_ready
def test_outlet_picker_keeps_the_answer_to_that_outlet(page):
    # The picker offers each outlet the indexed articles name; the seeds name none.
    assert outlet_options(page) == ["Andes Herald", "Pampa Post"]
    pick_outlet(page, "Andes Herald")
    final = ask(page, BRIDGE_Q, 1)
    assert_answered_from_herald(final)
    asked = page.locator("#chat .rag-filter").last.inner_text()
    assert asked == "Only articles from Andes Herald", asked
    shoot(page, "chat-filter-outlet.png", final)
    assert page.dialogs == [] and page.remote == []


@pytest.mark.model
@pytest.mark.browser
@browser_ready
def test_date_range_keeps_the_answer_to_its_articles_and_a_bad_date_says_so(page):
    page.locator("#since textarea").fill("2024-05")
    page.locator("#until textarea").fill("2024-05")
    final = ask(page, BRIDGE_Q, 1)
    assert_answered_from_herald(final)
    assert page.locator("#chat .rag-filter").last.inner_text() == "Only articles published in 2024-05"

    # A date rag does not read: the chat says how to write one, in one line, and answers nothing.
    page.locator("#since textarea").fill("2024-13")
    error = ask(page, BRIDGE_Q, 2)
    assert "rag-error" in (error.get_attribute("class") or "")
    assert error.inner_text().strip() == BAD_DATE
    assert "\n" not in error.inner_text().strip()
    shoot(page, "chat-filter-dates.png", final)
    assert page.dialogs == [] and page.remote == []


@pytest.mark.model
@pytest.mark.browser
@browser_ready
def test_rebuild_index_while_answering(page, served):
    (served.source / "zz_new.txt").write_text(
        "The Llullaillaco observatory\n\nBy Salta Daily, published 2024-03-15.\n\n"
        "The astronomer Marta Quispe runs the Llullaillaco observatory, which opened in March 2024 in Salta. "
        "She leads a team of nine.\n"
    )
    assert "Salta Daily" not in outlet_options(page)
    page.locator("#rebuild").click()
    # Questions are answered while the build runs (from the old index until the new one is live).
    first = ask(page, STARLINK_Q, 1)
    assert "Starlink" in first.locator(".rag-answer").inner_text()
    page.locator("#rebuild-status").get_by_text("1 added").wait_for(timeout=TIMEOUT_MS)
    assert re.search(r"Sources\s+9\b", page.locator("#index-info").inner_text())
    # The outlet picker offers the new article's outlet at once, without reloading the page.
    assert outlet_options(page) == ["Andes Herald", "Pampa Post", "Salta Daily"]
    second = ask(page, "Who runs the Llullaillaco observatory?", 2)
    assert "Marta Quispe" in second.locator(".rag-answer").inner_text()  # answered from the new article
    assert "zz_new" in second.inner_text()
    shoot(page, "rebuild-index.png", second)
    assert page.dialogs == []
