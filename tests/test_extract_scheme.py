"""The editable knowledge extraction matches against: themes, review types, the organisation gazetteer."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from kg.extract.organisations import gazetteer_matcher
from kg.extract.scheme import ORGANISATIONS_FILE, THEMES_FILE, load_scheme
from kg.namespaces import ORG, ORGV, THEME, slugify


@pytest.fixture(scope="module")
def scheme():
    return load_scheme()


def test_theme_scheme_is_rich_enough_to_extract_with(scheme):
    assert len(scheme.themes) >= 25
    for theme in scheme.themes:
        assert theme.id == slugify(theme.id), theme.id
        assert theme.definition and len(theme.definition.split()) >= 12, theme.id
        assert len(theme.alt_labels) >= 1, theme.id
    assert sum(len(t.alt_labels) >= 3 for t in scheme.themes) >= 25


def test_every_theme_is_a_skos_concept_of_the_scheme_with_a_theme_iri():
    graph = Graph().parse(THEMES_FILE, format="turtle")
    concepts = [c for c in graph.subjects(RDF.type, SKOS.Concept) if str(c).startswith(str(THEME))]
    assert len(concepts) >= 25
    for concept in concepts:
        assert graph.value(concept, SKOS.inScheme) is not None, concept
        assert graph.value(concept, SKOS.topConceptOf) is not None, concept
        assert graph.value(concept, SKOS.prefLabel) is not None, concept


def test_broader_and_narrower_link_existing_themes(scheme):
    ids = {t.id for t in scheme.themes}
    by_id = {t.id: t for t in scheme.themes}
    assert "multi-agency-working" in by_id["information-sharing"].broader
    assert "intersectionality-race" in by_id["adultification"].broader
    assert all(b in ids for t in scheme.themes for b in t.broader)


def test_no_label_names_two_themes(scheme):
    seen: dict[str, str] = {}
    for theme in scheme.themes:
        for label in {theme.label.lower(), *(a.lower() for a in theme.alt_labels)}:
            assert seen.setdefault(label, theme.id) == theme.id, f"{label!r}: {seen[label]} and {theme.id}"


def test_review_types_have_the_names_reports_use(scheme):
    types = {t.id: {t.label, *t.alt_labels} for t in scheme.review_types}
    assert set(types) == {"cspr", "rapid-review", "serious-case-review", "learning-review", "thematic-review",
                          "safeguarding-adults-review", "domestic-homicide-review", "child-practice-review",
                          "adult-practice-review", "national-review", "triennial-analysis"}
    assert {"CSPR", "LCSPR", "local child safeguarding practice review"} <= types["cspr"]
    assert "SCR" in types["serious-case-review"]
    assert "SAR" in types["safeguarding-adults-review"]
    assert {"DHR", "domestic abuse related death review"} <= types["domestic-homicide-review"]
    assert {"concise child practice review", "extended child practice review"} <= types["child-practice-review"]


def test_gazetteer_is_w3c_org_with_units_under_known_parents(scheme):
    graph = Graph().parse(ORGANISATIONS_FILE, format="turtle")
    organisations = set(graph.subjects(RDF.type, ORGV.Organization))
    units = set(graph.subjects(RDF.type, ORGV.OrganizationalUnit))
    assert len(organisations) >= 30 and len(units) >= 15
    assert all(str(s).startswith(str(ORG)) for s in organisations | units)
    ids = {e.id for e in scheme.gazetteer}
    assert all(e.parent in ids for e in scheme.gazetteer if e.parent)


@pytest.mark.parametrize("text, expected", [
    ("statutory responsibilities moved to the NCL ICB in July", "ncl-icb"),
    ("the North Central London ICB", "ncl-icb"),
    ("training by the RFLNHSFT safeguarding team", "rflnhsft"),
    ("midwives at the Royal Free described", "rflnhsft"),
    ("a review into how the Met responds to missing children", "met-police"),
    ("contacts to the Multi Agency Safeguarding Hub rose", "mash"),
    ("contacts at the 'front door' of children's services", "mash"),
    ("the Child Safeguarding Practice Review Panel received", "cspr-panel"),
    ("Partners at BELS presented", "bels"),
])
def test_acronyms_and_variants_resolve_to_one_organisation(scheme, text, expected):
    assert gazetteer_matcher(scheme.gazetteer).keys_in(text) == [expected]


def test_gazetteer_acronym_is_the_one_that_spells_the_name(scheme):
    acronyms = {e.id: e.acronym for e in scheme.gazetteer}
    assert acronyms["rflnhsft"] == "RFLNHSFT"
    assert acronyms["ncl-icb"] == "NCL ICB"
    assert acronyms["bscp"] == "BSCP"


def test_no_alternative_label_is_claimed_by_two_organisations(scheme):
    seen: dict[str, str] = {}
    for entry in scheme.gazetteer:
        for label in {entry.label, *entry.alt_labels}:
            key = re.sub(r"\W+", " ", label.lower()).strip()
            assert seen.setdefault(key, entry.id) == entry.id, f"{label!r}: {seen[key]} and {entry.id}"
