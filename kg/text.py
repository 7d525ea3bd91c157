"""Spans of text: lines, paragraphs, sentences, bullet items, table rows and inline leads.

The one place kg cuts text into pieces: ingest (chunking at sentence ends), extraction
(sentences, bullets, leads) and ask (sentences to quote) all use it. Cleaned text has one
paragraph, bullet item or table row per line and blank lines between blocks; bullets may also
run inline ("• a • b"). Everything here returns offsets into the text it was given, so a quote
can always be cut out exactly: `text[span.start:span.end]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BULLETS = "•●▪◦■‣⁃"
_BULLET_START = re.compile(rf"\s*(?:[{BULLETS}]|-(?=\s?[A-Za-z])|–(?=\s)|\d{{1,2}}[.)](?=\s))\s*")
# A full stop, question or exclamation mark, optional closing quotes or brackets, space, then a likely sentence start.
_SENTENCE_END = re.compile(r"[.!?](?:[\"”’')\]*]+)?\s+(?=[\"“‘'(\[]?[A-Z0-9•\-])")
# Words whose full stop does not end a sentence ("e.g.", "Dr.", "para.", "No. 4").
ABBREVIATIONS = {
    "e.g", "i.e", "etc", "no", "nos", "dr", "mr", "mrs", "ms", "cllr", "st", "vs", "v", "approx", "incl", "inc",
    "ref", "sc", "fig", "para", "paras", "cf", "al", "co", "ltd", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "p", "pp", "vol", "ch", "sec", "rev", "gov", "nhs", "jr", "s",
}
_INLINE_BULLET = re.compile(rf"\s[{BULLETS}]\s")
_LEAD = re.compile(r"([A-Z0-9][^:.!?\n]{1,150}?):\s+(?=\S)")
_LEAD_STOP_ENDINGS = {"of", "upon", "on", "to", "include", "includes", "including", "are", "is", "was", "were",
                      "and", "or", "the", "a", "as", "in", "for", "with", "by", "from", "featured", "said", "below",
                      "report", "reports", "follows"}
_FINITE_VERBS = re.compile(r"\b(?:has|have|had|is|are|was|were|will|would|can|could|should|did|does|include[sd]?)\b")


@dataclass(frozen=True)
class Span:
    """A stretch of text: text[start:end]."""

    start: int
    end: int


def trim(text: str, start: int, end: int) -> Span:
    """The span without surrounding white space (and without a leading bullet mark)."""
    while start < end and text[start].isspace():
        start += 1
    match = _BULLET_START.match(text, start, end)
    if match and match.end() < end:
        start = match.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end)


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Lines of text[start:end] (a paragraph, bullet item or table row each), trimmed, empty ones dropped."""
    end = len(text) if end is None else end
    spans = []
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        line_end = end if newline < 0 else newline
        span = trim(text, position, line_end)
        if span.end > span.start:
            spans.append(span)
        position = line_end + 1
    return spans


def is_bullet(text: str, span: Span) -> bool:
    """True when the line holding `span` starts with a bullet mark."""
    line_start = text.rfind("\n", 0, span.start) + 1
    return bool(_BULLET_START.match(text, line_start, span.end))


