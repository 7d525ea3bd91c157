"""The shared-store path: a real Oxigraph server, filled by a build over the Graph Store Protocol,
queried through the same sparql() as the embedded store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kg.build import build_knowledge_base
from kg.config import load_settings
from kg.graph.remote_backend import RemoteBackend, with_prefixes
from kg.namespaces import PREFIXES
from kg.query.sparql import SparqlService, example_queries

from conftest import CORPUS
from server import free_port


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    # The server is a console script of a dev dependency: next to this interpreter, even when its
    # bin directory is not on PATH (as under `.venv/bin/python -m pytest`).
    beside = Path(sys.executable).parent / "oxigraph"
    binary = str(beside) if beside.exists() else shutil.which("oxigraph")
    assert binary, "the oxigraph server is missing: it is a test dependency (pip install oxigraph)"
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                                "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="module")
def remote_settings(oxigraph_server, tmp_path_factory):
    corpus = tmp_path_factory.mktemp("corpus")
    # Two of the smaller reports: the store's behaviour, not the corpus's size, is under test (the whole corpus's
    # graph is validated in test_graph.py).
    for name in ("001_6586b5ec950e0cc1.txt", "003_fa69e12afb5521ed.txt"):
        shutil.copy(CORPUS / name, corpus)
    settings = load_settings(kb=str(tmp_path_factory.mktemp("kb") / "kb"), graph_store="remote",
                             remote_query_url=oxigraph_server + "/query", remote_store_url=oxigraph_server + "/store")
    build_knowledge_base(corpus, settings)
    return settings


def test_build_pushes_the_graph_to_the_store(remote_settings):
    backend = RemoteBackend.from_settings(remote_settings)
    local = SparqlService(remote_settings.kb, remote_settings.replace(graph_store="oxigraph"))
    try:
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        assert backend.triple_count() == int(local.run(count).rows[0][0]) > 5_000
    finally:
        local.close()


def test_example_queries_give_the_same_rows_remote_and_embedded(remote_settings):
    remote = SparqlService(remote_settings.kb, remote_settings)
    local = SparqlService(remote_settings.kb, remote_settings.replace(graph_store="oxigraph"))
    try:
        for example in example_queries():
            a, b = remote.run(example.text), local.run(example.text)
            assert sorted(map(str, a.rows)) == sorted(map(str, b.rows)), example.name
    finally:
        remote.close()
        local.close()


def test_validate_and_export_read_the_remote_store(remote_settings):
    from kg.graph import export, validate
    from kg.kb import KnowledgeBase

    with KnowledgeBase(remote_settings.kb) as kb:
        report, triples = validate(kb, remote_settings)
        assert report.conforms and report.bad_quotes == [] and report.checked_quotes > 100
        assert "@prefix kg:" in export(kb, "ttl", remote_settings)
        assert len(export(kb, "nq", remote_settings).splitlines()) == triples


def test_rebuild_replaces_rather_than_duplicates(remote_settings):
    backend = RemoteBackend.from_settings(remote_settings)
    before = backend.triple_count()
    from kg.update import remove_documents

    remove_documents(["001_6586b5ec950e0cc1.txt"], remote_settings.replace(corpus="/nonexistent"))
    after = backend.triple_count()
    assert 0 < after < before
    assert not backend.run('ASK { ?d kg:fileName "001_6586b5ec950e0cc1.txt" }', 1, PREFIXES).boolean


def test_errors_from_the_store_are_readable(remote_settings):
    backend = RemoteBackend.from_settings(remote_settings)
    with pytest.raises(SyntaxError):
        backend.run("SELECT ?x WHERE { ?x ", 10, PREFIXES)
    unreachable = RemoteBackend("http://127.0.0.1:9/query")
    from kg.errors import QueryError

    with pytest.raises(QueryError, match="cannot reach the SPARQL store"):
        unreachable.run("ASK {}", 1, {})


def test_predeclared_prefixes_are_added_only_when_used():
    query = with_prefixes("PREFIX kg: <x#> SELECT ?r WHERE { ?r a kg:CaseReview ; skos:prefLabel ?l }", PREFIXES)
    assert query.count("PREFIX kg:") == 1 and "PREFIX skos:" in query and "PREFIX oa:" not in query


def test_push_streams_the_graph_with_basic_auth(tmp_path):
    """Stores that ask for a login (Fuseki, GraphDB) get HTTP basic auth; the body is the whole file."""
    import http.server
    import threading

    seen: dict = {}

    class Store(http.server.BaseHTTPRequestHandler):
        def do_PUT(self):  # noqa: N802 - http.server's naming
            seen.update(path=self.path, auth=self.headers["Authorization"], type=self.headers["Content-Type"],
                        body=self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Store)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        graph = tmp_path / "graph.nt"
        graph.write_bytes(b"<urn:a> <urn:b> \"c\" .\n" * 5000)
        base = f"http://127.0.0.1:{server.server_port}"
        backend = RemoteBackend(base + "/query", base + "/store", "urn:kg:barnet", auth="analyst:s3cret")
        backend.push(graph)
    finally:
        server.shutdown()
    assert seen["auth"] == "Basic YW5hbHlzdDpzM2NyZXQ="
    assert seen["type"] == "application/n-triples"
    assert seen["path"] == "/store?graph=urn%3Akg%3Abarnet"
    assert seen["body"] == graph.read_bytes()
    from kg.errors import ConfigError

    with pytest.raises(ConfigError, match="user:password"):
        RemoteBackend(base + "/query", auth="no-colon")


@pytest.fixture(scope="module")
def remote_update_settings(oxigraph_server, tmp_path_factory):
    """A knowledge base in a named graph of the store, with the store's update endpoint set."""
    corpus = tmp_path_factory.mktemp("corpus-update")
    for name in ("001_6586b5ec950e0cc1.txt", "003_fa69e12afb5521ed.txt"):
        shutil.copy(CORPUS / name, corpus)
    settings = load_settings(kb=str(tmp_path_factory.mktemp("kb-update") / "kb"), corpus=str(corpus),
                             graph_store="remote", remote_query_url=oxigraph_server + "/query",
                             remote_store_url=oxigraph_server + "/store",
                             remote_update_url=oxigraph_server + "/update", remote_graph="urn:kg:update-test")
    build_knowledge_base(corpus, settings)
    return settings


