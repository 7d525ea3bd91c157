"""The web UI as a person uses it: a real `kg serve` process and Debian's chromium, driven by Playwright.

The server runs as its own process on a free 127.0.0.1 port over the knowledge base built from
the repository's corpus (the `kb_settings` fixture) and is stopped by PID at the end. Screenshots
go to tests/artifacts/ for a person to look at. These tests need chromium (`apt-get install -y
chromium`); without it they fail, saying so, rather than skip.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import ARTIFACTS

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
SERVER_START_SECONDS = 180
QUESTION = "where does information sharing appear and how was it acted on?"


# ---- a real server and a real browser ----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(kb: str, log_path: Path) -> tuple[subprocess.Popen, str]:
    """`kg serve` on a free port, as its own process; returns once the UI answers."""
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "MPLCONFIGDIR": str(log_path.parent / "matplotlib")}
    log = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--kb", kb, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.close()
            pytest.fail(f"kg serve exited with {proc.returncode}:\n{log_path.read_text(encoding='utf-8')[-3000:]}",
                        pytrace=False)
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.5)
    stop_server(proc)
    pytest.fail(f"kg serve did not answer within {SERVER_START_SECONDS} s:\n"
                f"{log_path.read_text(encoding='utf-8')[-3000:]}", pytrace=False)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def ui_url(kb_settings, tmp_path_factory):
    """The UI of a `kg serve` over the corpus's knowledge base."""
    proc, url = start_server(str(kb_settings.kb), tmp_path_factory.mktemp("ui-server") / "serve.log")
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium (never a downloaded one)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("chromium is not installed, so the UI cannot be tested in a real browser: "
                    "install it with `apt-get update && apt-get install -y chromium`", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: `pip install -e '.[dev]'` (never `playwright install`)",
                    pytrace=False)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Visit:
    """A browser tab on the UI that remembers every host it contacted."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.hosts: set[str] = set()
        self.page.on("request", lambda request: self.hosts.add(urlparse(request.url).hostname or ""))
        self.page.on("websocket", lambda socket: self.hosts.add(urlparse(socket.url).hostname or ""))
        self.page.goto(url)
        self.page.wait_for_selector("#kg-question textarea")
        self.settle()

    def external_hosts(self) -> set[str]:
        return {h for h in self.hosts if h and h not in LOCAL_HOSTS}

    def settle(self) -> None:
        """Wait until no output is pending (Gradio dims outputs while an event runs)."""
        self.page.wait_for_function(
            "() => !document.querySelector('.pending') && !Array.from("
            "document.querySelectorAll('[data-testid=status-tracker]')).some(e => !e.classList.contains('hide'))")

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()
        self.page.wait_for_selector(f"#kg-tab-{name.lower()}:visible")

    def ask(self, question: str) -> None:
        self.page.locator("#kg-question textarea").fill(question)
        self.page.locator("#kg-ask").click()
        self.page.wait_for_selector("#kg-answer .kg-answer, #kg-answer .kg-message")
        self.settle()

    def choose(self, dropdown: str, text: str) -> None:
        self.page.locator(f"{dropdown} input").click()
        self.page.locator("[role=option]", has_text=text).first.click()
        self.settle()

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=full_page)
        assert_not_blank(path)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, ui_url):
    tab = Visit(browser, ui_url)
    yield tab
    external = tab.external_hosts()
    tab.close()
    assert not external, f"the page contacted hosts other than this machine: {sorted(external)}"


def assert_not_blank(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 22) or []
        assert image.width >= 600 and image.height >= 400, f"{path.name} is only {image.size}"
    assert len(colours) > 50, f"{path.name} looks blank ({len(colours)} colours)"


def words(text: str) -> str:
    return " ".join(text.split())


# ---- the tests ---------------------------------------------------------------------------------------

def test_page_loads_offline_with_every_page(visit):
    page = visit.page
    assert page.title().startswith("kg")
    assert "documents" in page.locator("#kg-header").inner_text()
    for name in ("Ask", "Themes", "Graph", "SPARQL", "Documents"):
        assert page.get_by_role("tab", name=name).is_visible()
    visit.screenshot("ui-home.png")
    assert not visit.external_hosts()


def test_a_question_gets_a_cited_answer_naming_reviews(visit):
    started = time.monotonic()
    visit.ask(QUESTION)
    answer = visit.page.locator("#kg-answer")
    text = answer.inner_text()
    assert "Child L" in text and "Information sharing" in text
    citations = answer.locator("button.kg-cite")
    assert citations.count() >= 3
    assert visit.page.locator("#kg-evidence article.kg-card").count() >= 3
    assert visit.page.locator("#kg-evidence mark.kg-quote").count() >= 1
    assert answer.locator("button.kg-chip-theme", has_text="Information sharing").count() == 1
    assert "Actions in this answer" in text
    assert time.monotonic() - started < 20
    visit.screenshot("ui-ask.png")


def test_an_answer_downloads_for_a_board_paper_and_prints_without_the_page_around_it(visit):
    visit.ask("What have health partners done in response to the reviews?")
    text = visit.page.locator("#kg-answer").inner_text()
    assert "Royal Free London NHS Foundation Trust owns" in text and "GP practices owns" in text
    visit.page.wait_for_selector("#kg-answer-docx:visible")
    with visit.page.expect_download() as download:
        visit.page.locator("#kg-answer-md").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith("## What have health partners done") and "### References" in markdown
    assert re.search(r"^\[1\] .+\(\d{4}-\d\d-\d\d\), .+characters \d+–\d+ of .+: “", markdown, re.M)
    with visit.page.expect_download() as download:
        visit.page.locator("#kg-answer-docx").click()
    from docx import Document

    paragraphs = [p.text for p in Document(download.value.path()).paragraphs]
    assert paragraphs[0] == "What have health partners done in response to the reviews?"
    assert "References" in paragraphs and any(p.startswith("[1] ") for p in paragraphs)
    visit.page.emulate_media(media="print")
    try:
        assert not visit.page.locator("#kg-question").is_visible()
        assert not visit.page.locator("#kg-examples").is_visible()
        assert visit.page.locator("#kg-answer").is_visible() and visit.page.locator("#kg-evidence").is_visible()
        visit.screenshot("ui-ask-print.png")
    finally:
        visit.page.emulate_media(media="screen")


def test_filters_narrow_an_answer_to_a_kind_of_review(visit):
    visit.page.locator("#kg-filters").get_by_text("Filters: years, review type").click()
    visit.choose("#kg-filter-type", "Rapid Review")
    visit.ask("which reviews raised information sharing?")
    first = visit.page.locator("#kg-answer .kg-answer").inner_text().split("“")[0]  # the graph's facts, not quotes
    assert "Child KL" in first and "Child L " not in first and "Child A " not in first
    visit.screenshot("ui-ask-filtered.png", full_page=False)
    visit.page.locator("#kg-filter-from textarea, #kg-filter-from input").first.fill("last spring")
    visit.page.locator("#kg-ask").click()
    visit.page.wait_for_selector("#kg-answer .kg-error:has-text('is not a date')")  # the earlier answer is replaced


def test_an_off_topic_question_says_nothing_was_found(visit):
    visit.ask("best pizza in Barnet")
    text = visit.page.locator("#kg-answer").inner_text()
    assert "Nothing in the knowledge base answers this question" in text
    assert visit.page.locator("#kg-evidence article.kg-card").count() == 0
    visit.screenshot("ui-ask-nothing-found.png", full_page=False)


def test_an_evidence_card_opens_its_passage_highlighted_in_the_document(visit):
    visit.ask(QUESTION)
    card = visit.page.locator("#kg-evidence article.kg-card").first
    passage = words(card.locator(".kg-card-text").inner_text())
    quote = words(card.locator("mark.kg-quote").first.inner_text())
    card.click()
    visit.page.wait_for_selector("#kg-document mark.kg-passage:visible")
    visit.settle()
    assert visit.page.get_by_role("tab", name="Documents").get_attribute("aria-selected") == "true"
    highlighted = visit.page.locator("#kg-document mark.kg-passage")
    assert highlighted.count() == 1
    assert words(highlighted.inner_text()) == passage
    assert quote in [words(t) for t in highlighted.locator("mark.kg-quote").all_inner_texts()]
    visit.page.wait_for_timeout(300)  # the viewer scrolls once the tab is laid out
    box = highlighted.bounding_box()
    in_view = box is not None and box["y"] < 1000 and box["y"] + box["height"] > 0
    assert in_view, "the passage was not scrolled into view"
    visit.screenshot("ui-document-passage.png", full_page=False)


def test_a_citation_marker_opens_the_document_too(visit):
    visit.ask(QUESTION)
    visit.page.locator("#kg-answer button.kg-cite").first.click()
    visit.page.wait_for_selector("#kg-document mark.kg-passage:visible")
    assert "Showing [" in visit.page.locator("#kg-document .kg-doc-head").inner_text()


def test_a_theme_chip_explores_the_theme(visit):
    visit.ask(QUESTION)
    visit.page.locator("#kg-answer button.kg-chip-theme", has_text="Information sharing").click()
    visit.page.wait_for_selector("#kg-theme-detail h2:has-text('Information sharing')")
    visit.settle()
    detail = visit.page.locator("#kg-theme-detail").inner_text()
    assert "Reviews that raised it" in detail and "Child L" in detail
    assert "Actions in response" in detail and "GP practices" in detail
    assert visit.page.locator("#kg-theme-detail button.kg-cite").count() >= 3
    visit.screenshot("ui-theme.png")


def test_a_review_chip_shows_its_neighbourhood_in_the_graph(visit):
    visit.ask("What did the Child L review find and what changed after it?")
    visit.page.locator("#kg-answer button.kg-chip-review", has_text="Child L").click()
    visit.page.wait_for_selector("#kg-graph-image img")
    visit.settle()
    assert "Child L" in visit.page.locator("#kg-graph-note").inner_text()
    assert "Information sharing" in visit.page.locator("#kg-graph-table").inner_text()
    size = visit.page.locator("#kg-graph-image img").evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size[0] >= 800 and size[1] >= 600
    visit.screenshot("ui-graph.png")


def test_themes_page_shows_the_heatmap_table_and_csv(visit):
    visit.tab("Themes")
    image = visit.page.locator("#kg-heatmap img")
    image.wait_for()
    size = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size[0] >= 800 and size[1] >= 500, f"heatmap is only {size}"
    assert image.bounding_box()["width"] >= 600
    table = visit.page.locator("#kg-theme-table").inner_text()
    assert "Information sharing" in table and "⚠ no action" in table
    with visit.page.expect_download() as download:
        visit.page.locator("#kg-theme-csv").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["theme", "theme_id", "reviews", "passages", "actions", "learning_without_action"]
    assert any(r[1] == "information-sharing" and int(r[2]) >= 2 for r in rows[1:])
    assert any(r[5] == "yes" for r in rows[1:])
    gap = visit.page.locator("#kg-theme-table").get_by_text("Adultification", exact=True)
    tint = gap.evaluate("e => getComputedStyle(e.closest('td') || e.parentElement.parentElement).backgroundColor")
    assert tint == "rgb(254, 226, 226)", "a theme with learning but no action should stand out"
    gap.click()
    visit.page.wait_for_selector("#kg-theme-detail h2:has-text('Adultification')")
    assert "learning, no recorded action" in visit.page.locator("#kg-theme-detail").inner_text()
    years = visit.page.locator("#kg-theme-years")
    years.scroll_into_view_if_needed()
    header = years.locator("thead").inner_text()
    assert "2018" in header and "2024" in header and "undated" in header  # what changed over time
    assert "Information sharing" in years.inner_text()
    visit.settle()
    visit.screenshot("ui-themes.png")


def test_sparql_example_runs_and_downloads_as_csv(visit):
    visit.tab("SPARQL")
    assert "/sparql" in visit.page.locator("#kg-tab-sparql").inner_text()
    visit.choose("#kg-sparql-example", "partner organisations own the most")
    assert "?organisation" in visit.page.locator("#kg-sparql-query").inner_text()
    visit.page.locator("#kg-run-sparql").click()
    visit.page.wait_for_selector("#kg-sparql-csv:visible")
    visit.settle()
    status = visit.page.locator("#kg-sparql-status").inner_text()
    count = int(re.search(r"([\d,]+) rows?", status).group(1).replace(",", ""))
    assert count >= 3
    assert "Metropolitan Police Service" in visit.page.locator("#kg-sparql-results").inner_text()
    with visit.page.expect_download() as download:
        visit.page.locator("#kg-sparql-csv").click()
    assert download.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["organisation", "label", "actions", "reviews"]
    assert len(rows) - 1 == count
    assert any(r[1] == "GP practices" for r in rows[1:])
    visit.screenshot("ui-sparql.png")


def _run_typed_query(visit, query: str) -> None:
    """Replace the editor's text with `query`, as a person would, and press Run."""
    editor = visit.page.locator("#kg-sparql-query .cm-content")
    editor.click()
    visit.page.keyboard.press("Control+A")
    visit.page.keyboard.press("Delete")
    editor.type(query)
    visit.page.locator("#kg-run-sparql").click()


