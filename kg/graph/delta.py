"""The graph changed by document: the triples to delete and to insert, applied to a copy of the live store.

The graph is a function of the findings (kg/graph/build.py), so the change a document makes is the
difference between the triples of the entities it touches before and after the change. Only the evidence
in the changed documents (and each entity's first piece, which some statements cite) is regenerated:
evidence in other documents gives the same triples either way; kg/findings_store.py reads just those. The store is copied from the live version
with Oxigraph's backup (hard links to its immutable files), so the live version is never written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from kg.documents import Chunk, Document
from kg.extract.findings import Findings
from kg.graph.build import GraphBuilder, GraphContext, nt_line
from kg.graph.layers import change_entity_layer
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


def _triples(documents: Sequence[Document], chunks: Sequence[Chunk], part: Findings, context: GraphContext,
             read_text: Callable[[str], str | None]) -> set[str]:
    sink = _LineSink()
    builder = GraphBuilder([], include_vocabulary=False, sink=sink)
    builder.texts = _Texts(documents, read_text)
    builder.add_documents(documents)
    builder.add_chunks(chunks)
    builder.add_findings(part, context)
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


def graph_change(before: tuple[Findings, GraphContext], after: tuple[Findings, GraphContext],
                 old: tuple[Sequence[Document], Sequence[Chunk]], new: tuple[Sequence[Document], Sequence[Chunk]],
                 read_text: Callable[[str], str | None]) -> GraphChange:
    """What changing some documents does to the graph.

    Args:
        before, after: the entities the documents touch, with their first piece of evidence and what the
            documents say (kg/findings_store.py FindingsStore.part), and what they refer to among all findings
            (FindingsStore.context), before and after the change.
        old: the removed or replaced documents and their chunks (as the live version has them).
        new: the added or replacing documents and their chunks.
        read_text: the text of an unchanged document (for the selectors of evidence kept from it).
    """
    was = _triples(*old, *before, read_text)
    will = _triples(*new, *after, read_text)
    return GraphChange(deleted=was - will, inserted=will - was)


def apply_graph_change(parent: Path, version: Path, change: GraphChange, previous_count: int) -> int:
    """Copy the parent's store into `version` and apply the change, to its entity layer too; returns the new
    triple count."""
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
    change_entity_layer(parent, version, change.deleted, change.inserted)
    return count
