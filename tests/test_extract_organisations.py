"""Organisations: gazetteer matches with acronym resolution, and bodies the gazetteer does not know."""

from __future__ import annotations


import pytest

from conftest import extraction_stages
from kg.extract.organisations import spells



def _organisations(stages):
    return {o.id: o for o in stages.organisations}, stages.organisation_index


@pytest.fixture(scope="module")
def corpus_orgs(corpus_stages):
    return _organisations(corpus_stages)


@pytest.fixture(scope="module")
def northshire_orgs(northshire_stages):
    return _organisations(northshire_stages)


def quotes(org) -> set[str]:
    return {m.quote for m in org.mentions}


def test_ncl_icb_resolves_to_the_integrated_care_board(corpus_orgs):
    icb = corpus_orgs[0]["ncl-icb"]
    assert "NCL ICB" in quotes(icb)
    assert "NHS North Central London Integrated Care Board" in quotes(icb)
    assert icb.label == "NHS North Central London Integrated Care Board" and icb.acronym == "NCL ICB"


def test_royal_free_variants_are_one_trust(corpus_orgs):
    assert {"RFLNHSFT", "Royal Free London NHS Foundation Trust", "Royal Free London Hospital Trust"} \
        <= quotes(corpus_orgs[0]["rflnhsft"])


def test_the_met_is_the_metropolitan_police(corpus_orgs):
    assert {"the Met", "MPS", "Met Police", "Metropolitan Police Service"} <= quotes(corpus_orgs[0]["met-police"])


def test_generic_services_are_found_by_acronym_and_name(corpus_orgs):
    orgs = corpus_orgs[0]
    assert {"MASH", "Multi-Agency Safeguarding Hub"} <= quotes(orgs["mash"])
    assert {"LADO", "Local Authority Designated Officer"} <= quotes(orgs["lado"])
    assert "CDOP" in quotes(orgs["cdop"])


def test_national_bodies_come_from_the_national_gazetteer_with_their_category(corpus_orgs):
    orgs = {o.label: o for o in corpus_orgs[0].values()}
    essex = orgs["Essex County Council"]
    assert essex.in_gazetteer and essex.category == "local authority"
    assert orgs["Metropolitan Police Service"].category == "police"
    assert orgs["Royal Free London NHS Foundation Trust"].category == "health"


@pytest.mark.parametrize("label, acronym", [
    ("Brent Safeguarding Children Partnership", None),
    ("Early Years Parenting Hub", "EYPH"),
    ("Art Against Knives", "AAK"),
])
def test_bodies_missing_from_the_gazetteer_are_detected(corpus_orgs, label, acronym):
    detected = {o.label: o for o in corpus_orgs[0].values() if not o.in_gazetteer}
    assert label in detected
    assert detected[label].acronym == acronym
    assert detected[label].confidence < 0.9 and detected[label].mentions


def test_detection_does_not_take_posts_plans_or_shouting_for_bodies(corpus_orgs):
    detected = [o.label for o in corpus_orgs[0].values() if not o.in_gazetteer]
    for label in detected:
        words = label.split()
        assert len(words) >= 2 or label.isupper(), label
        assert not {"Head", "Member", "Director", "Cabinet", "Report", "Plan", "Strategy"} & set(words), label
        assert not label.isupper() or len(label) <= 6, label
    # A handful per report, not every capitalised phrase.
    assert len(detected) < 80


def test_a_locally_defined_acronym_resolves_in_that_document(corpus_orgs):
    # "Barnet Youth Justice Service (YJS)": in this corpus YJS is the local service as well.
    assert "Barnet Youth Justice Service" in quotes(corpus_orgs[0]["barnet-yjs"])


def test_index_answers_who_is_named_in_a_passage(corpus_orgs, ingested):
    _, index = corpus_orgs
    doc = "004_46dafe67aed78039.txt"
    text = next(d.text for d in ingested.documents if d.doc == doc)
    start = text.index("Partners at North London Mental Health Partnership")
    assert index.orgs_in(doc, start, start + 120)[0] == "nlmhp"
    assert index.most_mentioned(doc, r"\bPolice\b") == "met-police"


def test_acronyms_may_skip_nhs_and_little_words():
    assert spells("nbft", "Northshire and Bay NHS Foundation Trust".split())
    assert spells("rflnhsft", "Royal Free London NHS Foundation Trust".split())
    assert spells("mash", ["Multi-Agency", "Safeguarding", "Hub"])
    assert not spells("pqa", "Performance and Quality Assurance Panel".split())


def test_generalisation_document_detects_its_own_bodies(northshire_orgs):
    orgs = northshire_orgs[0]
    trust = orgs["northshire-and-bay-nhs-foundation-trust"]
    assert not trust.in_gazetteer and trust.acronym == "NBFT"
    assert "NBFT" in quotes(trust)  # the acronym, used alone later, resolves to the trust
    assert not orgs["northshire-police"].in_gazetteer
    assert orgs["northshire-safeguarding-children-partnership"].acronym == "NSCP"
    # A named ICB is its own body, not the generic gazetteer entry inside its name.
    assert "nhs-northshire-and-bay-integrated-care-board" in orgs and "icb" not in orgs
    assert orgs["mash"].in_gazetteer
