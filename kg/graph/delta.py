"""The graph changed by document: the triples to delete and to insert, applied to a copy of the live store.

The graph is a function of the findings (kg/graph/build.py), so the change a document makes is the
difference between the triples of the entities it touches before and after the change. Only the evidence
in the changed documents (and each entity's first piece, which some statements cite) is regenerated:
evidence in other documents gives the same triples either way. The store is copied from the live version
with Oxigraph's backup (hard links to its immutable files), so the live version is never written.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.documents import Chunk, Document
from kg.extract.findings import Findings
from kg.extract.merge import Touched
from kg.graph.build import GraphBuilder, GraphContext, nt_line
from kg.graph.oxigraph_backend import STORE_DIR


class _LineSink:
    """Collects triples as N-Triples lines (a set: the graph is one)."""

    def __init__(self):
        self.lines: set[str] = set()

    def add(self, triple) -> None:
        self.lines.add(nt_line(triple))


class _Texts:
    """Document texts for selector prefixes and suffixes: the given ones, the rest read when first needed."""

    def __init__(self, documents: Iterable[Document], read: Callable[[str], str | None]):
        self.known = {d.doc: d.text for d in documents}
        self.read = read

    def get(self, doc: str, default: str = "") -> str:
        if doc not in self.known:
            self.known[doc] = self.read(doc) or default
        return self.known[doc]


def _restricted(findings: Findings, touched: Touched) -> Findings:
    """The touched entities with only their evidence in the changed documents, plus their first piece."""
    def keep(item, name: str):
        item = copy.copy(item)
        setattr(item, name, [e for i, e in enumerate(getattr(item, name)) if i == 0 or e.doc in touched.docs])
        return item

    part = touched.restrict(findings)
    part.reviews = [keep(r, "evidence") for r in part.reviews]
    part.organisations = [keep(o, "mentions") for o in part.organisations]
    part.review_themes = [keep(r, "evidence") for r in part.review_themes]
    return part


def _triples(documents: Sequence[Document], chunks: Sequence[Chunk], findings: Findings, touched: Touched,
             read_text: Callable[[str], str | None]) -> set[str]:
    sink = _LineSink()
    builder = GraphBuilder([], include_vocabulary=False, sink=sink)
    builder.texts = _Texts(documents, read_text)
    builder.add_documents(documents)
    builder.add_chunks(chunks)
    builder.add_findings(_restricted(findings, touched), GraphContext.of(findings))
    return sink.lines


@dataclass
class GraphChange:
    """N-Triples lines to delete and to insert."""

    deleted: set[str]
    inserted: set[str]

    def replace(self, old: Iterable[tuple], new: Iterable[tuple]) -> None:
        """Also replace the triples `old` by `new` (the corpus-wide tallies, before and after the change)."""
        was, will = set(map(nt_line, old)), set(map(nt_line, new))
        self.deleted |= was - will
        self.inserted |= will - was


def graph_change(before: Findings, after: Findings, changed_docs: set[str],
                 old: tuple[Sequence[Document], Sequence[Chunk]], new: tuple[Sequence[Document], Sequence[Chunk]],
                 read_text: Callable[[str], str | None]) -> GraphChange:
    """What changing `changed_docs` does to the graph.

    Args:
        before, after: all findings before and after the change.
        changed_docs: documents removed, replaced or added.
        old: the removed or replaced documents and their chunks (as the live version has them).
        new: the added or replacing documents and their chunks.
        read_text: the text of an unchanged document (for the selectors of evidence kept from it).
    """
    touched = Touched().add(before, changed_docs).add(after, changed_docs)
    was = _triples(*old, before, touched, read_text)
    will = _triples(*new, after, touched, read_text)
    return GraphChange(deleted=was - will, inserted=will - was)


def apply_graph_change(parent: Path, version: Path, change: GraphChange, previous_count: int) -> int:
    """Copy the parent's store into `version` and apply the change; returns the new triple count."""
    ox.Store.read_only(str(parent / STORE_DIR)).backup(str(version / STORE_DIR))
    store = ox.Store(str(version / STORE_DIR))
    count = previous_count
    if change.deleted:
        for quad in ox.parse("\n".join(sorted(change.deleted)).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES):
            if quad in store:
                store.remove(quad)
                count -= 1
    if change.inserted:
        quads = [q for q in ox.parse("\n".join(sorted(change.inserted)).encode("utf-8"),
                                     format=ox.RdfFormat.N_TRIPLES) if q not in store]
        store.extend(quads)
        count += len(quads)
    store.flush()
    del store
    return count
