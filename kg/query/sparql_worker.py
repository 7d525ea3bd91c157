"""A SPARQL worker process: runs read-only queries on one knowledge-base version.

Queries run here, not in the caller, so one that runs past its time limit can be
stopped by ending the process while the caller (a server) keeps answering. The
worker's memory is capped, and answers are cut at a row and byte budget and
serialised here, so one query cannot take the caller's memory with it.
"""

from __future__ import annotations

import json
import resource
import traceback
from dataclasses import dataclass
from pathlib import Path


@dataclass
class QueryMessage:
    """One query for the worker: the text, its limits, the dataset, and the format to serialise to (None: terms)."""

    query: str
    row_limit: int
    byte_limit: int
    prefixes: dict
    dataset: object = None
    base_iri: str | None = None
    format: str | None = None


@dataclass
class SerializedAnswer:
    """An answer already in a wire format."""

    body: bytes
    media_type: str
    truncated_by: str = ""


def limit_memory(megabytes: int) -> None:
    """Cap the process's data segment (heap and anonymous maps, not the store's mapped files)."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard if hard != resource.RLIM_INFINITY and hard < limit
                                                  else limit))


def _triples(version: Path) -> int:
    """The version's triple count, as its manifest records it (0 if unknown)."""
    try:
        return int(json.loads((version / "manifest.json").read_text(encoding="utf-8"))["graph"]["triples"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def serve(conn, version: str, settings_values: dict) -> None:
    """Answer QueryMessage messages on `conn` until it closes or sends None."""
    try:
        _serve(conn, version, settings_values)
    except (BrokenPipeError, ConnectionResetError, EOFError):
        return  # the server stopped, or gave up on this query: nobody is left to answer, and nothing to report


def _serve(conn, version: str, settings_values: dict) -> None:
    from kg.config import Settings
    from kg.graph import open_backend

    settings = Settings(values=settings_values)
    try:
        backend = open_backend(Path(version), settings,
                               entity_layer=_triples(Path(version)) >= int(settings.sparql_entity_layer_min_triples))
        from kg.query.sparql_results import serialize
    except Exception as exc:  # reported to the caller, which raises a readable error
        conn.send(("error", "open", f"{type(exc).__name__}: {exc}"))
        return
    cap = int(settings.sparql_worker_memory_mb)
    # The entity layer takes about twice its file's size once loaded, more while loading (kg/graph/layers.py):
    # three times is allowed for it on top, so queries keep their cap.
    limit_memory(cap + 3 * getattr(backend, "entity_layer_bytes", 0) // 1_000_000 if cap > 0 else 0)
    conn.send(("ready", None, None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            outcome = backend.run(message.query, message.row_limit, message.prefixes, byte_limit=message.byte_limit,
                                  dataset=message.dataset, base_iri=message.base_iri)
            if message.format:
                text, media_type = serialize(outcome, message.format)
                answer = SerializedAnswer(text.encode("utf-8"), media_type, outcome.truncated_by)
                del text, outcome
                conn.send(("ok", answer, None))
            else:
                conn.send(("ok", outcome, None))
        except SyntaxError as exc:
            conn.send(("error", "syntax", str(exc)))
        except MemoryError:
            conn.send(("error", "memory", ""))
        except Exception as exc:  # any engine failure becomes one readable line for the caller
            detail = str(exc) or type(exc).__name__
            conn.send(("error", "engine", detail + ("" if detail else traceback.format_exc(limit=1))))
