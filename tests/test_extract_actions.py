"""Recommendations and actions taken: what counts, what it answers, who owns it, in every form reports use."""

from __future__ import annotations

import pytest

from conftest import DATA, extraction_stages
from kg.extract.actions import action_text, find_actions
from kg.ingest import ingest_file


def _actions(stages):
    return find_actions(stages.documents, stages.review_index, stages.organisation_index, stages.scheme.themes,
                        stages.locator)


def _file_actions(name):
    document, chunks = ingest_file(DATA / name)
    return _actions(extraction_stages([document], chunks))


@pytest.fixture(scope="module")
def corpus_actions(corpus_stages):
    return _actions(corpus_stages)


@pytest.fixture(scope="module")
def northshire_actions(northshire_stages):
    return _actions(northshire_stages)


def find(actions, phrase):
    found = [a for a in actions if phrase in a.evidence.quote]
    assert found, f"no action quoting {phrase!r}"
    return found[0]


def test_gp_data_sharing_form_answers_child_l_and_is_owned_by_gps(corpus_actions):
    action = find(corpus_actions, "GP data sharing and information sharing form")
    assert action.reviews == ["child-l"] and action.kind == "action taken"
    assert "gp-practices" in action.organisations
    assert action.category == "form"
    assert "information-sharing" in action.themes


def test_police_disseminated_the_bruising_protocol(corpus_actions):
    action = find(corpus_actions, "Bruising Protocol had been disseminated to officers")
    assert action.reviews == ["child-l"]
    assert "met-police" in action.organisations  # "Police Partners report …"
    assert "bruising-non-mobile" in action.themes


def test_bullet_actions_of_a_review_section(corpus_actions):
    process_map = find(corpus_actions, "joint Initial Health Assessment (IHA) process map")
    assert process_map.reviews == ["child-ss"] and "lac-health-assessments" in process_map.themes


def test_owner_named_at_the_head_of_the_paragraph(corpus_actions):
    action = find(corpus_actions, "Child Protection Information System (CP-IS) is now fully embedded")
    assert "rflnhsft" in action.organisations


def test_actions_cited_under_a_theme_answer_the_review_that_section_cites(corpus_actions):
    action = find(corpus_actions, "deliver ICON training to the Barnet Walk in Centre")
    assert action.reviews == ["the-myth-of-invisible-men"]
    assert "rflnhsft" in action.organisations and "safer-sleeping" in action.themes


def test_theme_level_activity_is_an_action_that_addresses_the_theme(corpus_actions):
    # "FGM: evidence of putting learning into practice": no review behind it, but plainly done for FGM.
    action = find(corpus_actions, "Three training sessions on FGM")
    assert action.reviews == [] and "fgm-harmful-practices" in action.themes
    assert action.kind == "action taken" and action.category == "training"


def test_what_is_not_an_action(corpus_actions):
    quotes = " ".join(a.evidence.quote for a in corpus_actions)
    assert "did not wait to be seen following a head injury" not in quotes  # a case study
    assert "The GP data sharing form helped identify missed appointments" not in quotes  # an outcome
    assert "key learning focused upon" not in quotes  # the learning itself
    assert "T was referred by the social worker for grief counselling" not in quotes  # a case study's bullets
    # Committee reports' "Recommendations: that the committee notes …" are committee business, not actions.
    assert not [a for a in corpus_actions if "committee notes" in a.evidence.quote]


def test_every_action_is_tied_to_a_review_or_a_theme_and_has_a_stable_id(corpus_actions, ingested):
    assert len(corpus_actions) >= 40
    assert all((a.reviews or a.themes) and a.text and 0 < a.confidence <= 1 for a in corpus_actions)
    ids = [a.id for a in corpus_actions]
    assert len(set(ids)) == len(ids)
    assert ids == [a.id for a in _actions(extraction_stages(ingested.documents, ingested.chunks))]


def test_one_action_told_in_several_sentences_is_one_action(corpus_actions):
    audits = [a for a in corpus_actions if "audit of 600+ cases" in a.evidence.quote
              or "99% confidence audit" in a.evidence.quote]
    assert len(audits) == 1


def test_action_text_is_the_whole_action_without_openers():
    assert action_text("• Furthermore, the Partnership committed to developing a revised joint protocol for "
                       "16- & 17-year-olds and this was published in March 2023; it can be found here.") == \
        "The Partnership committed to developing a revised joint protocol for 16- & 17-year-olds and this was " \
        "published in March 2023; it can be found here"


def test_generalisation_document_actions(northshire_actions):
    checklist = find(northshire_actions, "introduced a checklist")
    assert checklist.reviews == ["child-m"] and checklist.organisations == ["northshire-police"]
    handover = find(northshire_actions, "handover form has been developed by NBFT")
    assert "northshire-and-bay-nhs-foundation-trust" in handover.organisations and handover.category == "form"
    assert "mash" in find(northshire_actions, "The MASH now requests information").organisations
    assert find(northshire_actions, "Graded Care Profile 2").reviews == ["family-p"]
    assert find(northshire_actions, "joint transitions protocol").reviews == ["adult-r"]
    quotes = " ".join(a.evidence.quote for a in northshire_actions)
    assert "Case study" not in quotes and "This has helped" not in quotes


def test_numbered_recommendations_and_an_action_plan_table_are_kept_apart_and_linked():
    actions = _file_actions("oos/a3_lcspr_executive_summary.md")
    recommendations = [a for a in actions if a.kind == "recommendation"]
    taken = [a for a in actions if a.kind == "action taken"]
    assert len(recommendations) >= 5 and len(taken) >= 6
    assert all(a.reviews == ["baby-nell"] for a in actions), "the whole summary is about one review"
    # The action plan row: owner, due date and status from their columns, and the recommendation it answers.
    row = find(taken, "Agree a protocol with neighbouring MARACs")
    assert row.status == "in progress" and row.date == "31 March 2025"
    assert row.organisations == ["stannerby-police"]
    answered = [a for a in recommendations if a.id in row.responds_to]
    assert answered and answered[0].number == "2"


def test_a_briefings_practice_instructions_are_recommendations_and_its_changes_actions():
    actions = _file_actions("oos/a2_seven_minute_briefing.md")
    instruction = find(actions, "See the child alone where it is safe to do so")
    assert instruction.kind == "recommendation" and instruction.reviews == ["kaya"]
    policy = find(actions, "has introduced a single was not brought policy")
    assert policy.kind == "action taken"
    assert policy.organisations == ["carrowbeck-community-health-nhs-trust"]
    quotes = " ".join(a.evidence.quote for a in actions)
    assert "When did you last look at" not in quotes  # questions to reflect on are not actions


def test_a_recommendation_addressed_to_a_body_is_owned_by_it(tmp_path):
    path = tmp_path / "summary.md"
    path.write_text("# Child Safeguarding Practice Review: Child P\n\n## Recommendations\n\n"
                    "1. The Partnership should ensure that the bruising protocol is applied by every agency.\n"
                    "2. Northshire Police must record every adult in the household when attending an incident.\n",
                    encoding="utf-8")
    document, chunks = ingest_file(path)
    actions = _actions(extraction_stages([document], chunks))
    assert [a.kind for a in actions] == ["recommendation", "recommendation"]
    assert [a.number for a in actions] == ["1", "2"]
    assert actions[1].organisations == ["northshire-police"] and actions[1].reviews == ["child-p"]


def test_a_document_that_is_not_about_safeguarding_yields_no_actions():
    assert _file_actions("oos/b5_planning_committee_report.txt") == []
