"""Turn raw extracted text into clean, structured blocks.

What real council and partnership documents contain, and what happens to it:
HTML tags and entities left in the text are removed (their paragraph breaks
kept); hard-wrapped lines from PDF extraction are re-joined into sentences;
private-use bullet glyphs (U+F0B7…) and other bullet marks become "• ";
page numbers, "intentionally left blank" pages and table rules are dropped;
Markdown emphasis and link syntax are reduced to their text; tab-separated
tables become one line per row with each cell labelled by its column header;
tables already written a row a line (pipe rows, "Label: value" lists) stay so.

The cleaned text is `render(blocks)`; blocks keep their offsets into it, so
every later stage can point back to exact characters. Cleaning the cleaned
text changes nothing (tests/test_ingest_properties.py says where it cannot).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# ---- characters ------------------------------------------------------------------------------

_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]")
_BULLET_GLYPHS = "•●▪■□◦‣⁃❖➢➤►▶✓✔○◆◇∙·"
_LINE_BULLET = re.compile(rf"^[ \t]*(?:[-*][ \t]+)?(?:[\ue000-\uf8ff]|[{_BULLET_GLYPHS}])[ \t]*")

# Formatting tags seen in converted documents; anything else in angle brackets stays as text.
_TAG_NAMES = ("p|div|span|u|b|i|em|strong|font|ul|ol|li|br|hr|sup|sub|a|table|thead|tbody|tr|td|th|"
              "h[1-6]|img|section|article|blockquote|small|big|center|s|strike|del|ins|mark|abbr|cite|code|pre|col|colgroup")
_BLOCK_TAG = re.compile(r"</?(?:p|div|li|ul|ol|br|hr|tr|table|h[1-6]|section|article|blockquote)\b[^<>]*>", re.I)
_ANY_TAG = re.compile(rf"</?(?:{_TAG_NAMES})\b[^<>]*/?>", re.I)

_FURNITURE = re.compile(
    r"^\s*(?:(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|-\s*\d{1,4}\s*-|this page (?:is )?intentionally (?:been )?left blank\.?"
    r"|[-–—_=|:\t ]{3,}|\*\s*\*\s*\*)\s*$",
    re.I,
)

_INNER_TAB = re.compile(r"\S[ \t]*\t[ \t]*\S")
_PIPE_ROW = re.compile(r"\S \| \S|^\|.*\S.*\|$")
_FIELD_LINE = re.compile(r"^([^\s:|•][^:|]{0,59}):\s+\S")  # "Wards: All"
_RULE_CELL = re.compile(r"^[-–—_=:.| ]*$")  # a table rule drawn with characters: "----", ":---:"

# ---- structure -------------------------------------------------------------------------------

_PARA_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){1,3})\.?\s+(?=\S)")
_MARKED_NUMBER = re.compile(r"^(?:[-*–]|•)\s+(?=\d{1,2}(?:\.\d{1,3}){1,3}\.?\s)")  # "- 1.4 " -> "1.4 "
_TOP_NUMBER = re.compile(r"^(\d{1,2})\.\s+(?=\S)")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_ITEM = re.compile(r"^(?:[•\-*–]|\d{1,2}[.)]|[a-z][.)]|\([a-z0-9]{1,3}\))\s+(?=\S)")
_TERMINAL = tuple('.!?;:)"”’\']')
_CAPS_TOKEN = r"(?:[A-Z0-9][A-Z0-9&'’/\-,()+]*|&)"
_LEAD_CAPS = re.compile(rf"^((?:{_CAPS_TOKEN}\s+){{0,14}}{_CAPS_TOKEN}(?:\s*:\s*(?:{_CAPS_TOKEN}\s*)+)*)\s*:\s+(?=\S)")
_SECTION_LEAD = re.compile(r"^((?:Section|Part|Chapter|Appendix)\s+[0-9A-Z]{1,3}\s*[:.\-–]\s*[^:.]{2,80}?)\s*:\s+(?=[A-Z])")
_TITLE_LEAD = re.compile(r"^([A-Z][^:.;!?]{2,90}?)\s*:\s+(?=[A-Z*])")
_FUNCTION_WORDS = {
    "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "but", "with", "by", "at", "from", "as",
    "that", "which", "who", "whose", "is", "are", "was", "were", "be", "been", "has", "have", "had", "will",
    "would", "should", "could", "can", "may", "must", "into", "onto", "upon", "their", "its", "his", "her",
    "our", "this", "these", "those", "such", "than", "not", "also", "both", "within", "between", "across",
    "including", "where", "when", "while", "all", "any", "each", "every", "more", "most", "very", "so",
}
_SMALL_WORDS = {"a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "with", "by", "at", "from", "as",
                "&", "-", "–", "vs", "v", "per", "into", "its", "our", "their", "is", "are", "not", "up"}


@dataclass
class Block:
    """A unit of cleaned text: a heading, a paragraph, a list item or a table row.

    `lead` is an inline heading that opens the block ("BRUISING PROTOCOLS: …");
    `level` is a heading's (or lead's) level, 1 being the highest.
    """

    kind: str  # heading | paragraph | item | row
    text: str
    level: int = 0
    number: str | None = None
    lead: str | None = None
    start: int = 0
    end: int = 0


# ---- public API ------------------------------------------------------------------------------

def clean_text(raw: str) -> str:
    """The cleaned text of a raw document (see module docstring)."""
    return render(clean_blocks(raw))


def clean_blocks(raw: str) -> list[Block]:
    """Clean raw text into blocks with offsets into `render(blocks)`."""
    lines = _normalise_characters(raw).split("\n")
    blocks: list[Block] = []
    for kind, payload in _segments(lines):
        if kind == "table":
            blocks.extend(_table_blocks(payload))
        elif kind == "rows":
            blocks.extend(_row_blocks(payload))
        else:
            for paragraph in _dewrap(_break_at_block_tags(payload)):
                blocks.extend(_classify(paragraph))
    blocks = [b for b in blocks if b.text]
    for block in blocks:
        if block.kind != "row" and _PIPE_ROW.search(block.text) and not _RULE_CELL.match(block.text):
            block.kind = "row"  # "a | b" reads as a table row wherever it came from
    _promote_numbered_headings(blocks)
    render(blocks)
    return blocks


def _promote_numbered_headings(blocks: list[Block]) -> None:
    """A short "2. Governance and Partnership" line followed by its numbered paragraphs (2.1, 2.2 …) heads a section.

    The numbered paragraphs may come after a line that introduces them ("The reviewer identified:").
    """
    for i, block in enumerate(blocks):
        m = _TOP_NUMBER.match(block.text)
        if block.kind != "item" or not m:
            continue
        title = block.text[m.end():]
        following = [b for b in blocks[i + 1:i + 4] if b.kind == "paragraph"]
        # Its own sub-paragraphs (2.1 after "2. …") show it heads them, even in sentence case.
        own = any((b.number or "").startswith(m.group(1) + ".") for b in following)
        short = len(title.split()) <= 12 and not title.endswith((".", ";", ",", "!")) and title[:1].isupper()
        if (own and short) or (following and following[0].number and _is_heading_text(title, strict=True)):
            block.kind, block.level, block.number = "heading", 2, m.group(1)


def render(blocks: list[Block]) -> str:
    """Join blocks into the document text, setting each block's start/end offsets."""
    parts: list[str] = []
    pos = 0
    prev: Block | None = None
    for block in blocks:
        if prev is not None:
            sep = "\n" if block.kind == prev.kind and block.kind in {"item", "row"} else "\n\n"
            parts.append(sep)
            pos += len(sep)
        block.start, block.end = pos, pos + len(block.text)
        parts.append(block.text)
        pos = block.end
        prev = block
    return "".join(parts)


