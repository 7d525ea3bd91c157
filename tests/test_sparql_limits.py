"""What makes the endpoint safe to put on a council network, tried against a running `kg serve` (loopback only):
no outgoing request for SERVICE, answers and request bodies bounded in bytes, heavy queries capped in memory
while cheap ones are still answered, the Host header checked, tokens compared safely, and no binding beyond
loopback without a token. Memory is measured as the server process's peak RSS."""

from __future__ import annotations

import http.client
import http.server
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from server import running_server

BIG_ANSWER = "SELECT ?x { { SELECT (GROUP_CONCAT(?t) AS ?x) { ?c kg:text ?t } } ?a ?b ?d } LIMIT 400"
HEAVY = "SELECT * { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f LIMIT 10"


def get(base: str, query: str, headers: dict[str, str] | None = None, timeout: float = 60):
    url = base + "/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


@pytest.fixture
def listener():
    """A local HTTP service that counts the requests it receives (standing in for an internal service)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"internal secret")

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_service_is_refused_and_no_request_leaves_the_server(endpoint, listener, kb_settings):
    internal, hits = listener
    queries = [
        f"SELECT * {{ SERVICE <{internal}/internal?x=1> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ SERVICE SILENT <{internal}/a> {{ ?s ?p ?o }} }}",
        f"SELECT * {{ \\u0053ERVICE <{internal}/escaped> {{ ?s ?p ?o }} }}",  # an escape is still the keyword
        f"SELECT * {{ BIND(<{internal}/v> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    ]
    for query in queries:
        status, _, body = get(endpoint, query)
        assert status == 400 and b"SERVICE" in body and b"internal secret" not in body, query
        # A cross-origin form POST from any page gets the same answer.
        data = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(endpoint + "/sparql", data=data,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=30)
        assert info.value.code == 400
    # The library call behind `kg sparql` and the UI's SPARQL page refuses it too.
    from kg.errors import ServiceRefused
    from kg.query.sparql import sparql

    with pytest.raises(ServiceRefused):
        sparql(queries[0], settings=kb_settings)
    assert hits == []


def test_an_answer_is_cut_at_the_byte_limit_and_marked(endpoint):
    before = endpoint.peak_rss_mb()
    status, headers, body = get(endpoint, BIG_ANSWER)
    assert status == 200 and headers.get("x-kg-truncated") == "bytes"
    assert len(body) < 40_000_000  # 16 MB of terms, serialised (was 310 MB)
    assert endpoint.peak_rss_mb() - before < 300


def test_request_bodies_are_capped_before_reading(endpoint):
    before = endpoint.peak_rss_mb()
    url = urllib.parse.urlsplit(endpoint)
    # A declared length over the cap is refused before a byte of the body is read.
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.putrequest("POST", "/sparql")
    connection.putheader("Content-Type", "application/sparql-query")
    connection.putheader("Content-Length", str(1 << 30))
    connection.endheaders()
    connection.send(b"SELECT * WHERE { ?s ?p ?o } #")
    response = connection.getresponse()
    assert response.status == 413 and b"sparql_max_body_kb" in response.read()
    connection.close()
    # A body streamed without a length is cut off once it passes the cap.
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def body():
        for _ in range(100):
            yield b"#" + b"x" * (1 << 20)

    try:
        connection.request("POST", "/sparql", body=body(), encode_chunked=True,
                           headers={"Content-Type": "application/sparql-query", "Transfer-Encoding": "chunked"})
        status = connection.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        status = 413  # the server answered and closed while the client was still sending
    assert status == 413
    assert endpoint.peak_rss_mb() - before < 60


@pytest.fixture(scope="module")
def guarded(kb_settings):
    """A server with an access token, a long time limit and a 600 MB cap per query worker."""
    env = {"KG_ACCESS_TOKEN": "s3cret", "KG_SPARQL_TIMEOUT": "40", "KG_SPARQL_WORKER_MEMORY_MB": "600"}
    with running_server(kb_settings.kb, env=env) as base:
        yield base


def test_heavy_queries_hit_the_memory_cap_and_cheap_ones_are_answered_meanwhile(guarded):
    token = {"Authorization": "Bearer s3cret"}
    results: list[tuple[int, bytes]] = []
    heavy = [threading.Thread(target=lambda: results.append(get(guarded, HEAVY, token)[::2])) for _ in range(2)]
    started = time.monotonic()
    for thread in heavy:
        thread.start()
    time.sleep(0.7)
    asked = time.monotonic()
    status, _, body = get(guarded, "ASK { ?r a kg:CaseReview }", token)
    waited = time.monotonic() - asked
    assert status == 200 and b"true" in body
    assert waited < 10  # not the heavy queries' 40 s time limit
    for thread in heavy:
        thread.join(90)
    assert len(results) == 2 and time.monotonic() - started < 30  # stopped by memory, long before the time limit
    for code, message in results:
        assert code == 400 and b"sparql_worker_memory_mb" in message, message[:200]
    assert get(guarded, "ASK { ?s ?p ?o }", token)[0] == 200
    assert guarded.peak_rss_mb() < 1500  # the workers took the memory, not the server


def test_tokens_are_compared_safely(guarded):
    url = urllib.parse.urlsplit(guarded)
    assert get(guarded, "ASK {}")[0] == 401
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.putrequest("GET", "/sparql?query=ASK%7B%7D")
    connection.putheader("Authorization", "Bearer caf\u00e9".encode("utf-8"))  # not ASCII: 401, not a 500
    connection.endheaders()
    assert connection.getresponse().status == 401
    assert get(guarded, "ASK {}", headers={"Authorization": "Bearer s3cret"})[0] == 200
    assert get(guarded, "ASK {}", headers={"Authorization": "Bearer wrong"})[0] == 401


@pytest.mark.parametrize("path", ["/api/health", "/sparql?query=ASK%7B%7D", "/", "/gradio_api/info"])
def test_an_unknown_host_header_is_refused_on_every_route(endpoint, path):
    url = urllib.parse.urlsplit(endpoint)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.request("GET", path, headers={"Host": "attacker.example"})
    response = connection.getresponse()
    assert response.status == 400 and b"unknown host" in response.read()
    connection.close()
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    connection.request("GET", "/api/health", headers={"Host": f"localhost:{url.port}"})
    assert connection.getresponse().status == 200


def test_serving_beyond_loopback_without_a_token_refuses_to_start(kb_settings, tmp_path):
    result = subprocess.run([sys.executable, "-m", "kg.cli", "serve", "--kb", str(kb_settings.kb), "--host", "0.0.0.0",
                             "--port", "9"], capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "KG_ACCESS_TOKEN": ""})
    assert result.returncode == 1
    assert "without an access token" in result.stderr and "--insecure-no-token" in result.stderr
    assert "Traceback" not in result.stderr


WORKER_WITHOUT_SERVER = r'''
import multiprocessing, sys
from kg.config import load_settings
from kg.query import sparql_worker
if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    server, worker_end = context.Pipe()
    worker = context.Process(target=sparql_worker.serve, args=(worker_end, sys.argv[1], dict(load_settings().values)))
    worker.start()
    worker_end.close()
    server.close()  # the server stops before the worker has said it is ready
    worker.join(120)
    print("exit", worker.exitcode)
'''


def test_a_worker_whose_server_has_stopped_ends_quietly(kb_settings, tmp_path):
    """Stopping `kg serve` while a worker starts or answers must not fill the terminal with tracebacks."""
    from pathlib import Path

    from kg.kb import current_version

    script = tmp_path / "worker.py"
    script.write_text(WORKER_WITHOUT_SERVER, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script), str(current_version(Path(kb_settings.kb)))],
                          capture_output=True, text=True, timeout=180)
    assert done.stdout.strip() == "exit 0"
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr
