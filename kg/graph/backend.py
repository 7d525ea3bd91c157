"""What every graph backend offers: run a read-only query, count triples. A backend is a file.

    oxigraph   embedded on-disk Oxigraph store in the knowledge base (default)     kg/graph/oxigraph_backend.py
    memory     rdflib's in-memory store (for comparison and small experiments)    kg/graph/memory_backend.py
    remote     an external SPARQL 1.1 store (Oxigraph server, Fuseki, GraphDB)    kg/graph/remote_backend.py
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from rdflib.term import Node


@dataclass
class QueryOutcome:
    """A query's answer in plain rdflib terms, whatever backend produced it."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    truncated: bool = False


class GraphBackend(Protocol):
    name: str

    def run(self, query: str, row_limit: int, prefixes: dict[str, str]) -> QueryOutcome:
        """Run a read-only query; at most `row_limit` rows (or triples), `truncated` set when more exist."""

    def triple_count(self) -> int: ...

    def dump_ntriples(self) -> bytes:
        """The whole graph as N-Triples (for validation and export)."""

    def close(self) -> None: ...