def test_sparql_errors_are_plain_messages(visit):
    visit.tab("SPARQL")
    _run_typed_query(visit, "DELETE WHERE { ?s ?p ?o }")
    visit.page.wait_for_selector("#kg-sparql-status .kg-error")
    message = visit.page.locator("#kg-sparql-status").inner_text()
    assert "read-only" in message and "Traceback" not in message
    _run_typed_query(visit, "SELECT ?s WHERE { ?s ?p }")
    visit.page.wait_for_selector("#kg-sparql-status .kg-error:has-text('malformed')")
    assert not visit.page.locator("#kg-sparql-csv").is_visible()


def test_empty_and_over_long_questions_get_a_plain_message(visit):
    visit.ask("   ")
    assert "empty" in visit.page.locator("#kg-answer").inner_text().lower()
    visit.ask("safeguarding " * 400)
    message = visit.page.locator("#kg-answer").inner_text()
    assert "limit" in message and "Traceback" not in message


def test_documents_page_lists_the_corpus_and_opens_a_document(visit):
    visit.tab("Documents")
    table = visit.page.locator("#kg-documents").inner_text()
    assert "Family Services Quarterly Update" in table and "2024-01-15" in table
    visit.choose("#kg-document-choice", "Family Services Quarterly Update")
    viewer = visit.page.locator("#kg-document")
    assert "Family Services Quarterly Update" in viewer.locator(".kg-doc-head").inner_text()
    assert len(viewer.locator(".kg-doc").inner_text()) > 5000
    visit.screenshot("ui-documents.png", full_page=False)


