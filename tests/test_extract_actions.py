"""Actions taken in response to review learning: what counts, what it answers, who owns it."""

from __future__ import annotations


import pytest

from kg.extract.actions import action_text, find_actions
from kg.extract.evidence import EvidenceLocator
from kg.extract.organisations import find_organisations
from kg.extract.reviews import find_reviews
from kg.extract.scheme import load_scheme



def _actions(documents, chunks):
    scheme = load_scheme()
    locator = EvidenceLocator(documents, chunks)
    _, organisations = find_organisations(documents, scheme.gazetteer, locator)
    reviews, index = find_reviews(documents, scheme.review_types, locator)
    return find_actions(documents, index, organisations, scheme.themes, locator)


@pytest.fixture(scope="module")
def corpus_actions(ingested):
    return _actions(ingested.documents, ingested.chunks)


@pytest.fixture(scope="module")
def northshire_actions(northshire):
    document, chunks = northshire
    return _actions([document], chunks)


def find(actions, phrase):
    found = [a for a in actions if phrase in a.evidence.quote]
    assert found, f"no action quoting {phrase!r}"
    return found[0]


def test_gp_data_sharing_form_answers_child_l_and_is_owned_by_gps(corpus_actions):
    action = find(corpus_actions, "GP data sharing and information sharing form")
    assert action.reviews == ["child-l"]
    assert "gp-practices" in action.organisations
    assert action.kind == "form"
    assert "information-sharing" in action.themes


def test_police_disseminated_the_bruising_protocol(corpus_actions):
    action = find(corpus_actions, "Bruising Protocol had been disseminated to officers")
    assert action.reviews == ["child-l"]
    assert "met-police" in action.organisations  # "Police Partners report …"
    assert "bruising-non-mobile" in action.themes


def test_bullet_actions_of_a_review_section(corpus_actions):
    process_map = find(corpus_actions, "joint Initial Health Assessment (IHA) process map")
    assert process_map.reviews == ["child-ss"] and "lac-health-assessments" in process_map.themes
    grey_list = find(corpus_actions, "grey list")
    assert set(grey_list.reviews) == {"child-kl", "child-ga-ra"}  # the section covers both reviews


def test_owner_named_at_the_head_of_the_paragraph(corpus_actions):
    action = find(corpus_actions, "Child Protection Information System (CP-IS) is now fully embedded")
    assert "rflnhsft" in action.organisations


def test_actions_cited_under_a_theme_answer_the_review_that_section_cites(corpus_actions):
    action = find(corpus_actions, "deliver ICON training to the Barnet Walk in Centre")
    assert action.reviews == ["the-myth-of-invisible-men"]
    assert "rflnhsft" in action.organisations and "safer-sleeping" in action.themes


def test_what_is_not_an_action(corpus_actions):
    quotes = " ".join(a.evidence.quote for a in corpus_actions)
    assert "did not wait to be seen following a head injury" not in quotes  # a case study
    assert "The GP data sharing form helped identify missed appointments" not in quotes  # an outcome
    assert "key learning focused upon" not in quotes  # the learning itself
    # Theme work with no review behind it (FGM awareness) is not an answer to review learning.
    assert "Three training sessions on FGM" not in quotes
    # Committee reports name no reviews, so nothing there is an action in response to one.
    assert {a.evidence.doc for a in corpus_actions} == {"004_46dafe67aed78039.txt"}


def test_every_action_is_tied_to_a_review_and_has_a_stable_id(corpus_actions, ingested):
    assert len(corpus_actions) >= 30
    assert all(a.reviews and a.text and 0 < a.confidence <= 1 for a in corpus_actions)
    ids = [a.id for a in corpus_actions]
    assert len(set(ids)) == len(ids)
    assert ids == [a.id for a in _actions(ingested.documents, ingested.chunks)]


def test_one_action_told_in_several_sentences_is_one_action(corpus_actions):
    audits = [a for a in corpus_actions if "audit of 600+ cases" in a.evidence.quote
              or "99% confidence audit" in a.evidence.quote]
    assert len(audits) == 1


def test_action_text_is_a_short_clause():
    assert action_text("• Furthermore, the Partnership committed to developing a revised joint protocol for "
                       "16- & 17-year-olds and this was published in March 2023; it can be found here.") == \
        "The Partnership committed to developing a revised joint protocol for 16- & 17-year-olds and this was " \
        "published in March 2023"


def test_generalisation_document_actions(northshire_actions):
    checklist = find(northshire_actions, "introduced a checklist")
    assert checklist.reviews == ["child-m"] and checklist.organisations == ["northshire-police"]
    handover = find(northshire_actions, "handover form has been developed by NBFT")
    assert "northshire-and-bay-nhs-foundation-trust" in handover.organisations and handover.kind == "form"
    assert "mash" in find(northshire_actions, "The MASH now requests information").organisations
    assert find(northshire_actions, "Graded Care Profile 2").reviews == ["family-p"]
    assert find(northshire_actions, "joint transitions protocol").reviews == ["adult-r"]
    quotes = " ".join(a.evidence.quote for a in northshire_actions)
    assert "Case study" not in quotes and "This has helped" not in quotes
