"""SPARQL text: what form a query has, and refusing updates, before any store sees it.

Owned by the graph layer so that every backend (embedded, in memory, remote) and every
interface checks queries the same way.
"""

from __future__ import annotations

import re

from kg.errors import QueryError, ServiceRefused, UpdateRefused

UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
MAX_QUERY_CHARS = 100_000
SERVICE_REFUSED = ("SERVICE (federated query) is refused: this endpoint does not call other services. "
                   "An administrator can allow named public endpoints with the setting sparql_service_allowlist.")


def unescape_codepoints(query: str) -> str:
    r"""The query with \uXXXX and \UXXXXXXXX escapes replaced: SPARQL applies them before parsing, so keywords
    written with them (\u0053ERVICE) must be seen as keywords."""
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})",
                  lambda m: chr(int(m.group(1) or m.group(2), 16)), query)


def _code_only(query: str) -> str:
    """The query with escapes applied and strings and comments blanked (IRIs kept, so a '#' in one stays)."""
    text = unescape_codepoints(query)
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'', " ", text)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', " ", text)
    return re.sub(r"(<[^<>\s]*>)|#[^\n]*", lambda m: m.group(1) or " ", text)


def _strip_for_keywords(query: str) -> str:
    """The query without comments, strings, IRIs, variables and prefixed names, so keywords can be found safely."""
    text = re.sub(r"<[^<>\s]*>", " ", _code_only(query))
    text = re.sub(r"[?$][\w]+", " ", text)
    return re.sub(r"[\w.-]*:[\w.-]*", " ", text)


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE; raises QueryError for updates, empty or over-long text.

    Args:
        query: the SPARQL text.
    """
    if not query or not query.strip():
        raise QueryError("empty SPARQL query")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"SPARQL query is {len(query):,} characters; the limit is {MAX_QUERY_CHARS:,}")
    forms = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
    for word in re.findall(r"[A-Za-z]+", _strip_for_keywords(query)):
        word = word.upper()
        if word in forms:
            return word
        if word in UPDATE_WORDS:
            raise UpdateRefused(f"SPARQL updates ({word}) are refused: the knowledge graph is read-only. "
                             "Change it with kg build, kg add or kg remove.")
    raise QueryError("not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE")


def service_endpoints(query: str) -> list[str]:
    """The endpoints a query's SERVICE clauses name (`?var` for a variable endpoint), in order."""
    text = _code_only(query)
    found = re.findall(r"(?<![\w:?$<])SERVICE\s+(?:SILENT\s+)?(<[^<>\s]*>|[?$]\w+|[\w.-]*:[\w.-]*)", text, flags=re.I)
    bare = re.findall(r"(?<![\w:?$<])SERVICE(?![\w:])", text, flags=re.I)
    return found + ["?"] * (len(bare) - len(found))


def check_service(query: str, allowed: set[str] | frozenset[str] = frozenset()) -> None:
    """Refuse a query whose SERVICE clauses name an endpoint outside `allowed` (full IRIs, no angle brackets).

    Raises:
        ServiceRefused: before any outgoing request can be made.
    """
    for endpoint in service_endpoints(query):
        iri = endpoint[1:-1] if endpoint.startswith("<") else None
        if iri is None or iri not in allowed:
            raise ServiceRefused(SERVICE_REFUSED if not allowed else
                                 f"SERVICE {endpoint} is refused: only {', '.join(sorted(allowed))} may be called "
                                 "(setting sparql_service_allowlist)")
