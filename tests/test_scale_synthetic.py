"""The scale benchmark's synthetic corpus (benchmarks/synthetic.py) and the precomputed-vectors build hook.

The generator re-combines the real corpus (corpus/) into partnership reports; these tests check it is
deterministic, reads like a report to the product's extraction, and builds through `write_version`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import synthetic  # noqa: E402


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    documents, chunks = synthetic.generate(600, folder, seed=3)
    return folder, documents, chunks


def test_generator_is_deterministic(small_corpus, tmp_path):
    folder, documents, chunks = small_corpus
    again, again_chunks = synthetic.generate(600, tmp_path, seed=3)
    assert [d.text for d in again] == [d.text for d in documents]
    assert [c.text for c in again_chunks] == [c.text for c in chunks]
    other, _ = synthetic.generate(100, tmp_path / "other", seed=4)
    assert other[0].text != documents[0].text


def test_reports_have_grids_practice_sections_and_chunks(small_corpus):
    folder, documents, chunks = small_corpus
    assert len(chunks) >= 600
    text = "\n".join(d.text for d in documents)
    assert "Critical learning themes identified" in text
    assert "EVIDENCE OF PUTTING LEARNING INTO PRACTICE" in text
    assert (folder / "manifest.csv").exists()
    for chunk in chunks[:200]:
        document = next(d for d in documents if d.doc == chunk.doc)
        assert document.text[chunk.start:chunk.end] == chunk.text


def test_extraction_finds_reviews_themes_and_actions(small_corpus):
    from kg.extract import extract_findings

    _, documents, chunks = small_corpus
    findings = extract_findings(documents, chunks)
    assert len(findings.reviews) >= 2
    assert findings.review_themes and findings.actions
    assert all(r.label.split()[0] in {"Child", "Family", "Adult", "Baby", "Young"} for r in findings.reviews
               if r.method == "table")


def test_build_with_precomputed_vectors(small_corpus, tmp_path):
    from kg.build import write_version
    from kg.config import load_settings
    from kg.ingest import IngestResult
    from kg.kb import KnowledgeBase, writer_lock
    from kg.progress import SilentProgress
    from kg.query.search import Searcher

    _, documents, chunks = small_corpus
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(chunks), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    root = tmp_path / "kb"
    settings = load_settings(kb=str(root))
    with writer_lock(root):
        report = write_version(root, IngestResult(documents=documents, chunks=chunks), settings, SilentProgress(),
                               vectors=vectors)
    assert report.stats["encoded"] == 0  # nothing was embedded: the vectors were used as given
    kb = KnowledgeBase(root)
    assert np.array_equal(np.load(kb.path / "vectors.npy"), vectors)
    results = Searcher(kb, settings).search("information sharing", 5, mode="bm25")
    assert results and all(r.text for r in results)
