"""Add and remove documents without rebuilding from the corpus folder.

Only new or changed files are read, embedded and extracted; the live version's
indexes, findings and graph are changed by document in a new version (kg/change.py),
so a replaced or removed document leaves no orphan chunk, vector or triple and an
add costs what the document costs. When the live version cannot be changed in place
(built by another kg or with other settings) the new version is derived from the
stored documents and chunks instead. A graph in a shared store follows the change
(kg/graph/remote_backend.py). Either way it is
written aside and published atomically, like a build.

The corpus folder stays the source of truth: an added file is copied into it (with
a manifest row when metadata is given) and a removed document's file is moved to
`corpus/.removed/`, so a later `kg build` gives the same knowledge base.
"""

from __future__ import annotations

import csv
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg.build import BuildReport, write_version
from kg.change import why_not_in_place, write_change
from kg.config import Settings, load_settings
from kg.documents import Chunk, Document, SkippedFile
from kg.errors import BuildError, IngestError, KnowledgeBaseNotFound
from kg.ingest import IngestResult, corpus_files, file_sha256, ingest_file
from kg.ingest.metadata import MANIFEST_FIELDS, MANIFEST_NAME, DocumentMeta, normalise_date, read_manifest
from kg.kb import KnowledgeBase, current_version, writer_lock
from kg.progress import Progress, SilentProgress

REMOVED_DIR = ".removed"


