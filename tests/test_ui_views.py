"""What the Themes and Graph pages compute: theme counts and gaps, the theme × review grid, neighbourhoods,
theme profiles (library functions in kg/graph/analytics.py and kg/query/explore.py), on small made-up findings."""

from __future__ import annotations

import csv
import json

from kg.extract.findings import (ActionFinding, Evidence, Findings, OrganisationFinding, ReviewFinding, ReviewTheme,
                                 Theme, ThemeMention)
from kg.graph.analytics import findings_network, neighbourhood
from kg.query.explore import theme_profile, theme_review_matrix, theme_summary


def ev(start: int, quote: str = "a quote", chunk: str | None = "doc.txt#0001") -> Evidence:
    return Evidence(doc="doc.txt", start=start, end=start + len(quote), quote=quote, chunk_id=chunk)


def small_findings() -> Findings:
    """Three reviews, three themes (one raised but never acted on), two actions, one owner."""
    return Findings(
        reviews=[ReviewFinding("child-l", "Child L", "cspr", "published", 2023, evidence=[ev(0)]),
                 ReviewFinding("child-ss", "Child SS", "cspr", "underway", None, evidence=[ev(10)]),
                 ReviewFinding("child-a", "Child A", "cspr", None, 2021, evidence=[ev(20)])],
        themes=[Theme("information-sharing", "Information sharing", ["info sharing"], "Sharing what agencies know."),
                Theme("adultification", "Adultification"), Theme("neglect", "Neglect"),
                Theme("voice-of-the-child", "Voice of the child")],
        theme_mentions=[ThemeMention("information-sharing", ev(100), "label", 0.9),
                        ThemeMention("information-sharing", ev(100, chunk="doc.txt#0002"), "label", 0.9),
                        ThemeMention("information-sharing", ev(300), "embedding", 0.6, 0.7),
                        ThemeMention("voice-of-the-child", ev(400), "label", 0.9)],
        review_themes=[ReviewTheme("child-l", "information-sharing", [ev(0), ev(5)], "grid", 0.9),
                       ReviewTheme("child-a", "information-sharing", [ev(20)], "grid", 0.9),
                       ReviewTheme("child-ss", "adultification", [ev(10)], "grid", 0.9)],
        actions=[ActionFinding("gp-form", "A GP data sharing form", ev(500), category="form", reviews=["child-l"],
                               themes=["information-sharing"], organisations=["gps"], confidence=0.9),
                 ActionFinding("training", "Training for GPs", ev(600), category="training", reviews=["child-a"],
                               themes=["information-sharing", "neglect"], organisations=["gps"], confidence=0.7)],
        organisations=[OrganisationFinding("gps", "GP practices", mentions=[ev(700)]),
                       OrganisationFinding("unused", "Never mentioned")])


def test_theme_summary_counts_and_flags_gaps():
    rows = {r.id: r for r in theme_summary(small_findings())}
    info = rows["information-sharing"]
    # Three mentions in two passages: a passage that speaks of a theme twice counts once.
    assert (info.reviews, info.passages, info.actions, info.gap) == (2, 2, 2, False)
    assert rows["adultification"].gap and rows["adultification"].reviews == 1
    assert not rows["neglect"].gap  # acted on without a review raising it
    assert not rows["voice-of-the-child"].gap  # spoken of, but no review raised it
    assert list(rows)[0] == "information-sharing"  # most-raised first


def test_theme_review_matrix_orders_reviews_by_known_year():
    matrix = theme_review_matrix(small_findings())
    assert [r[0] for r in matrix.reviews] == ["child-a", "child-l", "child-ss"]  # 2021, 2023, then unknown
    assert [t[0] for t in matrix.themes] == ["information-sharing", "adultification"]
    assert matrix.counts == [[1, 2, 0], [0, 0, 1]]


def test_neighbourhood_keeps_the_nearest_nodes():
    network = findings_network(small_findings())
    one = neighbourhood(network, "theme:information-sharing", 1)
    assert set(one) == {"theme:information-sharing", "review:child-l", "review:child-a", "action:gp-form",
                        "action:training"}
    two = neighbourhood(network, "theme:information-sharing", 2, max_nodes=6)
    assert len(two) == 6 and set(one) <= set(two)
    assert len(neighbourhood(network, "theme:missing", 1)) == 0


def test_theme_profile_lists_reviews_actions_and_distinct_passages():
    profile = theme_profile(small_findings(), "information-sharing")
    assert [r.review.label for r in profile.raised_by] == ["Child A", "Child L"]
    assert profile.raised_by[0].type_label  # the review type's human label
    assert [a.action.id for a in profile.actions] == ["gp-form", "training"]
    assert profile.actions[0].owners == ["GP practices"] and profile.actions[0].reviews == ["Child L"]
    assert [m.evidence.start for m in profile.passages] == [100, 300]  # the repeated sentence once
    assert not profile.gap
    assert theme_profile(small_findings(), "adultification").gap
    assert theme_profile(small_findings(), "no-such-theme") is None


def test_theme_csv_and_document_order(tmp_path):
    from kg.kb import DocumentInfo
    from kg.ui.live import newest_first, write_theme_csv

    path = write_theme_csv(theme_summary(small_findings()), tmp_path / "themes.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows[0]["theme"] == "Information sharing" and rows[0]["reviews"] == "2"
    assert {r["theme_id"]: r["learning_without_action"] for r in rows}["adultification"] == "yes"

    def info(doc, date):
        return DocumentInfo(doc, doc.title(), date, None, None, None, "txt", "", [], [], 1, 1, 1)

    docs = [info("b", None), info("old", "2018-01-01"), info("new", "2024-01-15"), info("a", None)]
    assert [d.doc for d in newest_first(docs)] == ["new", "old", "a", "b"]


def test_kept_summaries_read_back_as_written():
    from kg.extract.tallies import Summaries, summarise

    findings = small_findings()
    kept = summarise(findings, {"doc.txt": "2023-04-01"})
    again = Summaries.from_dict(json.loads(json.dumps(kept.to_dict())))
    assert again == kept
    assert again.years.passages["information-sharing"]["2023"] == 2 and again.reviews[0] == ("child-a", "Child A", 2021)
