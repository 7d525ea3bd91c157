"""Pictures for the UI: the theme × review heatmap and an entity's neighbourhood in the findings network.

Each function draws on its own matplotlib Figure (no pyplot state, no display needed) and
writes a PNG, so the UI can draw once per knowledge-base version and serve the file afterwards.
"""

from __future__ import annotations

import math
import textwrap
import threading
from pathlib import Path

import networkx as nx
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from kg.query.explore import ThemeReviewMatrix
from kg.ui.style import KIND_COLOURS

KIND_MARKERS = {"theme": "o", "review": "s", "action": "D", "organisation": "h"}
KIND_NAMES = {"theme": "learning theme", "review": "case review", "action": "action", "organisation": "organisation"}
GAP_COLOUR = "#b91c1c"
_FONT = {"family": "DejaVu Sans"}  # bundled with matplotlib: the same look on every machine, nothing fetched
_DRAWING = threading.Lock()  # matplotlib is not thread-safe, and the server answers several requests at once


def _wrap(text: str, width: int, lines: int) -> str:
    """Text wrapped to `width` columns and at most `lines` lines (the last one ends with … when cut)."""
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def heatmap_png(matrix: ThemeReviewMatrix, gaps: set[str], path: Path) -> Path:
    """Draw which reviews raised which themes.

    Args:
        matrix: the grid from `kg.query.explore.theme_review_matrix`.
        gaps: ids of themes with learning but no recorded action (their labels are drawn in red).
        path: where to write the PNG.

    Returns:
        `path`.
    """
    with _DRAWING:
        _draw_heatmap(matrix, gaps, path)
    return path


def _draw_heatmap(matrix: ThemeReviewMatrix, gaps: set[str], path: Path) -> None:
    rows, cols = len(matrix.themes), len(matrix.reviews)
    fig_w = 4.2 + 1.05 * max(cols, 3)
    fig_h = 1.9 + 0.36 * max(rows, 3)
    fig = Figure(figsize=(fig_w, fig_h), dpi=110)
    ax = fig.subplots()
    if not rows or not cols:
        ax.axis("off")
        ax.text(0.5, 0.5, "No review has a recorded learning theme yet.", ha="center", va="center", fontsize=12)
        fig.savefig(path, format="png", facecolor="white")
        return
    colours = LinearSegmentedColormap.from_list("kg", ["#ffffff", "#bfdbfe", "#1d4ed8"])
    top = max(max(r) for r in matrix.counts) or 1
    ax.imshow(matrix.counts, cmap=colours, vmin=0, vmax=top, aspect="auto")
    for i, row in enumerate(matrix.counts):
        for j, value in enumerate(row):
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=9,
                        color="white" if value > top * 0.6 else "#0f172a", **_FONT)
    ax.set_xticks(range(cols))
    ax.set_xticklabels([_wrap(label, 16, 3) + (f"\n({year})" if year else "") for _, label, year in matrix.reviews],
                       fontsize=9, **_FONT)
    ax.xaxis.tick_top()
    ax.set_yticks(range(rows))
    raised = [sum(1 for v in row if v) for row in matrix.counts]
    ax.set_yticklabels([f"{_wrap(label, 44, 1)}  ({n})" for (_, label), n in zip(matrix.themes, raised)],
                       fontsize=9.5, **_FONT)
    for tick, (theme_id, _) in zip(ax.get_yticklabels(), matrix.themes):
        if theme_id in gaps:
            tick.set_color(GAP_COLOUR)
            tick.set_fontweight("bold")
    ax.set_xticks([x - 0.5 for x in range(1, cols)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, rows)], minor=True)
    ax.grid(which="minor", color="#e2e8f0", linewidth=1)
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_color("#cbd5e1")
    ax.set_title("Which case reviews raised which learning themes\n(reviews in date order where known; number = "
                 "supporting passages; (n) = reviews raising the theme)", fontsize=10.5, pad=12, loc="left",
                 color="#334155", **_FONT)
    if gaps & {t for t, _ in matrix.themes}:
        fig.text(0.01, 0.005, "Red: raised by a review but no recorded action (a gap between learning and practice)",
                 color=GAP_COLOUR, fontsize=9, **_FONT)
    fig.tight_layout()
    fig.savefig(path, format="png", facecolor="white")


def _by_kind(graph: nx.Graph, node: str) -> tuple[int, str]:
    kinds = list(KIND_MARKERS)
    kind = graph.nodes[node].get("kind")
    return (kinds.index(kind) if kind in kinds else len(kinds), str(graph.nodes[node].get("label", node)).lower())


def _first_ring(graph: nx.Graph, ring: list[str]) -> list[str]:
    """The inner ring ordered so that connected nodes sit side by side (each hub amid its neighbours)."""
    members = set(ring)
    degree = {n: sum(1 for m in graph.neighbors(n) if m in members) for n in ring}
    placed: set[str] = set()
    order: list[str] = []
    for hub in sorted(ring, key=lambda n: (-degree[n], _by_kind(graph, n))):
        if hub in placed or degree[hub] == 0:
            continue
        group = sorted((m for m in graph.neighbors(hub) if m in members and m not in placed),
                       key=lambda n: _by_kind(graph, n))
        half = len(group) // 2
        for node in [*group[:half], hub, *group[half:]]:
            placed.add(node)
            order.append(node)
    order += sorted((n for n in ring if n not in placed), key=lambda n: _by_kind(graph, n))
    return order


