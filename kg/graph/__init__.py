"""The knowledge graph: findings → RDF, stored in the knowledge base, queried through a backend."""

from __future__ import annotations

from pathlib import Path

from kg.config import Settings
from kg.errors import ConfigError
from kg.graph.backend import GraphBackend, QueryOutcome
from kg.graph.oxigraph_backend import STORE_DIR, OxigraphBackend, write_store
from kg.graph.validate import ValidationReport, check_quotes, validate_graph
from kg.namespaces import PREFIXES

__all__ = ["GraphBackend", "QueryOutcome", "ValidationReport", "open_backend", "write_store", "STORE_DIR",
           "validate", "export", "EXPORT_FORMATS"]
EXPORT_FORMATS = ("ttl", "nq")


def open_backend(version: Path, settings: Settings, *, entity_layer: bool = False) -> GraphBackend:
    """The backend the `graph_store` setting names, over one knowledge-base version (`entity_layer`: see
    OxigraphBackend)."""
    kind = settings.graph_store
    if kind == "oxigraph":
        return OxigraphBackend(version, entity_layer=entity_layer)
    if kind == "memory":
        from kg.graph.memory_backend import MemoryBackend

        return MemoryBackend(ntriples=OxigraphBackend(version).dump_ntriples())
    if kind == "remote":
        from kg.graph.remote_backend import RemoteBackend

        return RemoteBackend.from_settings(settings)
    raise ConfigError(f"graph_store must be oxigraph, memory or remote, not {kind!r}")


def validate(kb, settings: Settings) -> tuple[ValidationReport, int]:
    """Check a knowledge base's graph against the SHACL shapes, and every evidence quote against its document.

    Args:
        kb: an open KnowledgeBase (kg/kb.py).
        settings: which graph store holds the graph.

    Returns:
        The report and the number of triples checked.
    """
    from rdflib import Graph

    backend = open_backend(kb.path, settings)
    try:
        graph = Graph().parse(data=backend.dump_ntriples(), format="nt")
        report = validate_graph(graph)
        texts = {d.doc: kb.document(d.doc).text for d in kb.documents()}
        check_quotes(backend, texts, report)
    finally:
        backend.close()
    return report, len(graph)


def export(kb, fmt: str, settings: Settings) -> str:
    """The knowledge base's graph as Turtle ("ttl", with kg's prefixes) or N-Quads ("nq")."""
    from rdflib import Graph

    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}: use {', '.join(EXPORT_FORMATS)} or findings")
    backend = open_backend(kb.path, settings)
    try:
        if isinstance(backend, OxigraphBackend):
            import pyoxigraph as ox

            # The embedded store writes its own serialisation: fast even for the national graph.
            if fmt == "ttl":
                return backend.store.dump(format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
                                          prefixes=PREFIXES).decode("utf-8")
            return backend.store.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8")
        if fmt == "nq":
            return backend.dump_ntriples().decode("utf-8")  # the default graph's quads are its triples
        graph = Graph().parse(data=backend.dump_ntriples(), format="nt")
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        return graph.serialize(format="turtle")
    finally:
        backend.close()
