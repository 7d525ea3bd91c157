"""rdflib's in-memory store: the reference backend that the embedded Oxigraph store is compared with."""

from __future__ import annotations

from rdflib import Graph

from kg.errors import QueryError
from kg.graph.backend import Dataset, QueryOutcome, ResultBudget


class MemoryBackend:
    name = "memory"

    def __init__(self, graph: Graph | None = None, ntriples: bytes | None = None):
        self.graph = graph if graph is not None else Graph()
        if ntriples is not None:
            self.graph.parse(data=ntriples, format="nt")

    def run(self, query: str, row_limit: int, prefixes: dict[str, str], *, byte_limit: int | None = None,
            dataset: Dataset | None = None, base_iri: str | None = None) -> QueryOutcome:
        if dataset:
            raise QueryError("default-graph-uri and named-graph-uri are not supported by the in-memory store "
                             "(graph_store = memory); use the embedded store (graph_store = oxigraph)")
        result = self.graph.query(query, initNs=prefixes, base=base_iri)
        if result.type == "ASK":
            return QueryOutcome("ASK", boolean=bool(result.askAnswer))
        budget = ResultBudget(row_limit, byte_limit)
        if result.type == "SELECT":
            rows = budget.take(tuple(row) for row in result)
            return budget.outcome("SELECT", rows, [str(v) for v in result.vars])
        return budget.outcome("CONSTRUCT", budget.take(result.graph))

    def triple_count(self) -> int:
        return len(self.graph)

    def dump_ntriples(self) -> bytes:
        return self.graph.serialize(format="nt", encoding="utf-8")

    def close(self) -> None:
        self.graph = Graph()