def is_table_row(text: str, span: Span) -> bool:
    """True for a line rendered from a table row ("cell | cell")."""
    return " | " in text[span.start:span.end]


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of text[start:end]: lines, then inline bullet items, then sentence ends; table rows stay whole."""
    out: list[Span] = []
    for line in paragraphs(text, start, end):
        if is_table_row(text, line):
            out.append(line)
            continue
        for item in _split(text, line, _INLINE_BULLET):
            out.extend(_split_sentence_ends(text, item))
    return out


def _split(text: str, span: Span, separator: re.Pattern) -> list[Span]:
    parts, position = [], span.start
    for match in separator.finditer(text, span.start, span.end):
        parts.append(trim(text, position, match.start()))
        position = match.start() + 1
    parts.append(trim(text, position, span.end))
    return [p for p in parts if p.end > p.start]


def _split_sentence_ends(text: str, span: Span) -> list[Span]:
    pieces = [trim(text, start, end) for start, end in _sentence_ends(text, span.start, span.end)]
    return [p for p in pieces if p.end > p.start]


def _sentence_ends(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the sentences of text[start:end], abbreviation- and initial-aware."""
    out: list[tuple[int, int]] = []
    position = start
    while position < end and text[position].isspace():
        position += 1
    for m in _SENTENCE_END.finditer(text, position, end):
        word = re.search(r"([A-Za-z][A-Za-z.]*)\.$", text[position:m.start() + 1])
        if word and (word.group(1).lower().rstrip(".") in ABBREVIATIONS or len(word.group(1)) == 1):
            continue
        close = m.start() + len(m.group(0).rstrip())  # keep closing quotes with the sentence they end
        out.append((position, close))
        position = m.end()
    tail_end = end
    while tail_end > position and text[tail_end - 1].isspace():
        tail_end -= 1
    if tail_end > position:
        out.append((position, tail_end))
    return out


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """The sentences of one stretch of running text (no line or bullet handling), as spans."""
    return [Span(s, e) for s, e in _sentence_ends(text, start, len(text) if end is None else end)]


def line_at(text: str, offset: int) -> Span:
    """The line (paragraph, bullet item or table row of cleaned text) holding the offset."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return Span(start, len(text) if end < 0 else end)


def inline_lead(text: str, span: Span) -> Span | None:
    """A heading run into its paragraph ("BRUISING PROTOCOLS: The review…", "Child SS CSPR: The…").

    A lead is a short phrase before a colon at the start of the span that reads as a
    heading: in capitals, or at most sixteen words without a finite verb and not
    ending in a word that introduces a list ("…themes of:", "…includes:").
    """
    match = _LEAD.match(text, span.start, span.end)
    if not match:
        return None
    lead = match.group(1)
    words = lead.split()
    letters = [c for c in lead if c.isalpha()]
    upper = letters and sum(c.isupper() for c in letters) / len(letters) > 0.7
    if not upper:
        if len(words) > 16 or words[-1].lower() in _LEAD_STOP_ENDINGS or _FINITE_VERBS.search(lead):
            return None
    return Span(match.start(1), match.end(1))


def after_lead(text: str, span: Span) -> Span:
    """The span with its inline lead (and the colon after it) removed."""
    lead = inline_lead(text, span)
    if lead is None:
        return span
    position = lead.end
    while position < span.end and (text[position] in ":" or text[position].isspace()):
        position += 1
    # A second lead can follow the first ("EVIDENCE …: APPLICATION OF THRESHOLDS: Key learning…").
    rest = Span(position, span.end)
    second = inline_lead(text, rest)
    if second is not None and second.start == rest.start:
        return after_lead(text, rest)
    return rest


def leads(text: str, span: Span) -> list[Span]:
    """All inline leads at the start of a span, outermost first."""
    found = []
    current = span
    while True:
        lead = inline_lead(text, current)
        if lead is None:
            return found
        found.append(lead)
        position = lead.end
        while position < current.end and (text[position] == ":" or text[position].isspace()):
            position += 1
        current = Span(position, current.end)


def list_lead_in(text: str, span: Span) -> Span | None:
    """For a list item, the line that introduces its list ("The review identified four learning themes:"), if any.

    The nearest line above the item that is not itself an item, when it ends with a colon.
    """
    if not is_bullet(text, span):
        return None
    position = text.rfind("\n", 0, span.start)
    while position > 0:
        line_start = text.rfind("\n", 0, position) + 1
        line = trim(text, line_start, position)
        position = line_start - 1
        if line.end <= line.start:
            continue
        if is_bullet(text, line):
            continue
        return line if text[line.start:line.end].rstrip().endswith(":") else None
    return None
