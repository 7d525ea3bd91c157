"""The embedded backend: an on-disk Oxigraph store inside the knowledge-base version, opened read-only."""

from __future__ import annotations

import threading
from itertools import islice
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from kg.graph.backend import Dataset, QueryOutcome, ResultBudget
from kg.graph.layers import ENTITY_DELETED, ENTITY_FILE, ENTITY_INSERTED, entity_lines, entity_only
from kg.namespaces import BASE

STORE_DIR = "graph"
# The IRI by which the protocol's default-graph-uri / named-graph-uri name the knowledge base's own graph.
GRAPH_IRI = BASE + "graph"
# N-Triples lines per bulk load: Oxigraph's loader holds a whole batch in memory (3.5 GB more at 7.5M triples
# in one call, 0.35 GB in runs of this size), which set the build's peak at 1M chunks; runs cost a quarter
# to a third more load time (benchmarks/graph_load.py).
BULK_LOAD_LINES = 300_000


def to_rdflib(term):
    """An rdflib term for a pyoxigraph term."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    return Literal(str(term))  # quoted triples: shown as text


def write_store(version: Path, ntriples: bytes | Path) -> int:
    """Create the version's Oxigraph store, and its entity layer (kg/graph/layers.py), from N-Triples (bytes or
    a file); returns the triple count."""
    store = ox.Store(str(version / STORE_DIR))
    seen: set[bytes] = set()
    with (version / ENTITY_FILE).open("wb") as entities:
        if isinstance(ntriples, Path):
            # N-Triples is one triple a line, so any run of lines is a document (the graph has no blank nodes,
            # whose labels would be scoped to one load).
            with ntriples.open("rb") as lines:
                while run := list(islice(lines, BULK_LOAD_LINES)):
                    store.bulk_load(b"".join(run), format=ox.RdfFormat.N_TRIPLES)
                    entities.writelines(entity_lines(run, seen))
        else:
            store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
            entities.writelines(entity_lines(ntriples.splitlines(keepends=True), seen))
    store.optimize()
    count = len(store)
    store.flush()
    del store
    return count


class OxigraphBackend:
    name = "oxigraph"

    def __init__(self, version: Path | None = None, store: ox.Store | None = None, *, entity_layer: bool = False):
        """Open a version's store read-only (or wrap `store`).

        Args:
            entity_layer: also load the version's entity layer into memory, in the background, and answer the
                queries it can answer there (kg/graph/layers.py). For long-lived query workers: at 1M chunks it
                takes a few seconds and about half a gigabyte.
        """
        self.store = store if store is not None else ox.Store.read_only(str(Path(version) / STORE_DIR))
        self.entities: ox.Store | None = None  # the entity layer in memory, once loaded
        self.entity_layer_bytes = 0
        self._loading: threading.Thread | None = None
        if entity_layer and version is not None and (Path(version) / ENTITY_FILE).exists():
            self.entity_layer_bytes = sum((Path(version) / name).stat().st_size for name in (ENTITY_FILE, ENTITY_INSERTED)
                                          if (Path(version) / name).exists())
            self._loading = threading.Thread(target=self._load_entities, args=(Path(version),), daemon=True,
                                             name="kg-entity-layer")
            self._loading.start()

    def _load_entities(self, version: Path) -> None:
        entities = ox.Store()
        try:
            entities.bulk_load(path=str(version / ENTITY_FILE), format=ox.RdfFormat.N_TRIPLES)
            # the changes since the base was written (kg/graph/layers.py change_entity_layer)
            if (version / ENTITY_DELETED).exists():
                for quad in ox.parse(path=str(version / ENTITY_DELETED), format=ox.RdfFormat.N_TRIPLES):
                    entities.remove(quad)
            if (version / ENTITY_INSERTED).exists():
                entities.bulk_load(path=str(version / ENTITY_INSERTED), format=ox.RdfFormat.N_TRIPLES)
        except (MemoryError, OSError, SyntaxError, ValueError):
            return  # queries keep running on the whole store, as they do until the layer is loaded
        self.entities = entities

    def wait_for_entity_layer(self, timeout: float | None = None) -> bool:
        """Wait until the entity layer is loaded (or failed to load); True if it answers queries now."""
        if self._loading is not None:
            self._loading.join(timeout)
        return self.entities is not None

    def run(self, query: str, row_limit: int, prefixes: dict[str, str], *, byte_limit: int | None = None,
            dataset: Dataset | None = None, base_iri: str | None = None) -> QueryOutcome:
        options = {"prefixes": prefixes, "base_iri": base_iri}
        store, answered_from = self.store, ""
        if dataset:
            # The knowledge base keeps its triples in the store's default graph; GRAPH_IRI names it, any other
            # IRI names a graph the store does not hold (so it is empty, as the protocol says it should be).
            options["default_graph"] = [_graph(iri) for iri in dataset.default_graphs]
            options["named_graphs"] = [_graph(iri) for iri in dataset.named_graphs if iri != GRAPH_IRI]
        elif self.entities is not None and entity_only(query, base_iri, tuple(sorted(prefixes.items()))):
            store, answered_from = self.entities, "entity layer"
        outcome = self._run(store, query, options, ResultBudget(row_limit, byte_limit))
        outcome.answered_from = answered_from
        return outcome

    @staticmethod
    def _run(store: ox.Store, query: str, options: dict, budget: ResultBudget) -> QueryOutcome:
        result = store.query(query, **options)
        if isinstance(result, ox.QueryBoolean):
            return QueryOutcome("ASK", boolean=bool(result))
        # Listings repeat their types, statuses, years and counts row after row, and making an rdflib term costs
        # more than the join that found it (a third of a national listing's time): each distinct term once.
        terms: dict = {}

        def term(value):
            found = terms.get(value)
            if found is None and value is not None:
                found = terms[value] = to_rdflib(value)
            return found

        if isinstance(result, ox.QuerySolutions):
            width = len(result.variables)
            variables = [v.value for v in result.variables]
            rows = budget.take(tuple(term(solution[i]) for i in range(width)) for solution in result)
            return budget.outcome("SELECT", rows, variables)
        triples = budget.take((term(t.subject), term(t.predicate), term(t.object)) for t in result)
        return budget.outcome("CONSTRUCT", triples)

    def triple_count(self) -> int:
        return len(self.store)

    def dump_ntriples(self) -> bytes:
        return self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())

    def close(self) -> None:
        del self.store


def _graph(iri: str):
    return ox.DefaultGraph() if iri == GRAPH_IRI else ox.NamedNode(iri)
