"""Property-based tests for the cleaner and the chunker: invariants that must hold for any input.

Inputs are generated two ways: `messy_reports()` builds text that looks like what readers hand the
cleaner from real partnership reports (hard-wrapped PDF paragraphs, numbered paragraphs, bullets
of every kind, caps and `#` headings, tab-separated tables, HTML left in the text, page numbers,
over-long sentences, unicode punctuation), and `arbitrary_text()` is any text at all.

The invariants, stated precisely:

* offsets: `text[c.start:c.end] == c.text` for every chunk;
* coverage: every non-whitespace character of the cleaned text lies inside at least one chunk
  (chunks may overlap; what lies between them is whitespace only);
* size: a "word" is what `str.split()` yields (a maximal run of non-whitespace), which is also
  what `Chunk.words` counts. The chunker may cut anywhere between two words, so the only thing
  that cannot be split is a single word — and a single word counts 1. Hence `c.words <= max_words`
  holds for every chunk, with no exception (a 5,000-character URL or a run of CJK text without
  spaces is one word and fits any `max_words >= 1`);
* idempotence: `clean_text(clean_text(x)) == clean_text(x)`, except in the one case that cannot
  be told apart from a page break in cleaned text (see `heading_runs_on`);
* blocks: offsets from `clean_blocks` slice `clean_text(x)` to each block's text, in order,
  with only whitespace between blocks;
* sections: `start <= end`, inside the text, and each section lies inside its parent (the
  section whose path is its own path minus the last title);
* chunk sections: a chunk's path is empty only if its first content character comes before the
  first section; otherwise it is the path of the innermost section containing that character
  ("first content character": the chunk's first character that is not in a heading, because a
  chunk that opens with headings is filed under the deepest of them — by design, see
  `_first_content_offset`). The section containing the chunk start is then an ancestor of (or
  the same as) that section, and the chunk ends inside it;
* ids: unique within a document, and the same ids, spans and texts for the same input.
"""

from __future__ import annotations

import re
import string

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kg.ingest.chunk import build_sections, chunk_blocks, section_path_at
from kg.text import sentence_spans
from kg.ingest.clean import clean_blocks, clean_text, render

# ---- strategies ---------------------------------------------------------------------------------

WORDS = [
    "the", "review", "found", "that", "information", "sharing", "between", "agencies", "was", "poor",
    "and", "professionals", "did", "not", "escalate", "concerns", "GP", "MASH", "Child", "L", "CSPR",
    "health", "visitor", "multi-agency", "Partnership", "Barnet", "e.g.", "i.e.", "Dr.", "No.", "etc.",
    "2023", "1.4", "£2,000", "(CLCH)", "children’s", "“voice”", "–", "—", "…", "co-ordinated",
    "safeguarding", "of", "to", "in", "for", "with", "by", "a", "an", "is", "Ofsted", "St.", "para",
    "x", "résumé", "Zoë", "naïve", "café", "façade", "self-harm", "&", "/", "20%", "U.K.", "Mr.",
]
WORD = st.sampled_from(WORDS)
UNICODE_BITS = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12)


@st.composite
def sentence(draw, min_words=3, max_words=25, punctuate=True):
    words = draw(st.lists(WORD, min_size=min_words, max_size=max_words))
    words[0] = words[0][:1].upper() + words[0][1:]
    end = draw(st.sampled_from([".", ".", ".", "?", "!", ";", ":", "", ".”", ".)"])) if punctuate else ""
    return " ".join(words) + end


@st.composite
def paragraph(draw):
    text = " ".join(draw(st.lists(sentence(), min_size=1, max_size=6)))
    style = draw(st.sampled_from(["flat", "wrapped", "wrapped_blank"]))
    if style == "flat":
        return text
    width = draw(st.integers(20, 90))
    lines, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    joiner = "\n\n" if style == "wrapped_blank" else "\n"
    return joiner.join(lines)


