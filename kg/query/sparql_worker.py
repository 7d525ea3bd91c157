"""A SPARQL worker process: runs read-only queries on one knowledge-base version.

Queries run here, not in the caller, so one that runs past its time limit can be
stopped by ending the process while the caller (a server) keeps answering.
"""

from __future__ import annotations

import traceback
from pathlib import Path


def serve(conn, version: str, settings_values: dict) -> None:
    """Answer (query, row_limit, prefixes) messages on `conn` until it closes."""
    from kg.config import Settings
    from kg.graph import open_backend

    try:
        backend = open_backend(Path(version), Settings(values=settings_values))
    except Exception as exc:  # reported to the caller, which raises a readable error
        conn.send(("error", "open", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None, None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        query, row_limit, prefixes = message
        try:
            conn.send(("ok", backend.run(query, row_limit, prefixes), None))
        except SyntaxError as exc:
            conn.send(("error", "syntax", str(exc)))
        except Exception as exc:  # any engine failure becomes one readable line for the caller
            detail = str(exc) or type(exc).__name__
            conn.send(("error", "engine", detail + ("" if detail else traceback.format_exc(limit=1))))
