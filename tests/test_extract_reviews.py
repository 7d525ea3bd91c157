"""Case reviews: the review grid, prose mentions, national reviews, merging and false positives."""

from __future__ import annotations

import re

import pytest

from kg.extract.evidence import EvidenceLocator
from kg.extract.reviews import find_reviews
from kg.extract.scheme import load_scheme

ANNUAL_REPORT = "004_46dafe67aed78039.txt"


def _reviews(documents, chunks):
    found, index = find_reviews(documents, load_scheme().review_types, EvidenceLocator(documents, chunks))
    return {r.label: r for r in found}, index


@pytest.fixture(scope="module")
def corpus_reviews(ingested):
    return _reviews(ingested.documents, ingested.chunks)


@pytest.fixture(scope="module")
def northshire_reviews(northshire):
    document, chunks = northshire
    return _reviews([document], chunks)[0]


@pytest.mark.parametrize("label, review_type, status", [
    ("Child L", "cspr", "published"),
    ("Child A", "cspr", "anonymous publication"),
    ("Child KL", "cspr", "CSPR underway"),   # a Rapid Review taken forward as a CSPR: one review, latest type
    ("Child GA & RA", "rapid-review", None),  # two children, one review
    ("Child SS", "cspr", "CSPR underway"),
    ("Child AS", "learning-review", None),
])
def test_the_review_grid_is_read_with_types_and_status(corpus_reviews, label, review_type, status):
    review = corpus_reviews[0][label]
    assert review.type == review_type
    assert review.status == status
    rows = [e for e in review.evidence if e.doc == ANNUAL_REPORT and " | " in e.quote]
    assert rows and label in rows[0].quote.split(" | ")[0], "the grid row is evidence"


def test_prose_gives_year_and_alternative_names(corpus_reviews):
    reviews = corpus_reviews[0]
    assert reviews["Child L"].year == 2023
    assert {"Child L CSPR", "Child Safeguarding Practice Review - Child L"} <= set(reviews["Child L"].alt_labels)
    assert "Child KL Rapid Review" in reviews["Child KL"].alt_labels
    assert any("entitled 'Child L'" in e.quote for e in reviews["Child L"].evidence)


def test_national_reviews_are_found_by_title(corpus_reviews):
    reviews = corpus_reviews[0]
    assert reviews["The Myth of Invisible Men"].type == "national-review"
    residential = [r for label, r in reviews.items() if "residential settings" in label]
    assert residential and residential[0].type == "national-review"
    assert residential[0].label.startswith("Safeguarding children with disabilities")


def test_no_false_reviews(corpus_reviews, ingested):
    labels = set(corpus_reviews[0])
    assert not any(re.match(r"Child (?:Protection|in Need|Death|Sexual|Criminal)", label, re.I) for label in labels)
    assert "Child GA" not in labels and "Child RA" not in labels
    # The committee reports name no case reviews; nothing may be found there.
    others = {e.doc for r in corpus_reviews[0].values() for e in r.evidence} - {ANNUAL_REPORT}
    assert others == set()
    assert len(labels) <= 10


def test_index_ties_passages_to_the_review_they_are_about(corpus_reviews, ingested):
    _, index = corpus_reviews
    text = next(d.text for d in ingested.documents if d.doc == ANNUAL_REPORT)
    start = text.index("GP data sharing and information sharing form")
    reviews, how = index.scope(ANNUAL_REPORT, _sentence(text, start))
    assert reviews == ["child-l"] and how == "section"
    start = text.index("Health Partners have developed a joint Initial Health Assessment")
    assert index.scope(ANNUAL_REPORT, _sentence(text, start))[0] == ["child-ss"]


def _sentence(text, start):
    from kg.extract.sentences import Span

    return Span(start, text.index(".", start) + 1)


def test_generalises_to_another_partnerships_report(northshire_reviews):
    assert set(northshire_reviews) == {"Child M", "Family P", "Adult R"}
    assert northshire_reviews["Child M"].type == "cspr"
    assert northshire_reviews["Child M"].status == "published"
    assert northshire_reviews["Child M"].year == 2023
    assert northshire_reviews["Family P"].type == "cspr"  # "taken forward as a local CSPR"
    assert northshire_reviews["Family P"].status == "LCSPR underway"
    assert northshire_reviews["Adult R"].type == "safeguarding-adults-review"


@pytest.mark.parametrize("sentence, label, review_type", [
    ("The Serious Case Review into Baby D was published in March 2019.", "Baby D", "serious-case-review"),
    ("The Domestic Homicide Review (DHR) for Adult J has commenced.", "Adult J", "domestic-homicide-review"),
    ("A local CSPR entitled 'Child Z' has been commissioned.", "Child Z", "cspr"),
    ("Learning from the national panel review 'Out of routine' informed our work.", "Out of routine",
     "national-review"),
    ("The SAR for Adult Q concluded in 2022.", "Adult Q", "safeguarding-adults-review"),
])
def test_review_patterns_beyond_the_corpus(sentence, label, review_type):
    from kg.documents import Document

    document = Document(doc="sample.txt", title="sample", text=sentence, sha256="")
    reviews, _ = _reviews([document], [])
    assert list(reviews) == [label]
    assert reviews[label].type == review_type


@pytest.mark.parametrize("sentence", [
    "Child Protection Conferences increased this year.",
    "Child in Need plans were reviewed by the Child Death Overview Panel.",
    "Child L and his mother were supported by the health visitor.",  # a name without a review
    "The Annual Review of Rents and Service Charges is due.",
])
def test_not_reviews(sentence):
    from kg.documents import Document

    assert _reviews([Document(doc="sample.txt", title="sample", text=sentence, sha256="")], [])[0] == {}