# ---- characters and lines --------------------------------------------------------------------

def _normalise_characters(raw: str) -> str:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    # Other control characters (not tab or newline) carry nothing readable.
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = "\n".join(_normalise_bullet(line) for line in text.split("\n"))
    return _PRIVATE_USE.sub("", text)


def _normalise_bullet(line: str) -> str:
    """A bullet glyph (private-use font bullets such as U+F0B7 included) at a line start is a list item."""
    return _LINE_BULLET.sub("• ", line) if _LINE_BULLET.match(line) else line


def _break_at_block_tags(lines: list[str]) -> list[str]:
    """HTML block tags left in running text ("…</p><p>…") end a paragraph, as a blank line does."""
    out: list[str] = []
    for line in lines:
        if "<" not in line or not _BLOCK_TAG.search(line):
            out.append(line)
            continue
        for k, piece in enumerate(_BLOCK_TAG.split(line)):
            if k:
                out.append("")
            out.append(_normalise_bullet(piece.strip()))
    return out


def _segments(lines: list[str]):
    """Yield ("table", lines) for tab-separated tables, ("rows", lines) for tables already written one
    row a line (pipe rows, "Label: value" field lists), and ("text", lines) for the rest."""
    text: list[str] = []
    i = 0
    after_table = False
    while i < len(lines):
        j = _tab_table_end(lines, i)
        kind = "table"
        if j == i and (i == 0 or after_table or not lines[i - 1].strip()):
            j, kind = _row_run_end(lines, i), "rows"
        after_table = j > i
        if j == i:
            text.append(lines[i])
            i += 1
            continue
        if text:
            yield "text", text
            text = []
        yield kind, lines[i:j]
        i = j
    if text:
        yield "text", text


