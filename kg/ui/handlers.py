"""What each control of the UI does: thin calls into kg.query and kg.graph, turned into what the page shows.

Every handler answers with plain messages for library errors (an empty question, a
refused SPARQL update, a query that ran too long) and never shows a stack trace;
unexpected failures are logged for the administrator and summarised in one line.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import gradio as gr
import pandas as pd

from kg.config import Settings
from kg.errors import KgError
from kg.query.answer_export import answer_markdown, write_answer_docx
from kg.query.ask import Answer, open_asker
from kg.query.explore import theme_profile
from kg.query.search import SearchFilters, review_types
from kg.query.sparql import SparqlService, example_queries, table_rows, to_csv, truncation_note
from kg.ui.downloads import DownloadFolder
from kg.ui import render
from kg.ui.live import KIND_TITLES, LiveKnowledgeBase, Views

log = logging.getLogger("kg.ui")
MAX_THEME_PASSAGES = 6
MAX_SHOWN_ROWS = 1000  # a browser table of 10,000 rows is slow to draw; the CSV download carries every row
NODE_PREFIX = {"theme": "theme:", "review": "review:", "organisation": "org:", "action": "action:"}
THEME_COLUMNS = ["Theme", "Reviews", "Passages", "Actions", "Status"]
DOCUMENT_COLUMNS = ["Title", "Date", "Body", "Kind", "Words", "Passages", "Sections", "File"]
GRAPH_COLUMNS = ["Type", "Name", "Connection"]


def _failure(exc: Exception) -> str:
    """One readable line for an error: the library's own message, or a short summary of anything else."""
    if isinstance(exc, KgError):
        return str(exc)
    log.exception("UI handler failed")
    return f"Something went wrong ({type(exc).__name__}); the server log has the details."


