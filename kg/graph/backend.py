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
    truncated_by: str = ""  # "rows" or "bytes": which limit cut the answer
    answered_from: str = ""  # "entity layer" when the embedded store's entity layer answered (kg/graph/layers.py)


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset a query runs on (SPARQL Protocol default-graph-uri / named-graph-uri); empty: the store's own."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


class ResultBudget:
    """Admits result rows until a row or byte limit is reached, so an answer's size is bounded before it is built.

    Bytes are counted on the terms' text, which bounds every serialisation within a small factor.
    """

    def __init__(self, row_limit: int, byte_limit: int | None = None):
        self.row_limit = row_limit
        self.byte_limit = byte_limit
        self.rows = 0
        self.bytes = 0
        self.cut = ""

    def take(self, rows) -> list[tuple]:
        """The rows (tuples of terms) that fit, in order; reading stops at the first that does not."""
        kept = []
        for row in rows:
            if not self.admit(row):
                break
            kept.append(row)
        return kept

    def outcome(self, form: str, rows: list[tuple], variables: list[str] | None = None) -> "QueryOutcome":
        """A SELECT (with `variables`) or graph outcome of the kept rows, marked with what cut it."""
        if form == "SELECT":
            return QueryOutcome("SELECT", variables=variables or [], rows=rows, truncated=bool(self.cut),
                                truncated_by=self.cut)
        return QueryOutcome("CONSTRUCT", triples=rows, truncated=bool(self.cut), truncated_by=self.cut)

    def admit(self, terms) -> bool:
        """True if one more row of these terms fits; False (and `cut` says which limit) otherwise."""
        if self.rows >= self.row_limit:
            self.cut = "rows"
            return False
        size = sum(len(str(t)) + 8 for t in terms if t is not None)
        if self.byte_limit is not None and self.bytes + size > self.byte_limit:
            self.cut = "bytes"
            return False
        self.rows += 1
        self.bytes += size
        return True


class GraphBackend(Protocol):
    name: str

    def run(self, query: str, row_limit: int, prefixes: dict[str, str], *, byte_limit: int | None = None,
            dataset: Dataset | None = None, base_iri: str | None = None) -> QueryOutcome:
        """Run a read-only query; at most `row_limit` rows (or triples) and about `byte_limit` bytes of terms,
        `truncated` set when more exist. `dataset` replaces the query's FROM / FROM NAMED (a store that cannot
        honour it raises QueryError); `base_iri` resolves relative IRIs."""

    def triple_count(self) -> int: ...

    def dump_ntriples(self) -> bytes:
        """The whole graph as N-Triples (for validation and export)."""

    def close(self) -> None: ...
