"""HTML for the UI: answers with citations, evidence cards, chips, theme profiles and the document viewer.

Pure functions of plain data, so they can be tested without a browser. Every piece of
corpus text goes through `esc` (a document that contains `<script>` shows it as text),
and every clickable element carries a `data-open` attribute: a small JSON object that
the page sends back to Python (see `kg.ui.style.LINKS_JS`) saying what to open.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kg.documents import Section
from kg.query.ask import short_title

SECTION_SEPARATOR = " › "


def esc(text: object) -> str:
    """Text made safe for HTML content and attribute values."""
    return html.escape("" if text is None else str(text), quote=True)


def lines_html(lines: Sequence[tuple[str, bool]]) -> str:
    """Several messages, errors marked, in one status box (what an add or remove did, file by file)."""
    error = any(e for _, e in lines)
    items = "".join(f'<li{" class=kg-line-error" if e else ""}>{esc(text)}</li>' for text, e in lines)
    return f'<div class="kg-message{" kg-error" if error else ""}" role="status"><ul class="kg-list">{items}</ul></div>'


def message_html(text: str, error: bool = False) -> str:
    """A plain one-paragraph notice (an empty question, a refused query, nothing found)."""
    return f'<div class="kg-message{" kg-error" if error else ""}" role="status">{esc(text)}</div>'


@dataclass
class Passage:
    """A passage to show as a card: where it is, its text, and the quotes inside it to highlight.

    `start`/`end` and the quote spans are character offsets into the cleaned document text.
    """

    doc: str
    title: str
    date: str | None
    section: list[str]
    text: str
    start: int
    end: int
    quotes: list[tuple[int, int]] = field(default_factory=list)
    note: str = ""  # e.g. "graph fact" or "search match"


def open_link(kind: str, **data: object) -> str:
    """The `data-open` value for something clickable: a passage, theme, review, organisation or action."""
    return esc(json.dumps({"kind": kind, **data}, ensure_ascii=False, separators=(",", ":")))


def passage_link(passage: Passage, label: str = "") -> str:
    """The `data-open` value that opens a passage in the document viewer."""
    return open_link("passage", doc=passage.doc, start=passage.start, end=passage.end,
                     quotes=[list(q) for q in passage.quotes], label=label)


def parse_link(value: str) -> dict:
    """The object a `data-open` value stands for (an empty dict for anything unreadable)."""
    try:
        data = json.loads(value)
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("kind"), str) else {}


def _merged(spans: Iterable[tuple[int, int]], low: int, high: int) -> list[tuple[int, int]]:
    """Spans clipped to [low, high), sorted, overlaps merged, empty ones dropped."""
    clipped = sorted((max(s, low), min(e, high)) for s, e in spans)
    out: list[tuple[int, int]] = []
    for s, e in clipped:
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def highlight(text: str, base: int, spans: Iterable[tuple[int, int]], css_class: str = "kg-quote") -> str:
    """Escaped `text` with the given spans wrapped in <mark>.

    Args:
        text: the passage text.
        base: the document offset of text[0] (spans are document offsets).
        spans: (start, end) document offsets; parts outside the passage are ignored.
        css_class: the class of the <mark> elements.
    """
    out, at = [], 0
    for s, e in _merged(((s - base, e - base) for s, e in spans), 0, len(text)):
        out.append(esc(text[at:s]))
        out.append(f'<mark class="{css_class}">{esc(text[s:e])}</mark>')
        at = e
    out.append(esc(text[at:]))
    return "".join(out)


def _date_year(date: str | None) -> str:
    return date[:10] if date else "undated"


# ---- answers ---------------------------------------------------------------------------------------

def _citation_button(number: int, passage: Passage) -> str:
    where = f"{passage.title} ({_date_year(passage.date)})"
    if passage.section:
        where += f" — {passage.section[-1]}"
    return (f'<button class="kg-cite" data-open="{passage_link(passage, f"[{number}]")}" '
            f'title="{esc(where)}" aria-label="citation {number}: {esc(where)}">{number}</button>')


def _listed(sentence: str) -> str:
    """A sentence "Head: a [1]; b [2]; c [3]." as the head and a bulleted list, when each item ends in a citation."""
    items = re.split(r"(?<=</button>); ", sentence)
    if len(items) < 2 or ": " not in items[0]:
        return sentence
    head, items[0] = items[0].split(": ", 1)
    items[-1] = items[-1].rstrip().rstrip(".")
    return f'<p>{head}:</p><ul class="kg-list">{"".join(f"<li>{item}</li>" for item in items)}</ul>'


def cited_text(text: str, passages: Sequence[Passage]) -> str:
    """Escaped answer text whose markers [n] become buttons that open `passages[n-1]`.

    For reading, a quoted passage (opening with “) starts a new paragraph, and a sentence that lists
    cited items ("raised by 6 reviews: Child A [7]; Child AS [8]; …") becomes a bulleted list.
    """
    escaped = esc(text)

    def button(match: re.Match) -> str:
        number = int(match.group(1))
        if 1 <= number <= len(passages):
            return _citation_button(number, passages[number - 1])
        return match.group(0)

    linked = re.sub(r"\[(\d+)\]", button, escaped)
    out = []
    for paragraph in re.split(r"(?:(?<=</button>)|(?<=\.)) (?=“)", linked):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if paragraph.startswith("“"):
            out.append(f'<p class="kg-quoted">{paragraph}</p>')
            continue
        sentences = re.split(r"(?<=</button>)\. ", paragraph)
        for i, sentence in enumerate(sentences):
            end = "." if i < len(sentences) - 1 else ""
            listed = _listed(sentence + end)
            out.append(listed if listed.endswith("</ul>") else f"<p>{listed}</p>")
    return "".join(out)


def chips_html(label: str, kind: str, items: Sequence[tuple[str, str]], more: str = "") -> str:
    """A row of clickable chips for entities of one kind: (id, label) pairs, then `more` (a note on what is not
    shown)."""
    if not items:
        return ""
    chips = "".join(f'<button class="kg-chip kg-chip-{kind}" data-open="{open_link(kind, id=i)}" '
                    f'title="explore {esc(kind)}: {esc(name)}">{esc(name)}</button>' for i, name in items)
    note = f'<span class="kg-muted kg-chips-more">{esc(more)}</span>' if more else ""
    return f'<div class="kg-chips"><span class="kg-chips-label">{esc(label)}</span>{chips}{note}</div>'


def actions_table(actions: Sequence[dict]) -> str:
    """The actions an answer reports, with owners and the reviews they answer (rows open the graph view)."""
    if not actions:
        return ""

    def table(part: Sequence[dict]) -> str:
        rows = "".join(
            f'<tr><td><a href="#" data-open="{open_link("action", id=a.get("id", ""))}" '
            f'title="show this action in the graph">{esc(a.get("text", ""))}</a></td>'
            f'<td>{esc(a.get("kind", ""))}</td><td>{esc(", ".join(a.get("organisations") or []) or "—")}</td>'
            f'<td>{esc(", ".join(a.get("reviews") or []) or "—")}</td></tr>'
            for a in part)
        return ('<table class="kg-actions-table"><thead><tr><th>What was done</th><th>Kind</th><th>Owner</th>'
                f"<th>After review</th></tr></thead><tbody>{rows}</tbody></table>")

    shown = table(actions[:SHOWN_ACTIONS])
    if len(actions) > SHOWN_ACTIONS:  # every action is in the answer; the rest open on request
        shown += (f'<details class="kg-more"><summary>Show all {len(actions)} actions</summary>'
                  f"{table(actions[SHOWN_ACTIONS:])}</details>")
    return f'<div class="kg-section-title">Actions in this answer ({len(actions)})</div>{shown}'


SHOWN_ACTIONS = 10


def answer_html(text: str, passages: Sequence[Passage], themes: Sequence[tuple[str, str]] = (),
                reviews: Sequence[tuple[str, str]] = (), organisations: Sequence[tuple[str, str]] = (),
                actions: Sequence[dict] = (), suggestions: Sequence[tuple[str, str]] = ()) -> str:
    """The answer panel: cited text, then what the question was resolved to, then the actions reported.

    Args:
        text: the answer with markers [1], [2] … (marker n cites passages[n-1]).
        passages: the evidence, in marker order.
        themes, reviews, organisations: (id, label) of what the question named; shown as chips.
        actions: the answer's action dicts (text, kind, organisations, reviews).
        suggestions: (id, label) of the closest themes when the question named nothing.
    """
    parts = [f'<div class="kg-answer" aria-label="answer">{cited_text(text, passages)}</div>']
    parts.append(chips_html("Themes:", "theme", themes))
    parts.append(chips_html("Reviews:", "review", reviews))
    parts.append(chips_html("Organisations:", "organisation", organisations))
    parts.append(chips_html("Closest themes:", "theme", suggestions))
    parts.append(actions_table(actions))
    return "".join(parts)


def passage_card(passage: Passage, number: int | None = None) -> str:
    """One evidence card: document, date, section path, the passage with its quotes highlighted."""
    label = f"[{number}]" if number is not None else ""
    meta = " · ".join(x for x in (_date_year(passage.date), passage.note) if x)
    section = SECTION_SEPARATOR.join(passage.section)
    graph = " kg-graph" if passage.note == "graph fact" else ""
    return (
        f'<div class="kg-card{graph}" tabindex="0" role="button" data-open="{passage_link(passage, label)}">'
        f'<div class="kg-card-head">{f"<span class=kg-card-num>{esc(label)}</span>" if label else ""}'
        f'<span class="kg-card-title" title="{esc(passage.title)}">{esc(short_title(passage.title, 90))}</span>'
        f'<span class="kg-card-meta">{esc(meta)}</span>'
        f'<span class="kg-open">open in document ↗</span></div>'
        f'{f"<div class=kg-card-section>{esc(section)}</div>" if section else ""}'
        f'<div class="kg-card-text">{highlight(passage.text, passage.start, passage.quotes)}</div></div>')


def evidence_html(passages: Sequence[Passage], title: str = "Evidence") -> str:
    """Numbered evidence cards (card n is citation [n])."""
    if not passages:
        return ""
    cards = "".join(passage_card(p, i + 1) for i, p in enumerate(passages))
    count = f"{len(passages)} passage{'s' if len(passages) != 1 else ''}"
    return (f'<div class="kg-section-title">{esc(title)} <span class="kg-muted">({count}; click one to read it in '
            f'its document)</span></div><div class="kg-cards">{cards}</div>')


def welcome_html(recurring: Sequence[tuple[str, str, int]], gaps: Sequence[tuple[str, str]],
                 reviews: Sequence[tuple[str, str]], more_reviews: int = 0) -> str:
    """What the start page shows before a question: the knowledge base at a glance, every item clickable.

    Args:
        recurring: (id, label, reviews raising it) of the most-raised themes.
        gaps: (id, label) of themes raised by a review with no recorded action.
        reviews: (id, label) of the case reviews shown.
        more_reviews: how many reviews there are beyond those shown (the Reviews page lists every one).
    """
    parts = ['<div class="kg-section-title">The knowledge base at a glance <span class="kg-muted">(click to explore)'
             "</span></div>"]
    parts.append(chips_html("Most-raised themes:", "theme", [(i, f"{label} ({n})") for i, label, n in recurring]))
    parts.append(chips_html("Learning with no recorded action:", "theme", gaps))
    more = f"and {more_reviews:,} more: choose any on the Reviews page" if more_reviews else ""
    parts.append(chips_html("Newest case reviews:" if more_reviews else "Case reviews:", "review", reviews, more))
    return f'<div class="kg-welcome">{"".join(parts)}</div>'


INTRO_HTML = ('<div class="kg-answer"><p>Ask about the case reviews, their learning themes, the actions taken in '
              "response and who owns them.</p><p>Every statement of an answer cites the passage it comes from: click a "
              "citation or an evidence card to read the passage in its document, and a theme, review or organisation "
              "to explore it.</p></div>")


# ---- themes ----------------------------------------------------------------------------------------

@dataclass
class CitedLine:
    """A line of a theme profile (a review raising it, an action answering it) and the passage behind it."""

    html: str  # already escaped
    passage: Passage | None


class _PageCitations:
    """Citation numbers through one page (1, 2, 3 …): calling it gives a line's HTML with its citation button."""

    def __init__(self):
        self.numbers = iter(range(1, 10_000))

    def __call__(self, line: CitedLine) -> str:
        if line.passage is None:
            return line.html
        return f"{line.html} {_citation_button(next(self.numbers), line.passage)}"


