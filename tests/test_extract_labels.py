"""Label matching: the rules a user editing the ontology files relies on."""

from __future__ import annotations

import pytest

from kg.extract.labels import LabelMatcher, is_acronym, normalise
from kg.extract.scheme import load_scheme
from kg.extract.themes import theme_matcher


@pytest.fixture(scope="module")
def themes():
    return theme_matcher(load_scheme().themes)


@pytest.mark.parametrize("text", [
    "New information-sharing tools were developed",
    "INFORMATION SHARING PROTOCOLS",
    "the sharing of information between agencies",
    "consent to share information was sought",
])
def test_theme_labels_match_with_light_normalisation(themes, text):
    assert "information-sharing" in themes.keys_in(text)


def test_verb_forms_and_plurals_are_one_label(themes):
    assert "was-not-brought" in themes.keys_in("where children do not attend critical health appointments")
    assert "bruising-non-mobile" in themes.keys_in("the revised bruising protocols")
    assert "bruising-non-mobile" in themes.keys_in("bruising or unexplained injuries")


def test_acronyms_match_only_in_capitals():
    matcher = LabelMatcher([("da", "DA", False), ("cse", "CSE", False)])
    assert matcher.keys_in("DA and VAWG strategy; CSE risk") == ["da", "cse"]
    assert matcher.keys_in("a Da Vinci exhibition; cse") == []
    assert matcher.keys_in("DAWN centre") == []  # whole words only


def test_capitalised_organisation_names_need_their_capitals():
    matcher = LabelMatcher([("early-help", "Early Help", True), ("mash", "the front door", False)])
    assert matcher.keys_in("the Early Help service and EARLY HELP HUBS") == ["early-help"]
    assert matcher.keys_in("early help assessments were completed") == []
    assert matcher.keys_in("at The Front Door") == ["mash"]  # a lower-case label matches any case


def test_longest_label_wins_where_labels_overlap():
    matcher = LabelMatcher([("icb", "ICB", False), ("ncl-icb", "NCL ICB", False)])
    hits = matcher.find("duties moved to the NCL ICB and each ICB")
    assert [(h.key, h.label) for h in hits] == [("ncl-icb", "NCL ICB"), ("icb", "ICB")]


def test_hits_are_exact_offsets_into_the_text():
    text = "Partners at the Royal Free  London NHS Foundation Trust said"
    matcher = LabelMatcher([("rfl", "Royal Free London NHS Foundation Trust", True)])
    [hit] = matcher.find(text)
    assert text[hit.start:hit.end] == "Royal Free  London NHS Foundation Trust"


def test_is_acronym_and_normalise():
    assert is_acronym("NCL ICB") and is_acronym("S4H") and is_acronym("DfE") and is_acronym("CP-IS")
    assert not is_acronym("the Met") and not is_acronym("Barnardo's")
    assert normalise("Children’s Social Care & Early Help") == "childrens social care and early help"
