"""Case reviews: the review grid, prose mentions, national naming forms, merging, statuses, years and false positives."""

from __future__ import annotations

import re

import pytest

from conftest import DATA, extraction_stages
from kg.documents import Document

ANNUAL_REPORT = "004_46dafe67aed78039.txt"


def _reviews(documents, chunks):
    stages = extraction_stages(documents, chunks)
    return {r.label: r for r in stages.reviews}, stages.review_index


def _text(sentence: str) -> dict:
    return _reviews([Document(doc="sample.txt", title="sample", text=sentence, sha256="")], [])[0]


@pytest.fixture(scope="module")
def corpus_reviews(corpus_stages):
    return {r.label: r for r in corpus_stages.reviews}, corpus_stages.review_index


@pytest.fixture(scope="module")
def northshire_reviews(northshire_stages):
    return {r.label: r for r in northshire_stages.reviews}


@pytest.fixture(scope="module")
def listing_reviews():
    """The repository-style listing of review summaries from other areas (tests/data/oos)."""
    from kg.ingest import ingest_file

    document, chunks = ingest_file(DATA / "oos" / "a1_review_summaries.html")
    return _reviews([document], chunks)[0]


@pytest.mark.parametrize("label, review_type, status, forward", [
    ("Child L", "cspr", "published", None),
    ("Child A", "cspr", "not published", None),          # "anonymous publication": not published publicly
    ("Child KL", "rapid-review", "in progress", "cspr"),  # a Rapid Review taken forward as a CSPR
    ("Child GA & RA", "rapid-review", None, None),       # two children, one review
    ("Child SS", "rapid-review", "in progress", "cspr"),
    ("Child AS", "learning-review", None, None),
])
def test_the_review_grid_is_read_with_types_and_status(corpus_reviews, label, review_type, status, forward):
    review = corpus_reviews[0][label]
    assert review.type == review_type
    assert review.status == status
    assert review.taken_forward_as == forward
    rows = [e for e in review.evidence if e.doc == ANNUAL_REPORT and " | " in e.quote]
    assert rows and label in rows[0].quote.split(" | ")[0], "the grid row is evidence"


def test_prose_gives_year_with_what_it_is_the_year_of(corpus_reviews):
    reviews = corpus_reviews[0]
    assert (reviews["Child L"].year, reviews["Child L"].year_basis) == (2023, "published")
    assert (reviews["Child A"].year, reviews["Child A"].year_basis) == (2023, "completed")  # "concluded … in 2023"
    assert {"Child L CSPR", "Child Safeguarding Practice Review - Child L"} <= set(reviews["Child L"].alt_labels)
    assert "Child KL Rapid Review" in reviews["Child KL"].alt_labels
    assert any("entitled 'Child L'" in e.quote for e in reviews["Child L"].evidence)


def test_national_reviews_are_found_by_title(corpus_reviews):
    reviews = corpus_reviews[0]
    assert reviews["The Myth of Invisible Men"].type == "national-review"
    residential = [r for label, r in reviews.items() if "residential settings" in label]
    assert residential and residential[0].type == "national-review"
    assert residential[0].label.startswith("Safeguarding children with disabilities")


def test_an_unnamed_review_is_labelled_from_its_subject(corpus_reviews):
    # "… neglect was identified as an ongoing practice issue … and a learning review … has been published"
    review = corpus_reviews[0]["Neglect learning review"]
    assert review.type == "learning-review" and review.status == "published"
    assert review.method == "unnamed" and "learning review" in review.evidence[0].quote


def test_no_false_reviews(corpus_reviews):
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
    assert index.document_review(ANNUAL_REPORT) is None, "an annual report naming many reviews is about none"


def _sentence(text, start):
    from kg.text import Span

    return Span(start, text.index(".", start) + 1)


def test_generalises_to_another_partnerships_report(northshire_reviews):
    assert set(northshire_reviews) == {"Child M", "Family P", "Adult R"}
    assert northshire_reviews["Child M"].type == "cspr"
    assert northshire_reviews["Child M"].status == "published"
    assert northshire_reviews["Child M"].year == 2023
    assert northshire_reviews["Family P"].type == "rapid-review"
    assert northshire_reviews["Family P"].taken_forward_as == "cspr"  # "taken forward as a local CSPR"
    assert northshire_reviews["Family P"].status == "in progress"
    assert northshire_reviews["Adult R"].type == "safeguarding-adults-review"