def test_named_api_endpoints_answer_gradio_client(ui_url):
    from gradio_client import Client

    client = Client(ui_url, verbose=False)
    named = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/ask", "/run_sparql", "/theme", "/graph", "/document"} <= set(named)
    answer, evidence = client.predict(QUESTION, api_name="/ask")
    assert "Child L" in answer and 'class="kg-cite"' in answer and "kg-card" in evidence
    status, table, download = client.predict("SELECT ?review WHERE { ?review a kg:CaseReview }", api_name="/run_sparql")
    assert "rows" in status and len(table["data"]) >= 3
    refused, _, _ = client.predict("DROP ALL", api_name="/run_sparql")
    assert "read-only" in refused
    assert "Information sharing" in client.predict("information-sharing", api_name="/theme")
    picture, neighbours, *_ = client.predict("review:child-l", 1, api_name="/graph")
    assert Path(picture).stat().st_size > 10_000 and neighbours["data"]
    # Choices are checked by the handlers against the live knowledge base, not against those fixed at start-up.
    assert "not in the current knowledge base" in client.predict("added-later.pdf", api_name="/document")
    assert "Family Services Quarterly Update" in client.predict("001_6586b5ec950e0cc1.txt", api_name="/document")
    assert "No theme &#x27;no-such-theme&#x27;" in client.predict("no-such-theme", api_name="/theme")
    assert "/ask_example" not in named  # the examples are the page's; API clients use /ask