def caps_heading():
    return st.lists(st.sampled_from(["CHILD L", "EVIDENCE", "OF", "LEARNING", "INTO", "PRACTICE", "AND",
                                     "IMPACT", "BRUISING", "PROTOCOLS", "THE", "MASH", "2023/24"]),
                    min_size=1, max_size=8).map(" ".join)


def title_heading():
    return st.lists(st.sampled_from(["Learning", "Review", "Summary", "Governance", "and", "of",
                                     "Partnership", "Impact", "Actions", "Taken"]),
                    min_size=1, max_size=6).map(lambda ws: " ".join(w.capitalize() if i == 0 else w
                                                                    for i, w in enumerate(ws)))


@st.composite
def numbered(draw):
    number = ".".join(str(draw(st.integers(1, 12))) for _ in range(draw(st.integers(1, 3))))
    body = draw(st.one_of(paragraph(), caps_heading(), title_heading()))
    dot = draw(st.sampled_from(["", ".", ")"]))
    return f"{number}{dot} {body}"


@st.composite
def bullet(draw):
    mark = draw(st.sampled_from(["- ", "* ", "\uf0b7 ", "\uf0b7\t", "• ", "● ", "o ", "– ", "a) ", "(i) ",
                                 "1. ", "-", "\uf0a7 ", "  - ", "▪"]))
    return mark + draw(st.one_of(sentence(), paragraph()))


@st.composite
def table(draw):
    cols = draw(st.integers(1, 4))
    cell = st.one_of(st.just(""), st.sampled_from(WORDS), sentence(1, 8),
                     st.sampled_from(["Case", "Theme", "Action:", "Owner", "2023", "£4,000", "• Adultification"]))
    rows = draw(st.lists(st.lists(cell, min_size=cols, max_size=cols), min_size=1, max_size=5))
    joiner = draw(st.sampled_from(["\n", "\n\n"]))
    return joiner.join("\t".join(r) for r in rows)


@st.composite
def row_lines(draw):
    """Tables written a row a line: Markdown pipe tables, " | " rows, "Label: value" field lists."""
    kind = draw(st.sampled_from(["markdown", "pipes", "fields"]))
    cell = st.one_of(st.just(""), st.sampled_from(WORDS), sentence(1, 6, punctuate=False))
    rows = draw(st.lists(st.lists(cell, min_size=2, max_size=4), min_size=1, max_size=5))
    if kind == "markdown":
        lines = ["| " + " | ".join(r) + " |" for r in rows]
        lines.insert(1, "|" + "|".join("---" for _ in rows[0]) + "|")
    elif kind == "pipes":
        lines = [" | ".join(r) for r in rows]
    else:
        lines = [f"{r[0] or 'Status'}: {r[1]}" for r in rows]
    return "\n".join(lines)


@st.composite
def html_fragment(draw):
    inner = draw(sentence())
    pattern = draw(st.sampled_from([
        "<p>{}</p>", "<p style=\"x\">{}</p><p>{}</p>", "<li>{}</li>", "{}<br>{}", "<b>{}</b> &amp; more",
        "<ul style=\"list-style-type: none\"> • {} • {}</ul>", "&lt;{}&gt;", "<span>{}</span>&nbsp;", "<div>{}",
        "{} &#8217; &quot;{}&quot;", "<h2>{}</h2>", "<a href=\"#\">{}</a>", "**{}**", "[{}](#)", "<{}>",
    ]))
    return pattern.format(inner, inner)


def furniture():
    return st.sampled_from(["12", "Page 3", "page 3 of 10", "- 4 -", "3/12", "This page is intentionally left blank",
                            "-----", "___", "* * *", "\t", " ", "\f"])


@st.composite
def long_run_on(draw):
    return " ".join(draw(st.lists(WORD, min_size=60, max_size=400)))


@st.composite
def md_heading(draw):
    return "#" * draw(st.integers(1, 6)) + " " + draw(st.one_of(title_heading(), caps_heading(), sentence()))


