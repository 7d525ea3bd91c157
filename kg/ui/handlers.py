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

import gradio as gr
import pandas as pd

from kg.config import Settings
from kg.errors import KgError
from kg.query.answer_export import answer_markdown, write_answer_docx
from kg.query.ask import Answer, open_asker
from kg.query.explore import review_profile, theme_profile
from kg.query.search import SearchFilters, review_types
from kg.query.sparql import SparqlService, example_queries, table_rows, to_csv, truncation_note
from kg.ui.downloads import DownloadFolder
from kg.ui import render, uploads
from kg.ui.live import KIND_TITLES, LiveKnowledgeBase, Views
from kg.ui.visuals import GridColumn, graph_view_html, grid_html

log = logging.getLogger("kg.ui")
MAX_THEME_PASSAGES = 6
MAX_SHOWN_ROWS = 1000  # a browser table of 10,000 rows is slow to draw; the CSV download carries every row
NODE_PREFIX = {"organisation": "org:", "action": "action:"}  # themes and reviews open their own pages
THEME_COLUMNS = ["Theme", "Reviews", "Passages", "Actions", "Status"]
DOCUMENT_COLUMNS = ["Title", "Date", "Publisher", "Kind", "Words", "Passages", "Sections"]
GRAPH_COLUMNS = ["Type", "Name", "Connection"]
# The graph view while the findings are still being read: view, table, node ids, note.
GRAPH_PENDING = ("", None, [], '<div class="kg-note">The graph fills in once every finding has been read.</div>')
# The parts of load_page that grow with the corpus (theme × review grid, document table, document choices,
# document ids, review choices): a page's load event sends them, never the page itself.
LONG_PARTS = frozenset({2, 7, 8, 10, 11})
# Seconds the warm-up (heatmap picture, search model, findings, SPARQL workers) waits for a first page load before
# it starts anyway: the first page is drawn sooner without it, and a question asked meanwhile loads what it needs.
WARM_UP_WAIT_S = 10.0
MAX_CELL_PASSAGES = 8
WELCOME_MAX_REVIEWS = 24  # review chips on the start page; the Reviews page's drop-down holds every review
GRID_MAX_REVIEWS = 60  # columns of the themes × reviews grid; the theme CSV and SPARQL hold every review
OVERVIEW_MAX_NODES = 150  # the Graph page's first picture: themes and reviews, while they stay readable
# What a click on a link (citation, chip, grid cell, graph node) may change, in the order `open_link` returns them.
LINK_TARGETS = ("tabs", "theme_choice", "theme_detail", "entity", "graph_view", "graph_table", "graph_ids",
                "graph_note", "doc_choice", "viewer", "review_choice", "review_page", "cell_detail")


