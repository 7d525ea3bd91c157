"""The endpoint against the W3C SPARQL 1.1 Protocol test cases (query, bad-query and update groups of
sparql11/protocol/manifest.ttl in w3c/rdf-tests, written here against the running server and kg's own data)
and against the clients analysts use: SPARQLWrapper in every return format, rdflib's SPARQLStore and pandas."""

from __future__ import annotations

import csv
import http.client
import io
import json
import urllib.parse

import pandas as pd
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

KB_GRAPH = "https://w3id.org/safeguarding-kg/graph"  # the IRI that names the knowledge base's graph
HAS_REVIEW = "ASK { ?r a <https://w3id.org/safeguarding-kg/ontology#CaseReview> }"
PASSAGES = "SELECT ?chunk ?text WHERE { ?chunk kg:text ?text } ORDER BY ?chunk LIMIT 80"


def request(base: str, method: str, path: str, body: bytes | str | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One raw HTTP request, as the protocol tests describe them (no client library smoothing anything over)."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    if isinstance(body, str):
        body = body.encode("utf-8")
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def ask_answer(data: bytes) -> bool:
    return json.loads(data)["boolean"]


def q(query: str, **params: str | list[str]) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query, **params}, doseq=True)


# ---- query group ------------------------------------------------------------------------------------------------

