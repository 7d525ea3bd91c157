"""The SPARQL 1.1 Protocol endpoint, used by a real client (SPARQLWrapper) over HTTP."""

from __future__ import annotations

import csv
import io
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

REVIEWS = """SELECT ?label WHERE { ?r a kg:CaseReview ; skos:prefLabel ?label } ORDER BY ?label"""
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def client(base: str, query: str, fmt=JSON) -> SPARQLWrapper:
    sparql = SPARQLWrapper(base + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setTimeout(30)
    return sparql

def test_select_as_json(endpoint):
    result = client(endpoint, REVIEWS).query().convert()
    labels = [b["label"]["value"] for b in result["results"]["bindings"]]
    assert {"Child L", "Child A", "Child KL", "Child SS"} <= set(labels)
    assert result["head"]["vars"] == ["label"]

def test_select_as_csv_by_post(endpoint):
    sparql = client(endpoint, REVIEWS, CSV)
    sparql.setMethod(POST)
    rows = list(csv.reader(io.StringIO(sparql.query().convert().decode("utf-8"))))
    assert rows[0] == ["label"] and ["Child L"] in rows

def test_construct_as_turtle(endpoint):
    query = "CONSTRUCT { ?r skos:prefLabel ?l ; kg:raisedTheme ?t } WHERE { ?r a kg:CaseReview ; skos:prefLabel ?l ; kg:raisedTheme ?t }"
    data = client(endpoint, query, TURTLE).query().convert()
    graph = Graph().parse(data=data, format="turtle")
    assert len(graph) > 20

def test_update_is_refused(endpoint):
    sparql = SPARQLWrapper(endpoint + "/sparql", updateEndpoint=endpoint + "/sparql")
    sparql.setMethod(POST)
    sparql.setQuery("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
    with pytest.raises(urllib.error.HTTPError) as info:  # SPARQLWrapper passes a 403 through as it is
        sparql.query()
    assert info.value.code == 403 and b"read-only" in info.value.read()
    # The graph is unchanged.
    check = client(endpoint, "ASK { <urn:a> <urn:b> <urn:c> }").query().convert()
    assert check["boolean"] is False

@pytest.mark.parametrize("query", ["DROP ALL", "LOAD <http://example.org/data.ttl>", "CLEAR DEFAULT"])
def test_other_updates_are_refused_with_403(endpoint, query):
    url = endpoint + "/sparql?" + urllib.parse.urlencode({"query": query})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(url)
    assert info.value.code == 403 and b"read-only" in info.value.read()

def test_malformed_query_is_answered_400_with_the_parser_message(endpoint):
    with pytest.raises(QueryBadFormed) as info:
        client(endpoint, "SELECT ?x WHERE { ?x ?y ").query()
    assert "malformed SPARQL" in str(info.value) and "expected" in str(info.value)

def test_pathological_query_is_stopped_and_the_server_keeps_answering(endpoint):
    outcome: dict = {}

    def slow():
        try:
            client(endpoint, PATHOLOGICAL).query()
        except Exception as exc:  # noqa: BLE001 - the test inspects whatever the client raised
            outcome["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)
    # While the slow query runs, other queries are answered.
    assert client(endpoint, "ASK { ?s a kg:CaseReview }").query().convert()["boolean"] is True
    thread.join(60)
    error = outcome.get("error")
    assert isinstance(error, urllib.error.HTTPError) and error.code == 503  # SPARQLWrapper passes a 503 through
    assert b"stopped after 3 s" in error.read()
    assert time.monotonic() - started < 30
    assert client(endpoint, REVIEWS).query().convert()["results"]["bindings"]

def test_accept_header_picks_the_format(endpoint):
    url = endpoint + "/sparql?" + urllib.parse.urlencode({"query": REVIEWS})
    for accept, expected in (("text/tab-separated-values", "?label"), ("application/sparql-results+xml", "<?xml"),
                             ("text/csv", "label\r\n")):
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept})) as response:
            assert response.headers["Content-Type"].startswith(accept)
            assert response.read().decode("utf-8").startswith(expected)

def test_vocabulary_and_examples_are_served(endpoint):
    with urllib.request.urlopen(endpoint + "/ontology.ttl") as response:
        graph = Graph().parse(data=response.read(), format="turtle")
    assert any("CaseReview" in str(s) for s in graph.subjects())
    with urllib.request.urlopen(endpoint + "/themes.ttl") as response:
        assert b"skos:ConceptScheme" in response.read()
    import json

    with urllib.request.urlopen(endpoint + "/queries") as response:
        examples = json.loads(response.read())
    assert len(examples) >= 10 and all(e["title"] for e in examples)

def test_json_api_answers_bad_questions_with_a_json_error(endpoint):
    import json

    for path in ("/api/ask", "/api/search"):
        url = endpoint + path + "?" + urllib.parse.urlencode({"q": "safeguarding " * 2000})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url)
        assert info.value.code == 400
        assert "the limit is" in json.loads(info.value.read())["error"]
