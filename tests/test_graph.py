"""The knowledge graph on the real corpus: valid, evidenced, stable, queryable."""

from __future__ import annotations

import subprocess
import sys

import pytest
from rdflib import Graph

from kg.build import build_knowledge_base
from kg.config import load_settings
from kg.graph.oxigraph_backend import OxigraphBackend
from kg.graph import export, validate
from kg.kb import KnowledgeBase
from kg.query.search import Searcher, SearchFilters
from kg.query.sparql import example_queries, sparql

from conftest import DATA


@pytest.fixture(scope="module")
def two_document_kb(tmp_path_factory):
    """The two shortest corpus documents: enough graph for rdflib's in-memory store, which is ~6x slower to
    validate than Oxigraph (the whole corpus takes it minutes)."""
    import shutil

    from conftest import CORPUS

    corpus = tmp_path_factory.mktemp("two-docs")
    for name in ("001_6586b5ec950e0cc1.txt", "002_fb9ccec1ca702fdd.txt"):
        shutil.copy(CORPUS / name, corpus)
    settings = load_settings(kb=str(tmp_path_factory.mktemp("two-docs-kb") / "kb"))
    build_knowledge_base(corpus, settings)
    base = KnowledgeBase(settings.kb)
    yield base, settings
    base.close()


@pytest.fixture(params=["oxigraph", "memory"])
def store_kb(request, kb, kb_settings, two_document_kb):
    """(knowledge base, settings, least triples expected) for each graph store that ships."""
    if request.param == "oxigraph":
        return kb, kb_settings.replace(graph_store="oxigraph"), 10_000
    base, settings = two_document_kb
    return base, settings.replace(graph_store="memory"), 1_000


def test_graph_conforms_to_the_shapes_and_every_quote_is_exact(store_kb):
    kb, settings, least = store_kb
    report, triples = validate(kb, settings)
    assert report.conforms, report.violations[:5]
    assert triples > least and report.checked_quotes > least // 10
    assert report.bad_quotes == []


def test_the_graph_exports_as_turtle_and_n_quads_from_every_store(store_kb):
    kb, settings, _ = store_kb
    backend = OxigraphBackend(kb.path)  # the stored graph, read directly, to compare with
    expected = len(Graph().parse(data=backend.dump_ntriples(), format="nt"))
    backend.close()
    turtle = Graph().parse(data=export(kb, "ttl", settings), format="turtle")
    quads = export(kb, "nq", settings)
    assert len(turtle) == expected and len(quads.splitlines()) == expected
    assert "@prefix kg:" in export(kb, "ttl", settings)


