"""Read a source file into raw text, one reader per format.

Readers keep the structure the cleaner needs as light markup: `#` heading
lines (from Word heading styles and HTML h1–h6), `• ` and `1. ` list items and
tab-separated table rows. PDF pages are read in reading order from pypdf's
layout mode (two columns one after the other, table cells kept in their rows,
running headers, footers and page numbers dropped). Everything else about the
text is the cleaner's job.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import IngestError

SUPPORTED_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}


@dataclass
class RawText:
    text: str
    format: str
    warnings: list[str] = field(default_factory=list)


def read_document(path: str | Path, max_bytes: int | None = None) -> RawText:
    """Read one file of a supported format.

    Args:
        path: the file.
        max_bytes: refuse files larger than this (None: no limit).

    Returns:
        The raw text with light structural markup, and any warnings.

    Raises:
        IngestError: unsupported format, empty, too large, binary, encrypted, corrupt or no text layer.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        hint = " (save it as .docx first)" if suffix == ".doc" else ""
        raise IngestError(
            path, f"unsupported file type {suffix or '(no extension)'!r}{hint}; "
            f"kg reads {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    try:
        size = path.stat().st_size
        if size == 0:
            raise IngestError(path, "empty file (0 bytes)")
        if max_bytes is not None and size > max_bytes:
            raise IngestError(
                path, f"{size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit "
                "(setting max_file_mb); split the document or raise the limit")
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read file: {exc.strerror or exc}") from None
    reader = {".pdf": _read_pdf, ".docx": _read_docx, ".html": _read_html, ".htm": _read_html}.get(suffix, _read_text)
    raw = reader(path, data)
    if not raw.text.strip():
        raise IngestError(path, "no text in file (blank or whitespace only)")
    return raw


def decode_text(path: Path, data: bytes) -> tuple[str, list[str]]:
    """Decode bytes as UTF-8 or UTF-16, falling back to Windows-1252, then Latin-1, for legacy text."""
    warnings: list[str] = []
    utf16 = _utf16_without_bom(data)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _decode(path, data, "utf-16")
    elif utf16:
        text = _decode(path, data, utf16)
        warnings.append(f"{path.name}: UTF-16 text without a byte-order mark; read as {utf16.upper()}")
    elif b"\x00" in data[:4096]:
        raise IngestError(path, "binary content, not text (contains NUL bytes)")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            try:
                text, legacy = data.decode("cp1252"), "Windows-1252"
            except UnicodeDecodeError:  # bytes Windows-1252 leaves undefined: Latin-1 maps every byte
                text, legacy = data.decode("latin-1"), "Latin-1"
            warnings.append(f"{path.name}: not UTF-8 (bad byte at offset {exc.start}); read as {legacy} — "
                            "check accented names, or save the file as UTF-8")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(8, len(text) // 100):
        raise IngestError(path, f"binary content, not text ({controls} control characters)")
    return text, warnings


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" for UTF-16 text saved without a BOM (mostly ASCII: every other byte NUL)."""
    sample = data[:4096]
    if len(sample) < 4 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.05 * len(odd):
        return "utf-16-be"
    return None


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise IngestError(path, f"undecodable {encoding.upper()} text (bad bytes at offset {exc.start})") from None


def _read_text(path: Path, data: bytes) -> RawText:
    text, warnings = decode_text(path, data)
    fmt = "md" if path.suffix.lower() in {".md", ".markdown"} else "txt"
    return RawText(text, fmt, warnings)


# --- PDF -----------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)
_SENTENCE_END = tuple('.!?:;)"”’\'')


def _read_pdf(path: Path, data: bytes) -> RawText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise IngestError(path, "not a PDF (no %PDF header): the file is damaged or misnamed")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception:  # pypdf raises several types for unsupported encryption
                ok = 0
            if not ok:
                raise IngestError(path, "encrypted PDF: remove the password (e.g. `qpdf --decrypt`) and add it again")
        pages = [_page_layout(page) for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(path, f"corrupt PDF: {exc}") from None
    if not any(p.strip() for p in pages):
        raise IngestError(
            path, f"no text layer on any of its {len(pages)} page(s): a scanned PDF needs OCR "
            "(e.g. `ocrmypdf in.pdf out.pdf`) before kg can read it")
    warnings = []
    blank = [str(i + 1) for i, p in enumerate(pages) if not p.strip()]
    if blank:
        warnings.append(f"{path.name}: page(s) {', '.join(blank)} of {len(pages)} have no text layer "
                        "(scanned images) and need OCR (e.g. `ocrmypdf`) to be included")
    pages = [layout_to_text(p) for p in strip_page_furniture(pages)]
    return RawText(join_pages(pages), "pdf", warnings)


def _page_layout(page) -> str:
    """The page's text laid out as on paper (pypdf layout mode): columns side by side, table cells apart."""
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except Exception:  # layout mode needs font metrics some PDFs lack; plain mode still reads the words
        return page.extract_text() or ""


def strip_page_furniture(pages: list[str]) -> list[str]:
    """Drop page numbers and running headers/footers (lines repeated at the top or bottom of most pages)."""
    split = [p.splitlines() for p in pages]
    edge_counts: Counter[str] = Counter()
    for lines in split:
        content = [ln.strip() for ln in lines if ln.strip()]
        edges = set(content[:2] + content[-2:])
        edge_counts.update({_digitless(ln) for ln in edges})
    # Repeated on every page of a short document, or on most pages (three at least) of a longer one.
    texts = sum(1 for lines in split if any(ln.strip() for ln in lines))
    enough = texts if texts <= 3 else max(3, (texts + 1) // 2)
    repeated = {ln for ln, n in edge_counts.items() if texts >= 2 and n >= enough}
    out = []
    for lines in split:
        content_idx = [i for i, ln in enumerate(lines) if ln.strip()]
        edge_idx = set(content_idx[:2] + content_idx[-2:])
        kept = [ln for i, ln in enumerate(lines)
                if not (i in edge_idx and (_PAGE_NUMBER.match(ln) or _digitless(ln.strip()) in repeated))]
        out.append("\n".join(kept))
    return out


def _digitless(line: str) -> str:
    return " ".join(re.sub(r"\d+", "#", line).split())


def join_pages(pages: list[str]) -> str:
    """Join page texts; a page that stops mid-sentence runs on into the next (no paragraph break)."""
    out = ""
    for text in pages:
        text = text.strip("\n")
        if not text.strip():
            continue
        if out:
            last = out.rstrip().rsplit("\n", 1)[-1].strip()
            out += "\n" if last and not last.endswith(_SENTENCE_END) else "\n\n"
        out += text
    return out


# Layout-mode text is a grid of characters: a run of three or more spaces inside a line separates
# two things side by side (two columns of text, or two cells of a table).
_GAP = re.compile(r"(?<=\S) {3,}(?=\S)")


def layout_to_text(layout: str) -> str:
    """Read a page of layout-mode text in reading order.

    Two columns of running text are read one after the other (left, then right), with lines that
    span both (a title, a full-width paragraph) kept in place between them; rows of a table keep
    their cells together on one line, tab-separated, with empty cells where a row has none.
    """
    lines = [ln.rstrip() for ln in layout.split("\n")]
    split = _right_column_start(lines)
    if split is not None:
        lines = _read_columns(lines, split)
    return "\n".join(_tab_separate_cells(lines))


def _right_column_start(lines: list[str]) -> int | None:
    """Where a right-hand column of running text starts on the page (a character position), if it has one."""
    content = [ln for ln in lines if ln.strip()]
    starts: Counter[int] = Counter()
    for ln in content:
        cells = _cells(ln)
        if len(cells) == 2:
            starts[cells[1][0]] += 1
    if not starts:
        return None
    # Right-hand text starts within a character or so of the same place on line after line.
    start = max(starts, key=lambda s: starts[s - 1] + starts[s] + starts[s + 1])
    split = start - 1
    both = [(ln[:split].strip(), ln[split:].strip()) for ln in content
            if len(ln) > split and not ln[split - 2:split].strip()]
    both = [(left, right) for left, right in both if left and right]
    if len(both) < max(4, len(content) * 2 // 5):
        return None
    left_len = sum(len(left) for left, _ in both) / len(both)
    right_len = sum(len(right) for _, right in both) / len(both)
    gaps = sum(bool(_GAP.search(left)) + bool(_GAP.search(right)) for left, right in both)
    # Running text fills each column (long lines of similar width either side, with no further
    # gaps); a table's columns are narrow, uneven or gapped again.
    if min(left_len, right_len) < 20 or not 0.5 <= left_len / right_len <= 2 or gaps > len(both) // 5:
        return None
    return split


def _read_columns(lines: list[str], split: int) -> list[str]:
    out: list[str] = []
    left: list[str] = []
    right: list[str] = []

    def flush() -> None:
        while left and not left[-1]:  # the left column runs straight on into the right one
            left.pop()
        out.extend(left + right)
        left.clear()
        right.clear()

    for ln in lines:
        if len(ln) > split and ln[split - 2:split].strip():  # across the gutter: a title, a full-width paragraph
            flush()
            out.append(ln)
        else:
            left.append(ln[:split].rstrip())
            right.append(ln[split:].strip())
    flush()
    return out


def _tab_separate_cells(lines: list[str]) -> list[str]:
    """Rows of a table (two or more lines with cells apart) become tab-separated, cells in their columns."""
    out = list(lines)
    i = 0
    while i < len(lines):
        if not _GAP.search(lines[i].strip()):
            i += 1
            continue
        region, starts, j = [], set(), i
        while j < len(lines):
            ln = lines[j]
            if not ln.strip():
                j += 1
                continue
            cells = _cells(ln)
            if len(cells) >= 2:
                starts.update(s for s, _ in cells)
            elif not (starts and cells[0][0] > min(starts) and _near(cells[0][0], starts)):
                break  # not a row of this table, nor a cell continued from the row above
            region.append(j)
            j += 1
        if sum(len(_cells(lines[k])) >= 2 for k in region) >= 2:
            columns = _cluster(sorted(starts))
            for k in region:
                row = [""] * len(columns)
                for start, text in _cells(lines[k]):
                    col = max(n for n, c in enumerate(columns) if c <= start + 2) if start + 2 >= columns[0] else 0
                    row[col] = f"{row[col]} {text}".strip()
                out[k] = "\t".join(row).rstrip("\t")
            i = j
        else:
            i += 1
    return out


def _cells(line: str) -> list[tuple[int, str]]:
    """(start column, text) of each run of text in a layout line, runs being three or more spaces apart."""
    cells, pos = [], 0
    for piece in re.split(r"( {3,})", line):
        if piece.strip() and not piece.startswith("   "):
            lead = len(piece) - len(piece.lstrip())
            cells.append((pos + lead, piece.strip()))
        pos += len(piece)
    return cells


def _near(start: int, starts: set[int]) -> bool:
    return any(abs(start - s) <= 2 for s in starts)


def _cluster(starts: list[int]) -> list[int]:
    """Column start positions: starts within two characters of each other are one column."""
    columns: list[int] = []
    for s in starts:
        if not columns or s - columns[-1] > 2:
            columns.append(s)
    return columns


# --- Word ----------------------------------------------------------------------------------------

def _read_docx(path: Path, data: bytes) -> RawText:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data[:2] == b"PK":
            raise IngestError(path, "damaged Word document: the zip archive is truncated or corrupt; "
                              "save it again from Word")
        raise IngestError(path, "not a valid Word document (.docx is a zip archive; this file is not)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            damaged = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as exc:
        raise IngestError(path, f"damaged Word document: {exc}") from None
    if "word/document.xml" not in names:
        raise IngestError(path, "not a Word document: the zip archive has no word/document.xml "
                          "(an .xlsx, .pptx or .odt renamed to .docx?)")
    if damaged:
        raise IngestError(path, f"damaged Word document: {damaged} in the archive is corrupt")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors... for broken parts
        raise IngestError(path, f"corrupt Word document: {type(exc).__name__}: {exc}") from None
    lists = _ListNumbering(document)
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(_docx_paragraph(Paragraph(block, document), lists))
        elif tag == "tbl":
            lines.append("")
            lines.extend(_docx_table_rows(Table(block, document)))
            lines.append("")
    return RawText("\n".join(lines), "docx")


def _docx_table_rows(table) -> list[str]:
    """One tab-separated line per row, a cell in each grid column it covers.

    A body cell merged across columns gives its text once and leaves the columns it spans empty
    (so the cells after it stay under their headers); a header cell merged across columns heads
    each of them; a cell merged down rows repeats in each row, so every row reads whole. Rows
    Word marks as header rows ("repeat as header row") label the cells below them: "Theme: …".
    """
    labels: list[str] = []
    rows = []
    for row in table.rows:
        header = bool(row._tr.xpath("./w:trPr/w:tblHeader[not(@w:val='0' or @w:val='false')]"))
        cells = [""] * row.grid_cols_before
        seen = None
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if cell._tc is seen and not header:  # the same <w:tc> again: a horizontal merge
                text = ""
            seen = cell._tc
            cells.append(text)
        if header:
            labels = [f"{a} {b}".strip() if a != b else a for a, b in zip(labels, cells)] + cells[len(labels):] \
                if labels else cells
        elif labels:
            cells = [f"{labels[k]}: {c}" if c and k < len(labels) and labels[k] and labels[k] != c else c
                     for k, c in enumerate(cells)]
        rows.append("\t".join(cells))
    return rows


class _ListNumbering:
    """Which Word paragraphs are list items, and the number each numbered item shows."""

    def __init__(self, document):
        try:
            self.numbering = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            self.numbering = None
        self.counters: dict[tuple[str, int], int] = {}

    def marker(self, paragraph) -> str | None:
        """ "1. " for a decimal-numbered item (counted), "• " for other list items, None otherwise."""
        num_id, level = self._num_pr(paragraph)
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if num_id is None and not style.startswith("List"):
            self.counters.clear()  # a paragraph between lists restarts their numbering
            return None
        if num_id == "0":  # numbering switched off on this paragraph
            return None
        fmt = self._format(num_id, level) if num_id else ("decimal" if "Number" in style else "bullet")
        if fmt != "decimal" or level:
            return "• "
        key = (num_id or style, level)
        self.counters[key] = self.counters.get(key, 0) + 1
        return f"{self.counters[key]}. "

    @staticmethod
    def _num_pr(paragraph) -> tuple[str | None, int]:
        style = paragraph.style
        for element in [paragraph._p] + [s.element for s in _style_chain(style)]:
            pPr = element.pPr
            if pPr is not None and pPr.numPr is not None and pPr.numPr.numId is not None:
                ilvl = pPr.numPr.ilvl
                return str(pPr.numPr.numId.val), int(ilvl.val) if ilvl is not None else 0
        return None, 0

    def _format(self, num_id: str, level: int) -> str:
        if self.numbering is None:
            return "bullet"
        abstract = self.numbering.xpath(f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
        if not abstract:
            return "bullet"
        fmt = self.numbering.xpath(
            f'./w:abstractNum[@w:abstractNumId="{abstract[0]}"]/w:lvl[@w:ilvl="{level}"]/w:numFmt/@w:val')
        return fmt[0] if fmt else "bullet"


def _style_chain(style) -> list:
    """A paragraph style, then the styles it is based on."""
    chain = []
    while style is not None and len(chain) < 10:
        chain.append(style)
        style = style.base_style
    return chain


def _docx_paragraph(paragraph, lists: _ListNumbering) -> str:
    text = paragraph.text.strip()
    style = paragraph.style
    if not text:
        return ""
    names = [s.name or "" for s in _style_chain(style)]
    if names and names[0] == "Title":
        return f"# {text}"
    for name in names:  # a custom style based on "Heading 2" is a level-2 heading
        m = re.match(r"Heading (\d)$", name)
        if m:
            return f"{'#' * min(int(m.group(1)), 6)} {text}"
    marker = lists.marker(paragraph)
    return f"{marker}{text}" if marker else text


# --- HTML ----------------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "section", "article", "blockquote", "pre", "address", "figcaption", "dt", "dd"}


def _read_html(path: Path, data: bytes) -> RawText:
    from bs4 import BeautifulSoup

    text, warnings = decode_text(path, data)
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "nav", "svg", "head"]):
        tag.decompose()
    # The page's main content: its <main>, or its one <article>; a page of several articles (a newsletter)
    # is read whole, so no article is lost.
    articles = soup.find_all("article")
    root = soup.find("main") or (articles[0] if len(articles) == 1 else None) or soup.body or soup
    lines: list[str] = []
    if root is not soup.body and root is not soup:
        # The page's own title and its footer note stand outside <main>; site menus (<nav>) are gone already.
        title = soup.find("h1")
        if title is not None and root not in title.parents:
            lines.append(f"# {' '.join(title.get_text(' ').split())}")
    _html_lines(root, lines)
    if root is not soup.body and root is not soup:
        for footer in soup.find_all("footer"):
            if root not in footer.parents and footer not in root.find_all("footer"):
                _html_lines(footer, lines)
    if not any(line.strip() for line in lines):
        raise IngestError(path, "no readable text: the page holds only HTML markup (tags, scripts or styles)")
    return RawText("\n".join(lines), "html", warnings)


def _html_lines(node, lines: list[str]) -> None:
    from bs4 import NavigableString, Tag

    buffer: list[str] = []

    def flush() -> None:
        text = " ".join("".join(buffer).split())
        if text:
            lines.append(text)
        buffer.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if child.__class__.__name__ in {"Comment", "Doctype", "Declaration", "ProcessingInstruction"}:
                continue
            buffer.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            flush()
            lines.append(f"{'#' * int(name[1])} {' '.join(child.get_text(' ').split())}")
        elif name == "li":
            flush()
            item = " ".join(child.get_text(" ").split())
            if item:
                lines.append("• " + item)
        elif name == "table":
            flush()
            lines.append("")
            for row in child.find_all("tr"):
                cells = [" ".join(c.get_text(" ").split()) for c in row.find_all(["th", "td"])]
                if any(cells):
                    lines.append("\t".join(cells))
            lines.append("")
        elif name == "br":
            flush()
        elif name in _BLOCK_TAGS or name in {"ul", "ol", "dl", "main", "header", "footer", "aside", "form", "body"}:
            flush()
            _html_lines(child, lines)
            flush()
            lines.append("")
        else:
            buffer.append(child.get_text(" "))
    flush()