def _outer_ring(graph: nx.Graph, ring: list[str], angles: dict[str, float]) -> list[str]:
    """An outer ring ordered by the mean direction of each node's neighbours further in (fewer crossings)."""
    def direction(node: str) -> float:
        inner = [angles[m] for m in graph.neighbors(node) if m in angles]
        if not inner:
            return 10.0
        x = sum(math.cos(a) for a in inner)
        y = sum(math.sin(a) for a in inner)
        # Measured clockwise from the top, the way rings are laid out.
        return (math.pi / 2 - math.atan2(y, x)) % (2 * math.pi)

    return sorted(ring, key=lambda n: (direction(n), _by_kind(graph, n)))


def _layout(graph: nx.Graph, centre: str) -> tuple[dict[str, tuple[float, float]], int]:
    """Positions on concentric rings by distance from the centre, and the number of rings."""
    distance = nx.single_source_shortest_path_length(graph, centre)
    rings: dict[int, list[str]] = {}
    for node, d in distance.items():
        if d:
            rings.setdefault(d, []).append(node)
    positions: dict[str, tuple[float, float]] = {centre: (0.0, 0.0)}
    angles: dict[str, float] = {}
    for depth in sorted(rings):
        ring = _first_ring(graph, rings[depth]) if depth == 1 else _outer_ring(graph, rings[depth], angles)
        for k, node in enumerate(ring):
            angle = math.pi / 2 - 2 * math.pi * k / len(ring)
            angles[node] = angle
            positions[node] = (depth * math.cos(angle), depth * math.sin(angle))
    return positions, len(rings)


def network_png(graph: nx.Graph, centre: str, path: Path) -> Path:
    """Draw an entity's neighbourhood: the centre in the middle, each further step out on a wider ring.

    Args:
        graph: a (small) subgraph of the findings network, nodes with `kind` and `label` attributes.
        centre: the node the picture is about.
        path: where to write the PNG.

    Returns:
        `path`.
    """
    with _DRAWING:
        _draw_network(graph, centre, path)
    return path


def _draw_network(graph: nx.Graph, centre: str, path: Path) -> None:
    fig = Figure(figsize=(13, 9.5), dpi=100)
    ax = fig.subplots()
    ax.axis("off")
    if centre not in graph:
        ax.text(0.5, 0.5, "Choose a theme, review, organisation or action to see what it is connected to.",
                ha="center", va="center", fontsize=13, color="#334155", transform=ax.transAxes, **_FONT)
        fig.savefig(path, format="png", facecolor="white")
        return
    positions, rings = _layout(graph, centre)
    nx.draw_networkx_edges(graph, positions, ax=ax, edge_color="#94a3b8", width=1.2, alpha=0.8)
    for kind, marker in KIND_MARKERS.items():
        nodes = [n for n in graph if graph.nodes[n].get("kind") == kind]
        if nodes:
            nx.draw_networkx_nodes(graph, positions, nodelist=nodes, node_shape=marker, ax=ax,
                                   node_color=KIND_COLOURS[kind], edgecolors="white", linewidths=1.5,
                                   node_size=[900 if n == centre else 260 for n in nodes])
    many = len(graph) > 24
    for node, (x, y) in positions.items():
        data = graph.nodes[node]
        label = str(data.get("label", node))
        if node == centre:
            ax.text(x, y - 0.13, _wrap(label, 34, 3), ha="center", va="top", fontsize=11, fontweight="bold",
                    color="#0f172a", bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#cbd5e1"}, **_FONT)
            continue
        # Labels sit outside their node, away from the centre, so they do not cover the edges.
        radius = math.hypot(x, y) or 1.0
        ux, uy = x / radius, y / radius
        if abs(ux) < (0.12 if many else 0.3):  # near the top or bottom: above or below the node, centred
            align, valign = "center", "bottom" if uy > 0 else "top"
        else:
            align, valign = ("left" if ux > 0 else "right"), "center"
        width = 26 if data.get("kind") == "action" else 30
        ax.text(x + ux * 0.07, y + uy * 0.07, _wrap(label, width, 2 if many else 3),
                ha=align, va=valign, fontsize=7.5 if many else 8.5, color="#1e293b", **_FONT)
    extent = max(rings, 1)
    ax.set_xlim(-extent - 0.75, extent + 0.75)
    ax.set_ylim(-extent - 0.25, extent + 0.25)
    handles = [Line2D([0], [0], marker=m, color="w", markerfacecolor=KIND_COLOURS[k], markersize=11,
                      label=KIND_NAMES[k]) for k, m in KIND_MARKERS.items()]
    ax.legend(handles=handles, loc="upper left", frameon=True, fontsize=9.5, title="Entity type",
              title_fontsize=10, bbox_to_anchor=(0.0, 1.0))
    ax.text(0.0, -0.01, "Lines: a review raised a theme; an action responds to a review, addresses a theme, "
            "is owned by an organisation.", transform=ax.transAxes, fontsize=8.5, color="#475569", **_FONT)
    fig.tight_layout()
    fig.savefig(path, format="png", facecolor="white")