def test_a_graph_loaded_in_pieces_holds_every_triple_once(kb, tmp_path, monkeypatch):
    """Builds load N-Triples in runs of lines (to bound memory); no triple may be lost or split at a seam."""
    from kg.graph import oxigraph_backend

    stored = OxigraphBackend(kb.path)
    ntriples = tmp_path / "graph.nt"
    ntriples.write_bytes(stored.dump_ntriples())
    expected = stored.triple_count()
    monkeypatch.setattr(oxigraph_backend, "BULK_LOAD_LINES", expected // 7 + 1)  # seven runs, six seams
    assert oxigraph_backend.write_store(tmp_path, ntriples) == expected
    reloaded = OxigraphBackend(tmp_path)
    assert set(Graph().parse(data=reloaded.dump_ntriples(), format="nt")) == \
        set(Graph().parse(ntriples, format="nt"))


def test_statements_point_to_passages(kb):
    # Information sharing as a theme of Child L: the statement, its annotation, the quote and offsets.
    outcome = sparql("""
        SELECT ?quote ?file ?start ?end WHERE {
          ?st rdf:subject review:child-l ; rdf:predicate kg:raisedTheme ; rdf:object theme:information-sharing .
          ?a oa:hasBody ?st ; oa:hasTarget ?t ; prov:wasDerivedFrom ?chunk ; kg:method ?m .
          ?t oa:hasSource/kg:fileName ?file ; oa:hasSelector ?q, ?p .
          ?q oa:exact ?quote . ?p oa:start ?start ; oa:end ?end .
        }""", kb=kb.root)
    assert outcome.rows
    for quote, file, start, end in outcome.rows:
        assert kb.document(str(file)).text[int(start):int(end)] == str(quote)
    assert any("Information sharing" in str(q) for q, *_ in outcome.rows)


def test_iris_are_stable_across_rebuilds(tmp_path, kb):
    from conftest import CORPUS

    settings = load_settings(kb=str(tmp_path / "kb"))
    build_knowledge_base(CORPUS, settings)
    again = KnowledgeBase(settings.kb)
    first, second = OxigraphBackend(kb.path), OxigraphBackend(again.path)
    query = "SELECT DISTINCT ?s WHERE { ?s ?p ?o } ORDER BY ?s"
    assert [r[0] for r in first.run(query, 10**7, {}).rows] == [r[0] for r in second.run(query, 10**7, {}).rows]
    reviews = [str(r[0]) for r in first.run("SELECT ?r WHERE { ?r a kg:CaseReview }", 100, {"kg": "https://w3id.org/safeguarding-kg/ontology#"}).rows]
    assert "https://w3id.org/safeguarding-kg/id/review/child-l" in reviews


@pytest.mark.parametrize("example", example_queries(), ids=lambda e: e.name)
def test_every_example_query_runs_and_returns_rows(kb, example):
    assert example.title and not example.title.startswith(("SELECT", "PREFIX"))
    outcome = sparql(example.text, kb=kb.root)
    assert outcome.rows, example.name


def test_reviews_raising_information_sharing(kb):
    example = next(e for e in example_queries() if e.name == "02-reviews-by-theme")
    labels = {str(row[1]) for row in sparql(example.text, kb=kb.root).rows}
    assert {"Child L", "Child A", "Child KL"} <= labels


def test_cli_prints_a_readable_table(kb):
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "sparql", "--file",
                           "kg/ontology/queries/02-reviews-by-theme.rq", "--kb", str(kb.root)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "review:child-l" in proc.stdout and "Child Safeguarding Practice Review" in proc.stdout
    assert "rows" in proc.stdout.splitlines()[-1]


def test_findings_export_has_the_scorer_shape(kb):
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "export", "--format", "findings", "--kb", str(kb.root)],
                          capture_output=True, text=True)
    import json

    data = json.loads(proc.stdout)
    assert set(data) == {"reviews", "themes", "review_themes", "actions", "organisations"}
    assert {"Child L", "Child A", "Child KL", "Child SS"} <= {r["label"] for r in data["reviews"]}
    action = next(a for a in data["actions"] if "standardised form" in a["quote"])
    assert action["reviews"] == ["Child L"] and action["doc"] == "004_46dafe67aed78039.txt"


def test_theme_filter_keeps_search_on_the_theme(kb, kb_settings):
    searcher = Searcher(kb, kb_settings)
    results = searcher.search("what changed for families", k=10, filters=SearchFilters(themes=["safer-sleeping"]))
    assert results
    linked = set(kb.rows_linked_to("theme", ["safer-sleeping"]))
    rows = {c.chunk_id: i for i, c in enumerate(kb.iter_chunks())}
    assert all(rows[r.chunk_id] in linked for r in results)


def test_a_report_from_another_area_builds_into_a_graph(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "northshire.md").write_text((DATA / "northshire_cspr_summary.md").read_text(encoding="utf-8"))
    settings = load_settings(kb=str(tmp_path / "kb"))
    build_knowledge_base(corpus, settings)
    reviews = sparql("SELECT ?label WHERE { ?r a kg:CaseReview ; skos:prefLabel ?label }", kb=settings.kb)
    actions = sparql("SELECT ?a WHERE { ?a a kg:Action ; kg:respondsTo ?r }", kb=settings.kb)
    assert len(reviews.rows) >= 2 and actions.rows


