"""The UI's pure parts: HTML rendering (escaping, highlights, citations, links) and the pictures."""

from __future__ import annotations

import html
import json
import re

import pytest

from kg.documents import Section
from kg.ui import render
from kg.ui.render import CitedLine, Passage

HOSTILE = '<script>window.__kgInjected = true;</script><img src=x onerror="alert(1)">'


def passage(text="The GP data sharing form was introduced.", start=100, quotes=((104, 124),), **kw) -> Passage:
    return Passage(doc=kw.get("doc", "report.txt"), title=kw.get("title", "Annual report"),
                   date=kw.get("date", "2024-01-15"), section=kw.get("section", ["Learning", "Child L"]), text=text,
                   start=start, end=start + len(text),
                   quotes=list(quotes), note=kw.get("note", "graph fact"))


def links_in(markup: str) -> list[dict]:
    """The objects behind every data-open attribute, as the browser would send them back."""
    return [render.parse_link(html.unescape(v)) for v in re.findall(r'data-open="([^"]*)"', markup)]


# ---- escaping --------------------------------------------------------------------------------------

def test_corpus_text_is_escaped_everywhere():
    hostile = passage(text=f"Before {HOSTILE} after.", start=0, quotes=[(0, 6)], title=HOSTILE,
                      section=[HOSTILE], doc=f"{HOSTILE}.txt")
    outputs = [
        render.passage_card(hostile, 1),
        render.evidence_html([hostile]),
        render.answer_html(f"An answer quoting {HOSTILE} [1].", [hostile], themes=[("t", HOSTILE)],
                           actions=[{"id": "a", "text": HOSTILE, "kind": "form", "organisations": [HOSTILE],
                                     "reviews": [HOSTILE]}]),
        render.document_html(f"{HOSTILE}.txt", HOSTILE, f"Text {HOSTILE} end", [], source=HOSTILE,
                             passage=(0, 10), quotes=[(0, 4)], label=HOSTILE),
        render.theme_profile_html(HOSTILE, HOSTILE, [HOSTILE], True, [CitedLine(render.esc(HOSTILE), hostile)],
                                  [], [hostile]),
        render.message_html(HOSTILE),
    ]
    for markup in outputs:
        assert "<script" not in markup.lower()
        assert "<img" not in markup.lower()
        assert "&lt;script&gt;" in markup


def test_escaped_text_reads_back_as_the_original():
    text = 'Partners & "colleagues" <said> it'
    assert html.unescape(render.highlight(text, 0, [])) == text


# ---- highlights ------------------------------------------------------------------------------------

def test_highlight_marks_quotes_by_document_offsets():
    text = "The GP data sharing form was introduced."
    out = render.highlight(text, 100, [(104, 124)])
    assert re.findall(r'<mark class="kg-quote">(.*?)</mark>', out) == [text[4:24]]


def test_highlight_merges_overlaps_and_ignores_spans_outside_the_passage():
    text = "abcdefghij"
    out = render.highlight(text, 10, [(12, 15), (14, 17), (0, 5), (25, 30), (19, 40)])
    assert re.findall(r"<mark[^>]*>(.*?)</mark>", out) == ["cdefg", "j"]
    assert re.sub(r"<[^>]+>", "", out) == text


