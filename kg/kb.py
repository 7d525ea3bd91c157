"""The knowledge base on disk: a folder of versions, a CURRENT pointer, and a writer lock.

    data/kb/
      CURRENT              name of the live version (replaced atomically)
      write.lock           held by the one process that may write
      cache/               embedding cache, shared by all versions
      originals/<sha256>.<ext>  each document's original file, for download (shared by all versions)
      versions/<name>/     one complete knowledge base:
        manifest.json      kg version, settings, input hashes, counts, skipped files
        corpus.sqlite      documents (metadata + cleaned text) and chunks; after `kg add`/`kg remove` the
                           parent's file, shared, with the change in corpus.delta.sqlite (kg/sqlite_layers.py)
        …                  indexes and graph, written by later stages

Every change is written into a new version folder and becomes live only when
CURRENT is replaced (an atomic rename), so a crash or a failed build leaves the
previous knowledge base exactly as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import time
import zipfile
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from kg import sqlite_layers
from kg.documents import Chunk, Document, Section
from kg.errors import BuildError, KgError, KnowledgeBaseDamaged, KnowledgeBaseLocked, KnowledgeBaseNotFound
from kg.extract.findings import Findings
from kg.extract.merge import join_findings, without_documents
from kg.extract.tallies import Summaries, summarise
from kg.findings_store import FINDINGS_STORE, FindingsStore, read_findings_store

CURRENT = "CURRENT"
VERSIONS = "versions"
ORIGINALS = "originals"
KEEP_PREVIOUS = 2  # old versions kept so a running server can finish reading them
# What reading a file cut short or overwritten raises, across json, sqlite, faiss, numpy and bm25s.
_READ_ERRORS = (OSError, ValueError, EOFError, RuntimeError, KeyError, IndexError, TypeError, AttributeError,
                sqlite3.DatabaseError, zipfile.BadZipFile)


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Report a knowledge-base file that cannot be read as KnowledgeBaseDamaged: which file, and that a build
    repairs it (the version folder's parent's parent is the knowledge base)."""
    try:
        yield
    except KgError:
        raise
    except _READ_ERRORS as exc:
        path = Path(path)
        version = next((p for p in [path, *path.parents] if p.parent.name == VERSIONS), None)
        root = version.parent.parent if version else path.parent
        name = path.relative_to(version) if version else path.name
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise KnowledgeBaseDamaged(f"the knowledge base file {name} is damaged or incomplete ({reason}); "
                                   f"`kg build --kb {root}` rebuilds it") from None

_SCHEMA = """
CREATE TABLE documents (
    doc TEXT PRIMARY KEY, title TEXT NOT NULL, date TEXT, body TEXT, kind TEXT, source TEXT,
    format TEXT, sha256 TEXT NOT NULL, inferred TEXT, warnings TEXT, sections TEXT, text TEXT NOT NULL,
    words INTEGER, section_count INTEGER
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL, doc TEXT NOT NULL REFERENCES documents(doc),
    ordinal INTEGER, start INTEGER NOT NULL, "end" INTEGER NOT NULL, section TEXT, paragraphs TEXT,
    text TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks(doc);
CREATE TABLE chunk_links (row INTEGER NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (kind, id, row));
"""


def current_version(root: Path) -> Path | None:
    """The live version folder, or None when nothing has been built."""
    pointer = root / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    path = root / VERSIONS / name
    return path if (path / "manifest.json").is_file() else None


