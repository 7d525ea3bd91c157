"""sparql(): read-only SPARQL over the knowledge graph, with a time limit, a row limit and standard formats.

Updates of any kind (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE,
COPY) are refused. Each query runs in a worker process; one that runs past the
time limit is stopped by ending its worker, so the caller keeps working.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.query import Result

from kg.config import Settings, load_settings
from kg.errors import KnowledgeBaseNotFound, QueryError, QueryTimeout
from kg.graph.backend import QueryOutcome
from kg.graph.sparql_text import MAX_QUERY_CHARS, UPDATE_WORDS, query_form
from kg.kb import current_version
from kg.namespaces import PREFIXES

QUERIES_DIR = Path(__file__).resolve().parents[1] / "ontology" / "queries"
SELECT_FORMATS = {"json": "application/sparql-results+json", "csv": "text/csv", "tsv": "text/tab-separated-values",
                  "xml": "application/sparql-results+xml", "table": "text/plain"}
GRAPH_FORMATS = {"turtle": "text/turtle", "ntriples": "application/n-triples", "jsonld": "application/ld+json",
                 "xml": "application/rdf+xml", "table": "text/plain"}
@dataclass
class ExampleQuery:
    name: str
    title: str
    text: str


def example_queries() -> list[ExampleQuery]:
    """The example query library (kg/ontology/queries/*.rq): name, what it answers, text."""
    out = []
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        out.append(ExampleQuery(path.stem, first.lstrip("# ").strip(), text))
    return out


class _Worker:
    def __init__(self, version: Path, settings: Settings):
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        from kg.query import sparql_worker

        self.process = ctx.Process(target=sparql_worker.serve, args=(child, str(version), dict(settings.values)),
                                   daemon=True)
        self.process.start()
        child.close()
        self.version = version
        if not self.conn.poll(120):
            self.kill()
            raise QueryError("the SPARQL worker did not start")
        status, kind, detail = self.conn.recv()
        if status != "ready":
            self.kill()
            raise QueryError(f"cannot open the knowledge graph: {detail}")

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(5)
        finally:
            self.conn.close()


class SparqlService:
    """Runs read-only queries on the live version of a knowledge base through worker processes.

    Args:
        kb_root: the knowledge-base directory.
        settings: time limit, row limit, graph store.
        workers: queries that may run at once.
    """

    def __init__(self, kb_root: str | Path, settings: Settings | None = None, workers: int = 2):
        self.root = Path(kb_root)
        self.settings = settings or load_settings()
        self._idle: list[_Worker] = []
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()

    def _version(self) -> Path:
        version = current_version(self.root)
        if version is None:
            raise KnowledgeBaseNotFound(f"no knowledge base at {self.root}; build one with `kg build --kb {self.root}`")
        return version

    def _take(self, version: Path) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.version == version and worker.process.is_alive():
                    return worker
                worker.kill()  # an older version, or dead
        return _Worker(version, self.settings)

    def run(self, query: str, timeout: float | None = None, row_limit: int | None = None) -> QueryOutcome:
        """Run a read-only query.

        Raises:
            QueryError: an update, or malformed (with the parser's message).
            QueryTimeout: the query ran past `timeout` seconds (default: setting sparql_timeout).
        """
        query_form(query)
        timeout = self.settings.sparql_timeout if timeout is None else timeout
        row_limit = self.settings.sparql_row_limit if row_limit is None else row_limit
        with self._slots:
            worker = self._take(self._version())
            try:
                worker.conn.send((query, row_limit, PREFIXES))
                if not worker.conn.poll(timeout):
                    worker.kill()
                    raise QueryTimeout(f"query stopped after {timeout:g} s (setting sparql_timeout); "
                                       "narrow it with more specific patterns or a LIMIT")
                status, outcome, detail = worker.conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                worker.kill()
                raise QueryError("the SPARQL worker stopped unexpectedly; try the query again") from None
            with self._lock:
                self._idle.append(worker)
        if status == "ok":
            return outcome
        if outcome == "syntax":
            first = detail.splitlines()[0]
            more = "…" if len(first) > 300 or len(detail) > len(first) else ""
            raise QueryError(f"malformed SPARQL: {first[:300]}{more}")
        raise QueryError(f"SPARQL query failed: {detail}")

    def close(self) -> None:
        with self._lock:
            for worker in self._idle:
                try:
                    worker.conn.send(None)
                except OSError:
                    pass
                worker.kill()
            self._idle.clear()


_SERVICES: dict[str, SparqlService] = {}


def sparql(query: str, timeout: float | None = None, kb: str | Path | None = None,
           settings: Settings | None = None) -> QueryOutcome:
    """Run a read-only SPARQL query on the knowledge base (see `SparqlService.run`)."""
    settings = settings or load_settings()
    root = str(Path(kb or settings.kb).resolve())
    service = _SERVICES.get(root)
    if service is None:
        service = _SERVICES[root] = SparqlService(root, settings)
    return service.run(query, timeout)


# ---- serialising results -----------------------------------------------------------------------

def _rdflib_result(outcome: QueryOutcome) -> Result:
    result = Result(outcome.form if outcome.form != "DESCRIBE" else "CONSTRUCT")
    if outcome.form == "SELECT":
        result.vars = [Variable(v) for v in outcome.variables]
        result.bindings = [{Variable(v): t for v, t in zip(outcome.variables, row) if t is not None}
                           for row in outcome.rows]
    elif outcome.form == "ASK":
        result.askAnswer = bool(outcome.boolean)
    return result


def _nt(term) -> str:
    if term is None:
        return ""
    return term.n3()


def serialize(outcome: QueryOutcome, fmt: str) -> tuple[str, str]:
    """The result as text in a format, and its media type.

    SELECT and ASK: json, csv, tsv, xml, table. CONSTRUCT and DESCRIBE: turtle, ntriples, jsonld, xml, table.
    """
    if outcome.form in ("SELECT", "ASK"):
        if fmt not in SELECT_FORMATS:
            raise QueryError(f"format {fmt!r} does not fit a {outcome.form} result; use one of {', '.join(SELECT_FORMATS)}")
        if fmt == "table":
            return render_table(outcome), SELECT_FORMATS[fmt]
        if fmt == "tsv":
            return _tsv(outcome), SELECT_FORMATS[fmt]
        if fmt == "csv" and outcome.form == "ASK":
            return f"boolean\r\n{str(bool(outcome.boolean)).lower()}\r\n", SELECT_FORMATS[fmt]
        data = _rdflib_result(outcome).serialize(format=fmt)
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return text, SELECT_FORMATS[fmt]
    if fmt not in GRAPH_FORMATS:
        raise QueryError(f"format {fmt!r} does not fit a graph result; use one of {', '.join(GRAPH_FORMATS)}")
    if fmt == "table":
        return render_table(outcome), GRAPH_FORMATS[fmt]
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    for triple in outcome.triples:
        graph.add(triple)
    name = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "xml": "xml"}[fmt]
    return graph.serialize(format=name), GRAPH_FORMATS[fmt]


def _tsv(outcome: QueryOutcome) -> str:
    if outcome.form == "ASK":
        return f"?boolean\n{str(bool(outcome.boolean)).lower()}\n"
    lines = ["\t".join(f"?{v}" for v in outcome.variables)]
    lines += ["\t".join(_nt(t) for t in row) for row in outcome.rows]
    return "\n".join(lines) + "\n"


def compact(term) -> str:
    """A short, readable form of a term: prefixed names for IRIs, plain text for literals."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, ns in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
            if text.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_\-.]*", text[len(ns):]):
                return f"{prefix}:{text[len(ns):]}"
        return f"<{text}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        return str(term)
    return str(term)


def table_rows(outcome: QueryOutcome) -> tuple[list[str], list[list[str]]]:
    """Column names and compact cell texts for display (a UI table, a CLI table, CSV download)."""
    if outcome.form == "ASK":
        return ["answer"], [["yes" if outcome.boolean else "no"]]
    if outcome.form == "SELECT":
        return list(outcome.variables), [[compact(t) for t in row] for row in outcome.rows]
    return ["subject", "predicate", "object"], [[compact(t) for t in triple] for triple in outcome.triples]


def render_table(outcome: QueryOutcome, max_width: int = 60) -> str:
    """A plain-text table of the result."""
    headers, rows = table_rows(outcome)
    clipped = [[c if len(c) <= max_width else c[:max_width - 1] + "…" for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in clipped]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in clipped]
    footer = f"{len(rows)} row{'s' if len(rows) != 1 else ''}" + (" (truncated at the row limit)" if outcome.truncated else "")
    return "\n".join(out + [footer]) + "\n"


def to_csv(outcome: QueryOutcome) -> str:
    """CSV of the compact table (what a user downloads from the UI)."""
    headers, rows = table_rows(outcome)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()