def test_query_via_get_and_via_url_encoded_post_and_direct_post(endpoint):
    status, _, data = request(endpoint, "GET", q("ASK {}"))
    assert status == 200 and ask_answer(data) is True
    status, _, data = request(endpoint, "POST", "/sparql", "query=ASK%20%7B%7D",
                              {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and ask_answer(data) is True
    status, _, data = request(endpoint, "POST", "/sparql", HAS_REVIEW, {"Content-Type": "application/sparql-query"})
    assert status == 200 and ask_answer(data) is True
    # The test suite's paths end in "/sparql/": the same endpoint.
    status, _, data = request(endpoint, "GET", "/sparql/?" + urllib.parse.urlencode({"query": HAS_REVIEW}))
    assert status == 200 and ask_answer(data) is True


def test_protocol_default_graph_is_honoured_not_ignored(endpoint):
    # The knowledge base's graph by its IRI: the data is there.
    status, _, data = request(endpoint, "GET", q(HAS_REVIEW, **{"default-graph-uri": KB_GRAPH}))
    assert status == 200 and ask_answer(data) is True
    # A graph the store does not hold is empty, so the same ASK is false (it was true when the parameter was ignored).
    status, _, data = request(endpoint, "GET", q(HAS_REVIEW, **{"default-graph-uri": "http://example.org/nothing"}))
    assert status == 200 and ask_answer(data) is False
    # Several default graphs by POST: their merge.
    status, _, data = request(endpoint, "POST", "/sparql?" + urllib.parse.urlencode(
        {"default-graph-uri": ["http://example.org/nothing", KB_GRAPH]}, doseq=True), HAS_REVIEW,
        {"Content-Type": "application/sparql-query"})
    assert status == 200 and ask_answer(data) is True


def test_protocol_named_graphs_and_dataset_override_from_clauses(endpoint):
    # Named graphs only: the default graph is empty, and GRAPH ?g sees just the graphs named.
    status, _, data = request(endpoint, "GET", q(HAS_REVIEW, **{"named-graph-uri": "http://example.org/g1"}))
    assert status == 200 and ask_answer(data) is False
    status, _, data = request(endpoint, "GET", q("ASK { GRAPH ?g { ?s ?p ?o } }",
                                                 **{"named-graph-uri": "http://example.org/g1"}))
    assert status == 200 and ask_answer(data) is False
    # A FROM in the query gives way to the protocol's dataset.
    query = "ASK FROM <http://example.org/nothing> { ?r a <https://w3id.org/safeguarding-kg/ontology#CaseReview> }"
    assert ask_answer(request(endpoint, "GET", q(query))[2]) is False
    assert ask_answer(request(endpoint, "GET", q(query, **{"default-graph-uri": KB_GRAPH}))[2]) is True


@pytest.mark.parametrize("query, accept, allowed", [
    ("SELECT ?r WHERE { ?r a kg:CaseReview } LIMIT 3", "application/sparql-results+xml, application/sparql-results+json, "
     "text/csv, text/tab-separated-values",
     {"application/sparql-results+xml", "application/sparql-results+json", "text/csv", "text/tab-separated-values"}),
    ("ASK { ?r a kg:CaseReview }", "application/sparql-results+xml, application/sparql-results+json",
     {"application/sparql-results+xml", "application/sparql-results+json"}),
    ("DESCRIBE <https://w3id.org/safeguarding-kg/id/theme/information-sharing>",
     "application/rdf+xml, text/turtle, application/n-triples",
     {"application/rdf+xml", "text/turtle", "application/n-triples"}),
    ("CONSTRUCT { ?r a kg:CaseReview } WHERE { ?r a kg:CaseReview }",
     "application/rdf+xml, text/turtle, application/n-triples",
     {"application/rdf+xml", "text/turtle", "application/n-triples"}),
])
def test_query_answers_in_an_appropriate_content_type(endpoint, query, accept, allowed):
    status, headers, data = request(endpoint, "GET", q(query), headers={"Accept": accept})
    assert status == 200 and headers["content-type"].split(";")[0] in allowed and data


def test_service_defined_base_iri_is_the_endpoint(endpoint):
    status, _, data = request(endpoint, "POST", "/sparql", "CONSTRUCT { <s> <p> 1 } WHERE {}",
                              {"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert status == 200
    (subject, _, _), = Graph().parse(data=data, format="nt")
    assert subject == URIRef(endpoint + "/s")


# ---- bad-query group --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_405_with_allow(endpoint, method):
    status, headers, _ = request(endpoint, method, q("ASK {}"))
    assert status == 405 and "POST" in headers["allow"]


def test_bad_requests_are_refused_with_4xx(endpoint):
    cases = {
        "two query strings": ("GET", q("ASK {}") + "&query=" + urllib.parse.quote("ASK {}"), None, {}),
        "query in the URL and the body": ("POST", q("ASK {}"), "query=ASK%20%7B%7D",
                                          {"Content-Type": "application/x-www-form-urlencoded"}),
        "wrong media type": ("POST", "/sparql", "ASK {}", {"Content-Type": "text/plain"}),
        "form body without a type": ("POST", "/sparql", "query=ASK%20%7B%7D", {"Content-Type": ""}),
        "direct body without a type": ("POST", "/sparql", "ASK {}", {"Content-Type": ""}),
        "invalid syntax": ("GET", q("ASK {"), None, {}),
    }
    for name, (method, path, body, headers) in cases.items():
        status, _, data = request(endpoint, method, path, body, headers)
        assert 400 <= status < 500, (name, status, data)
        assert data and b"Traceback" not in data, name
    status, _, data = request(endpoint, "POST", "/sparql", "ASK {}", {"Content-Type": "text/plain"})
    assert status == 415


def test_a_body_that_is_not_utf8_is_refused(endpoint):
    status, _, data = request(endpoint, "POST", "/sparql", "ASK {}".encode("utf-16"),
                              {"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert status == 400 and b"UTF-8" in data


# ---- update group: a read-only service refuses every update, however it is sent ---------------------------------

def test_updates_are_refused_in_every_protocol_form(endpoint):
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    cases = [
        ("GET", "/sparql?" + urllib.parse.urlencode({"update": update}), None, {}),
        ("POST", "/sparql", urllib.parse.urlencode({"update": update}),
         {"Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", "/sparql", update, {"Content-Type": "application/sparql-update"}),
        ("POST", "/sparql", urllib.parse.urlencode([("update", update), ("update", "CLEAR ALL")]),
         {"Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", "/sparql?" + urllib.parse.urlencode({"using-graph-uri": "http://example.org/g"}), update,
         {"Content-Type": "application/sparql-update"}),
    ]
    for method, path, body, headers in cases:
        status, _, data = request(endpoint, method, path, body, headers)
        assert status == 403 and b"read-only" in data, (method, path, status, data)
    assert ask_answer(request(endpoint, "GET", q("ASK { <urn:a> <urn:b> <urn:c> }"))[2]) is False


# ---- results formats, escapes included -----------------------------------------------------------------------------

def test_tsv_and_csv_keep_passages_with_newlines_and_tabs_whole(endpoint):
    expected = {(b["chunk"]["value"], b["text"]["value"]) for b in json.loads(
        request(endpoint, "GET", q(PASSAGES, format="json"))[2])["results"]["bindings"]}
    assert any("\n" in text for _, text in expected)
    status, headers, tsv = request(endpoint, "GET", q(PASSAGES), headers={"Accept": "text/tab-separated-values"})
    assert status == 200
    lines = tsv.decode("utf-8").rstrip("\n").split("\n")
    assert len(lines) == len(expected) + 1 and all(line.count("\t") == 1 for line in lines)
    parsed = Result.parse(io.BytesIO(tsv), format="tsv")
    assert {(str(row.chunk), str(row.text)) for row in parsed} == expected
    status, _, data = request(endpoint, "GET", q(PASSAGES, format="csv"))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == ["chunk", "text"] and {tuple(r) for r in rows[1:]} == expected
    assert data.count(b"\r\n") >= len(expected) + 1


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_in_every_results_format(endpoint, fmt):
    sparql = SPARQLWrapper(endpoint + "/sparql")
    sparql.setQuery("SELECT ?label WHERE { ?r a kg:CaseReview ; skos:prefLabel ?label }")
    sparql.setReturnFormat(fmt)
    result = sparql.query().convert()
    if fmt == JSON:
        labels = {b["label"]["value"] for b in result["results"]["bindings"]}
    elif fmt == XML:
        labels = {e.firstChild.data for e in result.getElementsByTagName("literal")}  # a DOM document
    else:
        text = result.decode("utf-8") if isinstance(result, bytes) else result
        rows = list(csv.reader(io.StringIO(text), delimiter="," if fmt == CSV else "\t"))
        labels = {r[0].strip('"') for r in rows[1:]}
    assert {"Child L", "Child KL"} <= labels


@pytest.mark.parametrize("fmt, parse_as", [(TURTLE, "turtle"), (N3, "n3"), (RDFXML, "xml"), (JSONLD, "json-ld"),
                                           (XML, "xml")])
def test_sparqlwrapper_construct_in_every_graph_format(endpoint, fmt, parse_as):
    sparql = SPARQLWrapper(endpoint + "/sparql")
    sparql.setQuery("CONSTRUCT { ?r skos:prefLabel ?l } WHERE { ?r a kg:CaseReview ; skos:prefLabel ?l }")
    sparql.setReturnFormat(fmt)
    response = sparql.query()
    assert response.response.status == 200
    data = response.response.read()
    graph = Graph().parse(data=data, format=parse_as)
    assert "Child L" in {str(o) for o in graph.objects()}


def test_rdflib_sparqlstore_reads_the_endpoint(endpoint):
    graph = Graph(store=SPARQLStore(endpoint + "/sparql", returnFormat="xml"))
    rows = list(graph.query("SELECT ?label WHERE { ?r a <https://w3id.org/safeguarding-kg/ontology#CaseReview> ; "
                            "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"))
    assert "Child L" in {str(r[0]) for r in rows}


def test_pandas_reads_csv_from_a_url(endpoint):
    url = endpoint + q("SELECT ?label WHERE { ?r a kg:CaseReview ; skos:prefLabel ?label } ORDER BY ?label",
                       format="csv")
    table = pd.read_csv(url)
    assert list(table.columns) == ["label"] and "Child L" in set(table["label"])
    # A client that sends no Accept header gets JSON by default, and `format=` (documented) picks CSV.
    status, headers, _ = request(endpoint, "GET", q("ASK {}"))
    assert headers["content-type"].startswith("application/sparql-results+json")
