"""An external SPARQL 1.1 store (Oxigraph server, Apache Jena Fuseki, GraphDB) as the graph backend.

Queries go to the store's SPARQL query endpoint (SPARQL 1.1 Protocol); a build
pushes the graph with the SPARQL 1.1 Graph Store HTTP Protocol (PUT replaces the
target graph). `kg add`/`kg remove` send only what changes, as one SPARQL 1.1 Update
request (DELETE DATA; INSERT DATA), when the store has an update endpoint and still
holds the graph the change started from; otherwise they push the whole graph again.
The embedded store stays the default; this is the path to one graph shared by several
knowledge bases or teams.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import BinaryIO

from rdflib import BNode, Graph, Literal, URIRef

from kg.config import Settings
from kg.errors import ConfigError, QueryError
from kg.graph.backend import Dataset, QueryOutcome, ResultBudget
from kg.graph.sparql_text import query_form


def _term(binding: dict):
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    if "datatype" in binding:
        return Literal(value, datatype=URIRef(binding["datatype"]))
    return Literal(value)


def with_prefixes(query: str, prefixes: dict[str, str]) -> str:
    """The query with PREFIX declarations added for predeclared prefixes it uses but does not declare."""
    declared = {m.lower() for m in re.findall(r"PREFIX\s+([\w-]*):", query, flags=re.I)}
    lines = [f"PREFIX {p}: <{ns}>" for p, ns in prefixes.items() if p.lower() not in declared and f"{p}:" in query]
    return "\n".join(lines + [query])


class RemoteBackend:
    name = "remote"

    def __init__(self, query_url: str, store_url: str | None = None, graph: str | None = None, timeout: float = 60,
                 auth: str | None = None, update_url: str | None = None):
        if not query_url:
            raise ConfigError("graph_store = remote needs remote_query_url (the store's SPARQL query endpoint)")
        if auth and ":" not in auth:
            raise ConfigError("remote_auth must be user:password")
        self.query_url = query_url
        self.store_url = store_url
        self.update_url = update_url or None
        self.graph = graph or None
        self.timeout = timeout
        self._authorization = "Basic " + base64.b64encode(auth.encode("utf-8")).decode("ascii") if auth else None

    @classmethod
    def from_settings(cls, settings: Settings) -> "RemoteBackend":
        return cls(settings.remote_query_url, settings.remote_store_url or None, settings.remote_graph or None,
                   timeout=max(30.0, float(settings.sparql_timeout) * 3), auth=settings.remote_auth or None,
                   update_url=settings.remote_update_url or None)

    def _post(self, url: str, data: bytes | BinaryIO, content_type: str, accept: str, method: str = "POST",
              length: int | None = None) -> bytes:
        headers = {"Content-Type": content_type, "Accept": accept}
        if length is not None:
            headers["Content-Length"] = str(length)  # a file body is streamed, not read into memory
        if self._authorization:
            headers["Authorization"] = self._authorization
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace").strip().splitlines()[:1]
            if exc.code == 400:
                raise SyntaxError(detail[0] if detail else "rejected by the store") from None
            raise QueryError(f"the SPARQL store at {url} answered {exc.code}: {' '.join(detail)}") from None
        except OSError as exc:
            raise QueryError(f"cannot reach the SPARQL store at {url}: {exc}") from None

    def run(self, query: str, row_limit: int, prefixes: dict[str, str], *, byte_limit: int | None = None,
            dataset: Dataset | None = None, base_iri: str | None = None) -> QueryOutcome:
        if dataset:
            raise QueryError("default-graph-uri and named-graph-uri are not supported with a remote store "
                             "(graph_store = remote); query the store's own endpoint for other graphs")
        form = query_form(query)
        full = with_prefixes(query, prefixes)
        if base_iri and not re.search(r"^\s*BASE\s", full, flags=re.I | re.M):
            full = f"BASE <{base_iri}>\n{full}"
        if self.graph:
            full_url = f"{self.query_url}?{urllib.parse.urlencode({'default-graph-uri': self.graph})}"
        else:
            full_url = self.query_url
        budget = ResultBudget(row_limit, byte_limit)
        if form in ("SELECT", "ASK"):
            data = json.loads(self._post(full_url, full.encode("utf-8"), "application/sparql-query",
                                         "application/sparql-results+json"))
            if "boolean" in data:
                return QueryOutcome("ASK", boolean=bool(data["boolean"]))
            variables = data["head"]["vars"]
            rows = budget.take(tuple(_term(b[v]) if v in b else None for v in variables)
                               for b in data["results"]["bindings"])
            return budget.outcome("SELECT", rows, variables)
        body = self._post(full_url, full.encode("utf-8"), "application/sparql-query", "application/n-triples")
        return budget.outcome("CONSTRUCT", budget.take(Graph().parse(data=body, format="nt")))

    def push(self, ntriples: Path) -> None:
        """Replace the target graph in the store with an N-Triples file (Graph Store Protocol PUT)."""
        if not self.store_url:
            raise ConfigError("graph_store = remote needs remote_store_url (the store's Graph Store Protocol endpoint)")
        target = {"graph": self.graph} if self.graph else {"default": ""}
        url = f"{self.store_url}?{urllib.parse.urlencode(target)}"
        with ntriples.open("rb") as body:  # streamed: the national graph is gigabytes of N-Triples
            self._post(url, body, "application/n-triples", "*/*", method="PUT", length=ntriples.stat().st_size)

    def apply_change(self, deleted: set[str], inserted: set[str], expected_count: int) -> bool:
        """Delete and insert N-Triples lines in the target graph with one SPARQL 1.1 Update request (atomic in the
        store), if the store has an update endpoint and still holds `expected_count` triples (the graph the change
        was computed from). Returns False, sending nothing, when it cannot: the caller pushes the whole graph."""
        if not self.update_url or any("_:" in line for line in (*deleted, *inserted)):
            return False  # no update endpoint, or blank nodes (DELETE DATA cannot name them)
        if self.triple_count() != expected_count:
            return False  # the store's graph is not the one the change starts from
        if not deleted and not inserted:
            return True

        def block(verb: str, lines: set[str]) -> str:
            body = "\n".join(sorted(lines))
            return f"{verb} DATA {{ GRAPH <{self.graph}> {{\n{body}\n}} }}" if self.graph \
                else f"{verb} DATA {{\n{body}\n}}"

        parts = (("DELETE", deleted), ("INSERT", inserted))
        request = " ;\n".join(block(verb, lines) for verb, lines in parts if lines)
        self._post(self.update_url, request.encode("utf-8"), "application/sparql-update", "*/*")
        return True

    def triple_count(self) -> int:
        outcome = self.run("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", 1, {})
        return int(outcome.rows[0][0])

    def dump_ntriples(self) -> bytes:
        """The knowledge base's graph, read back from the store (CONSTRUCT of every triple)."""
        query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        if self.graph:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{self.graph}> {{ ?s ?p ?o }} }}"
        return self._post(self.query_url, query.encode("utf-8"), "application/sparql-query", "application/n-triples")

    def close(self) -> None:
        pass


def push_graph_change(settings: Settings, version: Path, deleted: set[str], inserted: set[str],
                      previous_count: int) -> str:
    """Bring the external store's graph to `version`'s: the change alone when the store allows it ("update"),
    else the version's whole graph ("push"). A failure raises, and the version is not published."""
    import pyoxigraph as ox

    from kg.graph.oxigraph_backend import STORE_DIR

    backend = RemoteBackend.from_settings(settings)
    if backend.apply_change(deleted, inserted, previous_count):
        return "update"
    ntriples = version / "graph.nt"
    try:
        ox.Store.read_only(str(version / STORE_DIR)).dump(str(ntriples), ox.RdfFormat.N_TRIPLES,
                                                           from_graph=ox.DefaultGraph())
        backend.push(ntriples)
    finally:
        ntriples.unlink(missing_ok=True)
    return "push"