@contextmanager
def writer_lock(root: Path, timeout: float = 0.5) -> Iterator[None]:
    """Hold the knowledge base's write lock, or raise KnowledgeBaseLocked."""
    try:
        root.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(root / "write.lock"))
        lock.acquire(timeout=timeout)
    except Timeout:
        raise KnowledgeBaseLocked(
            f"another kg process is writing {root} (build, add or remove); wait for it to finish") from None
    except OSError as exc:
        raise BuildError(f"cannot write to the knowledge base at {root} ({exc.strerror or exc}); "
                         "nothing was changed") from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def new_version(root: Path) -> Iterator[Path]:
    """A fresh version folder to write into; published on success, discarded on any error.

    The caller must hold `writer_lock(root)`.
    """
    versions = root / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    _remove_unpublished(root)
    now = time.time_ns()  # names sort in the order versions were made, even several a second (in-place adds)
    name = time.strftime("%Y%m%dT%H%M%S", time.localtime(now // 10**9)) + f".{now % 10**9:09d}-{os.getpid()}"
    staging = versions / (name + ".partial")
    staging.mkdir()
    try:
        yield staging
        _fsync_tree(staging)
        final = versions / name
        os.rename(staging, final)
        _publish(root, name)
    except (OSError, sqlite3.OperationalError) as exc:  # a full disk, a file-size limit, a read-only folder
        shutil.rmtree(staging, ignore_errors=True)
        where = f" writing {Path(exc.filename).name}" if getattr(exc, "filename", None) else ""
        raise BuildError(f"could not write the new version{where} ({getattr(exc, 'strerror', None) or exc}); "
                         "the previous version is still live") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _collect_old_versions(root)


def _publish(root: Path, name: str) -> None:
    tmp = root / f"{CURRENT}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, root / CURRENT)
    _fsync_dir(root)


def _fsync_tree(path: Path) -> None:
    for dirpath, _, filenames in os.walk(path):
        for filename in filenames:
            try:
                fd = os.open(os.path.join(dirpath, filename), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_unpublished(root: Path) -> None:
    """Leftovers of a writer that was killed: never live, safe to delete under the lock."""
    for path in (root / VERSIONS).glob("*.partial"):
        shutil.rmtree(path, ignore_errors=True)
    (root / f"{CURRENT}.tmp").unlink(missing_ok=True)


def _collect_old_versions(root: Path) -> None:
    live = current_version(root)
    versions = sorted(p for p in (root / VERSIONS).iterdir() if p.is_dir() and not p.name.endswith(".partial"))
    old = [p for p in versions if p != live]
    for path in old[:-KEEP_PREVIOUS] if KEEP_PREVIOUS else old:
        shutil.rmtree(path, ignore_errors=True)
    _collect_old_originals(root)


# ---- original files (what a user downloads from a review or document page) -------------------

def original_name(sha256: str, doc: str) -> str:
    """An original's file name in the store: its content hash (shared by every version that holds it) and the
    document's own extension, so the download keeps its type."""
    suffix = Path(doc).suffix.lower()
    return sha256 + (suffix if suffix[1:].isalnum() else "")


def keep_originals(root: Path, documents: Iterable[Document], sources: dict[str, Path]) -> None:
    """Copy each document's source file into the store once (by content hash); the caller holds the lock.

    A file that changed since it was read (its hash differs) is not kept: the download must be what was read.
    """
    from kg.ingest import file_sha256  # kg.ingest imports this module's neighbours; import at use

    store = root / ORIGINALS
    for document in documents:
        source = sources.get(document.doc)
        if source is None:
            continue
        target = store / original_name(document.sha256, document.doc)
        if target.is_file():
            continue
        store.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        try:
            shutil.copyfile(source, tmp)
            if file_sha256(tmp) != document.sha256:
                tmp.unlink(missing_ok=True)
                continue
            os.replace(tmp, target)
        except OSError:
            tmp.unlink(missing_ok=True)  # a download is a convenience; the build itself has succeeded


def _collect_old_originals(root: Path) -> None:
    """Remove originals that no kept version lists (after versions are collected)."""
    store = root / ORIGINALS
    if not store.is_dir():
        return
    wanted: set[str] = set()
    for manifest in (root / VERSIONS).glob("*/manifest.json"):
        try:
            inputs = json.loads(manifest.read_text(encoding="utf-8")).get("inputs", {})
        except (OSError, ValueError, AttributeError):
            return  # cannot tell what is still needed: keep everything
        wanted |= {original_name(sha, doc) for doc, sha in inputs.items()}
    for path in store.iterdir():
        if path.name not in wanted:
            path.unlink(missing_ok=True)


# ---- the corpus store (documents and chunks) ---------------------------------------------------

def write_corpus(version: Path, documents: Iterable[Document], chunks: Iterable[Chunk]) -> None:
    """Write documents and chunks into `corpus.sqlite`; chunk rows number vectors (0, 1, 2…)."""
    db = sqlite3.connect(version / "corpus.sqlite")
    try:
        db.executescript(_SCHEMA)
        _insert(db, documents, chunks, 0)
        db.commit()
    finally:
        db.close()


def _insert(db: sqlite3.Connection, documents: Iterable[Document], chunks: Iterable[Chunk], first_row: int) -> None:
    db.executemany(
        "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(d.doc, d.title, d.date, d.body, d.kind, d.source, d.format, d.sha256, json.dumps(d.inferred),
          json.dumps(d.warnings), json.dumps([s.__dict__ for s in d.sections]), d.text, len(d.text.split()),
          len(d.sections)) for d in documents])
    db.executemany(
        'INSERT INTO chunks (row, chunk_id, doc, ordinal, start, "end", section, paragraphs, text) '
        "VALUES (?,?,?,?,?,?,?,?,?)",
        [(first_row + i, c.chunk_id, c.doc, c.ordinal, c.start, c.end, json.dumps(c.section),
          json.dumps(c.paragraphs), c.text) for i, c in enumerate(chunks)])


def change_corpus(parent: Path, version: Path, removed: Iterable[str], documents: list[Document],
                  chunks: list[Chunk], first_row: int) -> tuple[list[int], list[int]]:
    """Write the version's corpus.sqlite as the parent's with documents removed (or replaced) and added.

    Rows of kept chunks do not change (they number vectors in every index segment); new chunks take rows from
    `first_row`, above the highest one ever used (kg/index/segments.py rows_used), so a row never names two
    chunks.

    Returns:
        The rows removed and the rows given to `chunks`.
    """
    sqlite_layers.begin(parent / "corpus.sqlite", version / "corpus.sqlite")
    removed = sorted(set(removed))
    db = sqlite_layers.connect(version / "corpus.sqlite", writable=True)
    try:
        gone: list[int] = []
        for start in range(0, len(removed), 900):
            part = removed[start:start + 900]
            marks = ",".join("?" * len(part))
            gone += [r[0] for r in db.execute(f"SELECT row FROM chunks WHERE doc IN ({marks})", part)]
            db.execute(f"DELETE FROM chunks WHERE doc IN ({marks})", part)
            db.execute(f"DELETE FROM documents WHERE doc IN ({marks})", part)
        for start in range(0, len(gone), 900):
            part = gone[start:start + 900]
            db.execute(f"DELETE FROM chunk_links WHERE row IN ({','.join('?' * len(part))})", part)
        highest = sqlite_layers.highest(db, "chunks", "row")
        first = max(first_row, max(gone, default=-1) + 1, (-1 if highest is None else highest) + 1)
        _insert(db, documents, chunks, first)
        db.commit()
    finally:
        db.close()
    return sorted(gone), list(range(first, first + len(chunks)))


def read_chunk_texts(version: Path, rows: list[int]) -> list[str]:
    """The indexed text (section path and passage) of chunk rows of a version being written, in the order asked."""
    db = sqlite_layers.connect(version / "corpus.sqlite")
    sql = 'SELECT row, doc, chunk_id, text, start, "end", section, paragraphs, ordinal FROM chunks'
    try:
        found: dict[int, str] = {}
        if len(rows) > 50_000:  # a merge: one pass over the table
            wanted = set(rows)
            for r in db.execute(sql):
                if r[0] in wanted:
                    found[r[0]] = _chunk(r[1:]).embedding_text()
        else:
            for start in range(0, len(rows), 900):
                part = rows[start:start + 900]
                for r in db.execute(f"{sql} WHERE row IN ({','.join('?' * len(part))})", part):
                    found[r[0]] = _chunk(r[1:]).embedding_text()
    finally:
        db.close()
    return [found[r] for r in rows]


def write_chunk_links(version: Path, links: Iterable[tuple[int, str, str]]) -> None:
    """Record which chunk rows speak of which theme or review: (row, "theme"|"review", id)."""
    db = sqlite_layers.connect(version / "corpus.sqlite", writable=True)
    try:
        db.executemany("INSERT OR IGNORE INTO chunk_links VALUES (?,?,?)", list(links))
        db.commit()
    finally:
        db.close()


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# Findings by entity and document (kg/findings_store.py). Versions written by earlier releases kept a JSON Lines
# base file, the findings of documents added in place, and the documents dropped; they are still read.
LEGACY_FINDINGS_FILE = "findings.jsonl"
LEGACY_FINDINGS_JSON = "findings.json"  # one JSON document
LEGACY_FINDINGS_ADDED = "findings-added"
LEGACY_FINDINGS_CHANGES = "findings-changes.json"
# Parsed findings by version folder, shared by every KnowledgeBase opened on that version: the UI, ask() and
# the server's warm-up each open their own, and at a million chunks each parse cost tens of seconds and GBs.
_SHARED_FINDINGS: OrderedDict[str, Findings] = OrderedDict()
_SHARED_VERSIONS = 2  # the live version and the one a running request may still be reading
_FINDINGS_LOCK = threading.Lock()


def write_findings(version: Path, findings: Findings, dates: dict[str, str | None]) -> None:
    """Save extraction findings into a version folder (`dates`: document id -> ISO date, for tallies by year)."""
    FindingsStore.create(version / FINDINGS_STORE, findings, dates)


def read_findings(version: Path) -> Findings:
    """The findings of a version (KnowledgeBase.findings reads them once; KnowledgeBaseDamaged if a file cannot be
    read)."""
    if (version / FINDINGS_STORE).exists():
        with reading(version / FINDINGS_STORE):
            return read_findings_store(version / FINDINGS_STORE)
    if not (version / LEGACY_FINDINGS_FILE).exists() and (version / LEGACY_FINDINGS_JSON).exists():
        with reading(version / LEGACY_FINDINGS_JSON):
            return Findings.from_dict(json.loads((version / LEGACY_FINDINGS_JSON).read_text(encoding="utf-8")))
    findings = _read_jsonl(version / LEGACY_FINDINGS_FILE)
    changes = {"dropped": [], "added": []}
    if (version / LEGACY_FINDINGS_CHANGES).is_file():
        with reading(version / LEGACY_FINDINGS_CHANGES):
            changes = json.loads((version / LEGACY_FINDINGS_CHANGES).read_text(encoding="utf-8"))
    if changes["dropped"]:
        findings = without_documents(findings, changes["dropped"])
    for name, _ in changes["added"]:
        findings = join_findings(findings, _read_jsonl(version / LEGACY_FINDINGS_ADDED / name))
    return findings


def _read_jsonl(path: Path) -> Findings:
    with reading(path), path.open(encoding="utf-8") as handle:
        return Findings.read_jsonl(handle)


def findings_for_change(parent: Path, version: Path) -> FindingsStore:
    """The parent's findings shared into `version` and opened for a change, which goes to the version's delta (the
    parent's file is never written)."""
    sqlite_layers.begin(parent / FINDINGS_STORE, version / FINDINGS_STORE)
    return FindingsStore(version / FINDINGS_STORE, writable=True)


SUMMARIES_FILE = "summaries.json"  # the tallies behind the summary views (kg/extract/tallies.py)


def write_summaries(version: Path, summaries: Summaries) -> None:
    """Keep the version's summaries beside its findings, so the summary views never need the findings."""
    (version / SUMMARIES_FILE).write_text(json.dumps(summaries.to_dict(), ensure_ascii=False), encoding="utf-8")


def read_summaries(version: Path) -> Summaries | None:
    """The version's kept summaries, or None for a version written before they were kept."""
    path = version / SUMMARIES_FILE
    if not path.is_file():
        return None
    with reading(path):
        return Summaries.from_dict(json.loads(path.read_text(encoding="utf-8")))


@dataclass
class DocumentInfo:
    """A document's metadata and counts, without its text."""

    doc: str
    title: str
    date: str | None
    body: str | None
    kind: str | None
    source: str | None
    format: str
    sha256: str
    inferred: list[str]
    warnings: list[str]
    chunks: int
    words: int
    sections: int


class KnowledgeBase:
    """A read-only view of one version of the knowledge base.

    Opening is cheap (nothing large is read); parts load on first use.
    """

    def __init__(self, root: str | Path, version: Path | None = None):
        self.root = Path(root)
        self.version = version or current_version(self.root)
        if self.version is None:
            raise KnowledgeBaseNotFound(
                f"no knowledge base at {self.root}; build one with `kg build --kb {self.root}`")
        with reading(self.version / "manifest.json"):
            self.manifest: dict[str, Any] = json.loads((self.version / "manifest.json").read_text(encoding="utf-8"))
            if not isinstance(self.manifest, dict):
                raise ValueError("not a JSON object")
        self._db = _CorpusDb(self.version / "corpus.sqlite")
        self._cache: dict[str, Any] = {}

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return self.version

    def is_current(self) -> bool:
        """False once another version has been published (time to reload)."""
        return current_version(self.root) == self.version

    # findings

    def findings(self) -> Findings:
        """The version's extraction findings, parsed once and shared by every reader of this version."""
        if "findings" not in self._cache:
            key = str(self.path.resolve())
            with _FINDINGS_LOCK:  # two threads opening the same version at start-up parse it once
                findings = _SHARED_FINDINGS.get(key)
                if findings is None:
                    findings = _SHARED_FINDINGS[key] = read_findings(self.path)
                    while len(_SHARED_FINDINGS) > _SHARED_VERSIONS:
                        _SHARED_FINDINGS.popitem(last=False)
                else:
                    _SHARED_FINDINGS.move_to_end(key)
            self._cache["findings"] = findings
        return self._cache["findings"]

    def findings_loaded(self) -> bool:
        """Whether the findings have been parsed already (by this reader or another of the same version)."""
        return "findings" in self._cache or str(self.path.resolve()) in _SHARED_FINDINGS

    def summaries(self) -> Summaries:
        """The theme table, theme × review grid and themes by year, as kept when the version was written
        (computed from the findings for a version that kept none)."""
        if "summaries" not in self._cache:
            kept = read_summaries(self.path)
            self._cache["summaries"] = kept if kept is not None else summarise(
                self.findings(), {d.doc: d.date for d in self.documents()})
        return self._cache["summaries"]

    # documents

    def documents(self) -> list[DocumentInfo]:
        if "documents" not in self._cache:
            counts = self._db.count("chunks", by="doc")
            rows = self._db.all(
                "SELECT doc, title, date, body, kind, source, format, sha256, inferred, warnings, section_count, words "
                "FROM documents ORDER BY doc")
            self._cache["documents"] = [
                DocumentInfo(doc=r[0], title=r[1], date=r[2], body=r[3], kind=r[4], source=r[5], format=r[6],
                             sha256=r[7], inferred=json.loads(r[8] or "[]"), warnings=json.loads(r[9] or "[]"),
                             sections=r[10] or 0, chunks=counts.get(r[0], 0), words=r[11] or 0)
                for r in rows]
        return self._cache["documents"]

    def document_info(self, doc: str) -> DocumentInfo | None:
        if "documents_by_id" not in self._cache:
            self._cache["documents_by_id"] = {d.doc: d for d in self.documents()}
        return self._cache["documents_by_id"].get(doc)

    def original(self, doc: str, corpus: Path | None = None) -> Path | None:
        """The document's original file as it was read (from the store; else the corpus folder's file when its
        content is unchanged), or None."""
        info = self.document_info(doc)
        if info is None:
            return None
        kept = self.root / ORIGINALS / original_name(info.sha256, doc)
        if kept.is_file():
            return kept
        if corpus is not None:
            from kg.ingest import file_sha256

            candidate = (Path(corpus) / doc).resolve()
            try:
                if candidate.is_relative_to(Path(corpus).resolve()) and candidate.is_file() \
                        and file_sha256(candidate) == info.sha256:
                    return candidate
            except OSError:
                return None
        return None

    def document(self, doc: str) -> Document | None:
        row = self._db.one(
            "SELECT doc, title, date, body, kind, source, format, sha256, inferred, warnings, sections, text "
            "FROM documents WHERE doc = ?", (doc,))
        if row is None:
            return None
        return Document(doc=row[0], title=row[1], date=row[2], body=row[3], kind=row[4], source=row[5],
                        format=row[6], sha256=row[7], inferred=json.loads(row[8] or "[]"),
                        warnings=json.loads(row[9] or "[]"),
                        sections=[Section(**s) for s in json.loads(row[10] or "[]")], text=row[11])

    # chunks

    def chunk_count(self) -> int:
        counted = self.manifest.get("counts", {}).get("chunks")  # counting a layered corpus scans it
        return int(counted) if counted is not None else self._db.count("chunks")

    def chunks_by_row(self, rows: Iterable[int]) -> list[Chunk]:
        """Chunks for vector rows, in the order asked."""
        rows = [int(r) for r in rows]
        if not rows:
            return []
        found: dict[int, Chunk] = {}
        for start in range(0, len(rows), 900):
            part = rows[start:start + 900]
            marks = ",".join("?" * len(part))
            for r in self._db.all(
                    f'SELECT row, doc, chunk_id, text, start, "end", section, paragraphs, ordinal '
                    f"FROM chunks WHERE row IN ({marks})", part):
                found[r[0]] = _chunk(r[1:])
        return [found[r] for r in rows if r in found]

    def chunk(self, chunk_id: str) -> Chunk | None:
        r = self._db.one('SELECT doc, chunk_id, text, start, "end", section, paragraphs, ordinal '
                         "FROM chunks WHERE chunk_id = ?", (chunk_id,))
        return _chunk(r) if r else None

    def iter_chunks(self, doc: str | None = None) -> Iterator[Chunk]:
        """Chunks in row order, of one document or all (each side of a layered file in turn: no sort of 1M rows)."""
        where, args = ("doc = ?", (doc,)) if doc is not None else ("1", ())
        for r in self._db.each("chunks", 'doc, chunk_id, text, start, "end", section, paragraphs, ordinal', where, args,
                               "ORDER BY row"):
            yield _chunk(r)

    def rows_where(self, docs: Iterable[str] | None = None, date_from: str | None = None,
                   date_to: str | None = None) -> list[int]:
        """Vector rows of chunks whose document matches the filters."""
        clauses, args = [], []
        if docs is not None:
            docs = list(docs)
            clauses.append(f"d.doc IN ({','.join('?' * len(docs))})")
            args.extend(docs)
        if date_from:
            clauses.append("d.date >= ?")
            args.append(date_from)
        if date_to:
            clauses.append("d.date <= ?")
            args.append(date_to + "\uffff")
        where = " AND ".join(clauses) or "1"
        return [r[0] for r in self._db.all(
            f"SELECT c.row FROM chunks c JOIN documents d ON d.doc = c.doc WHERE {where} ORDER BY c.row", args)]

    def rows_linked_to(self, kind: str, ids: Iterable[str]) -> list[int]:
        """Vector rows of chunks linked to any of the given themes or reviews (by id)."""
        ids = list(ids)
        return [r[0] for r in self._db.all(
            f"SELECT DISTINCT row FROM chunk_links WHERE kind = ? AND id IN ({','.join('?' * len(ids))}) ORDER BY row",
            [kind, *ids])]


class _CorpusDb:
    """The version's corpus.sqlite, read-only; a damaged file is reported as KnowledgeBaseDamaged, not a traceback."""

    def __init__(self, path: Path):
        self.path = path
        with reading(path):
            if not path.is_file():
                raise FileNotFoundError("missing")
            self._db = sqlite_layers.connect(path, check_same_thread=False)

    def all(self, sql: str, args: Iterable = ()) -> list[tuple]:
        with reading(self.path):
            return self._db.execute(sql, tuple(args)).fetchall()

    def one(self, sql: str, args: Iterable = ()) -> tuple | None:
        with reading(self.path):
            return self._db.execute(sql, tuple(args)).fetchone()

    def count(self, table: str, where: str = "1", args: Iterable = (), by: str | None = None) -> int | Counter:
        with reading(self.path):
            return sqlite_layers.count(self._db, table, where, tuple(args), by)

    def each(self, table: str, columns: str, where: str, args: Iterable, tail: str) -> Iterator[tuple]:
        with reading(self.path):
            yield from sqlite_layers.each(self._db, table, columns, where, tuple(args), tail)

    def close(self) -> None:
        self._db.close()


def _chunk(r: tuple) -> Chunk:
    return Chunk(doc=r[0], chunk_id=r[1], text=r[2], start=r[3], end=r[4], section=json.loads(r[5] or "[]"),
                 paragraphs=json.loads(r[6] or "[]"), ordinal=r[7])