def test_document_viewer_highlights_the_passage_with_its_quotes_inside():
    text = "Summary\n\nFirst paragraph. The key sentence here. Last one.\n\nNext\n\nMore."
    start = text.index("First")
    end = text.index("Last one.") + len("Last one.")
    quote = (text.index("The key"), text.index("here.") + 5)
    sections = [Section("Summary", 2, ["Summary"], 0, text.index("Next")),
                Section("Next", 2, ["Next"], text.index("Next"), len(text))]
    out = render.document_html("d.txt", "A report", text, sections, passage=(start, end), quotes=[quote], label="[2]")
    passage_html = re.search(r'<mark class="kg-passage" id="kg-passage">(.*?)</mark>(?!.*</mark>)', out, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", passage_html)) == text[start:end]
    assert re.findall(r'<mark class="kg-quote">(.*?)</mark>', out) == [text[quote[0]:quote[1]]]
    assert '<span class="kg-heading">Summary</span>' in out and '<span class="kg-heading">Next</span>' in out
    body = out.split('<div class="kg-doc"', 1)[1]
    assert html.unescape(re.sub(r"<[^>]+>", "", body.split(">", 1)[1])) == text  # nothing lost or added
    assert "Showing [2] highlighted in Summary" in out


def test_document_viewer_without_a_passage_and_with_a_bad_span():
    text = "Just text."
    assert "kg-passage" not in render.document_html("d.txt", "T", text)
    assert "kg-passage" not in render.document_html("d.txt", "T", text, passage=(50, 60))


def test_the_nonce_changes_the_markup_so_reopening_a_passage_scrolls_again():
    first = render.document_html("d.txt", "T", "Some text", passage=(0, 4), nonce=1)
    second = render.document_html("d.txt", "T", "Some text", passage=(0, 4), nonce=2)
    assert first != second


# ---- answers, citations, links ---------------------------------------------------------------------

def test_citation_markers_become_buttons_that_open_their_passage():
    passages = [passage(start=100), passage(start=500, doc="other.txt", quotes=[(510, 520)])]
    out = render.cited_text("Child L raised it [1]. Quoted “a passage.” (Report, 2024) [2] and [7].", passages)
    links = links_in(out)
    assert [(l["doc"], l["start"], l["label"]) for l in links] == [("report.txt", 100, "[1]"),
                                                                   ("other.txt", 500, "[2]")]
    assert links[1]["quotes"] == [[510, 520]]
    assert "[7]" in out  # a marker with no evidence stays as text


def test_a_cited_list_reads_as_bullets():
    out = render.cited_text("Raised by 2 reviews: Child A [1]; Child L [2]. Nothing else.", [passage(), passage()])
    assert "<p>Raised by 2 reviews:</p><ul" in out
    assert out.count("<li>") == 2


def test_answer_panel_shows_chips_that_link_to_entities():
    out = render.answer_html("Text [1].", [passage()], themes=[("information-sharing", "Information sharing")],
                             reviews=[("child-l", "Child L")], organisations=[("met-police", "Metropolitan Police")],
                             actions=[{"id": "act-1", "text": "A protocol", "kind": "protocol",
                                       "organisations": ["GP practices"], "reviews": ["Child L"]}],
                             suggestions=[("voice-of-the-child", "Voice of the child")])
    kinds = [(l["kind"], l.get("id")) for l in links_in(out)]
    assert ("theme", "information-sharing") in kinds and ("review", "child-l") in kinds
    assert ("organisation", "met-police") in kinds and ("action", "act-1") in kinds
    assert ("theme", "voice-of-the-child") in kinds
    assert "Closest themes:" in out and "GP practices" in out


def test_parse_link_rejects_garbage():
    assert render.parse_link("not json") == {}
    assert render.parse_link(json.dumps([1, 2])) == {}
    assert render.parse_link(json.dumps({"kind": "theme", "id": "x"})) == {"kind": "theme", "id": "x"}


def test_evidence_cards_are_numbered_and_keyboard_reachable():
    out = render.evidence_html([passage(), passage(start=300)])
    assert out.count('role="button" data-open=') == 2
    assert out.count('tabindex="0"') == 2
    assert "[1]" in out and "[2]" in out
    assert render.evidence_html([]) == ""


def test_theme_profile_numbers_citations_through_the_page():
    out = render.theme_profile_html("Information sharing", "Sharing what agencies know.", ["info sharing"], False,
                                    [CitedLine("Child L", passage())], [CitedLine("A GP form", passage(start=7))],
                                    [passage(start=900)], more_passages=3)
    assert [l["label"] for l in links_in(out) if l["kind"] == "passage"] == ["[1]", "[2]", "[3]"]
    assert "actions recorded" in out and "3 more" in out
    gap = render.theme_profile_html("Adultification", "", [], True, [CitedLine("Child SS", None)], [], [])
    assert "learning, no recorded action" in gap and "No recorded action answers this theme." in gap


# ---- pictures --------------------------------------------------------------------------------------

def _distinct_colours(path) -> int:
    from PIL import Image

    with Image.open(path) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])


def test_the_heatmap_picture_is_drawn(tmp_path):
    from kg.query.explore import ThemeReviewMatrix
    from kg.ui import plots
    matrix = ThemeReviewMatrix(themes=[("a", "Information sharing"), ("b", "Adultification")],
                               reviews=[("r1", "Child L", 2023), ("r2", "Child SS", None)], counts=[[2, 1], [0, 3]])
    heat = plots.heatmap_png(matrix, {"b"}, tmp_path / "heat.png")
    assert _distinct_colours(heat) > 50


@pytest.mark.parametrize("label, width, lines, expected", [
    ("short", 10, 2, "short"),
    ("a fairly long label that wraps", 10, 2, "a fairly\nlong labe…"),
])
def test_labels_wrap_and_clip(label, width, lines, expected):
    from kg.ui.plots import _wrap

    assert _wrap(label, width, lines) == expected


def test_a_review_page_states_its_facts_and_cites_every_line():
    page = render.review_page_html(
        "Child L", [("Type", "Child Safeguarding Practice Review"), ("Year", "2023 (published)"), ("Area", "")],
        [("information-sharing", "Information sharing", CitedLine("“GP network strengthened”", passage()))],
        [CitedLine("Review the bruising protocol", passage(start=40))],
        [CitedLine("A GP form was introduced (owner: GP practices)", passage(start=80))],
        [render.ReviewDocument("r.pdf", "Annual report", "2024-01-15", passage(), "/documents/r.pdf/original")],
        "review:child-l")
    assert "<dt>Type</dt><dd>Child Safeguarding Practice Review</dd>" in page and "<dt>Area</dt>" not in page
    assert page.count('class="kg-cite"') == 3  # theme, recommendation, action
    assert 'href="/documents/r.pdf/original" download' in page
    assert "Recommendations (1)" in page and "Actions taken after it (1)" in page
    empty = render.review_page_html("Child X", [], [], [], [], [], "review:child-x")
    assert "No recommendation of this review is recorded" in empty and "No learning theme" in empty


def test_searching_within_a_document_marks_every_match_and_counts_them():
    text = "Information sharing matters.\nLater, information\nsharing failed again."
    out = render.document_html("d.txt", "Doc", text, find="information sharing")
    assert out.count('<mark class="kg-find') == 2 and 'id="kg-find-first"' in out
    assert "2 matches in this document" in out
    assert 'tabindex="0" role="region"' in out  # the text scrolls by keyboard
    assert "0 matches" in render.document_html("d.txt", "Doc", text, find="escalation")
