"""Corpus → clean documents → section-aware chunks with provenance."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kg.config import Settings, load_settings
from kg.documents import Chunk, Document, SkippedFile
from kg.errors import IngestError
from kg.ingest.chunk import build_sections, chunk_blocks
from kg.ingest.clean import clean_blocks, render
from kg.ingest.metadata import MANIFEST_NAME, DocumentMeta, infer_metadata, read_manifest
from kg.ingest.readers import read_document

__all__ = ["IngestResult", "corpus_files", "ingest_corpus", "ingest_file", "file_sha256"]


@dataclass
class IngestResult:
    documents: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sources: dict[str, Path] = field(default_factory=dict)  # doc id -> the file it was read from (kept as the original)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every candidate document under `corpus_dir`: hidden files, the manifest and READMEs excluded."""
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if not path.is_file() or any(part.startswith((".", "_")) for part in rel.parts):
            continue
        if path.name == MANIFEST_NAME or path.name.upper().startswith("README"):
            continue
        files.append(path)
    return files


def ingest_file(path: Path, doc_id: str | None = None, meta: DocumentMeta | None = None,
                settings: Settings | None = None) -> tuple[Document, list[Chunk]]:
    """Read, clean, section and chunk one file.

    Args:
        path: the source file.
        doc_id: the document's id (default: its file name).
        meta: manifest metadata; fields left empty are inferred from the text.
        settings: chunk sizes and file limits.

    Raises:
        IngestError: the file cannot be read or holds no text.
    """
    settings = settings or load_settings()
    raw = read_document(path, max_bytes=int(settings.max_file_mb * 1e6))
    blocks = clean_blocks(raw.text)
    if not blocks:
        raise IngestError(path, "no readable text after cleaning (only markup, page furniture or symbols)")
    text = render(blocks)
    doc_id = doc_id or path.name
    inferred_meta, inferred_fields = infer_metadata(blocks, path.name)
    meta = meta or DocumentMeta()
    inferred = [f for f in inferred_fields if not getattr(meta, f)]
    merged = {f: getattr(meta, f) or getattr(inferred_meta, f) for f in ("title", "date", "body", "kind")}
    sections = build_sections(blocks, len(text))
    document = Document(
        doc=doc_id, title=merged["title"] or path.stem, text=text, sha256=file_sha256(path),
        date=merged["date"], body=merged["body"], kind=merged["kind"], source=meta.source,
        format=raw.format, sections=sections, inferred=inferred, warnings=raw.warnings)
    chunks = chunk_blocks(doc_id, text, blocks, sections, settings.chunk_target_words,
                          settings.chunk_max_words, settings.chunk_overlap_words)
    return document, chunks


def ingest_corpus(corpus_dir: str | Path, settings: Settings | None = None,
                  progress: Callable[[Iterable[Path]], Iterable[Path]] | None = None) -> IngestResult:
    """Ingest every supported file in a corpus folder; refused files are listed, not fatal.

    Args:
        corpus_dir: the folder (with an optional manifest.csv).
        settings: chunking and limits.
        progress: wraps the file iterator (e.g. a progress bar).
    """
    settings = settings or load_settings()
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise IngestError(corpus_dir, "corpus folder not found")
    manifest = read_manifest(corpus_dir)
    result = IngestResult()
    files = corpus_files(corpus_dir)
    for path in (progress(files) if progress else files):
        doc_id = path.relative_to(corpus_dir).as_posix()
        try:
            document, chunks = ingest_file(path, doc_id, manifest.get(doc_id), settings)
        except IngestError as exc:
            result.skipped.append(SkippedFile(doc_id, exc.reason))
            continue
        result.documents.append(document)
        result.sources[doc_id] = path
        result.chunks.extend(chunks)
        result.warnings.extend(document.warnings)
    listed = set(manifest) - {d.doc for d in result.documents} - {s.path for s in result.skipped}
    result.warnings.extend(f"{MANIFEST_NAME}: no file {name!r} in the corpus" for name in sorted(listed))
    return result
