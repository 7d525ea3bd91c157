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


def start_server(kb: str, log_path: Path, corpus: Path | None = None, host: str = "127.0.0.1",
                 token: str = "") -> tuple[subprocess.Popen, str]:
    """`kg serve` on a free port, as its own process; returns once the UI answers.

    `corpus` is the folder documents added in the UI are kept in (the repository's corpus otherwise); a `host`
    beyond loopback needs a `token`, which the returned URL carries.
    """
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "MPLCONFIGDIR": str(log_path.parent / "matplotlib"), **({"KG_CORPUS": str(corpus)} if corpus else {}),
           **({"KG_ACCESS_TOKEN": token} if token else {})}
    log = log_path.open("w", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--kb", kb, "--port", str(port),
                             "--host", host], stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/" + (f"?token={token}" if token else "")
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

    def __init__(self, browser, url: str, viewport: dict | None = None):
        self.context = browser.new_context(viewport=viewport or {"width": 1400, "height": 1000}, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.hosts: set[str] = set()
        self.hosts_paths: list[str] = []  # every URL requested, for checking where assets came from
        self.page.on("request", lambda request: (self.hosts.add(urlparse(request.url).hostname or ""),
                                                 self.hosts_paths.append(request.url)))
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
        self.page.get_by_role("tab", name=name, exact=True).click()
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
        assert image.width >= 390 and image.height >= 400, f"{path.name} is only {image.size}"
    assert len(colours) > 50, f"{path.name} looks blank ({len(colours)} colours)"


def words(text: str) -> str:
    return " ".join(text.split())


# ---- the tests ---------------------------------------------------------------------------------------

def test_page_loads_offline_with_every_page(visit):
    page = visit.page
    assert page.title().startswith("kg")
    assert "documents" in page.locator("#kg-header").inner_text()
    for name in ("Ask", "Themes", "Reviews", "Graph", "SPARQL", "Documents"):
        assert page.get_by_role("tab", name=name, exact=True).is_visible()
    visit.screenshot("ui-home.png")
    assert not visit.external_hosts()


def test_a_question_gets_a_cited_answer_naming_reviews(visit):
    visit.ask(QUESTION)
    answer = visit.page.locator("#kg-answer")
    text = answer.inner_text()
    assert "Child L" in text and "Information sharing" in text
    citations = answer.locator("button.kg-cite")
    assert citations.count() >= 3
    assert visit.page.locator("#kg-evidence .kg-card").count() >= 3
    assert visit.page.locator("#kg-evidence mark.kg-quote").count() >= 1
    assert answer.locator("button.kg-chip-theme", has_text="Information sharing").count() == 1
    assert "Actions in this answer" in text
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
    assert visit.page.locator("#kg-evidence .kg-card").count() == 0
    visit.screenshot("ui-ask-nothing-found.png", full_page=False)


def test_a_request_to_use_a_service_says_where_to_go_instead(visit):
    visit.ask("How do I apply for a school place for my son?")
    text = visit.page.locator("#kg-answer").inner_text()
    assert "request to use a service" in text and "safeguarding team" in text and "closest themes" in text
    assert visit.page.locator("#kg-evidence .kg-card").count() == 0
    visit.screenshot("ui-ask-service-request.png", full_page=False)


def test_an_evidence_card_opens_its_passage_highlighted_in_the_document(visit):
    visit.ask(QUESTION)
    card = visit.page.locator("#kg-evidence .kg-card").first
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


def test_a_review_chip_opens_the_review_page_with_its_facts_actions_and_original(visit):
    visit.ask("What did the Child L review find and what changed after it?")
    visit.page.locator("#kg-answer button.kg-chip-review", has_text="Child L").first.click()
    visit.page.wait_for_selector("#kg-review-page h2:has-text('Child L')")
    visit.settle()
    page = visit.page.locator("#kg-review-page")
    facts = words(page.locator("dl.kg-facts").inner_text())
    assert "Type Child Safeguarding Practice Review" in facts and "Year 2023" in facts
    assert "Status published" in facts and "Partnership Barnet Safeguarding Children Partnership" in facts
    text = page.inner_text()
    assert "Themes it raised" in text and page.locator("button.kg-chip-theme", has_text="Information sharing").count()
    assert "Actions taken after it" in text and "owner: Royal Free London NHS Foundation Trust" in text
    assert page.locator("button.kg-cite").count() >= 10  # every theme and action cites its passage
    visit.screenshot("ui-review.png")
    # The original report downloads as it was read.
    with visit.page.expect_download() as download:
        page.locator("a.kg-download").first.click()
    original = Path(download.value.path()).read_bytes()
    assert original == (Path(__file__).resolve().parents[1] / "corpus" / download.value.suggested_filename).read_bytes()
    # A theme on the page opens the theme; the graph button centres the graph on the review.
    page.locator("button.kg-chip-theme", has_text="Information sharing").click()
    visit.page.wait_for_selector("#kg-theme-detail h2:has-text('Information sharing')")
    visit.tab("Reviews")
    page.locator("button", has_text="Show its connections in the graph").click()
    visit.page.wait_for_selector("#kg-graph-note:has-text('Child L')")


def graph_state(visit) -> dict:
    """What the drawn graph holds: visible nodes by kind, the zoom, and where each node is on the screen."""
    visit.page.wait_for_function("() => document.querySelector('#kg-graph-view .kg-cy')?.kgGraph")
    return visit.page.evaluate("""() => {
      const box = document.querySelector('#kg-graph-view .kg-cy'); const cy = box.kgGraph;
      const rect = box.getBoundingClientRect();
      const nodes = cy.nodes().filter((n) => n.visible()).map((n) => ({id: n.id(), kind: n.data('kind'),
        x: rect.left + n.renderedPosition('x'), y: rect.top + n.renderedPosition('y')}));
      return {nodes, zoom: cy.zoom()};
    }""")


def test_the_graph_pans_zooms_filters_and_opens_what_is_clicked(visit):
    visit.tab("Graph")
    overview = graph_state(visit)
    kinds = {n["kind"] for n in overview["nodes"]}
    assert kinds == {"theme", "review"} and len(overview["nodes"]) >= 20  # the overview: themes and their reviews
    assert "Child L" in visit.page.locator("#kg-graph-table").inner_text()  # the table lists the same entities
    visit.choose("#kg-entity", "Review · Child L")
    visit.page.wait_for_selector("#kg-graph-note:has-text('Child L')")
    assert {"theme", "action"} <= {n["kind"] for n in graph_state(visit)["nodes"]}
    visit.page.locator("#kg-radius").get_by_text("2", exact=True).click()  # two steps out: the actions' owners
    visit.page.wait_for_selector("#kg-graph-note:has-text('within 2 steps')")
    visit.page.wait_for_function("() => document.querySelector('#kg-graph-view .kg-cy')?.kgGraph"
                                 "?.nodes('[kind = \"organisation\"]').length > 0")
    assert {"theme", "action", "organisation", "review"} <= {n["kind"] for n in graph_state(visit)["nodes"]}
    # Filter by type: organisations hidden, then shown again.
    visit.page.locator("#kg-graph-view input[data-kind=organisation]").uncheck()
    assert "organisation" not in {n["kind"] for n in graph_state(visit)["nodes"]}
    visit.page.locator("#kg-graph-view input[data-kind=organisation]").check()
    # Zoom with the buttons (the mouse wheel and dragging work too).
    before = graph_state(visit)["zoom"]
    visit.page.locator("#kg-graph-view button[data-zoom=in]").click()
    assert graph_state(visit)["zoom"] > before
    visit.page.locator("#kg-graph-view button[data-zoom=fit]").click()
    visit.screenshot("ui-graph.png")
    # Clicking a theme node opens the theme's page.
    theme = next(n for n in graph_state(visit)["nodes"] if n["id"] == "theme:information-sharing")
    visit.page.mouse.click(theme["x"], theme["y"])
    visit.page.wait_for_selector("#kg-theme-detail h2:has-text('Information sharing')")
    assert "cytoscape" in " ".join(visit.hosts_paths)  # the library came from this server


def test_themes_page_shows_the_heatmap_table_and_csv(visit):
    visit.tab("Themes")
    grid = visit.page.locator("#kg-heatmap")
    grid.locator("table.kg-grid").wait_for()
    # A colour legend, and every review's full title (wrapped, not cut).
    assert grid.locator(".kg-scale .kg-scale-step").count() >= 2
    titles = words(grid.locator("thead").inner_text())
    assert "Safeguarding children with disabilities and complex needs in residential settings" in titles
    assert "Child L (2023)" in titles
    # A cell opens its passages.
    grid.locator("button.kg-cell[aria-label^='Information sharing in Child L']").click()
    visit.page.wait_for_selector("#kg-cell-detail .kg-card")
    assert "Where Child L raises Information sharing" in visit.page.locator("#kg-cell-detail").inner_text()
    visit.screenshot("ui-themes.png")
    table = visit.page.locator("#kg-theme-table").inner_text()
    assert "Information sharing" in table and "⚠ no action" in table
    with visit.page.expect_download() as download:
        visit.page.locator("#kg-theme-csv").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["theme", "theme_id", "reviews", "passages", "actions", "learning_without_action"]
    assert any(r[1] == "information-sharing" and int(r[2]) >= 2 for r in rows[1:])
    assert any(r[5] == "yes" for r in rows[1:])
    with visit.page.expect_download() as picture:
        visit.page.locator("#kg-heatmap-png").click()
    assert Path(picture.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    gap = visit.page.locator("#kg-theme-table").get_by_text("Adultification", exact=True)
    tint = gap.evaluate("e => getComputedStyle(e.closest('td') || e.parentElement.parentElement).backgroundColor")
    assert tint == "rgb(254, 226, 226)", "a theme with learning but no action should stand out"
    gap.click()
    visit.page.wait_for_selector("#kg-theme-detail h2:has-text('Adultification')")
    assert "learning, no recorded action" in visit.page.locator("#kg-theme-detail").inner_text()
    # Themes × years: what changed over time, each cell opening that year's passages.
    visit.page.get_by_role("tab", name="Themes × years").click()
    years = visit.page.locator("#kg-theme-years")
    header = years.locator("thead").inner_text()
    assert "2018" in header and "2024" in header and "undated" in header
    years.locator("button.kg-cell[aria-label^='Information sharing in 2024']").click()
    visit.page.wait_for_selector("#kg-cell-detail:has-text('Information sharing in the documents of 2024')")
    assert visit.page.locator("#kg-cell-detail .kg-card").count() >= 1
    visit.screenshot("ui-themes-years.png")


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


def test_documents_page_lists_titles_searches_inside_and_reads_by_keyboard(visit):
    visit.tab("Documents")
    table = visit.page.locator("#kg-documents").inner_text()
    assert "Family Services Quarterly Update" in table and "2024-01-15" in table
    assert ".txt" not in table  # titles, not file names
    visit.page.locator("#kg-documents").get_by_text("Family Services Quarterly Update", exact=True).click()
    viewer = visit.page.locator("#kg-document")
    viewer.locator(".kg-doc-head:has-text('Family Services Quarterly Update')").wait_for()
    assert len(viewer.locator(".kg-doc").inner_text()) > 5000
    # Search within the open document: every match marked, the count said, the first brought into view.
    visit.page.locator("#kg-document-find textarea, #kg-document-find input").first.fill("social workers")
    visit.page.keyboard.press("Enter")
    viewer.locator(".kg-find-count").wait_for()
    found = viewer.locator("mark.kg-find").count()
    assert found >= 2 and f"{found} matches" in viewer.locator(".kg-find-count").inner_text()
    assert viewer.locator("#kg-find-first").is_visible()
    # The text can be reached and scrolled by keyboard.
    text = viewer.locator(".kg-doc")
    text.focus()
    assert visit.page.evaluate("() => document.activeElement.classList.contains('kg-doc')")
    before = text.evaluate("e => e.scrollTop")
    visit.page.keyboard.press("PageDown")
    visit.page.wait_for_function("() => document.querySelector('#kg-document .kg-doc').scrollTop > %d" % before)
    assert viewer.locator("a.kg-download").get_attribute("href").endswith("/original")
    visit.screenshot("ui-documents.png", full_page=False)


def test_keyboard_order_starts_at_the_question_box(visit):
    def focused() -> str:
        return visit.page.evaluate("() => (document.activeElement.closest('[id^=kg-]') || {}).id || ''")

    assert focused() == "kg-question"
    visit.page.keyboard.press("Tab")
    assert focused() == "kg-ask"
    visit.page.keyboard.press("Tab")
    assert focused() == "kg-filters"


AXE = Path(__file__).resolve().parent / "assets" / "axe.min.js"


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands, one line each."""
    # Gradio fades an output while it updates; colours are only what users read once the fade has ended.
    try:
        page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running' || "
                               "a.effect?.getComputedTiming().iterations === Infinity)", timeout=5_000)
    except Exception:  # noqa: BLE001 - a spinner that never stops is not a reason to skip the check
        pass
    page.wait_for_timeout(300)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`)""")
    return found


def test_no_serious_or_critical_accessibility_violation_on_any_tab(visit):
    visit.ask(QUESTION)
    problems = {"Ask": serious_violations(visit.page)}
    for tab in ("Themes", "Reviews", "Graph", "SPARQL", "Documents"):
        visit.tab(tab)
        visit.settle()
        if tab == "Reviews":
            visit.choose("#kg-review-choice", "Child L")
            visit.page.wait_for_selector("#kg-review-page h2:has-text('Child L')")
            visit.settle()
        if tab == "Graph":
            graph_state(visit)
        if tab == "Documents":
            visit.choose("#kg-document-choice", "Family Services Quarterly Update")
        problems[tab] = serious_violations(visit.page)
    assert not any(problems.values()), problems


def test_on_a_phone_the_question_is_full_width_and_the_answer_comes_first(browser, ui_url):
    phone = Visit(browser, ui_url, viewport={"width": 390, "height": 844})
    try:
        question = phone.page.locator("#kg-question").bounding_box()
        assert question["width"] >= 300  # the whole width, not half beside the button
        phone.ask(QUESTION)
        answer = phone.page.locator("#kg-answer").bounding_box()
        examples = phone.page.locator("#kg-examples").bounding_box()
        assert answer["y"] < examples["y"]
        assert phone.page.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing scrolls sideways
        phone.screenshot("ui-phone.png", full_page=False)
        assert not serious_violations(phone.page)
    finally:
        phone.close()


def test_named_api_endpoints_answer_gradio_client(ui_url):
    from gradio_client import Client

    client = Client(ui_url, verbose=False)
    named = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/ask", "/run_sparql", "/theme", "/review", "/graph", "/document"} <= set(named)
    answer, evidence = client.predict(QUESTION, api_name="/ask")
    assert "Child L" in answer and 'class="kg-cite"' in answer and "kg-card" in evidence
    status, table, download = client.predict("SELECT ?review WHERE { ?review a kg:CaseReview }", api_name="/run_sparql")
    assert "rows" in status and len(table["data"]) >= 3
    refused, _, _ = client.predict("DROP ALL", api_name="/run_sparql")
    assert "read-only" in refused
    assert "Information sharing" in client.predict("information-sharing", api_name="/theme")
    view, neighbours, *_ = client.predict("review:child-l", 1, api_name="/graph")
    assert 'class="kg-cy"' in view and neighbours["data"]
    assert "Child Safeguarding Practice Review" in client.predict("child-l", api_name="/review")
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


SMALL_KB_TOKEN = "s3cret-for-tests"


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
    # Shared beyond this machine (bound to every address, with a token), as a team's server would be: the
    # Documents page then asks for the token before it writes.
    proc, url = start_server(settings.kb, root / "serve.log", corpus, host="0.0.0.0", token=SMALL_KB_TOKEN)
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
    assert "Rapid review" in tab.page.locator("#kg-documents").inner_text()
    tab.close()


UPLOADED_REVIEW = ("Safeguarding Adults Review: Adult K\n\nThe review found that information sharing between the GP "
                   "and adult social care was delayed, and that self-neglect was not recognised.\n\nActions taken\n\n"
                   "The partnership issued a self-neglect protocol and delivered training for GP practices.\n")


def open_manage_panel(tab: Visit) -> None:
    tab.tab("Documents")
    tab.page.locator("#kg-manage").get_by_text("Add or remove documents").click()
    tab.page.locator("#kg-upload").wait_for()


def upload(tab: Visit, path: Path | None, title: str = "", date: str = "", publisher: str = "") -> str:
    """Choose a file (None: keep the one chosen), describe it and press Add; returns what the status line says."""
    if path is not None:
        clear = tab.page.locator("#kg-upload button[aria-label=Clear]")
        if clear.count():
            clear.first.click()
        tab.page.locator("#kg-upload input[type=file]").set_input_files(str(path))
        tab.page.wait_for_selector(f"#kg-upload:has-text('{path.stem}')")  # the page shows name and type apart
    for field, value in (("#kg-upload-title", title), ("#kg-upload-date", date), ("#kg-upload-publisher", publisher)):
        tab.page.locator(f"{field} textarea, {field} input").first.fill(value)
    status = tab.page.locator("#kg-change-status")
    before = status.inner_text()
    tab.page.locator("#kg-add").click()
    tab.page.wait_for_function("(before) => { const s = document.querySelector('#kg-change-status .kg-message');"
                               " return s && s.innerText !== before; }", arg=before, timeout=180_000)
    tab.settle()
    return words(status.inner_text())


def test_a_manager_adds_and_removes_a_report_in_the_ui(browser, small_kb, tmp_path):
    """On a shared server the access token is asked for before any write; then a report is added with its title,
    date and publisher, an unreadable file is refused by name, and the report is removed again."""
    corpus, settings, url = small_kb
    report = tmp_path / "adult-k-sar.txt"
    report.write_text(UPLOADED_REVIEW, encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\n this is not really a PDF \n%%EOF\n")
    tab = Visit(browser, url)
    try:
        before = tab.page.locator("#kg-header").inner_text()
        open_manage_panel(tab)
        assert "type its access token" in tab.page.locator("#kg-write-notice").inner_text()
        described = ("Safeguarding Adults Review: Adult K", "2024-06-30", "Testshire SAB")
        assert "needs this server's access token" in upload(tab, report, *described)
        tab.page.locator("#kg-token input").fill("wrong")
        assert "not right; nothing was changed" in upload(tab, None, *described)  # the chosen file stays chosen
        tab.page.locator("#kg-token input").fill(SMALL_KB_TOKEN)
        status = upload(tab, None, *described)
        assert "Added: adult-k-sar.txt" in status and "now holds" in status, status
        tab.page.wait_for_selector("#kg-documents:has-text('Safeguarding Adults Review: Adult K')")
        assert "Testshire SAB" in tab.page.locator("#kg-documents").inner_text()
        assert (corpus / "adult-k-sar.txt").read_text(encoding="utf-8") == UPLOADED_REVIEW  # kept for `kg build`
        assert "Adult K" in (corpus / "manifest.csv").read_text(encoding="utf-8")
        tab.screenshot("ui-upload.png")
        # A file kg cannot read is refused by name, as `kg add` refuses it, and nothing is lost.
        status = upload(tab, broken)
        assert "Not added: broken.pdf" in status, status
        assert "Safeguarding Adults Review: Adult K" in tab.page.locator("#kg-documents").inner_text()
        # Removing the report.
        tab.choose("#kg-remove-choice", "Adult K")
        tab.page.locator("#kg-remove").click()
        tab.page.wait_for_selector("#kg-change-status:has-text('Removed: adult-k-sar.txt')", timeout=180_000)
        tab.settle()
        assert "Adult K" not in tab.page.locator("#kg-documents").inner_text()
        counts = re.compile(r"[\d,]+ documents?")
        assert counts.search(tab.page.locator("#kg-header").inner_text())[0] == counts.search(before)[0]
    finally:
        tab.close()