def test_sparql_downloads_do_not_pile_up_and_go_when_the_ui_stops(kb_settings):
    from kg.ui.handlers import Handlers

    handlers = Handlers(kb_settings)
    try:
        for _ in range(handlers.downloads.keep + 8):
            *_, download = handlers.run_sparql("SELECT ?r WHERE { ?r a kg:CaseReview }")
        files = handlers.downloads.files()
        assert len(files) == handlers.downloads.keep and Path(download["value"]) in files
    finally:
        handlers.sparql.close()
        handlers.downloads.close()
    assert not handlers.downloads.path.exists()


HOSTILE_TEXT = ("Learning review summary\n\nThe partnership found that <script>window.__kgInjected = true;</script> "
                "information sharing between the GP and the health visitor was delayed.\n\nActions taken\n\n"
                "The partnership developed an information sharing protocol and training for GP practices.\n")
HOSTILE_MANIFEST = ('file,title,date,body,kind,source\nhostile.txt,"Review of <b>escaping</b> & '
                    '<script>alert(1)</script>",2024-02-01,Test partnership,report,written for kg\'s UI tests\n')


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory):
    """A one-document knowledge base whose text and title contain markup, served on its own."""
    from kg.build import build_knowledge_base
    from kg.config import load_settings

    root = tmp_path_factory.mktemp("small-kb")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (corpus / "manifest.csv").write_text(HOSTILE_MANIFEST, encoding="utf-8")
    settings = load_settings(kb=str(root / "kb"))
    build_knowledge_base(corpus, settings)
    proc, url = start_server(settings.kb, root / "serve.log")
    yield corpus, settings, url
    stop_server(proc)


