"""The knowledge graph: findings → RDF, stored in the knowledge base, queried through a backend."""

from __future__ import annotations

from pathlib import Path

from kg.config import Settings
from kg.errors import ConfigError
from kg.graph.backend import GraphBackend, QueryOutcome
from kg.graph.oxigraph_backend import STORE_DIR, OxigraphBackend, write_store

__all__ = ["GraphBackend", "QueryOutcome", "open_backend", "write_store", "STORE_DIR"]


def open_backend(version: Path, settings: Settings) -> GraphBackend:
    """The backend the `graph_store` setting names, over one knowledge-base version."""
    kind = settings.graph_store
    if kind == "oxigraph":
        return OxigraphBackend(version)
    if kind == "memory":
        from kg.graph.memory_backend import MemoryBackend

        return MemoryBackend(ntriples=OxigraphBackend(version).dump_ntriples())
    if kind == "remote":
        from kg.graph.remote_backend import RemoteBackend

        return RemoteBackend.from_settings(settings)
    raise ConfigError(f"graph_store must be oxigraph, memory or remote, not {kind!r}")