PIECE = st.one_of(
    paragraph(), paragraph(), numbered(), bullet(), bullet(), caps_heading(), title_heading(), md_heading(),
    table(), row_lines(), html_fragment(), furniture(), long_run_on(), st.just(""), UNICODE_BITS,
    st.sampled_from(["CHILD L: EVIDENCE OF PUTTING LEARNING INTO PRACTICE AND ITS IMPACT:",
                     "BRUISING PROTOCOLS: The review identified the problem.",
                     "Section 2: Governance: The Board met.", "Critical", "learning themes within this review",
                     "1.1 Children’s services in Barnet were judged", "by Ofsted to be inadequate.",
                     "\u2028", "\u2029", "\u00a0", "\u200b", "\ufeff", "\r\n", "\r"]),
)


@st.composite
def messy_reports(draw):
    pieces = draw(st.lists(PIECE, min_size=1, max_size=14))
    seps = draw(st.lists(st.sampled_from(["\n", "\n\n", "\n\n\n\n\n", "\n \n", " ", "\r\n", "\t"]),
                         min_size=len(pieces), max_size=len(pieces)))
    return "".join(p + s for p, s in zip(pieces, seps))


def arbitrary_text():
    return st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=400)


def any_text():
    return st.one_of(messy_reports(), messy_reports(), arbitrary_text(),
                     st.text(alphabet=string.printable + "•\uf0b7–—’“”…é\u00a0\u2028", max_size=300))


@st.composite
def sizes(draw):
    """(target, max, overlap) word counts: the defaults, and small ones that force every edge case."""
    if draw(st.booleans()):
        return 130, 190, 90
    maximum = draw(st.integers(1, 60))
    target = draw(st.integers(1, maximum))
    overlap = draw(st.integers(0, maximum))
    return target, maximum, overlap


# ---- the pipeline under test --------------------------------------------------------------------

def pipeline(raw: str, target=130, maximum=190, overlap=90, doc="doc.txt"):
    """What `ingest_file` does after reading: blocks, text, sections, chunks."""
    blocks = clean_blocks(raw)
    text = render(blocks)
    sections = build_sections(blocks, len(text))
    chunks = chunk_blocks(doc, text, blocks, sections, target, maximum, overlap)
    return blocks, text, sections, chunks


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- cleaner ------------------------------------------------------------------------------------

def heading_runs_on(raw: str) -> bool:
    """Whether a Markdown heading is followed by a line that, once the heading's "#" is gone, joins onto it.

    This is the one place cleaning cannot be idempotent. The cleaned text keeps a heading's words but
    not its "#", so "# Safer sleeping" + "the ICON programme…" cleans to "Safer sleeping\n\nthe ICON
    programme…" — and that text, read again, is a line broken before a lower-case word, which is how
    PDF text breaks a sentence over a page ("…in the last 6 months" / "from 08/05/2023…" in the
    corpus) and must be re-joined. Keeping the heading needs the "#", re-joining the page break needs
    the join; nothing in the cleaned text tells the two apart.
    """
    # Lines (HTML tags end one too), each read on its own with any cells run together.
    raw_lines = re.split(r"\r\n|[\r\n\f\u2028\u2029]|<[^<>]*>", raw)
    lines = [clean_text(" ".join(ln.split())) for ln in raw_lines]
    for k, line in enumerate(lines):
        if not re.match(r"^[\s\x00-\x1f\x7f\u200b-\u200d\u2060\ufeff\u00ad]*#{1,6}\s+\S", raw_lines[k]) or not line:
            continue
        before = next((ln for ln in reversed(lines[:k]) if ln), None)
        after = next((ln for ln in lines[k + 1:] if ln), None)
        pairs = [(before, line)] if before else []
        pairs += [(line, after)] if after else []
        for first, second in pairs:
            if len(clean_blocks(f"{first}\n\n{second}")) < len(clean_blocks(first)) + len(clean_blocks(second)):
                return True
    return False


