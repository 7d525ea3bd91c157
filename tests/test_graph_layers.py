"""kg/graph/layers.py: the entity layer answers exactly what the whole store answers, for the queries sent to it."""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest

from kg.graph.layers import ENTITY_FILE, entity_only, is_evidence_line, read_entity_layer
from kg.graph.oxigraph_backend import OxigraphBackend
from kg.namespaces import PREFIXES
from kg.query.sparql import SparqlService, example_queries

PREFIX_PAIRS = tuple(sorted(PREFIXES.items()))

# Queries an analyst might write, each with whether only entity triples can match it.
ROUTED = [
    ("SELECT ?r ?l WHERE { ?r a kg:CaseReview ; skos:prefLabel ?l }", True),
    ("ASK { ?a a kg:Action ; kg:respondsTo ?r }", True),
    ("SELECT ?a ?l WHERE { ?a ^kg:respondsTo/skos:prefLabel ?l }", True),
    ("SELECT ?t WHERE { ?t skos:broader+ ?top }", True),
    ("SELECT ?r WHERE { ?r skos:prefLabel ?l FILTER NOT EXISTS { ?r kg:year ?y } }", True),
    ("CONSTRUCT { ?r skos:prefLabel ?l } WHERE { ?r a kg:CaseReview ; skos:prefLabel ?l }", True),
    # any of these can match evidence, or depends on the whole store
    ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", False),
    ("SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c", False),
    ("SELECT (COUNT(?c) AS ?n) WHERE { ?c a kg:Chunk }", False),
    ("SELECT ?d (COUNT(?r) AS ?n) WHERE { ?r kg:mentionedIn ?d } GROUP BY ?d", False),
    ("SELECT (COUNT(?x) AS ?n) WHERE { ?x skos:broader* ?y }", False),  # zero-length: every node of the store
    ("SELECT (COUNT(?x) AS ?n) WHERE { ?x rdf:type/rdfs:label ?y }", False),
    ("SELECT (COUNT(?r) AS ?n) WHERE { ?r skos:prefLabel ?l FILTER EXISTS { ?a oa:hasBody ?r } }", False),
    ("SELECT (COUNT(?r) AS ?n) WHERE { ?r skos:prefLabel ?l FILTER (?l = '' || EXISTS { ?r kg:text ?t }) }", False),
    ("SELECT (COUNT(?r) AS ?n) WHERE { ?r skos:prefLabel ?l MINUS { ?r kg:chunkId ?c } }", False),
    ("SELECT (COUNT(?r) AS ?n) WHERE { { SELECT ?r WHERE { ?r oa:hasSelector ?s } } }", False),
    ("SELECT (COUNT(?o) AS ?n) WHERE { ?s !skos:prefLabel ?o }", False),
    ("SELECT (COUNT(?l) AS ?n) WHERE { GRAPH ?g { ?r skos:prefLabel ?l } }", False),
    ("SELECT (COUNT(?l) AS ?n) FROM <https://w3id.org/safeguarding-kg/graph> WHERE { ?r skos:prefLabel ?l }", False),
    ("DESCRIBE review:child-l", False),
    ("SELEC nothing", False),
]


@pytest.mark.parametrize("query,expected", ROUTED, ids=[q[:60] for q, _ in ROUTED])
def test_only_queries_that_can_match_nothing_but_entities_go_to_the_entity_layer(query, expected):
    assert entity_only(query, None, PREFIX_PAIRS) is expected