def theme_profile_html(label: str, definition: str, alt_labels: Sequence[str], gap: bool,
                       reviews: Sequence[CitedLine], actions: Sequence[CitedLine], passages: Sequence[Passage],
                       more_passages: int = 0) -> str:
    """What the knowledge base records about one theme, every statement with its citation.

    Citations are numbered through the page: reviews first, then actions, then passages.
    """
    cite = _PageCitations()

    badge = ('<span class="kg-badge kg-badge-gap">learning, no recorded action</span>' if gap else
             '<span class="kg-badge kg-badge-ok">actions recorded</span>' if actions else "")
    parts = [f'<div class="kg-theme-head"><h2>{esc(label)}{badge}</h2>']
    if definition:
        parts.append(f'<div class="kg-definition">{esc(definition)}</div>')
    if alt_labels:
        parts.append(f'<div class="kg-muted">Also called: {esc(", ".join(alt_labels))}</div>')
    parts.append("</div>")
    parts.append(f'<div class="kg-section-title">Reviews that raised it ({len(reviews)})</div>')
    parts.append(f'<ul class="kg-list">{"".join(f"<li>{cite(r)}</li>" for r in reviews)}</ul>' if reviews else
                 '<div class="kg-muted">No review records it as a learning theme.</div>')
    parts.append(f'<div class="kg-section-title">Actions in response ({len(actions)})</div>')
    parts.append(f'<ul class="kg-list">{"".join(f"<li>{cite(a)}</li>" for a in actions)}</ul>' if actions else
                 '<div class="kg-muted">No recorded action answers this theme.</div>')
    if passages:
        start = next(cite.numbers)
        cards = "".join(passage_card(p, start + i) for i, p in enumerate(passages))
        more = f" — showing {len(passages)}, {more_passages} more in the documents" if more_passages else ""
        parts.append(f'<div class="kg-section-title">Passages that speak of it{esc(more)}</div>'
                     f'<div class="kg-cards">{cards}</div>')
    return "".join(parts)


