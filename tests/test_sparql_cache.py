"""Answers the SPARQL service keeps (kg/query/sparql.py): per version, bounded in bytes, handed out as copies, and
never for answers that may differ when asked again. How they follow a change of version: tests/test_change.py."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal

from kg.graph.backend import QueryOutcome
from kg.query.sparql import AnswerCache, SparqlService, SerializedAnswer


def outcome(text: str, rows: int = 1) -> QueryOutcome:
    return QueryOutcome("SELECT", ["x"], [(Literal(text),)] * rows)


def test_answers_are_kept_per_version_and_the_least_recently_used_go_first():
    cache = AnswerCache(0.004)  # 4,000 bytes
    v1, v2 = Path("versions/1"), Path("versions/2")
    cache.put(v1, ("a",), outcome("a" * 600))
    cache.put(v1, ("b",), outcome("b" * 600))
    assert str(cache.get(v1, ("a",)).rows[0][0]) == "a" * 600  # "a" is now the most recently used
    cache.put(v1, ("c",), outcome("c" * 600))
    cache.put(v1, ("d",), outcome("d" * 600))
    cache.put(v1, ("e",), outcome("e" * 600))
    assert cache.get(v1, ("b",)) is None and cache.get(v1, ("a",)) is not None
    assert cache.get(v2, ("a",)) is None  # another version's answer is not this one's
    cache.put(v2, ("a",), outcome("new"))
    assert cache.get(v1, ("c",)) is None and str(cache.get(v2, ("a",)).rows[0][0]) == "new"


def test_an_answer_too_large_for_a_quarter_of_the_cache_is_not_kept():
    cache = AnswerCache(0.004)
    cache.put(Path("v"), ("big",), SerializedAnswer(b"x" * 1500, "text/csv"))
    assert cache.get(Path("v"), ("big",)) is None


def test_a_kept_answer_is_handed_out_as_a_copy():
    cache = AnswerCache(1)
    cache.put(Path("v"), ("q",), outcome("row", rows=2))
    first = cache.get(Path("v"), ("q",))
    first.rows.clear()
    assert len(cache.get(Path("v"), ("q",)).rows) == 2


def test_the_service_keeps_answers_but_not_those_that_change_when_asked_again(kb_settings):
    service = SparqlService(kb_settings.kb, kb_settings)
    try:
        reviews = "SELECT ?r WHERE { ?r a kg:CaseReview } ORDER BY ?r"
        first = service.run(reviews)
        assert service.run(reviews + "\n").rows == first.rows and len(service.cache._entries) == 1
        assert service.run_serialized(reviews, "csv").body.startswith(b"r\r\n")  # each format kept apart
        assert len(service.cache._entries) == 2
        for changing in ("SELECT (NOW() AS ?t) WHERE {}", "SELECT (STRUUID() AS ?u) WHERE {}",
                         "SELECT ?r (rand() AS ?x) WHERE { ?r a kg:CaseReview } LIMIT 1"):
            service.run(changing)
        assert len(service.cache._entries) == 2
    finally:
        service.close()
    remote = SparqlService(kb_settings.kb, kb_settings.replace(graph_store="remote"))
    assert remote.cache.limit == 0  # an external store may change between two queries