def test_evidence_lines_are_told_by_predicate_and_by_class():
    review = "<https://w3id.org/safeguarding-kg/id/review/child-l>"
    annotation = "<https://w3id.org/safeguarding-kg/id/evidence/e1>"
    assert is_evidence_line(f'{annotation} <http://www.w3.org/ns/oa#hasBody> {review} .')
    assert is_evidence_line(f'{annotation} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                            '<http://www.w3.org/ns/oa#Annotation> .')
    assert not is_evidence_line(f'{review} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
                                '<https://w3id.org/safeguarding-kg/ontology#CaseReview> .')
    assert not is_evidence_line(f'{review} <http://www.w3.org/2004/02/skos/core#prefLabel> "Child L has a space" .'
                                .encode())


@pytest.fixture(scope="module")
def layered(kb):
    backend = OxigraphBackend(kb.path, entity_layer=True)
    assert backend.wait_for_entity_layer(60)
    whole = OxigraphBackend(kb.path)
    yield backend, whole
    backend.close()
    whole.close()


def answer(backend, query):
    """The answer as comparable rows, and which store gave it.

    GROUP_CONCAT joins its values in no set order (SPARQL leaves it open, and each store walks its own
    indexes), so a joined cell is compared as its sorted parts.
    """
    outcome = backend.run(query, 10**6, PREFIXES)
    rows = outcome.boolean if outcome.form == "ASK" else sorted(
        tuple(", ".join(sorted(str(term).split(", "))) for term in row) for row in (outcome.rows or outcome.triples))
    return rows, outcome.answered_from


def test_the_entity_layer_is_the_stores_entity_triples_and_far_smaller(kb):
    store = ox.Store.read_only(str(kb.path / "graph"))
    triples = {str(q.triple) for q in store}
    layer = {str(q.triple) for q in ox.parse(path=str(kb.path / ENTITY_FILE), format=ox.RdfFormat.N_TRIPLES)}
    assert read_entity_layer(kb.path) == set((kb.path / ENTITY_FILE).read_text(encoding="utf-8").splitlines())
    assert layer == {t for t in triples if not is_evidence_line(t)}
    # reviews, themes and actions are there; passages are not
    assert any("#CaseReview>" in t for t in layer)
    assert not any(t.split()[1].startswith("<http://www.w3.org/ns/oa#") for t in layer)
    assert len(layer) < len(triples) / 3


def test_every_example_gives_the_whole_stores_answer_and_listings_come_from_the_entity_layer(layered):
    backend, whole = layered
    from_layer = set()
    for example in example_queries():
        got, source = answer(backend, example.text)
        assert got == answer(whole, example.text)[0], example.name
        assert got, example.name
        if source == "entity layer":
            from_layer.add(example.name)
    # Only the two that list passages need the evidence.
    assert {e.name for e in example_queries()} - from_layer == {"06-evidence-for-review", "12-passages-for-theme"}


@pytest.mark.parametrize("query,expected", ROUTED[:-1], ids=[q[:60] for q, _ in ROUTED[:-1]])
def test_an_analysts_query_gets_the_same_answer_whichever_store_runs_it(layered, query, expected):
    backend, whole = layered
    got, source = answer(backend, query)
    assert got == answer(whole, query)[0]
    assert (source == "entity layer") is expected


def test_the_sparql_service_answers_listings_from_the_entity_layer_once_loaded(kb_settings, layered):
    service = SparqlService(kb_settings.kb, kb_settings.replace(sparql_cache_mb=0, sparql_entity_layer_min_triples=0))
    listing = next(e.text for e in example_queries() if e.name == "09-reviews")
    try:
        deadline = time.monotonic() + 60
        while (outcome := service.run(listing)).answered_from != "entity layer" and time.monotonic() < deadline:
            time.sleep(0.2)  # the worker loads the layer in the background and uses the whole store meanwhile
        assert outcome.answered_from == "entity layer"
        assert sorted(tuple(map(str, r)) for r in outcome.rows) == sorted(
            tuple(map(str, r)) for r in layered[1].run(listing, 10**6, PREFIXES).rows)
    finally:
        service.close()


def test_a_small_graph_is_answered_by_the_whole_store_alone(kb_settings):
    service = SparqlService(kb_settings.kb, kb_settings.replace(sparql_cache_mb=0))  # under the default threshold
    listing = next(e.text for e in example_queries() if e.name == "09-reviews")
    try:
        assert service.run(listing).rows
        time.sleep(1)
        assert service.run(listing).answered_from == ""
    finally:
        service.close()


def test_a_damaged_entity_layer_leaves_the_whole_store_answering(kb, tmp_path):
    import shutil

    shutil.copytree(kb.path / "graph", tmp_path / "graph")
    text = (kb.path / ENTITY_FILE).read_text(encoding="utf-8")
    (tmp_path / ENTITY_FILE).write_text(text[: len(text) // 2] + "<broken", encoding="utf-8")  # cut mid-line
    backend = OxigraphBackend(tmp_path, entity_layer=True)
    assert not backend.wait_for_entity_layer(60)
    listing = next(e.text for e in example_queries() if e.name == "09-reviews")
    got, source = answer(backend, listing)
    assert source == "" and got == answer(OxigraphBackend(kb.path), listing)[0]
