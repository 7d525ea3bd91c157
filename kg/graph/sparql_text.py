"""SPARQL text: what form a query has, and refusing updates, before any store sees it.

Owned by the graph layer so that every backend (embedded, in memory, remote) and every
interface checks queries the same way.
"""

from __future__ import annotations

import re

from kg.errors import QueryError, UpdateRefused

UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
MAX_QUERY_CHARS = 100_000


def _strip_for_keywords(query: str) -> str:
    """The query without comments, strings, IRIs, variables and prefixed names, so keywords can be found safely."""
    text = re.sub(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'', " ", query)
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', " ", text)
    text = re.sub(r"<[^<>\s]*>", " ", text)
    text = re.sub(r"#[^\n]*", " ", text)
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