def test_a_repository_listing_names_every_review_with_area_and_year(listing_reviews):
    labels = set(listing_reviews)
    # "YEAR – Area – Name" headings: subject names, pseudonyms and a quoted national title.
    assert {"Baby R", "Child HW", "Family M", "Sibling Group K", "Mireille", "Otis and Marnie", "Child LP",
            "Still waters", "Nobody's address"} <= labels
    baby = listing_reviews["Baby R"]
    assert (baby.area, baby.year, baby.year_basis, baby.status) == ("Brackenford", 2025, "published", "published")
    assert listing_reviews["Family M"].type == "serious-case-review"
    assert listing_reviews["Still waters"].type == "thematic-review"
    assert listing_reviews["Nobody's address"].type == "national-review"


@pytest.mark.parametrize("sentence, label, review_type", [
    ("The Serious Case Review into Baby D was published in March 2019.", "Baby D", "serious-case-review"),
    ("The Domestic Homicide Review (DHR) for Adult J has commenced.", "Adult J", "domestic-homicide-review"),
    ("A local CSPR entitled 'Child Z' has been commissioned.", "Child Z", "cspr"),
    ("Learning from the national panel review 'Out of routine' informed our work.", "Out of routine",
     "national-review"),
    ("The SAR for Adult Q concluded in 2022.", "Adult Q", "safeguarding-adults-review"),
    ("Safeguarding Adults Review – Mr D was presented to the Board.", "Mr D", "safeguarding-adults-review"),
    ("The Board published SAR Jo in June.", "Jo", "safeguarding-adults-review"),
    ("The Partnership commissioned a DHR into the death of 'Leanne' in 2021.", "Leanne", "domestic-homicide-review"),
    ("Ravi – Safeguarding Adult Review: executive summary.", "Ravi", "safeguarding-adults-review"),
    ("Members asked about the Gregor SAR and its action plan.", "Gregor", "safeguarding-adults-review"),
    ("The Concise Child Practice Review NWSB 2/2021 was published in May.", "NWSB 2/2021", "child-practice-review"),
    ("'Hidden harm': a thematic review of neglect in adolescence was published.", "Hidden harm", "thematic-review"),
    ("A thematic review of adolescent suicide was completed in March.", "Adolescent suicide thematic review",
     "thematic-review"),
    ("Children A and B Rapid Review was held in May.", "Children A & B", "rapid-review"),
    ("Learning from the Child T review was shared with schools.", "Child T", None),
    ("Safeguarding Adults Review – The Z Family was published in 2020.", "The Z Family", "safeguarding-adults-review"),
])
def test_review_naming_forms_beyond_the_corpus(sentence, label, review_type):
    reviews = _text(sentence)
    assert list(reviews) == [label]
    assert reviews[label].type == review_type


def test_a_repository_heading_makes_a_pseudonym_a_review():
    document = Document(doc="list.md", title="Case review summaries", sha256="",
                        text="2022 – Eastvale – Gabriel\n\nA child safeguarding practice review into the death of a "
                             "two-year-old boy.\n\n2021 – Northcote – Child C\n\nA serious case review.")
    reviews = _reviews([document], [])[0]
    assert set(reviews) == {"Gabriel", "Child C"}
    assert reviews["Gabriel"].type == "cspr" and reviews["Gabriel"].area == "Eastvale"
    assert reviews["Child C"].type == "serious-case-review" and reviews["Child C"].year == 2021


def test_aliases_are_one_review():
    document = Document(doc="s.txt", title="s", sha256="",
                        text="The Child GA and RA Rapid Review met in May. Actions from the Child GA & RA review "
                             "were agreed. The Concise Child Practice Review CTSB 1/2024 (Child Y) was published. "
                             "Concise Child Practice Review CTSB 1/2024 found that records were not transferred.")
    assert set(_reviews([document], [])[0]) == {"Child GA & RA", "Child Y"}


@pytest.mark.parametrize("sentence", [
    "Child Protection Conferences increased this year.",
    "Child in Need plans were reviewed by the Child Death Overview Panel.",
    "Child L and his mother were supported by the health visitor.",  # a name without a review
    "The Annual Review of Rents and Service Charges is due.",
    "We will review the policy in March and report back.",
    "The Learning Review Group met three times; the SAR Panel considered two referrals.",
    "The officers' review of the Local Plan recommends approval.",
    "Child in need reviews continue for the family.",
])
def test_not_reviews(sentence):
    assert _text(sentence) == {}


def test_a_planning_report_names_no_review():
    from kg.ingest import ingest_file

    document, chunks = ingest_file(DATA / "oos" / "b5_planning_committee_report.txt")
    assert _reviews([document], chunks)[0] == {}