# ---- reviews ---------------------------------------------------------------------------------------

@dataclass
class ReviewDocument:
    """A document that speaks of a review: where to read it, and where its original file downloads from."""

    doc: str
    title: str
    date: str | None
    first: Passage | None  # the first passage that names the review
    original_url: str | None


def review_page_html(label: str, facts: Sequence[tuple[str, str]], themes: Sequence[tuple[str, str, CitedLine]],
                     recommendations: Sequence[CitedLine], actions: Sequence[CitedLine],
                     documents: Sequence[ReviewDocument], node: str) -> str:
    """A review's page: its facts, the themes it raised, what it recommended and what was done, its documents.

    Args:
        label: the review's name.
        facts: (name, value) rows such as ("Type", "Rapid Review"), ("Year", "2023 (published)").
        themes: (theme id, theme label, the line citing where the review raises it).
        recommendations, actions: one cited line each, owners included.
        documents: the documents that speak of it, each with a link to read and to download.
        node: the review's node in the graph view ("review:<id>").
    """
    cite = _PageCitations()

    rows = "".join(f"<dt>{esc(name)}</dt><dd>{esc(value)}</dd>" for name, value in facts if value)
    parts = [f'<div class="kg-theme-head"><h2>{esc(label)}</h2><dl class="kg-facts">{rows}</dl>'
             f'<button class="kg-chip kg-chip-review" data-open="{open_link("node", id=node)}">'
             "Show its connections in the graph</button></div>"]
    parts.append(f'<h3 class="kg-section-title">Themes it raised ({len(themes)})</h3>')
    if themes:
        items = "".join(f'<li><button class="kg-chip kg-chip-theme" data-open="{open_link("theme", id=theme_id)}">'
                        f"{esc(theme_label)}</button> {cite(line)}</li>" for theme_id, theme_label, line in themes)
        parts.append(f'<ul class="kg-list kg-theme-lines">{items}</ul>')
    else:
        parts.append('<div class="kg-muted">No learning theme is recorded for this review.</div>')
    parts.append(f'<h3 class="kg-section-title">Recommendations ({len(recommendations)})</h3>')
    parts.append(f'<ol class="kg-list">{"".join(f"<li>{cite(r)}</li>" for r in recommendations)}</ol>'
                 if recommendations else '<div class="kg-muted">No recommendation of this review is recorded.</div>')
    parts.append(f'<h3 class="kg-section-title">Actions taken after it ({len(actions)})</h3>')
    parts.append(f'<ul class="kg-list">{"".join(f"<li>{cite(a)}</li>" for a in actions)}</ul>'
                 if actions else '<div class="kg-muted">No action taken in response is recorded.</div>')
    parts.append(f'<h3 class="kg-section-title">Documents that speak of it ({len(documents)})</h3>')
    lines = []
    for d in documents:
        read = (f'<button class="kg-open" data-open="{passage_link(d.first, "")}">read where it is named</button>'
                if d.first else "")
        download = (f'<a class="kg-download" href="{esc(d.original_url)}" download>download the original</a>'
                    if d.original_url else '<span class="kg-muted">original file not kept</span>')
        lines.append(f"<li><b>{esc(d.title)}</b> <span class=kg-muted>({esc(_date_year(d.date))})</span> "
                     f"{read} {download}</li>")
    parts.append(f'<ul class="kg-list">{"".join(lines)}</ul>')
    return f'<div class="kg-review-page">{"".join(parts)}</div>'