def test_every_statement_fits_its_property_domain(kb_settings):
    """An rdfs:domain that a subject does not have would make RDFS inference retype it (an annotation becoming a
    chunk), so every subject of a property with a domain must already be of that class."""
    outcome = sparql("SELECT ?p ?domain (COUNT(?s) AS ?n) WHERE { ?p rdfs:domain ?domain . ?s ?p ?o . "
                     "FILTER NOT EXISTS { ?s a ?domain } } GROUP BY ?p ?domain", settings=kb_settings)
    assert outcome.rows == []


def test_every_organisation_node_says_whether_it_is_in_the_gazetteer(kb_settings):
    outcome = sparql("SELECT ?o WHERE { { ?a prov:wasAssociatedWith ?o } UNION { ?a kg:addressedTo ?o } UNION "
                     "{ ?o a org:Organization } FILTER NOT EXISTS { ?o kg:inGazetteer ?known ; skos:prefLabel ?l } }",
                     settings=kb_settings)
    assert outcome.rows == []


def test_example_queries_leave_nothing_out(kb_settings):
    by_name = {q.name: q.text for q in example_queries()}
    # 03: every review behind an action, not a sample of one.
    rows = sparql(by_name["03-actions-for-theme"], settings=kb_settings).rows
    expected = sparql("SELECT ?a (COUNT(DISTINCT ?r) AS ?n) WHERE { ?a kg:addressesTheme theme:information-sharing ; "
                      "kg:respondsTo ?r } GROUP BY ?a", settings=kb_settings).rows
    shown = {str(r[0]): len([x for x in str(r[2]).split(", ") if x]) for r in rows}
    assert expected and all(shown[str(a)] == int(n) for a, n in expected)
    # 14: undated documents' passages are counted (as "undated"), so the years add up to every theme mention.
    total = int(sparql("SELECT (COUNT(*) AS ?n) WHERE { { SELECT DISTINCT ?c ?t WHERE { ?c kg:mentionsTheme ?t ; "
                       "dcterms:isPartOf ?d } } }", settings=kb_settings).rows[0][0])
    rows = sparql(by_name["14-themes-over-time"], settings=kb_settings).rows
    assert sum(int(r[2]) for r in rows) == total


def test_cli_sparql_checks_its_flags(kb_settings):
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "sparql", "ASK {}", "--timeout", "-1", "--kb",
                           kb_settings.kb], capture_output=True, text=True)
    assert proc.returncode == 1 and "positive number of seconds" in proc.stderr and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "settings", "--kb", kb_settings.kb],
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "sparql_service_allowlist" in proc.stdout