def _tab_table_end(lines: list[str], i: int) -> int:
    """End of the tab-separated table starting at line `i` (`i` itself if none starts there).

    A table is a run of lines with tabs, at least half of them with a tab between two cells; lines
    whose only tabs lead or trail (a row whose other cells are empty) belong to it, and one blank
    line between rows does not end it. Lines with stray leading or trailing tabs alone are text.
    """
    j, rows, split = i, 0, 0
    while j < len(lines):
        if _is_table_line(lines[j]):
            rows += 1
            split += bool(_INNER_TAB.search(lines[j]))
            j += 1
        elif rows and not lines[j].strip() and j + 1 < len(lines) and _is_table_line(lines[j + 1]):
            j += 1
        else:
            break
    return j if split and 2 * split >= rows else i


def _row_run_end(lines: list[str], i: int) -> int:
    """End of a paragraph (run of non-blank lines, up to a tab-separated table) starting at `i` that
    is a table written a row a line (`i` itself if it is not).

    Such a paragraph has pipe-separated rows ("Case | Themes", Markdown "| a | b |") or short
    "Label: value" fields ("Wards: All") in at least half its lines (more than half, if it has no
    pipes). This is also how a rendered table reads back, so cleaning it again changes nothing.
    """
    j = i
    while j < len(lines) and lines[j].strip() and (j == i or _tab_table_end(lines, j) == j):
        j += 1
    # The lines as they read once markup is gone, less rules and page numbers (which are dropped).
    run = [v for v in map(_inline, lines[i:j]) if v and not _FURNITURE.match(v) and not _RULE_CELL.match(v)]
    if not run:
        return i
    return j if _reads_as_rows(run) else i


def _reads_as_rows(lines: list[str]) -> bool:
    pipes = sum(bool(_PIPE_ROW.search(ln)) and not _RULE_CELL.match(ln) for ln in lines)  # rules are dropped
    rows = pipes + sum(_is_field_line(ln) for ln in lines)
    return bool(pipes and 2 * rows >= len(lines) or len(lines) >= 2 and 2 * rows > len(lines))


def _is_field_line(line: str) -> bool:
    """A "Label: value" line whose label is short (six words at most, as in a two-column table)."""
    m = _FIELD_LINE.match(line)
    return bool(m) and len(m.group(1).split()) <= 6 and not m.group(1).endswith((".", "!", "?", ";")) \
        and not _starts_structure(line)


def _is_table_line(line: str) -> bool:
    return "\t" in line.strip(" ") and bool(line.strip())


# ---- paragraphs ------------------------------------------------------------------------------

def _dewrap(lines: list[str]) -> list[str]:
    """Re-join hard-wrapped lines into paragraphs; one string per paragraph.

    Decisions look at what each line reads as once inline markup is gone (`_inline`), so that
    the cleaned text, read again, is joined and split the same way.
    """
    content = [ln.strip() for ln in lines]
    views = [_inline(ln) if ln else "" for ln in content]
    nonblank = [v for v in views if v and not _FURNITURE.match(v)]
    wrapped = _looks_hard_wrapped(nonblank)
    width = _typical_width(nonblank) if wrapped else 0
    paragraphs: list[str] = []
    current = last_view = ""
    blank_run = 0
    for line, view in zip(content, views):
        if not view:
            blank_run += 1
            continue
        if _FURNITURE.match(view):
            continue
        if current and _continues(current, _tail_view(current), last_view, view, blank_run, wrapped, width):
            if current.endswith("-") and len(current) > 1 and current[-2].isalpha() and view[:1].islower():
                current += line  # "multi-" + "agency": keep the hyphen, drop the break
            else:
                current += " " + _MARKED_NUMBER.sub("", line)
        else:
            if current:
                paragraphs.append(current)
            current = line
        last_view = view
        blank_run = 0
    if current:
        paragraphs.append(current)
    return paragraphs


