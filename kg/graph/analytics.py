"""A networkx view of the findings: theme co-occurrence, most connected partners, the neighbourhood of one entity.

Theme tallies, gaps and the theme × review grid are kg/query/explore.py's.
"""

from __future__ import annotations

from collections import Counter
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
    kept: list[str] = []
    for step in range(radius + 1):
        # Within a step, kinds take turns (best-connected first), so a cut-off ring still shows every kind:
        # two steps from a review reach its actions' owners as well as its themes' other actions.
        by_kind: dict[str, list[str]] = {}
        for other in sorted((n for n, d in distances.items() if d == step),
                            key=lambda n: (-graph.degree(n), str(n))):
            by_kind.setdefault(graph.nodes[other].get("kind", ""), []).append(other)
        queues = [by_kind[k] for k in sorted(by_kind)]
        while any(queues) and len(kept) < max_nodes:
            for queue in queues:
                if queue and len(kept) < max_nodes:
                    kept.append(queue.pop(0))
    return graph.subgraph(kept).copy()
