"""A networkx view of the findings for analytics: theme co-occurrence, most connected partners,
theme counts and gaps, the theme × review grid, and the neighbourhood of one entity."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import combinations

import networkx as nx

from kg.extract.findings import Findings


def findings_network(findings: Findings) -> nx.Graph:
    """Reviews, themes, actions and organisations as typed nodes; edges for raised / responds / addresses / owns."""
    graph = nx.Graph()
    labels = {t.id: t.label for t in findings.themes}
    for r in findings.reviews:
        graph.add_node(f"review:{r.id}", kind="review", label=r.label)
    for o in findings.organisations:
        if o.mentions:
            graph.add_node(f"org:{o.id}", kind="organisation", label=o.label)
    for link in findings.review_themes:
        graph.add_node(f"theme:{link.theme}", kind="theme", label=labels.get(link.theme, link.theme))
        graph.add_edge(f"review:{link.review}", f"theme:{link.theme}", relation="raised")
    for a in findings.actions:
        node = f"action:{a.id}"
        graph.add_node(node, kind="action", label=a.text)
        for r in a.reviews:
            graph.add_edge(node, f"review:{r}", relation="responds to")
        for t in a.themes:
            graph.add_node(f"theme:{t}", kind="theme", label=labels.get(t, t))
            graph.add_edge(node, f"theme:{t}", relation="addresses")
        for o in a.organisations:
            graph.add_edge(node, f"org:{o}", relation="owned by")
    return graph


def theme_cooccurrence(findings: Findings) -> list[tuple[str, str, int]]:
    """Pairs of theme labels raised by the same reviews, with how many reviews share them."""
    labels = {t.id: t.label for t in findings.themes}
    by_review: dict[str, set[str]] = {}
    for link in findings.review_themes:
        by_review.setdefault(link.review, set()).add(link.theme)
    pairs: Counter[tuple[str, str]] = Counter()
    for themes in by_review.values():
        pairs.update(combinations(sorted(themes), 2))
    return [(labels.get(a, a), labels.get(b, b), n) for (a, b), n in pairs.most_common()]


def connected_partners(findings: Findings, top: int = 10) -> list[tuple[str, int, int]]:
    """Organisations by the actions they own and the distinct reviews those actions answer."""
    network = findings_network(findings)
    rows = []
    for node, data in network.nodes(data=True):
        if data.get("kind") != "organisation":
            continue
        actions = [n for n in network.neighbors(node) if network.nodes[n].get("kind") == "action"]
        reviews = {r for a in actions for r in network.neighbors(a) if network.nodes[r].get("kind") == "review"}
        if actions:
            rows.append((data["label"], len(actions), len(reviews)))
    return sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))[:top]


def themes_by_reviews(findings: Findings) -> list[tuple[str, int, int]]:
    """Theme labels with the number of reviews raising them and of actions answering them."""
    labels = {t.id: t.label for t in findings.themes}
    reviews: dict[str, set[str]] = {}
    for link in findings.review_themes:
        reviews.setdefault(link.theme, set()).add(link.review)
    actions = Counter(t for a in findings.actions for t in a.themes)
    ids = set(reviews) | set(actions)
    rows = [(labels.get(t, t), len(reviews.get(t, ())), actions.get(t, 0)) for t in ids]
    return sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))


@dataclass
class ThemeSummary:
    """One learning theme's counts: reviews raising it, passages speaking of it, actions answering it."""

    id: str
    label: str
    reviews: int
    passages: int
    actions: int

    @property
    def gap(self) -> bool:
        """Learning without a recorded action: raised by a review, answered by none."""
        return self.reviews > 0 and self.actions == 0


def theme_summary(findings: Findings) -> list[ThemeSummary]:
    """Every theme that comes up anywhere, with its counts; most-raised first.

    Args:
        findings: the knowledge base's extraction findings.

    Returns:
        One ThemeSummary per theme raised by a review, mentioned in a passage or answered by an action,
        ordered by reviews, then actions, then passages (descending), then label.
    """
    labels = {t.id: t.label for t in findings.themes}
    reviews: dict[str, set[str]] = {}
    for link in findings.review_themes:
        reviews.setdefault(link.theme, set()).add(link.review)
    passages = Counter(m.theme for m in findings.theme_mentions)
    actions = Counter(t for a in findings.actions for t in set(a.themes))
    ids = set(reviews) | set(passages) | set(actions)
    rows = [ThemeSummary(t, labels.get(t, t), len(reviews.get(t, ())), passages.get(t, 0), actions.get(t, 0))
            for t in ids]
    return sorted(rows, key=lambda r: (-r.reviews, -r.actions, -r.passages, r.label.lower()))


@dataclass
class ThemeReviewMatrix:
    """Which reviews raised which themes: `counts[i][j]` evidence passages linking theme i to review j (0: none)."""

    themes: list[tuple[str, str]]  # (id, label), most-raised first
    reviews: list[tuple[str, str, int | None]]  # (id, label, year), by year where known, then label
    counts: list[list[int]]


def theme_review_matrix(findings: Findings) -> ThemeReviewMatrix:
    """The theme × review grid behind a heatmap, reviews in date order where their year is known.

    Args:
        findings: the knowledge base's extraction findings.

    Returns:
        Themes raised by at least one review (rows) against the reviews that raised any theme (columns).
    """
    labels = {t.id: t.label for t in findings.themes}
    review_by_id = {r.id: r for r in findings.reviews}
    cells: dict[tuple[str, str], int] = {}
    for link in findings.review_themes:
        cells[(link.theme, link.review)] = cells.get((link.theme, link.review), 0) + max(1, len(link.evidence))
    raised = Counter(theme for theme, _ in cells)
    theme_ids = sorted(raised, key=lambda t: (-raised[t], labels.get(t, t).lower()))
    review_ids = {review for _, review in cells}

    def review_key(review_id: str) -> tuple:
        review = review_by_id.get(review_id)
        year = review.year if review else None
        # Unknown years go last rather than being guessed from the reporting document's date.
        return (year is None, year or 0, (review.label if review else review_id).lower())

    ordered = sorted(review_ids, key=review_key)
    return ThemeReviewMatrix(
        themes=[(t, labels.get(t, t)) for t in theme_ids],
        reviews=[(r, review_by_id[r].label if r in review_by_id else r,
                  review_by_id[r].year if r in review_by_id else None) for r in ordered],
        counts=[[cells.get((t, r), 0) for r in ordered] for t in theme_ids])


def neighbourhood(graph: nx.Graph, node: str, radius: int = 1, max_nodes: int = 60) -> nx.Graph:
    """The part of the findings network around one entity, nearest nodes first.

    Args:
        graph: the network from `findings_network`.
        node: the centre, e.g. "theme:information-sharing" or "review:child-l".
        radius: how many steps out to go.
        max_nodes: keep at most this many nodes (the closest, in breadth-first order), so a picture stays legible.

    Returns:
        The induced subgraph (empty when `node` is not in the graph).
    """
    if node not in graph:
        return nx.Graph()
    distances = nx.single_source_shortest_path_length(graph, node, cutoff=radius)
    kept = sorted(distances, key=lambda n: (distances[n], graph.nodes[n].get("kind", ""), str(n)))[:max_nodes]
    return graph.subgraph(kept).copy()
