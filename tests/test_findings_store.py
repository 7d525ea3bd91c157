"""kg/findings_store.py: findings kept by entity and document give back exactly what was written, and a change
by document gives the findings, summaries and graph context the whole findings would."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from kg import sqlite_layers
from kg.extract import extract_findings
from kg.extract.merge import Touched, join_findings, without_documents
from kg.extract.tallies import summarise
from kg.findings_store import FindingsStore
from kg.graph.build import GraphContext

CHANGED = "004_46dafe67aed78039.txt"  # the meeting pack with the partnership's annual report


def dump(findings) -> dict:
    return asdict(findings)


@pytest.fixture(scope="module")
def dates(ingested):
    return {d.doc: d.date for d in ingested.documents}


@pytest.fixture(scope="module")
def changed_findings(ingested):
    """The changed document's findings, extracted on its own (as an in-place add extracts it)."""
    documents = [d for d in ingested.documents if d.doc == CHANGED]
    assert documents, "the corpus document the tests change is missing"
    return extract_findings(documents, [c for c in ingested.chunks if c.doc == CHANGED])


@pytest.fixture(params=["one file", "shared base with a delta"])
def store(request, corpus_findings, dates, tmp_path):
    """The store as a build writes it, and as a change opens it: the parent's file shared, its writes in a delta."""
    path = tmp_path / "findings.sqlite"
    FindingsStore.create(path, corpus_findings, dates)
    if request.param != "one file":
        (tmp_path / "next").mkdir()
        sqlite_layers.begin(path, tmp_path / "next" / "findings.sqlite")
        path = tmp_path / "next" / "findings.sqlite"
    with FindingsStore(path, writable=True) as opened:
        yield opened


def test_the_findings_read_back_are_exactly_those_written(store, corpus_findings):
    assert dump(store.read_all()) == dump(corpus_findings)
    assert store.counts()["reviews"] == len(corpus_findings.reviews) > 0
    assert store.counts()["actions"] == len(corpus_findings.actions) > 0


def test_removing_a_document_drops_what_it_said_as_the_merge_does(store, corpus_findings, dates):
    store.apply_change({CHANGED}, None, dates)
    expected = without_documents(corpus_findings, {CHANGED})
    assert dump(store.read_all()) == dump(expected)
    assert len(store.read_all().actions) < len(corpus_findings.actions)


def test_adding_a_document_joins_its_findings_to_the_entities_they_name(store, corpus_findings, changed_findings,
                                                                        dates):
    store.apply_change({CHANGED}, changed_findings, dates)
    expected = join_findings(without_documents(corpus_findings, {CHANGED}), changed_findings)
    assert dump(store.read_all()) == dump(expected)


def test_the_touched_entities_and_their_part_are_those_of_the_whole_findings(store, corpus_findings):
    touched = store.touched({CHANGED})
    assert touched == Touched().add(corpus_findings, {CHANGED})
    assert touched.reviews and touched.organisations and touched.review_themes
    part = store.part(touched)
    whole = touched.restrict(corpus_findings)
    assert [r.id for r in part.reviews] == [r.id for r in whole.reviews]
    for mine, theirs in zip(part.reviews + part.organisations, whole.reviews + whole.organisations):
        evidence = mine.evidence if hasattr(mine, "evidence") else mine.mentions
        full = theirs.evidence if hasattr(theirs, "evidence") else theirs.mentions
        # The first passage, then every passage in the changed document, in order.
        assert evidence == [e for i, e in enumerate(full) if i == 0 or e.doc == CHANGED]
    assert dump(part)["actions"] == dump(whole)["actions"]
    assert dump(part)["theme_mentions"] == dump(whole)["theme_mentions"]
    referenced, organisations, actions = store.context(part)
    context = GraphContext.of(corpus_findings)
    asked = {o.id for o in part.organisations} | {o.parent for o in part.organisations if o.parent} \
        | {r.partnership for r in part.reviews if r.partnership}
    assert organisations == context.organisations & asked
    assert {k: v.id for k, v in referenced.items()} == {k: v.id for k, v in context.referenced.items() if k in asked}
    answered = {a for action in part.actions for a in action.responds_to}
    assert actions == context.actions & answered


@pytest.mark.parametrize("add", [False, True], ids=["remove", "replace"])
def test_the_summaries_recounted_for_a_change_equal_those_of_all_findings(store, corpus_findings, changed_findings,
                                                                          dates, add):
    before_path = store.path.with_name("before.sqlite")
    FindingsStore.create(before_path, corpus_findings, dates)
    kept = summarise(corpus_findings, dates)
    with FindingsStore(before_path) as before:
        touched = before.touched({CHANGED})
        dropped = store.apply_change({CHANGED}, changed_findings if add else None, dates)
        touched = store.touched({CHANGED}, touched)
        was, now = before.part(touched), store.part(touched)
        themes = {t for p in (was, now) for t in [*(link.theme for link in p.review_themes),
                                                    *(m.theme for m in p.theme_mentions),
                                                    *(t for a in p.actions for t in a.themes)]}
        reviews = {r for p in (was, now) for r in [*(r.id for r in p.reviews), *(x.review for x in p.review_themes)]}
        orgs = dropped | {o for p in (was, now) for o in [*(o.id for o in p.organisations),
                                                          *(o for a in p.actions for o in a.organisations)]}
        recounted = store.resummarise(kept, themes, reviews, orgs,
                                      before.mention_cells({CHANGED}) | store.mention_cells({CHANGED}),
                                      before.review_theme_sets(reviews))
    expected = summarise(store.read_all(), dates)
    assert json.dumps(recounted.to_dict(), sort_keys=True) == json.dumps(expected.to_dict(), sort_keys=True)
    assert recounted.to_dict() != kept.to_dict()  # the change did alter the tallies


def test_a_version_written_by_an_earlier_release_is_still_read(corpus_findings, changed_findings, tmp_path):
    """Earlier releases kept a JSON Lines base, the findings of documents added in place and the documents dropped."""
    from kg.kb import read_findings

    with (tmp_path / "findings.jsonl").open("w", encoding="utf-8") as handle:
        corpus_findings.write_jsonl(handle)
    assert dump(read_findings(tmp_path)) == dump(corpus_findings)
    (tmp_path / "findings-added").mkdir()
    with (tmp_path / "findings-added" / "1.jsonl").open("w", encoding="utf-8") as handle:
        changed_findings.write_jsonl(handle)
    (tmp_path / "findings-changes.json").write_text(json.dumps({"dropped": [CHANGED], "added": [["1.jsonl", [CHANGED]]]}))
    expected = join_findings(without_documents(corpus_findings, {CHANGED}), changed_findings)
    assert dump(read_findings(tmp_path)) == dump(expected)
