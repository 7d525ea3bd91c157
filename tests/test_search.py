"""Search on the real corpus: known items, meaning beyond keywords, provenance, filters, bad queries."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from kg.errors import QueryError
from kg.index.dense import BACKENDS, build_dense_index, load_dense_index
from kg.index.lexical import LexicalIndex
from kg.index.tokenize import tokenize
from kg.kb import KnowledgeBase
from kg.query.search import Searcher, SearchFilters


@pytest.fixture(scope="module")
def searcher(kb, kb_settings):
    return Searcher(kb, kb_settings)


@pytest.mark.parametrize("query, doc", [
    ("Red Quadrant appointed as independent scrutineer", "001_6586b5ec950e0cc1.txt"),
    ("bid to the Home Office Trusted Relationships programme for Creative Safe Spaces", "000_16cd90ec753ae2ab.txt"),
    ("Uitas Youth Zone opened its doors", "002_fb9ccec1ca702fdd.txt"),
    ("audit of strategy discussions with police and health involvement in 2017", "003_fa69e12afb5521ed.txt"),
    ("THRIVE+ model and intersectionality for police officers", "004_46dafe67aed78039.txt"),
])
def test_known_items_come_first(searcher, query, doc):
    results = searcher.search(query, k=3)
    assert doc in [r.doc for r in results]
    assert results[0].doc == doc


def test_results_carry_exact_provenance(searcher, kb):
    results = searcher.search("information sharing with GPs", k=10)
    assert len(results) == 10
    for r in results:
        document = kb.document(r.doc)
        assert document.text[r.start:r.end] == r.text
        assert r.chunk_id.startswith(r.doc + "#")
        assert r.section and r.title and r.ranks
    assert results[0].score >= results[-1].score
    assert any("GP data sharing" in r.text for r in results[:3])


def test_meaning_finds_what_keywords_cannot(searcher, kb):
    query = "youngsters who keep disappearing"
    query_tokens = set(tokenize(query))

    def about_missing_without_shared_words(r):
        return "missing" in r.text.lower() and not query_tokens & set(tokenize(kb.chunk(r.chunk_id).embedding_text()))

    assert not any("missing" in r.text.lower() for r in searcher.search(query, k=10, mode="bm25"))
    assert any(about_missing_without_shared_words(r) for r in searcher.search(query, k=5, mode="dense"))
    assert any(about_missing_without_shared_words(r) for r in searcher.search(query, k=10, mode="hybrid"))


def test_acronyms_and_hyphenated_terms_stay_findable():
    assert {"mash", "cpis", "cp", "is", "ncl", "icb"} <= set(tokenize("The MASH, CP-IS and NCL ICB"))
    assert {"multiagency", "multi", "agenc"} <= set(tokenize("multi-agency working"))
    assert "childa" in tokenize("What did the Child A review find?")
    assert "childa" in tokenize("CHILD A CSPR: EVIDENCE OF PUTTING LEARNING INTO PRACTICE")


def test_acronym_query_finds_its_passages(searcher):
    # Passages with the whole acronym outrank those with only its parts ("CP" plans, "is").
    results = searcher.search("CP-IS", k=3, mode="bm25")
    assert len(results) == 3 and all("CP-IS" in r.text for r in results)


def test_document_and_date_filters(searcher):
    only = searcher.search("social work practice improvement", k=10,
                           filters=SearchFilters(docs=["003_fa69e12afb5521ed.txt"]))
    assert only and {r.doc for r in only} == {"003_fa69e12afb5521ed.txt"}
    dated = searcher.search("social work practice improvement", k=10,
                            filters=SearchFilters(date_from="2019-01-01", date_to="2020-12-31"))
    assert dated and {r.date for r in dated} <= {"2019-05-08", "2020-01-13"}


def test_modes_rank_differently_but_all_return_passages(searcher):
    query = "bruising in non-mobile babies"
    by_mode = {m: searcher.search(query, k=5, mode=m) for m in ("bm25", "dense", "hybrid")}
    assert all(len(v) == 5 for v in by_mode.values())
    assert all(set(r.ranks) == {"bm25", "dense"} or len(r.ranks) == 1 for r in by_mode["hybrid"])
    assert all(set(r.ranks) == {"dense"} for r in by_mode["dense"])


@pytest.mark.parametrize("query, message", [
    ("", "empty query"),
    ("   \n ", "empty query"),
    ("safeguarding " * 1000, "limit is 2,000"),
])
def test_bad_queries_get_clear_errors(searcher, query, message):
    with pytest.raises(QueryError, match=message):
        searcher.search(query)


def test_unmatched_words_give_empty_bm25_not_an_error(searcher):
    assert searcher.search("zzqxj vvkkw", k=5, mode="bm25") == []


def test_second_build_encodes_nothing(kb_settings):
    from kg.build import build_knowledge_base
    from conftest import CORPUS

    report = build_knowledge_base(CORPUS, kb_settings)
    assert report.stats["encoded"] == 0
    assert KnowledgeBase(kb_settings.kb).manifest["index"]["encoded"] == 0


@pytest.mark.parametrize("kind", sorted(BACKENDS))
def test_every_dense_backend_survives_save_and_load_and_finds_the_row_itself(tmp_path, kb, kind):
    vectors = np.load(kb.path / "vectors.npy")
    np.save(tmp_path / "vectors.npy", vectors)  # IVF-PQ re-ranks from the version's vectors
    dense = build_dense_index(vectors, kind, nlist=16) if kind == "ivfpq" else build_dense_index(vectors, kind)
    dense.save(tmp_path / "dense")
    query = vectors[42:43]
    rows, scores = dense.search(query, 10)
    loaded = load_dense_index(tmp_path / "dense")
    rows2, scores2 = loaded.search(query, 10)
    assert loaded.kind == kind and rows.tolist() == rows2.tolist() and np.allclose(scores, scores2)
    assert rows[0] == 42
    within = np.array([7, 42, 99])  # a filter (document, theme, date) restricts the rows
    assert set(loaded.search(query, 10, within)[0].tolist()) <= set(within.tolist())


def test_lexical_index_survives_save_and_load(tmp_path, kb):
    texts = [c.embedding_text() for c in kb.iter_chunks()]
    lexical = LexicalIndex.build(texts)
    lexical.save(tmp_path / "bm25")
    b1 = lexical.search("private health care providers", 10)
    b2 = LexicalIndex.load(tmp_path / "bm25").search("private health care providers", 10)
    assert b1[0].tolist() == b2[0].tolist() and np.allclose(b1[1], b2[1])


@pytest.mark.parametrize("kind", ["hnsw", "ivfpq"])
def test_approximate_indexes_agree_with_exact_on_real_vectors(tmp_path, kb, kind):
    vectors = np.load(kb.path / "vectors.npy")
    exact = build_dense_index(vectors, "flat")
    approx = build_dense_index(vectors, kind, nlist=16) if kind == "ivfpq" else build_dense_index(vectors, kind)
    hits = 0
    for i in range(0, len(vectors), 25):
        a, _ = exact.search(vectors[i:i + 1], 10)
        b, _ = approx.search(vectors[i:i + 1], 10)
        hits += len(set(a.tolist()) & set(b.tolist()))
    assert hits / (10 * len(range(0, len(vectors), 25))) >= 0.95


def run_kg(*args):
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True)


def test_cli_search_prints_cited_results(kb_settings):
    proc = run_kg("search", "information sharing with GPs", "--k", "3", "--kb", kb_settings.kb)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("[1]") == 1 and "[3]" in proc.stdout
    assert "004_46dafe67aed78039.txt" in proc.stdout and "chars " in proc.stdout


def test_cli_batch_search_writes_json_lines(kb_settings, tmp_path):
    queries = tmp_path / "q.txt"
    queries.write_text("safer sleeping advice for fathers\n\nFGM training for school staff\n" + "x" * 3000 + "\n")
    proc = run_kg("search", "--queries", str(queries), "--json", "--k", "4", "--kb", kb_settings.kb)
    assert proc.returncode == 1  # one query was rejected
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["query"][:20] for line in lines] == ["safer sleeping advic", "FGM training for sch", "x" * 20]
    assert len(lines[0]["results"]) == 4
    assert set(lines[0]["results"][0]) >= {"doc", "chunk_id", "text", "start", "end", "section", "score"}
    assert lines[2]["results"] == [] and "limit" in lines[2]["error"]
    assert "rejected" in proc.stderr


def test_cli_rejects_empty_query_plainly(kb_settings):
    proc = run_kg("search", "  ", "--kb", kb_settings.kb)
    assert proc.returncode == 1
    assert "empty query" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("flags, expected", [
    (("--from", "notadate"), "'notadate' is not a date"),
    (("--to", "2024-13-01"), "is not a date"),
    (("--from", "2024", "--to", "2019"), "is after"),
    (("--theme", "informaton-sharing"), "did you mean information-sharing"),
    (("--doc", "no-such-report.pdf"), "unknown doc 'no-such-report.pdf'"),
])
def test_filters_that_could_only_give_nothing_by_mistake_are_refused(kb_settings, flags, expected):
    proc = run_kg("search", "information sharing", "--kb", kb_settings.kb, "--mode", "bm25", *flags)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert expected in proc.stderr
    assert not proc.stdout.strip()