def _guarded(fallback: Callable[[str], tuple]):
    """Run a handler; on any error return `fallback(message)` instead of letting Gradio show a trace."""

    def wrap(func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the edge: every failure becomes a message
                return fallback(_failure(exc))

        return run

    return wrap


class Handlers:
    """The UI's actions for one knowledge base (see kg/ui/app.py for how they are wired).

    Args:
        settings: `settings.kb` is the knowledge base; limits and timeouts come from here too.
    """

    def __init__(self, settings: Settings, sparql: SparqlService | None = None):
        self.settings = settings
        self.live = LiveKnowledgeBase(settings)
        # Share the endpoint's worker pool when mounted in `kg serve`; a pool of its own otherwise.
        self.sparql = sparql or SparqlService(settings.kb, settings)
        self._nonce = itertools.count(1)
        self.downloads = DownloadFolder()
        self.views_ready = threading.Event()

    def warm_up(self) -> threading.Thread:
        """Start what the first question and the first SPARQL query would otherwise wait for, in the background."""

        def work() -> None:
            try:
                self.live.views()
            except Exception:  # noqa: BLE001 - the page's load shows the error
                log.debug("UI warm-up failed", exc_info=True)
            finally:
                self.views_ready.set()
            try:
                open_asker(self.settings.kb, self.settings).theme_vectors()
                self.sparql.run("ASK { ?s ?p ?o }")
            except Exception:  # noqa: BLE001 - warming is best effort; the real request reports any error
                log.debug("UI warm-up failed", exc_info=True)

        thread = threading.Thread(target=work, name="kg-ui-warm-up", daemon=True)
        thread.start()
        return thread

    # ---- page load ---------------------------------------------------------------------------------

    def header(self, views: Views) -> str:
        f = views.findings
        orgs = sum(1 for o in f.organisations if o.mentions)
        stats = (f"{len(views.documents)} documents · {len(f.reviews)} case reviews · {len(views.summaries)} themes"
                 f" · {len(f.actions)} actions · {orgs} organisations · knowledge base version {views.version}")
        return (f'<div class="kg-header"><h1>kg</h1><span class="kg-sub">Learning from safeguarding case reviews: ask '
                f"a question, follow each answer to the passage that supports it.</span></div>"
                f'<div class="kg-stats">{render.esc(stats)}</div>')

    @staticmethod
    def welcome(views: Views) -> str:
        """The start page's overview: recurring themes, gaps and reviews, as chips to explore."""
        recurring = [(s.id, s.label, s.reviews) for s in views.summaries if s.reviews > 1][:6]
        gaps = [(s.id, s.label) for s in views.summaries if s.gap]
        reviews = [(r[0], r[1] + (f" ({r[2]})" if r[2] else "")) for r in views.matrix.reviews]
        return render.welcome_html(recurring, gaps, reviews)

    def theme_table(self, views: Views):
        """The theme table, gap rows tinted (a pandas Styler; Gradio shows its colours)."""
        rows = [[s.label, s.reviews, s.passages, s.actions,
                 "⚠ no action" if s.gap else ("✓ acted on" if s.actions else "—")]
                for s in views.summaries]
        frame = pd.DataFrame(rows, columns=THEME_COLUMNS)
        gaps = [s.gap for s in views.summaries]
        return frame.style.apply(
            lambda row: ["background-color: #fee2e2; color: #7f1d1d" if gaps[row.name] else "" for _ in row], axis=1)

    @staticmethod
    def theme_years_table(views: Views) -> pd.DataFrame:
        """Passages per theme in each year's documents (themes most spoken of first): what changed over time."""
        labels = {t.id: t.label for t in views.findings.themes}
        ordered = sorted(views.years.passages.items(), key=lambda tc: (-sum(tc[1].values()), labels.get(tc[0], "")))
        return pd.DataFrame([[labels.get(t, t), *(counts[y] for y in views.years.years)] for t, counts in ordered],
                            columns=["Theme", *views.years.years])

    def document_table(self, views: Views) -> pd.DataFrame:
        return pd.DataFrame([[d.title, d.date or "undated", d.body or "", d.kind or "", d.words, d.chunks, d.sections,
                              d.doc] for d in views.documents], columns=DOCUMENT_COLUMNS)

    def first_page(self, wait: float = 2.0):
        """What the page is built with: the views when they are ready within `wait` seconds, else a
        placeholder that the page's load event fills in.

        A large knowledge base takes longer than that to open (findings, heatmap, network); the server
        should answer HTTP and SPARQL meanwhile rather than wait for the UI's pictures.
        """
        if self.views_ready.wait(wait):
            return self.load_page()
        notice = ('<div class="kg-header"><h1>kg</h1><span class="kg-sub">Opening the knowledge base: '
                  "this page fills in when it is ready.</span></div>")
        return (notice, "", None, None, None, gr.update(choices=[]), gr.update(choices=[]), None,
                gr.update(choices=[]), None)

    def load_page(self):
        """Everything a fresh page shows, from the live version.

        Returns: header, start-page overview (in the evidence panel), heatmap, theme table, theme CSV,
        theme choices, entity choices, document table, document choices, themes-by-year table.
        """
        try:
            views = self.live.views()
        except Exception as exc:  # noqa: BLE001
            message = render.message_html(_failure(exc), error=True)
            return (message, "", None, None, None, gr.update(choices=[]), gr.update(choices=[]), None,
                    gr.update(choices=[]), None)
        return (self.header(views), self.welcome(views), str(views.heatmap), self.theme_table(views),
                str(views.theme_csv), gr.update(choices=views.theme_choices()),
                gr.update(choices=views.entity_choices()), self.document_table(views),
                gr.update(choices=views.document_choices()), self.theme_years_table(views))

    # ---- ask ---------------------------------------------------------------------------------------

    @_guarded(lambda message: (render.message_html(message, error=True), ""))
    def ask(self, question: str) -> tuple[str, str]:
        """Answer a question: the cited answer with chips and actions, and the evidence cards.

        Returns:
            (answer HTML, evidence HTML).
        """
        answer = open_asker(self.settings.kb, self.settings).ask(question or "")
        return self.render_answer(answer, self.live.views())

    @staticmethod
    def review_type_choices() -> list[tuple[str, str]]:
        return [(t.label, t.id) for t in review_types()]

    @staticmethod
    def filters(date_from: str | None = None, date_to: str | None = None, types: list[str] | None = None,
                publisher: str | None = None, docs: list[str] | None = None) -> SearchFilters | None:
        """The Ask page's filters as SearchFilters (None when none is set)."""
        filters = SearchFilters(docs=list(docs or []) or None, date_from=(date_from or "").strip() or None,
                                date_to=(date_to or "").strip() or None, review_types=list(types or []) or None,
                                publishers=[(publisher or "").strip()] if (publisher or "").strip() else None)
        return filters if filters.active() else None

    @_guarded(lambda message: (render.message_html(message, error=True), ""))
    def ask_within(self, question: str, date_from=None, date_to=None, types=None, publisher=None, docs=None) -> tuple:
        """Answer a question within the page's filters (years, review types, publisher, documents)."""
        filters = self.filters(date_from, date_to, types, publisher, docs)
        answer = open_asker(self.settings.kb, self.settings).ask(question or "", filters)
        return self.render_answer(answer, self.live.views())

    def answer_files(self, question: str, *filters) -> tuple:
        """The answer to `question` as Markdown and Word files for a board paper (numbered references)."""
        try:
            answer = open_asker(self.settings.kb, self.settings).ask(question or "", self.filters(*filters))
        except Exception:  # noqa: BLE001 - the answer panel already shows why
            return gr.update(value=None, visible=False), gr.update(value=None, visible=False)
        markdown = self.downloads.write("kg-answer.md", answer_markdown(answer))
        docx = write_answer_docx(answer, markdown.parent / "kg-answer.docx")
        return gr.update(value=str(markdown), visible=True), gr.update(value=str(docx), visible=True)

    @staticmethod
    def passages(answer: Answer) -> list[render.Passage]:
        return [render.Passage(doc=e.doc, title=e.title or e.doc, date=e.date, section=list(e.section), text=e.text,
                               start=e.start, end=e.end, quotes=[(q["start"], q["end"]) for q in e.quotes],
                               note="graph fact" if e.source == "graph" else "search match")
                for e in answer.evidence]

    def render_answer(self, answer: Answer, views: Views) -> tuple[str, str]:
        passages = self.passages(answer)
        suggestions = [(theme_id, label) for label in answer.suggestions
                       if (theme_id := views.theme_id(label)) is not None]
        html = render.answer_html(
            answer.answer, passages,
            themes=[(t["id"], t["label"]) for t in answer.themes],
            reviews=[(r["id"], r["label"]) for r in answer.reviews],
            organisations=[(o["id"], o["label"]) for o in answer.organisations],
            actions=answer.actions, suggestions=suggestions)
        return html, render.evidence_html(passages)

    # ---- themes ------------------------------------------------------------------------------------

    @_guarded(lambda message: render.message_html(message, error=True))
    def theme_detail(self, theme_id: str | None) -> str:
        """A theme's definition, the reviews raising it, the actions answering it and its passages, all cited."""
        if not theme_id:
            return render.message_html("Choose a theme (or click a row of the table) to see its reviews, actions "
                                       "and passages.")
        views = self.live.views()
        profile = theme_profile(views.findings, theme_id)
        if profile is None:
            return render.message_html(f"No theme {theme_id!r} in the theme scheme.", error=True)
        reviews = []
        for raised in profile.raised_by:
            r = raised.review
            facts = ", ".join(x for x in (raised.type_label, r.status, str(r.year) if r.year else "") if x)
            line = (f'<a href="#" data-open="{render.open_link("review", id=r.id)}"><b>{render.esc(r.label)}</b></a>'
                    f'{f" <span class=kg-muted>({render.esc(facts)})</span>" if facts else ""}')
            evidence = raised.evidence[0] if raised.evidence else None
            if evidence:
                line += f" — “{render.esc(_clip(evidence.quote, 220))}”"
            reviews.append(render.CitedLine(line, self._evidence_passage(views, evidence)))
        actions = []
        for owned in profile.actions:
            a = owned.action
            who = "; ".join(x for x in (", ".join(owned.owners), f"after {', '.join(owned.reviews)}" if owned.reviews
                                        else "") if x)
            line = (f"{render.esc(a.text)} <span class=kg-muted>({render.esc(a.kind)}"
                    f"{'; ' + render.esc(who) if who else ''})</span>")
            actions.append(render.CitedLine(line, self._evidence_passage(views, a.evidence)))
        shown = [p for p in (self._evidence_passage(views, m.evidence) for m in profile.passages[:MAX_THEME_PASSAGES])
                 if p is not None]
        t = profile.theme
        return render.theme_profile_html(t.label, t.definition, t.alt_labels, profile.gap, reviews, actions, shown,
                                         more_passages=max(0, len(profile.passages) - MAX_THEME_PASSAGES))

    @staticmethod
    def _evidence_passage(views: Views, evidence) -> render.Passage | None:
        """The chunk an evidence span lies in, as a card with the span highlighted (the span alone if no chunk)."""
        if evidence is None:
            return None
        info = views.document_info(evidence.doc)
        title, date = (info.title, info.date) if info else (evidence.doc, None)
        chunk = views.kb.chunk(evidence.chunk_id) if evidence.chunk_id else None
        if chunk is not None:
            return render.Passage(evidence.doc, title, date, list(chunk.section), chunk.text, chunk.start, chunk.end,
                                  [(evidence.start, evidence.end)])
        return render.Passage(evidence.doc, title, date, list(evidence.section), evidence.quote, evidence.start,
                              evidence.end, [(evidence.start, evidence.end)])

    def theme_from_table(self, evt: gr.SelectData) -> tuple:
        """A click on a theme-table row: show that theme."""
        label = (evt.row_value or [None])[0]
        theme_id = self.live.views().theme_id(label) if label else None
        return gr.update(value=theme_id), self.theme_detail(theme_id)

    # ---- graph -------------------------------------------------------------------------------------

    @_guarded(lambda message: (None, pd.DataFrame(columns=GRAPH_COLUMNS), [], render.message_html(message, True)))
    def graph(self, node: str | None, radius: int | float | None = 1) -> tuple:
        """An entity's neighbourhood: its picture, a table of its neighbours, their node ids (for row clicks).

        Returns:
            (picture path, neighbours table, node ids in table order, note HTML).
        """
        views = self.live.views()
        radius = 2 if str(radius) == "2" else 1  # the page offers 1 or 2 steps; API callers get the same
        if not node or node not in views.network:
            return (None, pd.DataFrame(columns=GRAPH_COLUMNS), [],
                    render.message_html("Choose a theme, review, organisation or action to see what it is "
                                        "connected to."))
        picture, sub = views.network_picture(node, int(radius or 1))
        rows, ids = [], []
        for other in sorted(sub.nodes, key=lambda n: (n != node, sub.nodes[n].get("kind", ""),
                                                      str(sub.nodes[n].get("label", n)).lower())):
            if other == node:
                continue
            data = sub.nodes[other]
            relation = sub.edges[node, other].get("relation", "") if sub.has_edge(node, other) else "further out"
            rows.append([KIND_TITLES.get(data.get("kind"), ""), data.get("label", other), relation])
            ids.append(other)
        centre = sub.nodes[node]
        steps = int(radius or 1)
        note = render.message_html(
            f"{KIND_TITLES.get(centre.get('kind'), 'Entity')} “{centre.get('label', node)}”: {len(ids)} connected "
            f"entit{'y' if len(ids) == 1 else 'ies'} within {steps} step{'s' if steps > 1 else ''}"
            f"{' (the nearest 60 shown)' if len(sub) >= 60 else ''}. Click a row to centre the picture on it.")
        return str(picture), pd.DataFrame(rows, columns=GRAPH_COLUMNS), ids, note

    def graph_from_table(self, ids: list[str], radius, evt: gr.SelectData) -> tuple:
        """A click on a neighbour row: centre the picture on that neighbour."""
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        node = ids[row] if ids and row is not None and 0 <= row < len(ids) else None
        return (gr.update(value=node), *self.graph(node, radius)) if node else (gr.skip(),) * 5

    # ---- documents ---------------------------------------------------------------------------------

    @_guarded(lambda message: render.message_html(message, error=True))
    def document(self, doc: str | None, passage: tuple[int, int] | None = None,
                 quotes: list[tuple[int, int]] | None = None, label: str = "") -> str:
        """The document viewer: the cleaned text, with a passage highlighted and scrolled to when given."""
        if not doc:
            return render.message_html("Choose a document, or open a passage from an answer or a theme.")
        views = self.live.views()
        document = views.document(doc)
        if document is None:
            return render.message_html(f"The document {doc!r} is not in the current knowledge base.", error=True)
        return render.document_html(document.doc, document.title, document.text, document.sections,
                                    date=document.date, body=document.body, kind=document.kind,
                                    source=document.source, passage=passage, quotes=quotes or [], label=label,
                                    nonce=next(self._nonce))

    def document_from_table(self, evt: gr.SelectData) -> tuple:
        doc = (evt.row_value or [None])[-1]
        return gr.update(value=doc), self.document(doc)

    # ---- links (citations, cards, chips) -----------------------------------------------------------

    def open_link(self, radius, evt: gr.SelectData) -> tuple:
        """Follow a click on a citation, evidence card or chip.

        A passage opens in the document viewer (highlighted, scrolled to); a theme opens on the Themes page;
        a review, organisation or action is centred in the Graph page.

        Returns:
            tabs, theme choice, theme detail, entity choice, picture, neighbours, neighbour ids, graph note,
            document choice, document viewer.
        """
        link = render.parse_link(evt.value)
        skip = (gr.skip(),) * 10
        kind = link.get("kind")
        if kind == "passage":
            try:
                span = (int(link["start"]), int(link["end"]))
                quotes = [(int(s), int(e)) for s, e in link.get("quotes", [])]
            except (KeyError, TypeError, ValueError):
                return skip
            viewer = self.document(str(link.get("doc", "")), span, quotes, str(link.get("label", "")))
            return (gr.Tabs(selected="documents"), *skip[1:8], gr.update(value=link.get("doc")), viewer)
        if kind == "theme":
            theme_id = str(link.get("id", ""))
            return (gr.Tabs(selected="themes"), gr.update(value=theme_id), self.theme_detail(theme_id), *skip[3:])
        if kind in NODE_PREFIX:
            node = NODE_PREFIX[kind] + str(link.get("id", ""))
            return (gr.Tabs(selected="graph"), *skip[1:3], gr.update(value=node), *self.graph(node, radius),
                    *skip[8:])
        return skip

    # ---- SPARQL ------------------------------------------------------------------------------------

    @staticmethod
    def example_choices() -> list[tuple[str, str]]:
        return [(q.title or q.name, q.name) for q in example_queries()]

    @staticmethod
    def example_text(name: str | None) -> str:
        return next((q.text for q in example_queries() if q.name == name), "")

    def run_sparql(self, query: str) -> tuple:
        """Run a read-only query (same limits as /sparql).

        Returns:
            (status HTML, results table, CSV download).
        """
        empty = pd.DataFrame(columns=["no results"])
        started = time.perf_counter()
        try:
            outcome = self.sparql.run(query or "")
        except Exception as exc:  # noqa: BLE001 - QueryError / QueryTimeout carry readable messages
            return render.message_html(_failure(exc), error=True), empty, gr.update(value=None, visible=False)
        elapsed = time.perf_counter() - started
        headers, rows = table_rows(outcome)
        csv_path = self.downloads.write("sparql-results.csv", to_csv(outcome))
        count = f"{len(rows):,} row{'s' if len(rows) != 1 else ''}"
        truncated = f" ({truncation_note(outcome)})" if outcome.truncated else ""
        shown = f"; showing the first {MAX_SHOWN_ROWS:,}, the CSV has them all" if len(rows) > MAX_SHOWN_ROWS else ""
        status = render.message_html(f"{count}{truncated} in {elapsed:.2f} s{shown}.")
        return (status, pd.DataFrame(rows[:MAX_SHOWN_ROWS], columns=headers),
                gr.update(value=str(csv_path), visible=True))


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
