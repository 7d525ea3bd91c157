"""Read a source file into raw text, one reader per format.

Readers keep the structure the cleaner needs as light markup: `#` heading
lines (from Word heading styles and HTML h1–h6), `• ` list items and
tab-separated table rows. Everything else about the text is the cleaner's job.
"""

from __future__ import annotations

import io
import re
import zipfile
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
    """Decode bytes as UTF-8 (or UTF-16 with a BOM), falling back to Windows-1252 for legacy text."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(path, "binary content, not text (contains NUL bytes)")
    warnings: list[str] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                raise IngestError(path, f"undecodable bytes at offset {exc.start}: not UTF-8 or Windows-1252 text") from None
            warnings.append(f"{path.name}: not UTF-8 (bad byte at offset {exc.start}); read as Windows-1252")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > max(8, len(text) // 100):
        raise IngestError(path, f"binary content, not text ({controls} control characters)")
    return text, warnings


def _read_text(path: Path, data: bytes) -> RawText:
    text, warnings = decode_text(path, data)
    fmt = "md" if path.suffix.lower() in {".md", ".markdown"} else "txt"
    return RawText(text, fmt, warnings)


# --- PDF -----------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.IGNORECASE)


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
        pages = [page.extract_text() or "" for page in reader.pages]
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
        warnings.append(f"{path.name}: page(s) {', '.join(blank)} have no text layer (scanned?); run OCR to include them")
    return RawText("\n\n".join(strip_page_furniture(pages)), "pdf", warnings)


def strip_page_furniture(pages: list[str]) -> list[str]:
    """Drop page numbers and running headers/footers (lines repeated at the top or bottom of most pages)."""
    split = [[ln for ln in p.splitlines()] for p in pages]
    edge_counts: Counter[str] = Counter()
    for lines in split:
        content = [ln.strip() for ln in lines if ln.strip()]
        edges = set(content[:2] + content[-2:])
        edge_counts.update(_digitless(ln) for ln in edges)
    repeated = {ln for ln, n in edge_counts.items() if len(split) >= 3 and n >= max(3, len(split) // 2)}
    out = []
    for lines in split:
        content_idx = [i for i, ln in enumerate(lines) if ln.strip()]
        edge_idx = set(content_idx[:2] + content_idx[-2:])
        kept = [ln for i, ln in enumerate(lines)
                if not (i in edge_idx and (_PAGE_NUMBER.match(ln) or _digitless(ln.strip()) in repeated))]
        out.append("\n".join(kept))
    return out


def _digitless(line: str) -> str:
    return re.sub(r"\d+", "#", line)


# --- Word ----------------------------------------------------------------------------------------

def _read_docx(path: Path, data: bytes) -> RawText:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise IngestError(path, "not a valid Word document (.docx is a zip archive; this file is not)")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors... for broken parts
        raise IngestError(path, f"corrupt Word document: {type(exc).__name__}: {exc}") from None
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(_docx_paragraph(Paragraph(block, document)))
        elif tag == "tbl":
            lines.append("")
            for row in Table(block, document).rows:
                cells = []
                for cell in row.cells:
                    text = " ".join(cell.text.split())
                    if not cells or text != cells[-1]:  # merged cells repeat their text
                        cells.append(text)
                lines.append("\t".join(cells))
            lines.append("")
    return RawText("\n".join(lines), "docx")


def _docx_paragraph(paragraph) -> str:
    text = paragraph.text.strip()
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if not text:
        return ""
    if style == "Title":
        return f"# {text}"
    m = re.match(r"Heading (\d)", style)
    if m:
        return f"{'#' * min(int(m.group(1)), 6)} {text}"
    if style.startswith("List"):
        return f"• {text}"
    return text


# --- HTML ----------------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "section", "article", "blockquote", "pre", "address", "figcaption", "dt", "dd"}


def _read_html(path: Path, data: bytes) -> RawText:
    from bs4 import BeautifulSoup

    text, warnings = decode_text(path, data)
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "nav", "svg", "head"]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    lines: list[str] = []
    _html_lines(root, lines)
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
            lines.append("• " + " ".join(child.get_text(" ").split()))
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
