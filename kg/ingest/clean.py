"""Turn raw extracted text into clean, structured blocks.

What real council and partnership documents contain, and what happens to it:
HTML tags and entities left in the text are removed (their paragraph breaks
kept); hard-wrapped lines from PDF extraction are re-joined into sentences;
private-use bullet glyphs (U+F0B7…) and other bullet marks become "• ";
page numbers, "intentionally left blank" pages and table rules are dropped;
Markdown emphasis and link syntax are reduced to their text; tab-separated
tables become one line per row with each cell labelled by its column header.

The cleaned text is `render(blocks)`; blocks keep their offsets into it, so
every later stage can point back to exact characters.
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
_BLOCK_TAG = re.compile(rf"</?(?:p|div|li|ul|ol|br|hr|tr|table|h[1-6]|section|article|blockquote)\b[^<>]*>", re.I)
_ANY_TAG = re.compile(rf"</?(?:{_TAG_NAMES})\b[^<>]*/?>", re.I)

_FURNITURE = re.compile(
    r"^\s*(?:(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|-\s*\d{1,4}\s*-|this page (?:is )?intentionally (?:been )?left blank\.?"
    r"|[-–—_=|:\t ]{3,}|\*\s*\*\s*\*)\s*$",
    re.I,
)

# ---- structure -------------------------------------------------------------------------------

_PARA_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){1,3})\.?\s+(?=\S)")
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
        else:
            for paragraph in _dewrap(payload):
                blocks.extend(_classify(paragraph))
    blocks = [b for b in blocks if b.text]
    _promote_numbered_headings(blocks)
    render(blocks)
    return blocks


def _promote_numbered_headings(blocks: list[Block]) -> None:
    """A short "2. Governance and Partnership" line followed by numbered paragraphs heads a section."""
    for block, nxt in zip(blocks, blocks[1:]):
        m = _TOP_NUMBER.match(block.text)
        if (block.kind == "item" and m and nxt.kind == "paragraph" and nxt.number
                and _is_heading_text(block.text[m.end():], strict=True)):
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
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    # A bullet glyph (private-use font bullets such as U+F0B7 included) at a line start is a list item.
    text = "\n".join(_LINE_BULLET.sub("• ", line) if _LINE_BULLET.match(line) else line
                     for line in text.split("\n"))
    text = _PRIVATE_USE.sub("", text)
    # Other control characters (not tab or newline) carry nothing readable.
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


def _segments(lines: list[str]):
    """Yield ("table", rows) for tab-separated runs and ("text", lines) for the rest."""
    text: list[str] = []
    i = 0
    while i < len(lines):
        if _is_table_line(lines[i]):
            j, rows = i, []
            while j < len(lines):
                if _is_table_line(lines[j]):
                    rows.append(lines[j])
                    j += 1
                elif not lines[j].strip() and j + 1 < len(lines) and _is_table_line(lines[j + 1]):
                    j += 1
                else:
                    break
            if text:
                yield "text", text
                text = []
            yield "table", rows
            i = j
        else:
            text.append(lines[i])
            i += 1
    if text:
        yield "text", text


def _is_table_line(line: str) -> bool:
    return "\t" in line.strip(" ") and bool(line.strip())


# ---- paragraphs ------------------------------------------------------------------------------

def _dewrap(lines: list[str]) -> list[str]:
    """Re-join hard-wrapped lines into paragraphs; one string per paragraph."""
    content = [ln.strip() for ln in lines]
    nonblank = [ln for ln in content if ln and not _FURNITURE.match(ln)]
    wrapped = _looks_hard_wrapped(nonblank)
    width = _typical_width(nonblank) if wrapped else 0
    paragraphs: list[str] = []
    current = last_line = ""
    blank_run = 0
    for line in content:
        if not line:
            blank_run += 1
            continue
        if _FURNITURE.match(line):
            continue
        if current and _continues(current, last_line, line, blank_run, wrapped, width):
            if current.endswith("-") and len(current) > 1 and current[-2].isalpha() and line[:1].islower():
                current += line  # "multi-" + "agency": keep the hyphen, drop the break
            else:
                current += " " + line
        else:
            if current:
                paragraphs.append(current)
            current = line
        last_line = line
        blank_run = 0
    if current:
        paragraphs.append(current)
    return paragraphs


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


def _continues(current: str, last_line: str, line: str, blank_run: int, wrapped: bool, width: int) -> bool:
    if current.startswith("#") or blank_run > 3:
        return False
    last_word = current.rsplit(" ", 1)[-1].lower()
    dangling = current.endswith((",", "-", "–", "&", "/")) or last_word in _FUNCTION_WORDS
    if _starts_structure(line):
        # "…set out in paragraphs 1.11 to" + "1.14 and the…": a number that finishes a sentence.
        return dangling and bool(_PARA_NUMBER.match(line)) and not current.endswith(_TERMINAL)
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
    m = _MD_HEADING.match(paragraph)
    if m:
        return [Block("heading", _inline(m.group(2)), level=len(m.group(1)))]
    text = paragraph
    kind = "paragraph"
    bullet = re.match(r"^(?:[-*–]|•)\s+", text)
    if bullet:
        text = text[bullet.end():]
        kind = "item"
    # HTML paragraphs inside one line are separate paragraphs.
    if _BLOCK_TAG.search(text):
        pieces = [p for p in re.split(_BLOCK_TAG, text) if p.strip()]
        if len(pieces) > 1:
            out: list[Block] = []
            for piece in pieces:
                out.extend(_classify(piece.strip()))
            return out
    text = _inline(text)
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
    """Reduce inline markup to text and collapse spaces."""
    text = _BLOCK_TAG.sub(" ", text)
    text = _ANY_TAG.sub("", text)
    text = re.sub(r"\[([^\[\]]*)\]\((?:[^()\s]*|[^()]*)\)", r"\1", text)  # [text](url) -> text
    text = re.sub(r"<((?:https?|mailto):[^<>\s]+)>", r"\1", text)  # <https://…> -> https://…
    text = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", text)
    text = text.replace("**", "")
    text = re.sub(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])", r"\1", text)
    text = html.unescape(text) if "&" in text else text
    text = _ANY_TAG.sub("", text) if "<" in text and "&lt;" not in text else text
    return " ".join(text.split())


# ---- tables ----------------------------------------------------------------------------------

def _table_blocks(lines: list[str]) -> list[Block]:
    raw_rows: list[list[str]] = []
    for line in lines:
        cells = [c.strip() for c in line.split("\t")]
        while cells and not _inline(cells[-1]):
            cells.pop()
        if not cells or all(not _inline(c) or _FURNITURE.match(_inline(c)) for c in cells):
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
                parts.append(f"{label}: {cell}" if label and label != cell else cell)
            if parts:
                blocks.append(Block("row", " | ".join(parts)))
    elif width == 2 and all(len(r[0].split()) <= 6 for r in rows if r):
        for r in rows:
            cells = [c for c in r if c]
            blocks.append(Block("row", ": ".join(cells) if len(r) == 2 and r[0] and r[1] else " | ".join(cells)))
    else:
        for r in rows:
            blocks.append(Block("row", " | ".join(c for c in r if c)))
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