def _tail_view(paragraph: str) -> str:
    """How the end of a growing paragraph reads without markup (its last 400 characters suffice)."""
    return _inline(paragraph if len(paragraph) <= 400 else paragraph[-400:])


def _looks_hard_wrapped(lines: list[str]) -> bool:
    """PDF-extracted text: many lines stop mid-sentence and the next starts in lower case."""
    if len(lines) < 8:
        return False
    breaks = sum(1 for a, b in zip(lines, lines[1:])
                 if not a.endswith(_TERMINAL) and b[:1].islower())
    return breaks / len(lines) > 0.12


def _typical_width(lines: list[str]) -> int:
    lengths = sorted(len(ln) for ln in lines if len(ln) > 20)
    return lengths[int(len(lengths) * 0.75)] if lengths else 80


def _continues(raw_current: str, current: str, last_line: str, line: str, blank_run: int,
               wrapped: bool, width: int) -> bool:
    if raw_current.startswith("#") or not current:
        return False
    # "…set out in paragraphs 1.11 to" + "1.14 and the…": a number that finishes a sentence (also
    # when a converter dressed the number as a list item: "- 1.14 and the…").
    number = bool(_PARA_NUMBER.match(_MARKED_NUMBER.sub("", line)))
    # A lower-case start (or such a number) continues a sentence however many blank lines (a page
    # break) came between; anything else after a wide gap starts afresh.
    if blank_run > 3 and not (line[:1].islower() or line[:1] in ",;)%" or number):
        return False
    last_word = current.rsplit(" ", 1)[-1].lower()
    dangling = current.endswith((",", "-", "–", "&", "/")) or last_word in _FUNCTION_WORDS
    if _starts_structure(line):
        return dangling and number and not current.endswith(_TERMINAL)
    first = line[:1]
    if current.endswith(_TERMINAL):
        if wrapped and first.isupper() and last_line.endswith(".") and len(last_line) >= 0.9 * width:
            return True  # a full-width line: the page, not the author, ended it
        return wrapped and first.islower() and current.endswith((")", "”", "’", "'", '"'))
    if first.islower() or first in ",;)%":
        return True
    if blank_run and not wrapped:
        return False
    if dangling:
        return True
    # In hard-wrapped text a long line that stops without punctuation was cut by the page width.
    return wrapped and len(last_line) >= 0.6 * width


def _starts_structure(line: str) -> bool:
    return bool(_MD_HEADING.match(line) or line.startswith("• ") or _PARA_NUMBER.match(line)
                or re.match(r"^[-*–]\s+\S", line) or _TOP_NUMBER.match(line))


# ---- blocks ----------------------------------------------------------------------------------

def _classify(paragraph: str) -> list[Block]:
    # HTML paragraphs inside one line (a table cell) are separate paragraphs.
    if "<" in paragraph and _BLOCK_TAG.search(paragraph):
        pieces = [p for p in re.split(_BLOCK_TAG, paragraph) if p.strip()]
        if len(pieces) > 1:
            out: list[Block] = []
            for piece in pieces:
                out.extend(_classify(piece.strip()))
            return out
    # Structure is read from the text as it reads without markup, as it will read once cleaned.
    text = _inline(paragraph)
    if not text or _FURNITURE.match(text):
        return []
    m = _MD_HEADING.match(text)
    if m:
        title = re.sub(r"^(?:(?:[-*–]|•)\s+)+", "", m.group(2))  # "# - Title": the marker is not the title
        return [] if _FURNITURE.match(title) else [Block("heading", title, level=len(m.group(1)))]
    kind = "paragraph"
    bullet = re.match(r"^(?:[-*–]|•)\s+", text)
    if bullet:
        text = text[bullet.end():]
        kind = "item"
    if not text:
        return []
    number = None
    m = _PARA_NUMBER.match(text)
    if m:
        number = m.group(1)
        if kind == "item":
            kind = "paragraph"  # "- 1.1 …": a numbered paragraph dressed as a list item
        rest = text[m.end():]
        if _is_heading_text(rest, strict=True):
            return [Block("heading", text, level=min(number.count(".") + 1, 3), number=number)]
    elif kind == "paragraph" and _TOP_NUMBER.match(text):
        rest = text[_TOP_NUMBER.match(text).end():]
        if _is_heading_text(rest, strict=True) and _is_caps(rest):
            return [Block("heading", text, level=1, number=_TOP_NUMBER.match(text).group(1))]
        kind = "item"  # "1. That the Committee note…": a numbered list item
    elif kind == "paragraph" and _is_heading_text(text):
        return [Block("heading", text, level=2 if _is_caps(text) or _is_titleish(text) else 3)]
    block = Block(kind, text, number=number)
    _find_lead(block)
    if kind == "item" and not _TOP_NUMBER.match(text):
        block.text = "• " + text
    return [block]