@dataclass
class ChangeReport:
    """What an add or remove did."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    build: BuildReport | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.skipped


def _expand(paths: list[Path]) -> list[tuple[Path, str]]:
    """Files to add with their document ids: a file's own name; a folder's files by their path within it."""
    out = []
    for path in paths:
        if path.is_dir():
            out.extend((f, f.relative_to(path).as_posix()) for f in corpus_files(path))
        elif path.exists():  # a missing path is reported once, by the caller
            out.append((path, path.name))
    return out


def _require_knowledge_base(root: Path) -> None:
    """Refuse before anything is created: adding to or removing from a folder with no knowledge base is a mistyped
    --kb, not a new knowledge base."""
    if current_version(root) is None:
        raise KnowledgeBaseNotFound(f"no knowledge base at {root}; build one first with `kg build --kb {root}`")


def add_documents(paths: list[str | Path], settings: Settings | None = None, progress: Progress | None = None,
                  meta: DocumentMeta | None = None, copy_to_corpus: bool = True) -> ChangeReport:
    """Add (or replace) documents in the knowledge base.

    Args:
        paths: files or folders (a folder adds its supported files).
        settings: the knowledge base (settings.kb) and the corpus folder to keep in step.
        progress: progress reporting.
        meta: title, date, body or kind for a single file (fields left None are taken from the
            corpus manifest, then inferred from the text).
        copy_to_corpus: copy added files into the corpus folder (so `kg build` reproduces them).

    Returns:
        What was added, replaced, left unchanged (same content) or refused, and the build report.

    Raises:
        KnowledgeBaseNotFound: nothing has been built yet (run `kg build` first).
        KnowledgeBaseLocked: another process is writing.
    """
    settings = settings or load_settings()
    progress = progress or SilentProgress()
    report = ChangeReport()
    start = time.perf_counter()
    files = _expand([Path(p) for p in paths])
    for path in [Path(p) for p in paths]:
        if not path.exists():
            report.skipped.append(SkippedFile(str(path), "no such file or folder"))
    if meta is not None and any(getattr(meta, f) for f in ("title", "date", "body", "kind")) and len(files) > 1:
        raise IngestError(", ".join(str(p) for p in paths), "--title/--date/--body/--kind describe one document; "
                          "add several files without them (or one at a time)")
    corpus = Path(settings.corpus)
    _require_knowledge_base(settings.kb_path)
    with writer_lock(settings.kb_path):
        with KnowledgeBase(settings.kb_path) as kb:
            known = {d.doc: d.sha256 for d in kb.documents()}
        manifest = read_manifest(corpus) if corpus.is_dir() else {}
        new_docs: dict[str, tuple[Document, list[Chunk], Path]] = {}
        for path, doc_id in progress.track(files, "Reading documents"):
            if doc_id in new_docs or doc_id in report.unchanged:
                report.skipped.append(SkippedFile(str(path), f"another file in this batch is also named {doc_id!r}"))
                continue
            try:
                sha = file_sha256(path)
            except OSError as exc:
                report.skipped.append(SkippedFile(str(path), f"cannot read file: {exc.strerror or exc}"))
                continue
            if known.get(doc_id) == sha:
                report.unchanged.append(doc_id)
                continue
            row = _merge_meta(meta, manifest.get(doc_id))
            try:
                document, doc_chunks = ingest_file(path, doc_id, row, settings)
            except IngestError as exc:
                report.skipped.append(SkippedFile(str(path), exc.reason))
                continue
            report.warnings.extend(document.warnings)
            new_docs[doc_id] = (document, doc_chunks, path)
            (report.replaced if doc_id in known else report.added).append(doc_id)
        if new_docs:
            report.build = _write(settings, progress, removed=set(report.replaced),
                                  documents=[d for d, _, _ in new_docs.values()],
                                  chunks=[c for _, cs, _ in new_docs.values() for c in cs],
                                  sources={doc: path for doc, (_, _, path) in new_docs.items()},
                                  skipped=report.skipped, warnings=report.warnings)
            if copy_to_corpus:
                for document, _, path in new_docs.values():
                    _keep_in_corpus(corpus, path, document, meta)
    report.seconds = time.perf_counter() - start
    return report


def remove_documents(doc_ids: list[str], settings: Settings | None = None,
                     progress: Progress | None = None) -> ChangeReport:
    """Remove documents (by id, the file name shown as `doc` in results) from the knowledge base.

    Unknown ids are reported, the rest removed. A removed document's file, if it is in the
    corpus folder, is moved to `corpus/.removed/` rather than deleted.

    Raises:
        BuildError: removing would leave no document.
    """
    settings = settings or load_settings()
    progress = progress or SilentProgress()
    report = ChangeReport()
    start = time.perf_counter()
    _require_knowledge_base(settings.kb_path)
    with writer_lock(settings.kb_path):
        with KnowledgeBase(settings.kb_path) as kb:
            known = {d.doc for d in kb.documents()}
            for doc_id in doc_ids:
                if doc_id in known:
                    if doc_id not in report.removed:
                        report.removed.append(doc_id)
                else:
                    report.skipped.append(SkippedFile(doc_id, "no document with this id in the knowledge base "
                                                               "(`kg stats` lists them)"))
            if not report.removed:
                report.seconds = time.perf_counter() - start
                return report
            if set(report.removed) == known:
                raise BuildError("removing every document would leave the knowledge base empty; "
                                 "nothing was changed")
        report.build = _write(settings, progress, removed=set(report.removed), documents=[], chunks=[],
                              skipped=report.skipped)
        corpus = Path(settings.corpus)
        for doc_id in report.removed:
            source = corpus / doc_id
            if source.is_file():
                target = corpus / REMOVED_DIR / doc_id
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(source), str(target))
    report.seconds = time.perf_counter() - start
    return report


def _write(settings: Settings, progress: Progress, removed: set[str], documents: list[Document],
           chunks: list[Chunk], sources: dict[str, Path] | None = None, skipped: list[SkippedFile] | None = None,
           warnings: list[str] | None = None) -> BuildReport:
    """The new version: changed in place when the live one allows it, else derived from its stored chunks."""
    with KnowledgeBase(settings.kb_path) as kb:
        reason = why_not_in_place(kb, settings)
        if reason is None:
            return write_change(kb, removed, documents, chunks, settings, progress, sources, skipped, warnings)
        progress.note(f"Rebuilding the indexes and graph from the stored documents: {reason}")
        gone = removed | {d.doc for d in documents}
        kept_docs = [kb.document(info.doc) for info in kb.documents() if info.doc not in gone]
        kept_chunks = [c for c in kb.iter_chunks() if c.doc not in gone]
    ingested = IngestResult(documents=kept_docs + documents, chunks=kept_chunks + chunks, skipped=skipped or [],
                            warnings=warnings or [], sources=sources or {})
    return write_version(settings.kb_path, ingested, settings, progress)


def _merge_meta(flags: DocumentMeta | None, row: DocumentMeta | None) -> DocumentMeta | None:
    if flags is None:
        return row
    if flags.date:
        flags.date = normalise_date(flags.date) or flags.date
    if row is None:
        return flags
    return DocumentMeta(**{f: getattr(flags, f) or getattr(row, f) for f in ("title", "date", "body", "kind", "source")})


def _keep_in_corpus(corpus: Path, path: Path, document: Document, flags: DocumentMeta | None) -> None:
    """Copy an added file into the corpus folder and record given metadata in its manifest."""
    if not corpus.is_dir():
        return
    target = corpus / document.doc
    if path.resolve() != target.resolve():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    if flags is None or not any(getattr(flags, f) for f in ("title", "date", "body", "kind", "source")):
        return
    manifest = corpus / MANIFEST_NAME
    rows: list[dict] = []
    if manifest.is_file():
        with manifest.open(encoding="utf-8-sig", newline="") as handle:
            rows = [r for r in csv.DictReader(handle) if r.get("file") != document.doc]
    rows.append({"file": document.doc, "title": document.title, "date": document.date or "",
                 "body": document.body or "", "kind": document.kind or "", "source": document.source or ""})
    tmp = manifest.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(MANIFEST_FIELDS))
        writer.writeheader()
        writer.writerows({k: r.get(k, "") for k in MANIFEST_FIELDS} for r in rows)
    tmp.replace(manifest)