def test_a_document_containing_markup_is_shown_as_text(browser, small_kb):
    """A corpus file with <script> in its text and title: the viewer shows the characters and runs nothing."""
    _, _, url = small_kb
    tab = Visit(browser, url)
    dialogs: list[str] = []
    tab.page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.tab("Documents")
    tab.choose("#kg-document-choice", "escaping")
    viewer = tab.page.locator("#kg-document")
    viewer.locator(".kg-doc").wait_for()
    assert "<script>window.__kgInjected = true;</script>" in viewer.locator(".kg-doc").inner_text()
    assert "<b>escaping</b> & <script>alert(1)</script>" in viewer.locator(".kg-doc-head").inner_text()
    assert viewer.locator("script, b").count() == 0
    assert tab.page.evaluate("() => window.__kgInjected === undefined")
    tab.tab("Ask")
    tab.ask("information sharing protocol")
    assert "&lt;script&gt;" not in tab.page.locator("#kg-evidence").inner_text()
    assert tab.page.evaluate("() => window.__kgInjected === undefined")
    assert not dialogs
    assert not tab.external_hosts()
    tab.close()


def test_a_new_version_of_the_knowledge_base_shows_without_a_restart(browser, small_kb):
    """`kg build` / `kg add` publish a new version; the running UI shows it on the next page load."""
    from kg.build import build_knowledge_base

    corpus, settings, url = small_kb
    (corpus / "second.txt").write_text("Rapid review\n\nThe police introduced a new escalation policy after the "
                                       "review found weak professional challenge.\n", encoding="utf-8")
    build_knowledge_base(corpus, settings)
    tab = Visit(browser, url)
    assert "2 documents" in tab.page.locator("#kg-header").inner_text()
    tab.tab("Documents")
    assert "second.txt" in tab.page.locator("#kg-documents").inner_text()
    tab.close()
