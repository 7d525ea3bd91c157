"""What the UI sends a page (kg/ui/handlers.py, kg/ui/live.py): summaries with the page, the long lists with its
load event, a start page that stays small however many reviews there are, and a warm-up that lets the first
page be drawn first. On the knowledge base built from corpus/."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from kg.query.sparql import example_queries
from kg.ui import handlers as ui_handlers
from kg.ui import live
from kg.ui.handlers import LONG_PARTS, Handlers


@pytest.fixture()
def handlers(kb_settings):
    made = Handlers(kb_settings)
    yield made
    made.sparql.close()
    made.downloads.close()


def skipped(part) -> bool:
    return isinstance(part, dict) and part == gr.skip()


def test_the_first_page_carries_the_summaries_and_leaves_the_long_lists_to_its_load(handlers):
    handlers.views_ready.set()  # as the warm-up does once the views are open (here first_page opens them)
    first = handlers.first_page()
    version = handlers.first_version
    assert version and f"knowledge base version {version}" in first[0]
    assert "Information sharing" in first[3].data["Theme"].tolist()  # the theme table
    assert "kg-welcome" in first[1]
    # The grid, the document table, the document and review choices: megabytes at national scale.
    assert first[2] == "" and first[7] is None and first[8]["choices"] == [] and first[10] == []
    assert first[11]["choices"] == []

    # A page showing the live version gets the long lists only.
    same = handlers.page_update(version)
    assert same[0] == version
    for i, part in enumerate(same[1:]):
        assert skipped(part) != (i in LONG_PARTS), i
    assert 'class="kg-grid"' in same[3]
    documents = same[9]["choices"]
    assert len(documents) == len(same[11]) == len(handlers.live.views().documents) > 0
    assert any("Child L" in label for label, _ in same[12]["choices"])

    # A page showing another version gets everything.
    other = handlers.page_update("an-older-version")
    assert other[0] == version and f"knowledge base version {version}" in other[1]
    entities = 6  # the entity list comes with the graph view, once every finding is read
    assert not any(skipped(part) for i, part in enumerate(other[1:]) if i != entities)


def test_the_start_page_lists_the_newest_reviews_and_counts_the_rest():
    reviews = [(f"r{i}", f"Review {i}", 2000 + i) for i in range(ui_handlers.WELCOME_MAX_REVIEWS + 6)]
    reviews.append(("undated", "Undated review", None))
    html = Handlers.welcome(SimpleNamespace(summaries=[], reviews=reviews))
    newest = max(r[2] for r in reviews if r[2])
    assert f"Review {newest - 2000} ({newest})" in html and "Review 0 (2000)" not in html
    assert html.count("kg-chip-review") == ui_handlers.WELCOME_MAX_REVIEWS
    assert "and 7 more: choose any on the Reviews page" in html

    few = Handlers.welcome(SimpleNamespace(summaries=[], reviews=reviews[:3]))
    assert few.count("kg-chip-review") == 3 and "more" not in few


def test_the_entity_list_leaves_out_actions_when_there_are_too_many(handlers, monkeypatch):
    views = handlers.live.views()
    assert any(label.startswith("Action · ") for label, _ in views.entity_choices())
    assert "organisation or action" in handlers.graph(None)[3]

    monkeypatch.setattr(live, "ENTITY_MAX_ACTIONS", 0)
    views._drawn.pop("actions listed", None)
    choices = views.entity_choices()
    assert choices and not any(label.startswith("Action · ") for label, _ in choices)
    assert any(label.startswith("Review · ") for label, _ in choices)
    assert "its actions are a step away" in handlers.graph(None)[3]


def test_the_warm_up_waits_for_the_first_page_before_its_heavy_work(handlers, monkeypatch):
    monkeypatch.setattr(ui_handlers, "WARM_UP_WAIT_S", 600)
    thread = handlers.warm_up()
    assert handlers.views_ready.wait(120)  # the page's summaries are ready at once
    thread.join(3)  # this small knowledge base's heatmap and example queries take well under that
    assert thread.is_alive() and not handlers.sparql.cache._entries
    version = handlers.live.views().version
    handlers.page_update(version)  # a browser's page loads: its lists, then the heatmap for the download
    assert thread.is_alive()
    handlers.heatmap_picture()
    thread.join(300)
    assert not thread.is_alive()
    # The example queries were run once, so a manager's first run of one answers from memory.
    kept = {key[0] for key in handlers.sparql.cache._entries}
    assert {example.text.strip() for example in example_queries()} <= kept