@PROPERTY
@given(any_text())
@example("a\n\n\n\n\nb")  # more than three blank lines: not a paragraph break once cleaned
@example("a\n\n\n\n\n1.1 The review")
@example("Wards\tAll\nStatus\tPublic\n\nthe report")  # a table's rows read back as rows
@example("Chair: Councillor A\nVice Chair: Councillor B")  # a field list
@example("Title\tUpdate report\nWards\t\nStatus\tPublic")  # ... with an empty value
@example("L\ty\nù\t")  # a two-column table whose second row has one cell
@example("e\t\ne")  # a stray trailing tab is not a table
@example("--------- | ----- | --\nCase | Theme")  # a rule row drawn with dashes
@example("<p>The review of the</p><p>agency</p>")  # HTML block tags break paragraphs like blank lines
@example("see [the protocol](#)\n\nand the form")  # decisions read links as their text
@example("&amp;lt;b&amp;gt;bold")  # markup escaped twice
@example("<u>4")  # a page number under markup
@example("OF\n- 1.4 the review.")  # a paragraph number dressed as a list item
@example("The review.\nOF\n\n\n\n\n- 1.4 the review.")  # ... after a page break
@example("\x1f·")  # a control character before a bullet glyph
@example("# – – 0")  # list markers in a heading
def test_cleaning_is_idempotent(raw):
    once = clean_text(raw)
    if clean_text(once) != once:
        assert heading_runs_on(raw), (once, clean_text(once))


def test_the_documented_exception_is_real():
    raw = "# Safer sleeping\n\nthe ICON programme reached fathers through antenatal classes."
    once = clean_text(raw)
    assert once == "Safer sleeping\n\nthe ICON programme reached fathers through antenatal classes."
    assert clean_text(once) == "Safer sleeping the ICON programme reached fathers through antenatal classes."
    assert heading_runs_on(raw)


def test_cleaning_the_real_corpus_again_changes_nothing(ingested):
    for document in ingested.documents:
        assert clean_text(document.text) == document.text, document.doc


@PROPERTY
@given(any_text())
def test_block_offsets_slice_the_rendered_text(raw):
    blocks = clean_blocks(raw)
    text = clean_text(raw)
    assert text == render(blocks)
    position = 0
    for block in blocks:
        assert block.text and block.text == block.text.strip()
        assert text[block.start:block.end] == block.text
        assert block.start >= position and not text[position:block.start].strip()
        position = block.end
    assert position == len(text)


# ---- chunker ------------------------------------------------------------------------------------

