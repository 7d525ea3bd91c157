"""The UI's explorable pictures as HTML: heatmap grids (themes × reviews, themes × years) and the graph view.

Both are HTML rather than images so that a screen reader reads them, a keyboard reaches every
cell, and a click opens what a cell or node stands for. The graph is drawn in the browser by
Cytoscape.js, served by `kg serve` from kg/ui/assets (never a CDN); its table on the same page
is the accessible alternative.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import networkx as nx

from kg.ui.render import esc
from kg.ui.style import KIND_COLOURS

# A sequential scale (light to dark blue); the darker two carry white text so every count stays legible.
SCALE = ["#dbeafe", "#93c5fd", "#3b82f6", "#1d4ed8", "#1e3a8a"]
DARK_FROM = 2
KIND_NAMES = {"theme": "Themes", "review": "Reviews", "organisation": "Organisations", "action": "Actions"}
CYTOSCAPE_URL = "/kg-assets/cytoscape.min.js"


@dataclass
class GridColumn:
    key: str  # what a cell's link carries (a review id or a year)
    label: str  # shown in full, wrapped
    note: str = ""  # e.g. a review's year


def scale_bins(largest: int) -> list[tuple[int, int]]:
    """Count ranges for the colour scale: up to five bins covering 1…largest."""
    if largest <= len(SCALE):
        return [(n, n) for n in range(1, max(largest, 1) + 1)]
    edges = [1] + [max(2, round(largest ** (i / len(SCALE)))) for i in range(1, len(SCALE))] + [largest + 1]
    bins, low = [], 1
    for high in edges[1:]:
        if high > low:
            bins.append((low, high - 1))
            low = high
    return bins


def _bin(count: int, bins: Sequence[tuple[int, int]]) -> int:
    return next((i for i, (low, high) in enumerate(bins) if low <= count <= high), len(bins) - 1)


def grid_html(caption: str, rows: Sequence[tuple[str, str, bool]], columns: Sequence[GridColumn],
              counts: Sequence[Sequence[int]], cell_link: Callable[[str, str], str], unit: str = "passages") -> str:
    """A heatmap as a table: a colour legend, full (wrapped) column titles, the count in each cell, and a
    click (or Enter) on a cell opening what it counts.

    Args:
        caption: what the grid shows (the table's caption, read first by a screen reader).
        rows: (theme id, theme label, learning without action) per row.
        columns: the columns, in order.
        counts: counts[i][j] for row i, column j (0: nothing).
        cell_link: (row id, column key) -> the `data-open` value of a cell.
        unit: what a count counts, for the legend and each cell's name.
    """
    largest = max((c for row in counts for c in row), default=0)
    bins = scale_bins(largest)
    colours = SCALE[-len(bins):] if len(bins) < len(SCALE) else SCALE
    legend = "".join(
        f'<span class="kg-scale-step" style="--c:{colours[i]}">{low if low == high else f"{low}–{high}"}</span>'
        for i, (low, high) in enumerate(bins))
    head = "".join(f'<th scope="col"><span class="kg-col-title">{esc(c.label)}</span>'
                   f'{f"<span class=kg-muted> {esc(c.note)}</span>" if c.note else ""}</th>' for c in columns)
    body = []
    for (row_id, label, gap), row in zip(rows, counts):
        cells = []
        for column, count in zip(columns, row):
            if not count:
                cells.append('<td class="kg-cell-empty"><span class="kg-sr">none</span></td>')
                continue
            step = _bin(count, bins)
            colour = colours[step]
            ink = "white" if SCALE.index(colour) >= DARK_FROM else "#0f172a"
            name = f"{label} in {column.label}: {count} {unit}"
            cells.append(f'<td><button class="kg-cell" style="background:{colour};color:{ink}" '
                         f'data-open="{cell_link(row_id, column.key)}" title="{esc(name)}" '
                         f'aria-label="{esc(name)}">{count}</button></td>')
        flag = ' <span class="kg-gap-flag" title="learning with no recorded action">⚠ no action</span>' if gap else ""
        body.append(f'<tr><th scope="row">{esc(label)}{flag}</th>{"".join(cells)}</tr>')
    legend_html = (f'<div class="kg-scale" aria-hidden="true"><span class="kg-muted">Colour: {esc(unit)} per cell'
                   f'</span>{legend}<span class="kg-scale-step kg-scale-none" style="--c:#ffffff">0</span></div>')
    return (f'{legend_html}<div class="kg-grid-wrap" tabindex="0" role="region" aria-label="{esc(caption)}">'
            f'<table class="kg-grid"><caption>{esc(caption)}</caption><thead><tr><th scope="col">Theme</th>{head}'
            f'</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def graph_view_html(sub: nx.Graph, centre: str | None, description: str) -> str:
    """The graph view: entity-type filters, zoom buttons and a canvas drawn by Cytoscape.js from the data attribute.

    Args:
        sub: the nodes and edges to draw (kind, label per node; relation per edge).
        centre: the node drawn larger, or None for an overview.
        description: a sentence saying what the picture shows (its accessible name).
    """
    links = {"theme": "theme", "review": "review", "organisation": "node", "action": "node"}
    nodes = []
    for node, data in sub.nodes(data=True):
        kind = data.get("kind", "")
        label = str(data.get("label", node))
        target = node.split(":", 1)[1] if kind in ("theme", "review") else node
        nodes.append({"data": {"id": node, "label": label if len(label) <= 48 else label[:47] + "…", "full": label,
                               "kind": kind, "colour": KIND_COLOURS.get(kind, "#475569"),
                               "centre": 1 if node == centre else 0,
                               "open": {"kind": links.get(kind, "node"), "id": target}}})
    edges = [{"data": {"id": f"e{i}", "source": a, "target": b, "relation": d.get("relation", "")}}
             for i, (a, b, d) in enumerate(sub.edges(data=True))]
    kinds = sorted({n["data"]["kind"] for n in nodes}, key=lambda k: list(KIND_NAMES).index(k) if k in KIND_NAMES
                   else 9)
    filters = "".join(
        f'<label class="kg-filter" style="--c:{KIND_COLOURS.get(k, "#475569")}"><input type="checkbox" checked '
        f'data-kind="{esc(k)}"> {esc(KIND_NAMES.get(k, k))}</label>' for k in kinds)
    data = esc(json.dumps({"nodes": nodes, "edges": edges}, ensure_ascii=False, separators=(",", ":")))
    return (f'<div class="kg-graph-view"><div class="kg-graph-controls" role="group" aria-label="Show entity types">'
            f'{filters}<span class="kg-graph-zoom"><button type="button" data-zoom="in" aria-label="Zoom in">+</button>'
            f'<button type="button" data-zoom="out" aria-label="Zoom out">−</button>'
            f'<button type="button" data-zoom="fit">Fit</button></span></div>'
            f'<div class="kg-cy" role="img" aria-label="{esc(description)}" data-graph="{data}"></div>'
            f'<div class="kg-muted">Drag to pan, scroll or use + and − to zoom, click a node to open it. '
            f"The table below lists the same entities.</div></div>")


# Draws the graph view whenever its HTML changes; loads Cytoscape.js once from the server.
GRAPH_JS = """
const library = () => new Promise((resolve, reject) => {
  if (window.cytoscape) return resolve(window.cytoscape);
  let script = document.querySelector('script[data-kg-cytoscape]');
  if (!script) {
    script = document.createElement('script');
    script.src = '%s';
    script.dataset.kgCytoscape = '1';
    document.head.appendChild(script);
  }
  script.addEventListener('load', () => resolve(window.cytoscape));
  script.addEventListener('error', () => reject(new Error('graph library not loaded')));
});
let cy = null;
const draw = () => {
  const box = element.querySelector('.kg-cy');
  if (!box) { if (cy) { cy.destroy(); cy = null; } return; }
  const data = JSON.parse(box.dataset.graph || '{"nodes":[],"edges":[]}');
  library().then((cytoscape) => {
    if (cy) cy.destroy();
    cy = cytoscape({
      container: box, elements: [...data.nodes, ...data.edges], minZoom: 0.2, maxZoom: 4,
      layout: {name: 'cose', animate: false, randomize: true, nodeRepulsion: () => 60000, idealEdgeLength: () => 110,
               nodeOverlap: 40, componentSpacing: 80, gravity: 0.6, numIter: 2500, padding: 24},
      style: [
        {selector: 'node', style: {'background-color': 'data(colour)', 'label': 'data(label)', 'font-size': 10,
          'color': '#0f172a', 'text-wrap': 'wrap', 'text-max-width': 120, 'text-valign': 'bottom',
          'text-margin-y': 3, 'width': 18, 'height': 18, 'text-background-color': '#ffffff',
          'text-background-opacity': 0.8, 'text-background-padding': 1}},
        {selector: 'node[centre = 1]', style: {'width': 30, 'height': 30, 'font-weight': 'bold', 'font-size': 12,
          'border-width': 3, 'border-color': '#0f172a'}},
        {selector: 'node[kind = "action"]', style: {'min-zoomed-font-size': 13}},  // action texts appear on zooming in
        {selector: 'edge', style: {'width': 1.2, 'line-color': '#94a3b8', 'curve-style': 'bezier'}},
        {selector: 'node:selected', style: {'border-width': 3, 'border-color': '#f59e0b'}},
      ],
    });
    box.kgGraph = cy;  // for the browser tests: nodes, zoom and positions
    cy.on('tap', 'node', (event) => {
      trigger('select', {index: 0, value: JSON.stringify(event.target.data('open'))});
    });
    cy.on('mouseover', 'node', (event) => { box.title = event.target.data('full'); });
  }).catch(() => { box.textContent = 'The graph library could not be loaded; the table below lists the same entities.'; });
};
element.addEventListener('change', (event) => {
  const input = event.target.closest('input[data-kind]');
  if (!input || !cy) return;
  cy.nodes().filter((n) => n.data('kind') === input.dataset.kind).style('display', input.checked ? 'element' : 'none');
});
element.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-zoom]');
  if (!button || !cy) return;
  const how = button.dataset.zoom;
  if (how === 'fit') { cy.fit(undefined, 20); return; }
  const centre = {x: cy.width() / 2, y: cy.height() / 2};
  cy.zoom({level: cy.zoom() * (how === 'in' ? 1.25 : 0.8), renderedPosition: centre});
});
watch('value', draw);
draw();
""" % CYTOSCAPE_URL