def _empty_page() -> tuple:
    """load_page's parts with nothing to show (new update objects each time: Gradio may change what it is given)."""
    return ("", "", "", None, None, gr.update(choices=[]), gr.update(choices=[]), None, gr.update(choices=[]), "", [],
            gr.update(choices=[]), "", None, [], "", None)


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
        self.first_version = ""  # the version the server's first page shows ("" for the placeholder)
        self.page_opened = threading.Event()  # set once a browser's page has its lists: warming up may begin

    def wait_for_page(self) -> None:
        """Wait until a browser's page has its lists, or `WARM_UP_WAIT_S` seconds (what warming up waits for)."""
        self.page_opened.wait(WARM_UP_WAIT_S)

    def warm_up(self) -> threading.Thread:
        """Start what the first question and the first SPARQL query would otherwise wait for, in the background."""

        def work() -> None:
            try:
                self.live.views()
            except Exception:  # noqa: BLE001 - the page's load shows the error
                log.debug("UI warm-up failed", exc_info=True)
            finally:
                self.views_ready.set()
            # The rest is seconds to minutes of work on a large corpus: a manager opening the page at start-up
            # should not share the processor with it.
            self.wait_for_page()
            try:
                self.live.views().heatmap_picture()  # ready before anyone asks to download it
                open_asker(self.settings.kb, self.settings).theme_vectors()
                self.sparql.run("ASK { ?s ?p ?o }")
                for example in example_queries():  # kept with the version: a manager's first run answers at once
                    self.sparql.run(example.text)
            except Exception:  # noqa: BLE001 - warming is best effort; the real request reports any error
                log.debug("UI warm-up failed", exc_info=True)

        thread = threading.Thread(target=work, name="kg-ui-warm-up", daemon=True)
        thread.start()
        return thread

    # ---- page load ---------------------------------------------------------------------------------

    def header(self, views: Views) -> str:
        kept = views.kb.manifest.get("graph", {})  # counts kept when the version was written
        if not {"reviews", "actions", "organisations"} <= set(kept):
            f = views.findings
            kept = {"reviews": len(f.reviews), "actions": len(f.actions),
                    "organisations": sum(1 for o in f.organisations if o.mentions)}
        counts = ((len(views.documents), "document"), (kept["reviews"], "case review"), (len(views.summaries), "theme"),
                  (kept["actions"], "action"), (kept["organisations"], "organisation"))
        stats = " · ".join(f"{n:,} {name}{'s' if n != 1 else ''}" for n, name in counts) + \
            f" · knowledge base version {views.version}"
        return (f'<div class="kg-header"><h1>kg</h1><span class="kg-sub">Learning from safeguarding case reviews: ask '
                f"a question, follow each answer to the passage that supports it.</span></div>"
                f'<div class="kg-stats">{render.esc(stats)}</div>')

    @staticmethod
    def welcome(views: Views) -> str:
        """The start page's overview: recurring themes, gaps and reviews, as chips to explore."""
        recurring = [(s.id, s.label, s.reviews) for s in views.summaries if s.reviews > 1][:6]
        gaps = [(s.id, s.label) for s in views.summaries if s.gap]
        # The newest reviews: every one of a national corpus's thousands would make the start page megabytes.
        newest = sorted(views.reviews, key=lambda r: -(r[2] or 0))[:WELCOME_MAX_REVIEWS]
        reviews = [(i, label + (f" ({year})" if year else "")) for i, label, year in newest]
        return render.welcome_html(recurring, gaps, reviews, more_reviews=len(views.reviews) - len(reviews))

    def theme_table(self, views: Views):
        """The theme table, gap rows tinted (a pandas Styler; Gradio shows its colours)."""
        rows = [[s.label, s.reviews, s.passages, s.actions,
                 "⚠ no action" if s.gap else ("✓ acted on" if s.actions else "—")]
                for s in views.summaries]
        frame = pd.DataFrame(rows, columns=THEME_COLUMNS)
        gaps = [s.gap for s in views.summaries]
        return frame.style.apply(
            lambda row: ["background-color: #fee2e2; color: #7f1d1d" if gaps[row.name] else "" for _ in row], axis=1)

    def document_table(self, views: Views) -> pd.DataFrame:
        """Documents by title (newest first); a row click finds its id by position in `views.documents`."""
        return pd.DataFrame([[d.title, d.date or "undated", d.body or "", d.kind or "", d.words, d.chunks, d.sections]
                             for d in views.documents], columns=DOCUMENT_COLUMNS)

    def theme_grid(self, views: Views) -> str:
        """Themes × reviews as an HTML heatmap (a click on a cell shows the passages)."""
        from kg.ui.live import heatmap_matrix

        matrix = heatmap_matrix(views.matrix, most=GRID_MAX_REVIEWS)
        gaps = views.gaps
        shown = (f" (the {len(matrix.reviews)} reviews that raised the most themes of {len(views.matrix.reviews)})"
                 if len(matrix.reviews) < len(views.matrix.reviews) else "")
        return grid_html(f"Learning themes × case reviews{shown}: passages linking each review to each theme",
                         [(t, label, t in gaps) for t, label in matrix.themes],
                         [GridColumn(r, label, f"({year})" if year else "") for r, label, year in matrix.reviews],
                         matrix.counts, lambda t, r: render.open_link("cell", theme=t, review=r))

    def years_grid(self, views: Views) -> str:
        """Themes × years: passages about each theme in each year's documents."""
        labels = views.theme_labels
        ordered = views.years.rows(labels)
        gaps = views.gaps
        return grid_html("Learning themes × years: passages about each theme in each year's documents",
                         [(t, labels.get(t, t), t in gaps) for t, _ in ordered],
                         [GridColumn(y, y) for y in views.years.years],
                         [[counts[y] for y in views.years.years] for _, counts in ordered],
                         lambda t, y: render.open_link("cell", theme=t, year=y))

    def first_page(self, wait: float = 2.0):
        """What the page is built with: the views when they are ready within `wait` seconds (without the long
        lists, which the page's load event sends), else a placeholder that the load event fills in.

        A large knowledge base takes longer than that to open (findings, heatmap, network); the server
        should answer HTTP and SPARQL meanwhile rather than wait for the UI's pictures.
        """
        if self.views_ready.wait(wait):
            try:
                self.first_version = self.live.views().version
            except Exception:  # noqa: BLE001 - load_page shows the error
                self.first_version = ""
            return self.load_page(lists=False)
        notice = ('<div class="kg-header"><h1>kg</h1><span class="kg-sub">Opening the knowledge base: '
                  "this page fills in when it is ready.</span></div>")
        return (notice, *_empty_page()[1:])

    def load_page(self, lists: bool = True):
        """Everything a fresh page shows, from the live version.

        Args:
            lists: False leaves the lists that grow with the corpus (`LONG_PARTS`) empty, as the server's first
                page does: the page's load event sends them.

        Returns: header, start-page overview (in the evidence panel), heatmap grid, theme table, theme CSV,
        theme choices, entity choices, document table, document choices, themes-by-year grid, document ids
        (in table order), review choices, graph overview (view, table, node ids, note), heatmap picture.
        """
        try:
            views = self.live.views()
        except Exception as exc:  # noqa: BLE001
            message = render.message_html(_failure(exc), error=True)
            return (message, *_empty_page()[1:])
        # The graph view needs every finding; until they are read (a large knowledge base takes a while) the page
        # shows the rest and `load_graph` fills the graph in.
        graph = self._graph_parts(views) if views.findings_loaded else (gr.update(), *GRAPH_PENDING)
        parts = (self.header(views), self.welcome(views), None, self.theme_table(views), str(views.theme_csv),
                 gr.update(choices=views.theme_choices()), graph[0], None, None,
                 views.once("years grid", lambda: self.years_grid(views)), None, None,
                 *graph[1:], str(views.heatmap_picture()) if views.heatmap_drawn else None)
        long = self._lists(views) if lists else {i: part for i, part in enumerate(_empty_page()) if i in LONG_PARTS}
        return tuple(long.get(i, part) for i, part in enumerate(parts))

    def _lists(self, views: Views) -> dict[int, object]:
        """The parts of load_page that grow with the corpus, by position (`LONG_PARTS`)."""
        return {2: views.once("theme grid", lambda: self.theme_grid(views)), 7: self.document_table(views),
                8: gr.update(choices=views.document_choices()), 10: [d.doc for d in views.documents],
                11: gr.update(choices=views.review_choices())}

    def page_update(self, shown: str):
        """What an opened page needs from `load_page`.

        The server's first page carries the summaries (header, overview, theme table, themes by year) and leaves
        the long lists out (documents, reviews, the grid of the reviews raising most themes: megabytes at national
        scale, seconds of a browser's first drawing), so the lists always come here and the summaries only when
        the page shows an older version than the live one.

        Args:
            shown: the version the page shows ("" for none yet).

        Returns: the version the page shows now, then `load_page`'s parts (skipped where the page has them).
        """
        try:
            views = self.live.views()
        except Exception:  # noqa: BLE001 - load_page shows the error
            return ("", *self.load_page())
        if shown and views.version == shown:
            long = self._lists(views)
            return (shown, *(long.get(i, gr.skip()) for i in range(len(_empty_page()))))
        return (views.version, *self.load_page())

    def heatmap_picture(self) -> str | None:
        """The heatmap PNG for the download button (after `load_page`: drawing it takes seconds)."""
        self.page_opened.set()  # the page has its lists: the warm-up may begin
        try:
            return str(self.live.views().heatmap_picture())
        except Exception:  # noqa: BLE001 - the page's load has shown the error already
            log.debug("heatmap picture failed", exc_info=True)
            return None

    def load_graph(self):
        """The graph page's entity choices and overview (after `load_page`, once the findings are read).

        Returns: entity choices, graph view, graph table, node ids, note.
        """
        try:
            return self._graph_parts(self.live.views())
        except Exception:  # noqa: BLE001 - load_page has already shown what went wrong
            return (gr.skip(),) * 5

    def _graph_parts(self, views: Views) -> tuple:
        return (gr.update(choices=views.entity_choices()), *views.once("graph overview", lambda: self.graph(None)))

    def removable(self):
        """The remove drop-down's choices after a change."""
        try:
            return gr.update(choices=self.live.views().document_choices(), value=None)
        except Exception:  # noqa: BLE001 - the status line already says what happened
            return gr.skip()

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

    @staticmethod
    def overview_graph(views: Views):
        """The themes and the reviews that raised them (nothing when there are too many to read)."""
        keep = [n for n, d in views.network.nodes(data=True) if d.get("kind") in ("theme", "review")]
        sub = views.network.subgraph(keep)
        sub = sub.subgraph([n for n in sub if sub.degree(n)])
        return sub if 0 < len(sub) <= OVERVIEW_MAX_NODES else None

    def graph_overview(self, views: Views) -> tuple:
        """The Graph page before an entity is chosen: the themes and the reviews that raised them, drawn and
        listed (review rows say how many themes each raised, theme rows how many reviews raised them)."""
        sub = self.overview_graph(views)
        if sub is None:
            return "", pd.DataFrame(columns=GRAPH_COLUMNS), []
        ordered = sorted(sub.nodes, key=lambda n: (sub.nodes[n].get("kind") != "review",
                                                   str(sub.nodes[n].get("label", n)).lower()))
        rows = [[KIND_TITLES.get(sub.nodes[n].get("kind"), ""), sub.nodes[n].get("label", n),
                 f"raised {sub.degree(n)} theme{'s' if sub.degree(n) != 1 else ''}" if n.startswith("review:") else
                 f"raised by {sub.degree(n)} review{'s' if sub.degree(n) != 1 else ''}"] for n in ordered]
        reviews = sum(1 for n in sub if n.startswith("review:"))
        view = graph_view_html(sub, None, f"Overview: {len(sub) - reviews} learning themes and the {reviews} "
                                          "reviews that raised them")
        return view, pd.DataFrame(rows, columns=GRAPH_COLUMNS), ordered

    @_guarded(lambda message: ("", pd.DataFrame(columns=GRAPH_COLUMNS), [], render.message_html(message, True)))
    def graph(self, node: str | None, radius: int | float | None = 1) -> tuple:
        """An entity's neighbourhood: the explorable graph, a table of its neighbours, their node ids (row clicks).

        Returns:
            (graph view HTML, neighbours table, node ids in table order, note HTML).
        """
        views = self.live.views()
        radius = 2 if str(radius) == "2" else 1  # the page offers 1 or 2 steps; API callers get the same
        if not node or node not in views.network:
            overview = self.graph_overview(views)
            shown = ("The themes and the reviews that raised them." if overview[2] else
                     f"The {len(views.reviews):,} reviews and their themes are too many to draw at once.")
            choose = ("Choose a theme, review, organisation or action" if views.actions_listed else
                      "Choose a theme, review or organisation (its actions are a step away)")
            return (*overview, render.message_html(f"{shown} {choose} (or click a node or a row) to see what it "
                                                   "is connected to."))
        sub = views.neighbourhood(node, radius)
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
        kind = KIND_TITLES.get(centre.get("kind"), "Entity")
        summary = (f"{kind} “{centre.get('label', node)}”: {len(ids)} connected entit{'y' if len(ids) == 1 else 'ies'}"
                   f" within {radius} step{'s' if radius > 1 else ''}{' (the nearest 60 shown)' if len(sub) >= 60 else ''}")
        note = render.message_html(summary + ". Click a node or a row to move to it.")
        return graph_view_html(sub, node, summary), pd.DataFrame(rows, columns=GRAPH_COLUMNS), ids, note

    def graph_from_table(self, ids: list[str], radius, evt: gr.SelectData) -> tuple:
        """A click on a neighbour row: centre the picture on that neighbour."""
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        node = ids[row] if ids and row is not None and 0 <= row < len(ids) else None
        return (gr.update(value=node), *self.graph(node, radius)) if node else (gr.skip(),) * 5

    # ---- reviews -----------------------------------------------------------------------------------

    @_guarded(lambda message: render.message_html(message, error=True))
    def review_page(self, review_id: str | None) -> str:
        """A review's page: type, year, status, partnership, themes, recommendations and actions with owners, and
        the documents that speak of it with links to read and download them."""
        if not review_id:
            return render.message_html("Choose a review to see what it found, what it recommended and what was "
                                       "done, with the documents to read or download.")
        views = self.live.views()
        profile = review_profile(views.findings, review_id)
        if profile is None:
            return render.message_html(f"No review {review_id!r} in the current knowledge base.", error=True)
        r = profile.review
        year = f"{r.year} ({r.year_basis})" if r.year and r.year_basis else (str(r.year) if r.year else "not stated")
        facts = [("Type", profile.type_label or "not stated"), ("Year", year), ("Status", r.status or "not stated"),
                 ("Partnership", profile.partnership), ("Area", r.area or ""),
                 ("Taken forward as", r.taken_forward_as or ""), ("Also called", ", ".join(r.alt_labels))]
        themes = []
        for theme, evidence in profile.themes:
            first = evidence[0] if evidence else None
            line = f"“{render.esc(_clip(first.quote, 200))}”" if first else ""
            themes.append((theme.id, theme.label, render.CitedLine(line, self._evidence_passage(views, first))))
        recommendations = [self._action_line(views, a) for a in profile.recommendations]
        actions = [self._action_line(views, a) for a in profile.actions_taken]
        documents = []
        for doc in profile.documents:
            info = views.document_info(doc)
            first = next((e for e in r.evidence if e.doc == doc), None)
            documents.append(render.ReviewDocument(
                doc, info.title if info else doc, info.date if info else None, self._evidence_passage(views, first),
                self.original_url(views, doc)))
        return render.review_page_html(r.label, facts, themes, recommendations, actions, documents, f"review:{r.id}")

    def _action_line(self, views: Views, owned) -> render.CitedLine:
        a = owned.action
        details = [x for x in (", ".join(owned.owners) and f"owner: {', '.join(owned.owners)}",
                               a.status and f"status: {a.status}", a.date and f"date: {a.date}",
                               a.number and f"recommendation {a.number}") if x]
        line = render.esc(a.text) + (f" <span class=kg-muted>({render.esc('; '.join(details))})</span>"
                                     if details else "")
        return render.CitedLine(line, self._evidence_passage(views, a.evidence))

    @staticmethod
    def original_url(views: Views, doc: str) -> str | None:
        """Where the document's original file downloads from (the server's /documents route), when it was kept."""
        import urllib.parse

        if views.kb.original(doc, views.corpus) is None:
            return None
        return f"/documents/{urllib.parse.quote(doc)}/original"

    # ---- grid cells --------------------------------------------------------------------------------

    @_guarded(lambda message: render.message_html(message, error=True))
    def cell_detail(self, theme_id: str, review_id: str | None = None, year: str | None = None) -> str:
        """The passages behind one heatmap cell: where a review raises a theme, or a theme in one year's documents."""
        views = self.live.views()
        label = views.theme_label(theme_id)
        if review_id is not None:
            review = next((r for r in views.findings.reviews if r.id == review_id), None)
            spans = [e for link in views.findings.review_themes if link.theme == theme_id and link.review == review_id
                     for e in link.evidence]
            title = f"Where {review.label if review else review_id} raises {label}"
        else:
            dates = {d.doc: (d.date or "")[:4] or "undated" for d in views.documents}
            seen, spans = set(), []
            for mention in sorted((m for m in views.findings.theme_mentions if m.theme == theme_id),
                                  key=lambda m: -m.confidence):
                key = (mention.evidence.doc, mention.evidence.start)
                if dates.get(mention.evidence.doc) == year and key not in seen:
                    seen.add(key)
                    spans.append(mention.evidence)
            title = f"{label} in the documents of {year}"
        passages = [p for p in (self._evidence_passage(views, e) for e in spans[:MAX_CELL_PASSAGES]) if p]
        more = f"; showing {len(passages)}" if len(spans) > len(passages) else ""
        return render.evidence_html(passages, f"{title} ({len(spans)} passage{'s' if len(spans) != 1 else ''}{more})")

    # ---- documents ---------------------------------------------------------------------------------

    @_guarded(lambda message: render.message_html(message, error=True))
    def document(self, doc: str | None, passage: tuple[int, int] | None = None,
                 quotes: list[tuple[int, int]] | None = None, label: str = "", find: str = "") -> str:
        """The document viewer: the cleaned text, with a passage highlighted and scrolled to when given, and the
        matches of `find` marked (the first scrolled to)."""
        if not doc:
            return render.message_html("Choose a document, or open a passage from an answer or a theme.")
        views = self.live.views()
        document = views.document(doc)
        if document is None:
            return render.message_html(f"The document {doc!r} is not in the current knowledge base.", error=True)
        if len(find or "") > 200:
            return render.message_html("Search within a document for at most 200 characters.", error=True)
        return render.document_html(document.doc, document.title, document.text, document.sections,
                                    date=document.date, body=document.body, kind=document.kind,
                                    source=document.source, passage=passage, quotes=quotes or [], label=label,
                                    nonce=next(self._nonce), find=find or "",
                                    original_url=self.original_url(views, doc))

    def find_in_document(self, doc: str | None, words: str | None) -> str:
        return self.document(doc, find=words or "")

    def document_from_table(self, ids: list[str], evt: gr.SelectData) -> tuple:
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        doc = ids[row] if ids and row is not None and 0 <= row < len(ids) else None
        return gr.update(value=doc), self.document(doc), gr.update(value="")

    # ---- adding and removing documents -------------------------------------------------------------

    def add_files(self, files, title: str, date: str, publisher: str, token: str, progress=gr.Progress()) -> tuple:
        """Add uploaded files to the knowledge base, as `kg add` does (same per-file errors).

        Returns:
            (status HTML, the file picker: emptied once the files are in, kept when nothing was done).
        """
        refusal = uploads.write_refusal(self.settings, token)
        if refusal:
            return render.message_html(refusal, error=True), gr.skip()
        paths = [str(getattr(f, "name", f)) for f in (files or [])]
        if not paths:
            return render.message_html("Choose one or more files to add (PDF, Word, HTML or text).", error=True), \
                gr.skip()
        if len(paths) > 1 and any(x.strip() for x in (title or "", date or "", publisher or "")):
            return render.message_html("Title, date and publisher describe one document: add one file with them, "
                                       "or several files without them.", error=True), gr.skip()
        try:
            report = uploads.add_uploaded(self.settings, paths, title or "", date or "", publisher or "",
                                          uploads.GradioProgress(progress))
        except Exception as exc:  # noqa: BLE001 - the library's message says what to do
            return render.message_html(_failure(exc) + " Nothing was changed.", error=True), gr.skip()
        return render.lines_html(uploads.report_lines(report)), gr.update(value=None)

    def remove_file(self, doc: str | None, token: str, progress=gr.Progress()) -> str:
        """Remove one document from the knowledge base, as `kg remove` does."""
        refusal = uploads.write_refusal(self.settings, token)
        if refusal:
            return render.message_html(refusal, error=True)
        if not doc:
            return render.message_html("Choose the document to remove.", error=True)
        try:
            report = uploads.remove_one(self.settings, doc, uploads.GradioProgress(progress))
        except Exception as exc:  # noqa: BLE001
            return render.message_html(_failure(exc), error=True)
        return render.lines_html(uploads.report_lines(report))

    def writes_need_token(self) -> bool:
        return uploads.shared(self.settings)

    def write_notice(self) -> str:
        """Who may add documents here, said before anyone tries."""
        if not uploads.shared(self.settings):
            return render.message_html("This server is reachable from this machine only: adding and removing "
                                       "documents needs no access token.")
        if not self.settings.access_token:
            return render.message_html(uploads.write_refusal(self.settings, "") or "", error=True)
        return render.message_html("This server is reachable from other machines: type its access token to add "
                                   "or remove documents.")

    # ---- links (citations, cards, chips) -----------------------------------------------------------

    def open_link(self, radius, evt: gr.SelectData) -> tuple:
        """Follow a click on a citation, evidence card, chip, grid cell or graph node.

        A passage opens in the document viewer (highlighted, scrolled to); a theme opens on the Themes page; a
        review on its page; a grid cell shows its passages under the grid; an organisation or action (or any
        node) is centred in the Graph page.

        Returns:
            one value per name in LINK_TARGETS (gr.skip() for what the click leaves alone).
        """
        link = render.parse_link(evt.value)
        out: dict[str, object] = {}
        kind = link.get("kind")
        if kind == "passage":
            try:
                span = (int(link["start"]), int(link["end"]))
                quotes = [(int(s), int(e)) for s, e in link.get("quotes", [])]
            except (KeyError, TypeError, ValueError):
                return (gr.skip(),) * len(LINK_TARGETS)
            out.update(tabs=gr.Tabs(selected="documents"), doc_choice=gr.update(value=link.get("doc")),
                       viewer=self.document(str(link.get("doc", "")), span, quotes, str(link.get("label", ""))))
        elif kind == "theme":
            theme_id = str(link.get("id", ""))
            out.update(tabs=gr.Tabs(selected="themes"), theme_choice=gr.update(value=theme_id),
                       theme_detail=self.theme_detail(theme_id))
        elif kind == "review":
            review_id = str(link.get("id", ""))
            out.update(tabs=gr.Tabs(selected="reviews"), review_choice=gr.update(value=review_id),
                       review_page=self.review_page(review_id))
        elif kind == "cell":
            out.update(cell_detail=self.cell_detail(str(link.get("theme", "")),
                                                    review_id=link.get("review"), year=link.get("year")))
        elif kind in NODE_PREFIX or kind == "node":
            node = str(link.get("id", "")) if kind == "node" else NODE_PREFIX[kind] + str(link.get("id", ""))
            view, table, ids, note = self.graph(node, radius)
            out.update(tabs=gr.Tabs(selected="graph"), entity=gr.update(value=node), graph_view=view,
                       graph_table=table, graph_ids=ids, graph_note=note)
        return tuple(out.get(name, gr.skip()) for name in LINK_TARGETS)

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