# ---- documents -------------------------------------------------------------------------------------

def _document_body(text: str, sections: Sequence[Section], passage: tuple[int, int] | None,
                   quotes: Sequence[tuple[int, int]], finds: Sequence[tuple[int, int]] = ()) -> str:
    """The document text escaped, headings bold, the passage in one <mark id=kg-passage>, its quotes marked inside,
    and the matches of a search within the document marked (the first one scrolled to)."""
    headings = [(s.start, s.start + len(s.title)) for s in sections if text.startswith(s.title, s.start) and s.title]
    cuts = {0, len(text)}
    if passage:
        cuts |= {max(0, min(passage[0], len(text))), max(0, min(passage[1], len(text)))}
    for s, e in [*headings, *quotes, *finds]:
        cuts |= {max(0, min(s, len(text))), max(0, min(e, len(text)))}
    points = sorted(cuts)
    first_find = finds[0][0] if finds else None
    out = []
    for s, e in zip(points, points[1:]):
        if passage and s == passage[0]:
            out.append('<mark class="kg-passage" id="kg-passage">')
        piece = esc(text[s:e])
        classes = []
        if any(hs <= s and e <= he for hs, he in headings):
            classes.append("kg-heading")
        if any(fs <= s and e <= fe for fs, fe in finds):
            first = ' id="kg-find-first"' if s == first_find else ""
            out.append(f'<mark class="kg-find{" kg-heading" if classes else ""}"{first}>{piece}</mark>')
        elif passage and passage[0] <= s and e <= passage[1] and any(qs <= s and e <= qe for qs, qe in quotes):
            out.append(f'<mark class="kg-quote{" kg-heading" if classes else ""}">{piece}</mark>')
        elif classes:
            out.append(f'<span class="{" ".join(classes)}">{piece}</span>')
        else:
            out.append(piece)
        if passage and e == passage[1] and passage[1] > passage[0]:
            out.append("</mark>")
    return "".join(out)