def _find_lead(block: Block) -> None:
    body = block.text
    if body.startswith("• "):
        body = body[2:]
    if block.number:
        body = body[_PARA_NUMBER.match(body).end():]
    m = _SECTION_LEAD.match(body)
    if m:
        block.lead, block.level = m.group(1), 1
        return
    m = _LEAD_CAPS.match(body)
    if m and _is_caps(m.group(1)) and len(re.findall(r"[A-Z]{2,}", m.group(1))) >= 1 and len(m.group(1)) >= 6:
        # A multi-part capitalised run ("CHILD KL …: EVIDENCE OF …") heads a section; a plain one labels a sub-topic.
        block.lead = m.group(1).strip()
        block.level = 2 if ":" in block.lead or len(block.lead.split()) >= 10 else 3
        return
    m = _TITLE_LEAD.match(body)
    if m and block.kind == "paragraph" and _is_titleish(m.group(1)) and len(m.group(1).split()) <= 12:
        block.lead, block.level = m.group(1).strip(), 2


def _is_heading_text(text: str, strict: bool = False) -> bool:
    words = text.split()
    if not words or len(text) > 200:
        return False
    caps = _is_caps(text)
    if len(words) > (30 if caps else 14):
        return False
    if text.endswith((".", ";", ",", "!")) and not text.endswith("etc."):
        return False
    first = text[0]
    if not (first.isupper() or first.isdigit() or first in "‘'\"“"):
        return False
    if strict:
        return caps or _is_titleish(text)
    if text.endswith("?"):
        return len(words) <= 12
    # "Key findings:" heads what follows; "The reviewer identified the following actions:" introduces a list.
    return caps or _is_titleish(text) or text.endswith(":")


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _is_titleish(text: str) -> bool:
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’\-]*", text)]
    content = [w for w in words if w.lower() not in _SMALL_WORDS]
    if not content:
        return False
    return sum(w[0].isupper() for w in content) / len(content) >= 0.6


def _inline(text: str) -> str:
    """Reduce inline markup to text and collapse spaces.

    Applied until nothing changes, so markup that was escaped twice ("&amp;amp;", "&lt;b&gt;") is
    gone too and cleaning the cleaned text changes nothing.
    """
    for _ in range(8):
        reduced = _inline_once(text)
        if reduced == text:
            break
        text = reduced
    return text


def _inline_once(text: str) -> str:
    text = _BLOCK_TAG.sub(" ", text)
    text = _ANY_TAG.sub("", text)
    text = re.sub(r"\[([^\[\]]*)\]\((?:[^()\s]*|[^()]*)\)", r"\1", text)  # [text](url) -> text
    text = re.sub(r"<((?:https?|mailto):[^<>\s]+)>", r"\1", text)  # <https://…> -> https://…
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = text.replace("**", "")
    text = re.sub(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])", r"\1", text)
    text = html.unescape(text) if "&" in text else text
    return " ".join(text.split())


# ---- tables ----------------------------------------------------------------------------------

