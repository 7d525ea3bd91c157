"""sparql(): read-only SPARQL over the knowledge graph, with time, row, size and memory limits and standard formats.

Updates of any kind (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE,
COPY) are refused, and so is SERVICE unless its endpoint is allowed by name.
Each query runs in a worker process with a memory cap; one that runs past the
time limit is stopped by ending its worker, so the caller keeps working.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from kg.config import Settings, load_settings
from kg.errors import KnowledgeBaseNotFound, QueryError, QueryTimeout, ResourceLimit, ServerBusy
from kg.graph.backend import Dataset, QueryOutcome
from kg.graph.sparql_text import MAX_QUERY_CHARS, UPDATE_WORDS, check_service, query_form, service_endpoints
from kg.kb import current_version
from kg.namespaces import BASE, PREFIXES
from kg.query import sparql_worker
from kg.query.sparql_results import (GRAPH_FORMATS, SELECT_FORMATS, compact, render_table, serialize, table_rows,
                                     to_csv, truncation_note)
from kg.query.sparql_worker import QueryMessage, SerializedAnswer

__all__ = ["SparqlService", "sparql", "example_queries", "ExampleQuery", "query_form", "serialize", "table_rows",
           "render_table", "to_csv", "compact", "truncation_note", "SELECT_FORMATS", "GRAPH_FORMATS", "Dataset",
           "SerializedAnswer", "MAX_QUERY_CHARS", "UPDATE_WORDS"]

QUERIES_DIR = Path(__file__).resolve().parents[1] / "ontology" / "queries"
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


# Functions whose value changes from one evaluation to the next: answers that call them are never kept.
_VOLATILE = re.compile(r"\b(?:NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


class AnswerCache:
    """Answers already given on the live version, the most recently used kept, up to `megabytes` in all.

    A published version's graph never changes (kg/kb.py), so an answer stays right while its version is live;
    the first answer on a new version empties the cache. The UI's example queries, asked by every manager, then
    answer at once after the first time however large the corpus.
    """

    def __init__(self, megabytes: float):
        self.limit = int(float(megabytes) * 1_000_000)
        self._entries: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self._size = 0
        self._version: Path | None = None
        self._lock = threading.Lock()

    def get(self, version: Path, key: tuple):
        """The answer kept for `key` on `version` (a copy the caller may change), or None."""
        with self._lock:
            if version != self._version or key not in self._entries:
                return None
            self._entries.move_to_end(key)
            answer = self._entries[key][0]
        if isinstance(answer, QueryOutcome):
            return dataclasses.replace(answer, variables=list(answer.variables), rows=list(answer.rows),
                                       triples=list(answer.triples))
        return answer

    def put(self, version: Path, key: tuple, answer: QueryOutcome | SerializedAnswer) -> None:
        size = _answer_size(answer)
        if size > self.limit // 4:  # one large answer must not push out every other
            return
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._size, self._version = 0, version
            if key in self._entries:
                return
            self._entries[key] = (answer, size)
            self._size += size
            while self._size > self.limit:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= dropped


def _answer_size(answer) -> int:
    """Bytes an answer holds in memory, roughly: its text, and for terms the Python objects around each."""
    if isinstance(answer, SerializedAnswer):
        return len(answer.body) + 100
    rows = answer.rows or answer.triples
    return 100 + sum(64 + sum(200 + len(term) for term in row if term is not None) for row in rows)


class SparqlService:
    """Runs read-only queries on the live version of a knowledge base through worker processes.

    `workers` queries run at once; one more lane takes a query when they are all busy, for at most
    `quick_seconds`, so cheap queries are answered while heavy ones run.

    Args:
        kb_root: the knowledge-base directory.
        settings: time limit, row and size limits, worker memory, allowed SERVICE endpoints, graph store.
        workers: queries that may run at once with the full time limit.
        quick_seconds: the time limit of the extra lane.
    """

    def __init__(self, kb_root: str | Path, settings: Settings | None = None, workers: int = 2,
                 quick_seconds: float = 2.0):
        self.root = Path(kb_root)
        self.settings = settings or load_settings()
        self.quick_seconds = quick_seconds
        self._idle: list[_Worker] = []
        self._slots = threading.BoundedSemaphore(workers)
        self._quick = threading.BoundedSemaphore(1)
        self._lock = threading.Lock()
        self.allowed_services = frozenset(self.settings.sparql_service_allowlist.split())
        # Not for an external store, which others may change between two queries.
        self.cache = AnswerCache(0 if self.settings.graph_store == "remote" else self.settings.sparql_cache_mb)

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

    def run(self, query: str, timeout: float | None = None, row_limit: int | None = None, *,
            dataset: Dataset | None = None, base_iri: str | None = None) -> QueryOutcome:
        """Run a read-only query; the answer as terms, cut at the row and size limits (`truncated_by` says which).

        Raises:
            QueryError: an update, a SERVICE call, malformed (with the parser's message), or past the worker's memory.
            QueryTimeout: the query ran past `timeout` seconds (default: setting sparql_timeout).
            ServerBusy: every worker is taken by long-running queries.
        """
        return self._run(query, None, timeout, row_limit, dataset, base_iri)

    def run_serialized(self, query: str, fmt: str, timeout: float | None = None, *, dataset: Dataset | None = None,
                       base_iri: str | None = None) -> SerializedAnswer:
        """Run a read-only query and serialise its answer in `fmt` inside the worker (see `run` for errors)."""
        return self._run(query, fmt, timeout, None, dataset, base_iri)

    def _run(self, query, fmt, timeout, row_limit, dataset, base_iri):
        query_form(query)
        check_service(query, self.allowed_services)
        timeout = float(self.settings.sparql_timeout if timeout is None else timeout)
        if not timeout > 0:
            raise QueryError(f"the time limit must be a positive number of seconds, not {timeout:g}")
        message = QueryMessage(query, int(self.settings.sparql_row_limit if row_limit is None else row_limit),
                               int(float(self.settings.sparql_max_result_mb) * 1_000_000), PREFIXES,
                               dataset or None, base_iri, fmt)
        version = self._version()
        keep = self.cache.limit > 0 and not service_endpoints(query) and not _VOLATILE.search(query)
        key = (query.strip(), message.row_limit, message.byte_limit, dataset or None, base_iri, fmt)
        if keep and (kept := self.cache.get(version, key)) is not None:
            return kept
        if self._slots.acquire(blocking=False):
            lane, limit = self._slots, timeout
        elif self._quick.acquire(blocking=False):
            lane, limit = self._quick, min(timeout, self.quick_seconds)
        elif self._slots.acquire(timeout=timeout):
            lane, limit = self._slots, timeout
        else:
            raise ServerBusy("every SPARQL worker is busy with long-running queries; try again in a few seconds")
        try:
            status, outcome, detail = self._send(message, limit, quick=lane is self._quick and limit < timeout,
                                                 version=version)
        finally:
            lane.release()
        if status == "ok":
            if keep:
                self.cache.put(version, key, outcome)
            return outcome
        if outcome == "syntax":
            first = detail.splitlines()[0]
            more = "…" if len(first) > 300 or len(detail) > len(first) else ""
            raise QueryError(f"malformed SPARQL: {first[:300]}{more}")
        if outcome == "memory":
            raise ResourceLimit(self._memory_message())
        if service_endpoints(query):  # a remote endpoint's reply is never echoed back
            raise QueryError("the federated (SERVICE) part of the query failed; the remote reply is not shown")
        raise QueryError(f"SPARQL query failed: {detail[:500]}")

    def _memory_message(self) -> str:
        return (f"the query needed more memory than a query may use ({self.settings.sparql_worker_memory_mb} MB, "
                "setting sparql_worker_memory_mb); narrow it with more specific patterns or a LIMIT")

    def _send(self, message: QueryMessage, limit: float, quick: bool, version: Path) -> tuple:
        worker = self._take(version)
        try:
            worker.conn.send(message)
            if not worker.conn.poll(limit):
                worker.kill()
                if quick:
                    raise ServerBusy("the server is busy with long-running SPARQL queries, and this one needs more "
                                     f"than the {limit:g} s it can have meanwhile; try again in a few seconds")
                raise QueryTimeout(f"query stopped after {limit:g} s (setting sparql_timeout); "
                                   "narrow it with more specific patterns or a LIMIT")
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            worker.kill()
            if worker.process.exitcode not in (0, None):  # killed by the allocator at the memory cap
                raise ResourceLimit(self._memory_message()) from None
            raise QueryError("the SPARQL worker stopped unexpectedly; try the query again") from None
        with self._lock:
            self._idle.append(worker)
        return reply

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
    return service.run(query, timeout, base_iri=BASE)