def find_spans(text: str, words: str, most: int = 500) -> list[tuple[int, int]]:
    """Where `words` occur in `text` (case-insensitive, any run of spaces matching any other), at most `most`."""
    terms = words.split()
    if not terms:
        return []
    pattern = re.compile(r"\s+".join(re.escape(t) for t in terms), re.IGNORECASE)
    return [(m.start(), m.end()) for m, _ in zip(pattern.finditer(text), range(most))]


def document_html(doc: str, title: str, text: str, sections: Sequence[Section] = (), date: str | None = None,
                  body: str | None = None, kind: str | None = None, source: str | None = None,
                  passage: tuple[int, int] | None = None, quotes: Sequence[tuple[int, int]] = (),
                  label: str = "", nonce: int = 0, find: str = "", original_url: str | None = None) -> str:
    """The document viewer: a header with the metadata, then the cleaned text with the passage highlighted.

    Args:
        doc: the document id (its file name).
        title, date, body, kind, source: metadata for the header.
        text: the cleaned document text; `sections` bolds its headings.
        passage: (start, end) offsets to highlight and scroll to, if any.
        quotes: (start, end) offsets inside the passage to highlight more strongly.
        label: what the passage is, e.g. "[3]", shown in the header.
        nonce: changes the HTML even when the same passage is opened again, so the page scrolls to it again.
        find: words to find within the document; every match is marked and the first scrolled to.
        original_url: where the original file downloads from, when it was kept.
    """
    if passage is not None:
        passage = (max(0, min(passage[0], len(text))), max(0, min(passage[1], len(text))))
        if passage[1] <= passage[0]:
            passage = None
    meta = " · ".join(x for x in (date or "undated", body, kind, f"{len(text.split()):,} words", doc) if x)
    showing = ""
    if passage:
        where = next((s.path for s in reversed(sections) if s.start <= passage[0] < s.end), [])
        showing = (f'<div class="kg-muted">Showing {esc(label + " ") if label else ""}highlighted'
                   f'{" in " + esc(SECTION_SEPARATOR.join(where)) if where else ""} '
                   f"(characters {passage[0]:,}–{passage[1]:,}).</div>")
    finds = find_spans(text, find) if find.strip() else []
    if find.strip():
        shown = f"{len(finds):,}{'+' if len(finds) >= 500 else ''}"
        showing += (f'<div class="kg-find-count" role="status">“{esc(find.strip())}”: {shown} '
                    f'match{"es" if len(finds) != 1 else ""} in this document.</div>')
    download = (f' <a class="kg-download" href="{esc(original_url)}" download>Download the original file</a>'
                if original_url else "")
    head = (f'<div class="kg-doc-head" data-nonce="{nonce}"><h2>{esc(title)}</h2>'
            f'<div class="kg-muted">{esc(meta)}{download}</div>'
            f'{f"<div class=kg-muted>Source: {esc(source)}</div>" if source else ""}{showing}</div>')
    spans = list(quotes) if passage else []
    body = _document_body(text, sections, passage, spans, finds)
    # Focusable, so the text scrolls by keyboard (arrow keys, Page Down) once tabbed to.
    return (f'{head}<div class="kg-doc" tabindex="0" role="region" aria-label="Text of {esc(title)}">'
            f"{body}</div>")