def _row_blocks(lines: list[str]) -> list[Block]:
    """A table written one row a line: a Markdown table (it has a "|---|" row under its header) is read
    as a table, its cells labelled by the header; other rows stand as written."""
    lines = [ln.strip() for ln in lines]
    rows = [r for r in lines if (v := _inline(r)) and not _FURNITURE.match(v) and not _RULE_CELL.match(v)]
    framed = all(len(r) > 1 and r.startswith("|") and r.endswith("|") for r in rows)
    if framed and len(rows) > 1 and any(_is_markdown_delimiter(r) for r in lines):
        blocks = _table_blocks(["\t".join(c.strip() for c in r[1:-1].split("|")) for r in rows])
        if blocks and all(b.kind == "row" for b in blocks) and _reads_as_rows([b.text for b in blocks]):
            return blocks
    return [Block("row", _inline(r)) for r in rows]


def _is_markdown_delimiter(line: str) -> bool:
    """The row under a Markdown table's header: "|---|:---:|"."""
    cells = line.strip().strip("|").split("|")
    return line.startswith("|") and all(re.fullmatch(r"\s*:?-+:?\s*", c) for c in cells)


def _table_blocks(lines: list[str]) -> list[Block]:
    raw_rows: list[list[str]] = []
    for line in lines:
        cells = [c.strip() for c in line.split("\t")]
        while cells and not _inline(cells[-1]):
            cells.pop()
        if not cells or all(not _inline(c) or _FURNITURE.match(_inline(c)) or _RULE_CELL.match(_inline(c))
                            for c in cells):
            continue
        if raw_rows and not _inline(cells[0]):
            # A row with an empty first cell continues the row above (a cell split over pages).
            prev = raw_rows[-1]
            for k, cell in enumerate(cells):
                if not _inline(cell):
                    continue
                if k < len(prev):
                    prev[k] = f"{prev[k]} {cell}".strip()
                else:
                    prev.extend([""] * (k - len(prev)) + [cell])
            continue
        raw_rows.append(cells)
    if not raw_rows:
        return []
    if sum(1 for r in raw_rows if sum(1 for c in r if _inline(c)) >= 2) == 0:
        # One column is not a table: its cells are paragraphs.
        out: list[Block] = []
        for r in raw_rows:
            for cell in r:
                out.extend(_classify(cell) if _inline(cell) else [])
        return out
    rows = [[_inline(c) for c in r] for r in raw_rows]
    width = max(len(r) for r in rows)
    header = rows[0] if len(rows) > 1 and _is_header(rows[0], rows[1:]) else None
    blocks: list[Block] = []
    if header is not None:
        blocks.append(Block("row", " | ".join(c for c in header if c)))
        labels = [h.rstrip(":").strip() for h in header]
        for r in rows[1:]:
            parts = []
            for k, cell in enumerate(r):
                if not cell:
                    continue
                label = labels[k] if k < len(labels) else ""
                labelled = not label or label == cell or cell.startswith(f"{label}:")  # labelled by the reader
                parts.append(cell if labelled else f"{label}: {cell}")
            if parts:
                blocks.append(Block("row", " | ".join(parts)))
    elif width == 2 and len(rows) > 1 and all(len(r[0].split()) <= 6 for r in rows if r):
        # A two-column label table ("Wards | All") reads as fields: "Wards: All".
        for r in rows:
            field = f"{r[0]}: {r[1]}" if len(r) == 2 and r[0] and r[1] else ""
            blocks.append(Block("row", field if _is_field_line(field) else " | ".join(c for c in r if c)))
    blocks = [b for b in blocks if b.text]
    if not blocks or not _reads_as_rows([b.text for b in blocks]):
        # Rows that would read back as running text keep their cells apart with " | ".
        blocks = [Block("row", " | ".join(c for c in r if c)) for r in rows]
    return [b for b in blocks if b.text]


def _is_header(first: list[str], body: list[list[str]]) -> bool:
    cells = [c for c in first if c]
    if not cells or any(len(c.split()) > 8 for c in cells):
        return False
    if any(c.endswith(":") for c in cells):
        return True
    number = re.compile(r"^[\d£$%.,+\-–<>*~ ]+[%*]?$|^\d")
    first_numeric = sum(bool(number.match(c)) for c in cells)
    body_cells = [c for r in body for c in r if c]
    if not body_cells:
        return False
    body_numeric = sum(bool(number.match(c)) for c in body_cells) / len(body_cells)
    if first_numeric == 0 and body_numeric >= 0.3:
        return True
    avg_first = sum(len(c) for c in cells) / len(cells)
    avg_body = sum(len(c) for c in body_cells) / len(body_cells)
    return all(len(c.split()) <= 4 for c in cells) and avg_body > 2.5 * avg_first
