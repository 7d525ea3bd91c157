"""The UI's explorable pictures as HTML (kg/ui/visuals.py): heatmap grids and the graph view's data."""

from __future__ import annotations

import html
import json

import networkx as nx

from kg.ui import render
from kg.ui.visuals import GridColumn, graph_view_html, grid_html, scale_bins


def test_a_heatmap_grid_has_a_legend_full_titles_and_cells_that_open_passages():
    long_title = "Safeguarding children with disabilities and complex needs in residential settings"
    out = grid_html("Themes × reviews", [("a", "Information sharing", False), ("b", "Adultification", True)],
                    [GridColumn("r1", "Child L", "(2023)"), GridColumn("r2", long_title)], [[2, 0], [0, 9]],
                    lambda t, r: render.open_link("cell", theme=t, review=r))
    assert long_title in out and "<caption>Themes × reviews</caption>" in out
    assert out.count('class="kg-cell"') == 2 and 'aria-label="Information sharing in Child L: 2 passages"' in out
    assert "⚠ no action" in out and out.count("kg-scale-step") >= 3
    assert scale_bins(3) == [(1, 1), (2, 2), (3, 3)]
    bins = scale_bins(100)
    assert bins[0][0] == 1 and bins[-1][1] == 100 and len(bins) <= 5
    assert all(a[1] + 1 == b[0] for a, b in zip(bins, bins[1:]))  # no gaps, no overlaps


def test_the_graph_view_carries_every_node_with_what_a_click_opens():
    graph = nx.Graph()
    graph.add_node("review:child-l", kind="review", label="Child L")
    graph.add_node("theme:information-sharing", kind="theme", label="Information sharing")
    graph.add_node("org:police", kind="organisation", label="Metropolitan Police Service")
    graph.add_edge("review:child-l", "theme:information-sharing", relation="raised")
    out = graph_view_html(graph, "review:child-l", "Review Child L and 2 connected entities")
    data = json.loads(html.unescape(out.split('data-graph="', 1)[1].split('"', 1)[0]))
    opens = {n["data"]["id"]: n["data"]["open"] for n in data["nodes"]}
    assert opens["theme:information-sharing"] == {"kind": "theme", "id": "information-sharing"}  # its theme page
    assert opens["review:child-l"] == {"kind": "review", "id": "child-l"}  # its review page
    assert opens["org:police"] == {"kind": "node", "id": "org:police"}  # re-centres the graph
    assert [n["data"]["centre"] for n in data["nodes"] if n["data"]["id"] == "review:child-l"] == [1]
    assert len(data["edges"]) == 1
    assert 'role="img" aria-label="Review Child L and 2 connected entities"' in out
    assert out.count('type="checkbox"') == 3  # one filter per entity type present