def test_themes_by_year_from_the_cli_agree_with_the_example_query(kb_settings):
    import csv
    import io

    proc = subprocess.run([sys.executable, "-m", "kg.cli", "themes", "--by-year", "--csv", "--kb", kb_settings.kb],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    years = rows[0][1:]
    assert "undated" in years and years[-1] == "undated" and years[:-1] == sorted(years[:-1])
    cli = {(year, row[0]): int(n) for row in rows[1:] for year, n in zip(years, row[1:]) if int(n)}
    by_name = {q.name: q.text for q in example_queries()}
    query = {(str(r[0]), str(r[1])): int(r[2]) for r in sparql(by_name["14-themes-over-time"], settings=kb_settings).rows}
    assert cli == query


# The whole-graph aggregates the tally examples replace (counted from the statements at query time).
ORGANISATIONS_COUNTED = """SELECT ?organisation ?label ?inGazetteer ?mentions ?documents WHERE {
  { SELECT ?organisation (COUNT(?annotation) AS ?mentions) (COUNT(DISTINCT ?doc) AS ?documents) WHERE {
      ?organisation kg:inGazetteer ?inGazetteer . ?annotation oa:hasBody ?organisation ; oa:hasTarget ?t .
      ?t oa:hasSource ?doc . } GROUP BY ?organisation }
  ?organisation kg:inGazetteer ?inGazetteer ; skos:prefLabel ?label . }"""
THEMES_COUNTED = """SELECT ?theme ?label (COUNT(DISTINCT ?review) AS ?reviews) WHERE {
  ?review a kg:CaseReview ; kg:raisedTheme ?theme . ?theme skos:prefLabel ?label . } GROUP BY ?theme ?label"""
PARTNERS_COUNTED = """SELECT ?organisation ?label (COUNT(DISTINCT ?action) AS ?actions)
  (COUNT(DISTINCT ?review) AS ?reviews) WHERE { ?action prov:wasAssociatedWith ?organisation .
  OPTIONAL { ?action kg:respondsTo ?review } ?organisation skos:prefLabel ?label . } GROUP BY ?organisation ?label"""
REVIEWS_COUNTED = """SELECT ?review ?label ?type ?status ?year (COUNT(DISTINCT ?doc) AS ?documents)
  (COUNT(DISTINCT ?theme) AS ?themes) WHERE { ?review a kg:CaseReview ; skos:prefLabel ?label .
  OPTIONAL { ?review kg:reviewType/skos:prefLabel ?type } OPTIONAL { ?review kg:status ?status }
  OPTIONAL { ?review kg:year ?year } OPTIONAL { ?review kg:mentionedIn ?doc }
  OPTIONAL { ?review kg:raisedTheme ?theme } }
  GROUP BY ?review ?label ?type ?status ?year"""
PAIRS_COUNTED = """SELECT ?first ?second (COUNT(DISTINCT ?review) AS ?reviews) WHERE {
  ?review kg:raisedTheme ?a, ?b . FILTER (STR(?a) < STR(?b)) ?a skos:prefLabel ?first . ?b skos:prefLabel ?second . }
  GROUP BY ?first ?second"""


def test_the_kept_tallies_give_the_counts_the_statements_give(kb_settings):
    by_name = {q.name: q.text for q in example_queries()}

    def rows(query):
        return sorted(tuple(str(x) for x in row) for row in sparql(query, settings=kb_settings).rows)

    organisations = rows(by_name["11-organisations"])
    assert organisations and organisations == rows(ORGANISATIONS_COUNTED)
    pairs = rows(by_name["10-theme-co-occurrence"])
    assert pairs and pairs == rows(PAIRS_COUNTED)
    themes = rows(by_name["01-themes-by-reviews"])
    assert themes and sorted(row[:3] for row in themes) == rows(THEMES_COUNTED)
    partners = rows(by_name["04-partners-by-actions"])
    assert partners and partners == rows(PARTNERS_COUNTED)
    reviews = rows(by_name["09-reviews"])
    assert reviews and reviews == rows(REVIEWS_COUNTED)
    # A theme's kept actions and passages are the statements' too.
    counted = {str(t): (int(a), int(p)) for t, a, p in sparql(
        "SELECT ?t (COUNT(DISTINCT ?a) AS ?actions) (COUNT(DISTINCT ?c) AS ?passages) WHERE { "
        "{ ?a a kg:Action ; kg:addressesTheme ?t } UNION { ?c kg:mentionsTheme ?t } } GROUP BY ?t",
        settings=kb_settings).rows}
    kept = {row[0]: (int(row[3]), int(row[5])) for row in themes}
    assert kept and all(counted.get(t, (0, 0)) == n for t, n in kept.items())
    # Each theme-year tally cites a passage that speaks of its theme.
    cited = sparql("SELECT ?tally WHERE { ?tally a kg:ThemeYearTally ; kg:tallyTheme ?t ; kg:examplePassage ?c . "
                   "FILTER NOT EXISTS { ?c kg:mentionsTheme ?t } }", settings=kb_settings).rows
    assert not cited


def test_every_example_query_gives_the_same_rows_on_rdflibs_memory_store(kb):
    from kg.graph.memory_backend import MemoryBackend
    from kg.namespaces import PREFIXES

    oxigraph = OxigraphBackend(kb.path)
    memory = MemoryBackend(ntriples=oxigraph.dump_ntriples())
    try:
        for example in example_queries():
            expected = sorted(tuple(map(str, row)) for row in oxigraph.run(example.text, 10**6, PREFIXES).rows)
            got = sorted(tuple(map(str, row)) for row in memory.run(example.text, 10**6, PREFIXES).rows)
            assert got == expected, example.name
    finally:
        oxigraph.close()