def _store_lines(backend: RemoteBackend) -> set[str]:
    return {line for line in backend.dump_ntriples().decode("utf-8").splitlines() if line.strip()}


def _local_lines(settings) -> set[str]:
    import pyoxigraph as ox

    from kg.graph.oxigraph_backend import STORE_DIR
    from kg.kb import KnowledgeBase

    with KnowledgeBase(settings.kb) as kb:
        store = ox.Store.read_only(str(kb.path / STORE_DIR))
        return {str(q.triple) + " ." for q in store}


def _remote_way(settings) -> str | None:
    from kg.kb import KnowledgeBase

    with KnowledgeBase(settings.kb) as kb:
        return kb.manifest["update"].get("remote_store")


def test_an_in_place_change_sends_only_what_changed_to_the_store(remote_update_settings):
    from kg.update import add_documents, remove_documents

    backend = RemoteBackend.from_settings(remote_update_settings)
    before = _store_lines(backend)
    assert before == _local_lines(remote_update_settings)
    remove_documents(["003_fa69e12afb5521ed.txt"], remote_update_settings)
    assert _remote_way(remote_update_settings) == "update"
    removed = _store_lines(backend)
    assert removed == _local_lines(remote_update_settings) and len(removed) < len(before)
    assert not backend.run('ASK { ?d kg:fileName "003_fa69e12afb5521ed.txt" }', 1, PREFIXES).boolean
    add_documents([CORPUS / "003_fa69e12afb5521ed.txt"], remote_update_settings)
    assert _remote_way(remote_update_settings) == "update"
    assert _store_lines(backend) == _local_lines(remote_update_settings) == before  # back where it started


def test_a_store_that_drifted_from_the_knowledge_base_gets_the_whole_graph(remote_update_settings):
    from kg.update import remove_documents

    backend = RemoteBackend.from_settings(remote_update_settings)
    stray = "<urn:stray> <urn:p> \"written by someone else\" ."
    backend.apply_change(set(), {stray}, backend.triple_count())
    assert stray in _store_lines(backend)
    remove_documents(["001_6586b5ec950e0cc1.txt"], remote_update_settings)
    assert _remote_way(remote_update_settings) == "push"  # a delta on a graph it was not computed from: no
    assert _store_lines(backend) == _local_lines(remote_update_settings)
