"""Shared fixtures: the real corpus, the development gold set, and a knowledge base built once per run."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
GOLD = ROOT / "benchmarks" / "gold"
DATA = Path(__file__).resolve().parent / "data"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session", autouse=True)
def shared_embedding_cache(tmp_path_factory):
    """One embedding cache for every knowledge base the tests build (each would otherwise re-encode the corpus)."""
    os.environ["KG_CACHE_DIR"] = str(tmp_path_factory.mktemp("embedding-cache"))
    yield
    os.environ.pop("KG_CACHE_DIR", None)


@pytest.fixture(scope="session")
def gold() -> dict:
    """The development gold set, kept in the repo (benchmarks/gold/dev.json)."""
    return json.loads((GOLD / "dev.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def scorer():
    """kg's scorer (kg/evaluate.py), which agrees with the gold set's reference scorer (tests/test_evaluate.py)."""
    from kg import evaluate

    return evaluate


@pytest.fixture(scope="session")
def ingested():
    """The real corpus, read, cleaned and chunked."""
    from kg.ingest import ingest_corpus

    return ingest_corpus(CORPUS)


@pytest.fixture(scope="session")
def northshire():
    """A short realistic review summary from another area (not in the corpus): (document, chunks)."""
    from kg.ingest import ingest_file

    return ingest_file(DATA / "northshire_cspr_summary.md")


def build_from(root: Path, files: list[Path]) -> Path:
    """A knowledge base of some real documents under `root` (kb/), with its corpus folder (corpus/)."""
    from kg.build import build_knowledge_base
    from kg.config import load_settings

    corpus = root / "corpus"
    corpus.mkdir()
    for path in files:
        shutil.copy(path, corpus)
    build_knowledge_base(corpus, load_settings(kb=str(root / "kb"), corpus=str(corpus)))
    return root


def working_copy(built: Path, tmp_path: Path):
    """Settings for a fresh copy of a knowledge base made by `build_from` (and its corpus), for one test to change."""
    from kg.config import load_settings

    for part in ("corpus", "kb"):
        shutil.copytree(built / part, tmp_path / part, ignore=shutil.ignore_patterns("write.lock"))
    return load_settings(kb=str(tmp_path / "kb"), corpus=str(tmp_path / "corpus"))


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory):
    """Settings pointing at a knowledge base built once from the real corpus."""
    from kg.build import build_knowledge_base
    from kg.config import load_settings

    if os.environ.get("KG_TEST_KB"):  # a developer's shortcut: a knowledge base already built from corpus/
        return load_settings(kb=os.environ["KG_TEST_KB"])
    settings = load_settings(kb=str(tmp_path_factory.mktemp("kb") / "kb"))
    build_knowledge_base(CORPUS, settings)
    return settings


@pytest.fixture(scope="session")
def endpoint(kb_settings):
    """A real `kg serve` on the corpus knowledge base (3 s query limit, 800 MB per query worker), shared by the
    HTTP tests."""
    from server import running_server

    env = {"KG_SPARQL_TIMEOUT": "3", "KG_SPARQL_WORKER_MEMORY_MB": "800"}
    with running_server(kb_settings.kb, env=env) as base:
        yield base


@pytest.fixture(scope="session")
def kb(kb_settings):
    from kg.kb import KnowledgeBase

    base = KnowledgeBase(kb_settings.kb)
    yield base
    base.close()


def extraction_stages(documents, chunks):
    """The extraction stages the product runs, in order, on some documents: what each test module starts from.

    Returns an object with `scheme`, `locator`, `organisations` and `organisation_index`, `reviews` and
    `review_index` (kg/extract/__init__.py runs the same steps).
    """
    from types import SimpleNamespace

    from kg.extract.evidence import EvidenceLocator
    from kg.extract.organisations import find_organisations
    from kg.extract.reviews import find_reviews
    from kg.extract.scheme import load_scheme

    scheme = load_scheme()
    locator = EvidenceLocator(documents, chunks)
    organisations, organisation_index = find_organisations(documents, scheme.gazetteer, locator)
    reviews, review_index = find_reviews(documents, scheme.review_types, locator, scheme.themes)
    return SimpleNamespace(documents=list(documents), scheme=scheme, locator=locator, organisations=organisations,
                           organisation_index=organisation_index, reviews=reviews, review_index=review_index)


@pytest.fixture(scope="session")
def corpus_stages(ingested):
    """The extraction stages run once on the real corpus."""
    return extraction_stages(ingested.documents, ingested.chunks)


@pytest.fixture(scope="session")
def corpus_findings(ingested):
    """Everything extraction finds in the real corpus, run once."""
    from kg.extract import extract_findings

    return extract_findings(ingested.documents, ingested.chunks)


@pytest.fixture(scope="session")
def northshire_findings(northshire):
    """Everything extraction finds in the report from another area, run once."""
    from kg.extract import extract_findings

    document, chunks = northshire
    return extract_findings([document], chunks)


@pytest.fixture(scope="session")
def northshire_stages(northshire):
    """The extraction stages run once on the report from another area."""
    document, chunks = northshire
    return extraction_stages([document], chunks)
