"""Document metadata: the corpus manifest, and what can be inferred from the text when a row is missing."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from kg.errors import IngestError
from kg.ingest.clean import Block

MANIFEST_NAME = "manifest.csv"
MANIFEST_FIELDS = ("file", "title", "date", "body", "kind", "source")

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH_RE = "|".join(_MONTHS) + "|" + "|".join(m[:3] for m in _MONTHS) + "|sept"
_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?,?\s+((?:19|20)\d\d)\b", re.I)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.I)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_UK_NUMERIC = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)\d\d)\b")
_BODY_WORDS = re.compile(r"\b(committee|sub-committee|board|partnership|council|panel|cabinet|trust|authority)\b", re.I)


@dataclass
class DocumentMeta:
    title: str | None = None
    date: str | None = None
    body: str | None = None
    kind: str | None = None
    source: str | None = None


def read_manifest(corpus_dir: Path) -> dict[str, DocumentMeta]:
    """Rows of `corpus/manifest.csv` keyed by file name. A missing manifest is an empty one."""
    path = corpus_dir / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"file", "title"} - set(reader.fieldnames or [])
            if missing:
                raise IngestError(path, f"manifest lacks column(s) {', '.join(sorted(missing))}; "
                                        f"expected {', '.join(MANIFEST_FIELDS)}")
            rows = {}
            for row in reader:
                name = (row.get("file") or "").strip()
                if not name:
                    continue
                rows[name] = DocumentMeta(**{k: (row.get(k) or "").strip() or None for k in MANIFEST_FIELDS[1:]})
                if rows[name].date:
                    rows[name].date = normalise_date(rows[name].date) or rows[name].date
            return rows
    except (OSError, csv.Error, UnicodeDecodeError) as exc:
        raise IngestError(path, f"cannot read manifest: {exc}") from None


def normalise_date(value: str) -> str | None:
    """An ISO date (YYYY-MM-DD) from common written forms, or None."""
    value = value.strip()
    for pattern, order in ((_ISO, "ymd"), (_DAY_MONTH_YEAR, "dmy"), (_MONTH_DAY_YEAR, "mdy"), (_UK_NUMERIC, "dmy")):
        m = pattern.search(value)
        if not m:
            continue
        parts = dict(zip(order, m.groups()))
        month = parts["m"]
        month_no = int(month) if month.isdigit() else _MONTHS.get(month.lower()) or _month_prefix(month)
        try:
            return date(int(parts["y"]), int(month_no), int(parts["d"])).isoformat()
        except (TypeError, ValueError):
            continue
    m = re.fullmatch(r"((?:19|20)\d\d)(?:-(\d\d))?", value)
    if m:
        return value
    return None


def _month_prefix(name: str) -> int | None:
    name = name.lower()[:3]
    for full, number in _MONTHS.items():
        if full.startswith(name):
            return number
    return None


def infer_metadata(blocks: list[Block], file_name: str) -> tuple[DocumentMeta, list[str]]:
    """Guess title, date, body and kind from the opening of a document.

    Returns:
        The metadata and the names of the fields that were inferred.
    """
    meta = DocumentMeta()
    head = blocks[:60]
    for block in head:
        m = re.match(r"^(?:Title|Report title|Subject)\s*:\s*(.{4,200})$", block.text, re.I)
        if block.kind == "row" and m:
            meta.title = m.group(1).strip()
            break
    if not meta.title:
        for block in head:
            if (block.kind == "heading" and len(block.text.split()) >= 3 and not block.number
                    and not re.search(r"\d{4}", block.text) and not re.match(r"\d", block.text)):
                meta.title = block.text.rstrip(":").strip()
                break
    if not meta.title and head:
        first = head[0].text
        meta.title = first if len(first) <= 120 else first[:117].rsplit(" ", 1)[0] + "…"
    opening = "\n".join(b.text for b in head)[:4000]
    meta.date = normalise_date(opening)
    for block in head:
        text = block.text
        if (len(text.split()) <= 12 and _BODY_WORDS.search(text) and not re.match(r"\d", text)
                and (_mostly_caps(text) or block.kind == "heading")):
            meta.body = " ".join(w if len(w) <= 3 and w.isupper() else w.capitalize() for w in text.split())
            meta.body = re.sub(r"\s+\d{1,2}\s+\w+\s+\d{4}$", "", meta.body)
            break
    meta.kind = _infer_kind(opening, meta.title or "")
    inferred = [k for k in ("title", "date", "body", "kind") if getattr(meta, k)]
    if not meta.title:
        meta.title = Path(file_name).stem
    return meta, inferred


def _mostly_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.7


def _infer_kind(opening: str, title: str) -> str:
    lowered, title = opening.lower(), title.lower()
    if re.search(r"\bagenda\b|order of business|date and time", lowered):
        return "meeting pack"
    if "annual report" in title:
        return "annual report"
    if re.search(r"safeguarding (?:adults )?review|practice review|serious case review|domestic homicide review|rapid review", title):
        return "case review"
    if re.search(r"^report of\s*:", lowered, re.M) or "committee" in lowered:
        return "committee report"
    if "annual report" in lowered[:600]:
        return "annual report"
    return "report"
