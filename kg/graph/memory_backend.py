"""rdflib's in-memory store: the reference backend that the embedded Oxigraph store is compared with."""

from __future__ import annotations

from rdflib import Graph

from kg.graph.backend import QueryOutcome


class MemoryBackend:
    name = "memory"

    def __init__(self, graph: Graph | None = None, ntriples: bytes | None = None):
        self.graph = graph if graph is not None else Graph()
        if ntriples is not None:
            self.graph.parse(data=ntriples, format="nt")

    def run(self, query: str, row_limit: int, prefixes: dict[str, str]) -> QueryOutcome:
        result = self.graph.query(query, initNs=prefixes)
        if result.type == "ASK":
            return QueryOutcome("ASK", boolean=bool(result.askAnswer))
        if result.type == "SELECT":
            variables = [str(v) for v in result.vars]
            rows = []
            for row in result:
                if len(rows) >= row_limit:
                    return QueryOutcome("SELECT", variables=variables, rows=rows, truncated=True)
                rows.append(tuple(row))
            return QueryOutcome("SELECT", variables=variables, rows=rows)
        triples = list(result.graph)
        return QueryOutcome("CONSTRUCT", triples=triples[:row_limit], truncated=len(triples) > row_limit)

    def triple_count(self) -> int:
        return len(self.graph)

    def dump_ntriples(self) -> bytes:
        return self.graph.serialize(format="nt", encoding="utf-8")

    def close(self) -> None:
        self.graph = Graph()