@PROPERTY
@given(any_text(), sizes())
@example("x" * 5000 + " the review found " + "y" * 3000, (1, 1, 0))  # words longer than a page
@example("\t\n0\n", (130, 190, 90))
def test_chunk_offsets_coverage_and_size(raw, size):
    target, maximum, overlap = size
    _, text, _, chunks = pipeline(raw, target, maximum, overlap)
    covered = bytearray(len(text))
    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert text[chunk.start:chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip()
        assert chunk.words <= maximum, (chunk.words, maximum, chunk.text[:200])
        covered[chunk.start:chunk.end] = b"\x01" * (chunk.end - chunk.start)
    lost = [i for i, ch in enumerate(text) if not covered[i] and not ch.isspace()]
    assert not lost, f"characters in no chunk: {text[lost[0]:lost[0] + 60]!r}"


@PROPERTY
@given(any_text())
def test_sections_nest(raw):
    _, text, sections, _ = pipeline(raw)
    for i, section in enumerate(sections):
        assert 0 <= section.start <= section.end <= len(text)
        assert section.path[-1] == section.title and section.title
        if len(section.path) > 1:
            parents = [s for s in sections[:i] if s.path == section.path[:-1] and s.level < section.level]
            assert parents, section
            parent = parents[-1]
            assert parent.start <= section.start and section.end <= parent.end
    # Sections containing any one offset form a chain: each one's path extends the last.
    for offset in {s.start for s in sections}:
        chain = sorted((s for s in sections if s.start <= offset < s.end), key=lambda s: s.level)
        for outer, inner in zip(chain, chain[1:]):
            assert inner.path[:len(outer.path)] == outer.path


@PROPERTY
@given(any_text(), sizes())
@example("The review?\nCHILD L: EVIDENCE OF PUTTING LEARNING INTO PRACTICE:\nThe review met.\n", (1, 1, 0))
@example("# Part one\n\n## Empty\n\n## Full\n\nThe review met twice.\n\n## Last", (130, 190, 90))
@example("The review.\n\n\n0 0 B\n### :\n### ;\nThe review met.\n", (4, 5, 1))
@example("The review.\n\n\nB\n0:\n### :\nThe review met.\n", (2, 2, 1))
def test_chunk_section_paths_name_a_containing_section(raw, size):
    blocks, _, sections, chunks = pipeline(raw, *size)
    first_section = min((s.start for s in sections), default=None)
    for chunk in chunks:
        inside = [b for b in blocks if b.end > chunk.start and b.start < chunk.end]
        content = next((max(b.start, chunk.start) for b in inside if b.kind != "heading"), chunk.start)
        at_start = section_path_at(sections, chunk.start)
        if not chunk.section:
            assert first_section is None or content < first_section, (chunk.start, content, first_section)
            continue
        at_content = section_path_at(sections, content)
        at_end = section_path_at(sections, max(content, chunk.end - 1))
        shared = []
        for a, b in zip(at_content, at_end):
            if a != b:
                break
            shared.append(a)
        if at_end != at_content and shared and at_content[:len(at_start)] == at_start:
            # Short sibling sections merged into one chunk: filed under the parent they share, which holds it all.
            assert chunk.section == shared, (chunk.section, shared)
            home = next(s for s in reversed(sections) if s.start <= content < s.end and s.path == chunk.section)
            assert home.end >= chunk.end or all(b.kind == "heading" for b in inside if b.end > home.end)
            continue
        if at_content[:len(at_start)] == at_start:
            # The section of the chunk's first content, which lies in the section at its start.
            assert chunk.section == at_content, (chunk.section, at_content)
            home = next(s for s in reversed(sections) if s.start <= content < s.end and s.path == chunk.section)
        else:
            # The chunk opens with the heading of an empty sibling section: the innermost section
            # holding both its start and its content.
            holding = [s for s in sections if s.start <= chunk.start and content < s.end]
            home = max(holding, key=lambda s: s.level)
            assert chunk.section == home.path, (chunk.section, home.path)
        # The chunk's content lies in its section; past the section's end there can only be headings:
        # those of empty sections (headed by nothing, they close the passage before them), or, in a
        # chunk of headings alone (a run of headings longer than max_words), any heading.
        has_content = any(b.kind != "heading" for b in inside)
        for block in inside:
            if block.end > home.end:
                assert block.kind == "heading", (chunk.section, block.text)
                opened = next(s for s in sections if s.start == block.start)
                assert not has_content or not any(block.end <= b.start < opened.end for b in blocks), block.text


@PROPERTY
@given(any_text(), sizes())
def test_chunk_ids_are_unique_and_stable(raw, size):
    _, _, _, chunks = pipeline(raw, *size)
    ids = [c.chunk_id for c in chunks]
    assert len(ids) == len(set(ids))
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    _, _, _, again = pipeline(raw, *size)
    assert [(c.chunk_id, c.start, c.end, c.text, c.section) for c in again] == \
           [(c.chunk_id, c.start, c.end, c.text, c.section) for c in chunks]


@PROPERTY
@given(st.one_of(messy_reports(), arbitrary_text()))
@example("\t\n0\n")  # leading whitespace is not part of the first sentence
def test_sentence_spans_are_ordered_trimmed_and_cover_the_text(raw):
    text = "x" * 7 + raw  # spans are offsets into the text they are cut from
    spans = sentence_spans(text, 7)
    position = 7
    for span in spans:
        assert position <= span.start < span.end
        piece = text[span.start:span.end]
        assert piece == piece.strip() and piece
        assert not text[position:span.start].strip()
        position = span.end
    assert not text[position:].strip()
