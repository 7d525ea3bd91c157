"""The live knowledge base as the UI sees it: opened once, reopened when `kg build` / `kg add` publish a new version.

Everything the pages show that does not depend on a user's input — the heatmap,
the theme and document tables, the choices of the drop-downs, the theme-table CSV —
is computed once per version here, so every click answers from memory. The tables and
the heatmap come from the summaries the version keeps (kg/extract/tallies.py), so they
show at once however large the corpus; the findings and the entity network behind the
graph view and the profiles are read when first needed.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from kg.config import Settings
from kg.documents import Document
from kg.query import DocumentInfo, Findings, KnowledgeBase
from kg.query.explore import ThemeReviewMatrix, ThemesByYear, ThemeSummary, findings_network, neighbourhood
from kg.ui import plots

KIND_TITLES = {"theme": "Theme", "review": "Review", "organisation": "Organisation", "action": "Action"}
# Columns the heatmap draws at most: past this a picture is unreadable, and with the national picture's
# thousands of reviews it would be gigapixels (minutes and GBs to draw) before the server could answer.
HEATMAP_MAX_REVIEWS = 30
# Actions the Graph page's entity drop-down lists at most: a national corpus has over 100,000 (20 MB on every page
# load, and a list no one scrolls); past this they are reached through the review, theme or owner they belong to.
ENTITY_MAX_ACTIONS = 2000


@dataclass
class Views:
    """One knowledge-base version and what the UI draws from it."""

    kb: KnowledgeBase
    summaries: list[ThemeSummary]
    matrix: ThemeReviewMatrix
    documents: list[DocumentInfo]
    folder: Path  # this version's pictures and downloads
    theme_csv: Path
    years: ThemesByYear
    theme_labels: dict[str, str]  # every theme: id -> label
    reviews: list[tuple[str, str, int | None]]  # every review: (id, label, year), by label
    corpus: Path | None = None  # the corpus folder, where originals of older knowledge bases are found
    _drawn: dict = field(default_factory=dict)

    @property
    def findings(self) -> Findings:
        """Every finding (parsed on first use, once per version: the profiles and the graph view need them)."""
        return self.kb.findings()

    @property
    def findings_loaded(self) -> bool:
        return self.kb.findings_loaded()

    @property
    def network(self) -> nx.Graph:
        return self.once("network", lambda: findings_network(self.findings))

    def heatmap_picture(self) -> Path:
        """The theme × review heatmap as a PNG (drawn on first use: seconds of drawing the page need not wait for)."""
        return self.once("heatmap picture", lambda: plots.heatmap_png(
            heatmap_matrix(self.matrix), self.gaps, self.folder / "theme-review-heatmap.png"))

    @property
    def heatmap_drawn(self) -> bool:
        return "heatmap picture" in self._drawn

    def once(self, name: str, make):
        """What `make()` draws for this version (grids, the graph overview), drawn on the first page load only."""
        if name not in self._drawn:
            self._drawn[name] = make()  # two first loads at once may both draw; either result is the same
        return self._drawn[name]

    @property
    def version(self) -> str:
        return self.kb.version.name

    @property
    def gaps(self) -> set[str]:
        return {s.id for s in self.summaries if s.gap}

    def theme_label(self, theme_id: str) -> str:
        return self.theme_labels.get(theme_id, theme_id)

    def theme_id(self, label: str) -> str | None:
        """The id of a theme by its label (suggestions and table rows carry labels)."""
        wanted = label.strip().lower()
        return next((t for t, text in self.theme_labels.items() if text.lower() == wanted), None)

    def document_info(self, doc: str) -> DocumentInfo | None:
        return next((d for d in self.documents if d.doc == doc), None)

    def document(self, doc: str) -> Document | None:
        return self.kb.document(doc)

    def theme_choices(self) -> list[tuple[str, str]]:
        """(label, id) of every theme that comes up, most-raised first, for a drop-down."""
        return [(s.label, s.id) for s in self.summaries]

    @property
    def actions_listed(self) -> bool:
        """Whether the entity drop-down lists the actions (a national corpus has too many to send to a page)."""
        return self.once("actions listed", lambda: sum(
            1 for _, d in self.network.nodes(data=True) if d.get("kind") == "action") <= ENTITY_MAX_ACTIONS)

    def entity_choices(self) -> list[tuple[str, str]]:
        """(“Kind · label”, node) for every entity of the network, by kind then label, for a drop-down (actions
        only while `actions_listed`: past that they are reached through their review, theme or owner)."""
        order = list(KIND_TITLES)
        listed = self.actions_listed
        nodes = sorted(((n, d) for n, d in self.network.nodes(data=True) if listed or d.get("kind") != "action"),
                       key=lambda n: (order.index(n[1].get("kind")) if n[1].get("kind") in order else 9,
                                      str(n[1].get("label", n[0])).lower()))
        return [(f"{KIND_TITLES.get(d.get('kind'), 'Entity')} · {_short(str(d.get('label', n)), 90)}", n)
                for n, d in nodes]

    def document_choices(self) -> list[tuple[str, str]]:
        return [(f"{d.title} ({d.date or 'undated'})", d.doc) for d in self.documents]

    def review_choices(self) -> list[tuple[str, str]]:
        """(“label (type, year)”, id) of every review, by label, for a drop-down."""
        return [(f"{label}{f' ({year})' if year else ''}", review_id) for review_id, label, year in self.reviews]

    def neighbourhood(self, node: str, radius: int) -> nx.Graph:
        """The entities within `radius` steps of a node (the nearest 60 at most)."""
        return neighbourhood(self.network, node, radius)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def newest_first(documents: list[DocumentInfo]) -> list[DocumentInfo]:
    """Documents newest first (a manager usually wants the latest report), undated ones last by title."""
    dated = sorted((d for d in documents if d.date), key=lambda d: d.date, reverse=True)
    return dated + sorted((d for d in documents if not d.date), key=lambda d: d.title.lower())


def heatmap_matrix(matrix: ThemeReviewMatrix, most: int = HEATMAP_MAX_REVIEWS) -> ThemeReviewMatrix:
    """The grid the heatmap draws: all of it while the reviews fit, else the `most` reviews that raised the
    most themes (kept in the grid's date order) and the themes they raised."""
    if len(matrix.reviews) <= most:
        return matrix
    raised = [0] * len(matrix.reviews)
    for row in matrix.counts:
        for j, value in enumerate(row):
            if value:
                raised[j] += 1
    keep = sorted(sorted(range(len(matrix.reviews)), key=lambda j: (-raised[j], j))[:most])
    rows = [(theme, [row[j] for j in keep]) for theme, row in zip(matrix.themes, matrix.counts)]
    rows = [(theme, counts) for theme, counts in rows if any(counts)]
    return ThemeReviewMatrix(themes=[t for t, _ in rows], reviews=[matrix.reviews[j] for j in keep],
                             counts=[c for _, c in rows])


def write_theme_csv(summaries: list[ThemeSummary], path: Path) -> Path:
    """The theme table as CSV: what the Themes page shows, for a spreadsheet."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["theme", "theme_id", "reviews", "passages", "actions", "learning_without_action"])
        for s in summaries:
            writer.writerow([s.label, s.id, s.reviews, s.passages, s.actions, "yes" if s.gap else "no"])
    return path


class LiveKnowledgeBase:
    """The views of the live version of a knowledge base, rebuilt after a new version is published.

    Args:
        settings: `settings.kb` is the knowledge-base directory.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = Path(settings.kb)
        self._folder = Path(tempfile.mkdtemp(prefix="kg-ui-"))
        self._views: Views | None = None
        self._lock = threading.Lock()

    def views(self) -> Views:
        """The current views (cheap when nothing changed: one small file read to compare versions).

        Raises:
            KnowledgeBaseNotFound: nothing has been built at `settings.kb`.
        """
        with self._lock:
            if self._views is None or not self._views.kb.is_current():
                old = self._views
                self._views = self._open()
                if old is not None:
                    # A server thread may still be reading the old version; its files go, its database stays open.
                    shutil.rmtree(old.folder, ignore_errors=True)
            return self._views

    def _open(self) -> Views:
        kb = KnowledgeBase(self.root)
        kept = kb.summaries()
        folder = self._folder / kb.version.name
        folder.mkdir(parents=True, exist_ok=True)
        return Views(kb=kb, summaries=kept.themes, matrix=kept.matrix, documents=newest_first(kb.documents()),
                     folder=folder, theme_csv=write_theme_csv(kept.themes, folder / "themes.csv"),
                     years=kept.years, theme_labels=kept.theme_labels, reviews=kept.reviews,
                     corpus=Path(self.settings.corpus))
