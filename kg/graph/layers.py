"""The graph's two layers: the entity layer (reviews, themes, actions, organisations, documents, their links,
labels and kept tallies) and the evidence layer (chunks, annotations, their targets and selectors, the
statements they support, and the documents that name each entity).

A national corpus (1M chunks) holds some 74 million evidence triples beside about a million entity triples.
Listing every review or every action on a theme needs lookups per row, and over the whole store each costs
about 30 µs; over the entity layer held in memory, about 4 µs. So each version keeps its entity layer
as a file of N-Triples beside the store, and a SPARQL worker answers a query there when the query can only
match entity triples (`entity_only`). The split is by predicate (and, for rdf:type, by class), so a triple
pattern with a fixed entity predicate matches the same triples in either store: the answer is the same.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DCTERMS, PROV, RDF
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql.parserutils import CompValue

from kg.files import link_or_copy
from kg.namespaces import KG, OA

ENTITY_FILE = "graph-entities.nt"  # written by a build; shared by the versions changed from it
ENTITY_DELETED = "graph-entities.deleted.nt"  # lines of that file changes have deleted since
ENTITY_INSERTED = "graph-entities.inserted.nt"  # lines changes have inserted since

# Per-passage predicates: the Web Annotation model's annotations, targets and selectors, the reified
# statements an annotation supports, chunks with what each mentions, and the documents that name an entity.
# (kg:mentionedIn is provenance too, and it is heavy: a review named in 200 documents has 200 of them, and in
# Oxigraph's memory store they made every lookup of the review's label slower: 03 took 1.5 s with them, 0.3 s
# without, at 1M chunks.)
EVIDENCE_PREDICATES = frozenset(str(p) for p in (
    OA.hasBody, OA.hasTarget, OA.hasSource, OA.hasSelector, OA.exact, OA.prefix, OA.suffix, OA.start, OA.end,
    OA.motivatedBy, RDF.subject, RDF.predicate, RDF.object, KG.method, KG.confidence, KG.sectionPath,
    PROV.wasDerivedFrom, KG.text, KG.startOffset, KG.endOffset, KG.chunkId, DCTERMS.isPartOf,
    KG.mentionsTheme, KG.mentionsOrganisation, KG.mentionsReview, KG.mentionedIn,
))
EVIDENCE_CLASSES = frozenset(str(c) for c in (
    OA.Annotation, OA.SpecificResource, OA.TextQuoteSelector, OA.TextPositionSelector, KG.Statement, KG.Chunk,
))
_TYPE = str(RDF.type)
# The same as N-Triples terms, text and bytes, so a line is told without decoding it (75M lines at 1M chunks).
_TOKENS = {kind: (wrap(_TYPE), frozenset(map(wrap, EVIDENCE_PREDICATES)), frozenset(map(wrap, EVIDENCE_CLASSES)))
           for kind, wrap in ((str, lambda iri: f"<{iri}>"), (bytes, lambda iri: f"<{iri}>".encode()))}
# Algebra nodes whose answer depends on more than the triples their patterns match.
_WHOLE_STORE_NODES = {"Graph", "ServiceGraphPattern", "DescribeQuery"}


def is_evidence_line(line: str | bytes) -> bool:
    """Whether an N-Triples line written by kg (an IRI subject, one space between terms) is evidence."""
    terms = line.split(maxsplit=3)
    if len(terms) < 3:
        return False
    rdf_type, predicates, classes = _TOKENS[str if isinstance(line, str) else bytes]
    if terms[1] == rdf_type:
        return terms[2] in classes
    return terms[1] in predicates


def entity_lines(lines: Iterable[bytes], seen: set[bytes]) -> Iterator[bytes]:
    """The entity layer's lines among N-Triples lines, each once (the graph is a set, and the N-Triples kg
    writes repeat lines); `seen` holds digests of those already given."""
    for line in lines:
        if line.strip() and not is_evidence_line(line):
            line = line if line.endswith(b"\n") else line + b"\n"
            digest = hashlib.blake2b(line, digest_size=16).digest()
            if digest not in seen:
                seen.add(digest)
                yield line


def change_entity_layer(parent: Path, version: Path, deleted: set[str], inserted: set[str]) -> None:
    """Give the version the parent's entity layer with some N-Triples lines deleted and inserted.

    The base file is shared (hard-linked); the change goes into the delta files beside it, which hold every line
    of the base deleted and every line inserted since the base was written (a few thousand lines a report), so a
    change writes what the report changes, not the layer. A parent built before the layers existed has no entity
    layer; then neither has the version (queries run on the whole store, as they did).
    """
    if not (parent / ENTITY_FILE).exists():
        return
    link_or_copy(parent / ENTITY_FILE, version / ENTITY_FILE)
    gone, new = read_entity_delta(parent)
    removed = {line for line in deleted if not is_evidence_line(line)}
    added = {line for line in inserted if not is_evidence_line(line)}
    # deleted ∩ inserted is empty (kg/graph/delta.py), so the layer is (base − gone) ∪ new before and after
    _write_lines(version / ENTITY_DELETED, (gone | removed) - added)
    _write_lines(version / ENTITY_INSERTED, (new - removed) | added)


def fold_entity_layer(version: Path) -> None:
    """Write the version's entity layer as one file again (when the index segments merge, as the SQLite deltas
    do), so the delta files stay small."""
    gone, new = read_entity_delta(version)
    if not (version / ENTITY_FILE).exists() or not (gone or new):
        return
    folded = version / (ENTITY_FILE + ".folding")
    with (version / ENTITY_FILE).open(encoding="utf-8") as base, folded.open("w", encoding="utf-8") as out:
        for line in base:
            text = line.rstrip("\n")
            if text not in gone and text not in new:
                out.write(line)
        out.writelines(line + "\n" for line in sorted(new))
    folded.replace(version / ENTITY_FILE)  # a new file: the parent's, shared, is left as it was
    (version / ENTITY_DELETED).unlink()
    (version / ENTITY_INSERTED).unlink()


def read_entity_delta(version: Path) -> tuple[set[str], set[str]]:
    """The lines of the base a version's changes deleted, and those they inserted."""
    return tuple(set((version / name).read_text(encoding="utf-8").splitlines()) if (version / name).exists()
                 else set() for name in (ENTITY_DELETED, ENTITY_INSERTED))


def read_entity_layer(version: Path) -> set[str]:
    """A version's entity layer as N-Triples lines: the base, less the lines deleted since, with those inserted."""
    gone, new = read_entity_delta(version)
    base = set((version / ENTITY_FILE).read_text(encoding="utf-8").splitlines())
    return (base - gone) | new


def _write_lines(path: Path, lines: set[str]) -> None:
    path.write_text("".join(line + "\n" for line in sorted(lines)), encoding="utf-8")


@lru_cache(maxsize=512)
def entity_only(query: str, base_iri: str | None = None, prefixes: tuple[tuple[str, str], ...] = ()) -> bool:
    """Whether `query` can only match entity-layer triples, so the entity layer alone answers it exactly.

    True when every triple pattern has a fixed predicate outside the evidence layer (rdf:type with a fixed
    class outside it), property paths are sequences, alternatives, inverses or one-or-more of such predicates,
    and the query names no graph, dataset or service and is not DESCRIBE. Anything else, including a query
    rdflib cannot parse, is answered by the whole store.

    Args:
        query: the SPARQL text.
        base_iri, prefixes: those the engine is given, as (prefix, namespace) pairs (kg.namespaces.PREFIXES).
    """
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        algebra = translateQuery(parseQuery(query), base=base_iri, initNs=dict(prefixes)).algebra
    except Exception:  # the engine reports the query's own errors; here it just takes the whole store
        return False
    return _entity_only(algebra)


def _entity_only(node) -> bool:
    if isinstance(node, CompValue):
        # CompValue.get answers a missing key with the key itself: read it as the dict it is
        if node.name in _WHOLE_STORE_NODES or dict.get(node, "datasetClause"):
            return False
        # BGP in translated algebra; TriplesBlock where rdflib leaves an EXISTS pattern as parsed
        if node.name in ("BGP", "TriplesBlock") and not all(
                len(triple) == 3 and _entity_pattern(triple[1], triple[2]) for triple in dict.get(node, "triples", ())):
            return False
        # The template of a CONSTRUCT builds triples; it matches none.
        return all(_entity_only(value) for key, value in node.items() if not key.startswith("_") and key != "template")
    if isinstance(node, (list, tuple)):
        return all(_entity_only(value) for value in node)
    return True


def _entity_pattern(predicate, obj) -> bool:
    if isinstance(predicate, URIRef):
        if str(predicate) == _TYPE:
            return isinstance(obj, URIRef) and str(obj) not in EVIDENCE_CLASSES
        return ":" in predicate and str(predicate) not in EVIDENCE_PREDICATES
    return _entity_path(predicate)


def _entity_path(path) -> bool:
    if isinstance(path, URIRef):
        # rdf:type inside a path has an unfixed class at one end
        return ":" in path and str(path) != _TYPE and str(path) not in EVIDENCE_PREDICATES
    if isinstance(path, (SequencePath, AlternativePath)):
        return all(_entity_path(p) for p in path.args)
    if isinstance(path, InvPath):
        return _entity_path(path.arg)
    if isinstance(path, MulPath):
        # p* and p? also match a zero-length path from every node of the store: the two stores differ there
        return path.mod == "+" and _entity_path(path.path)
    return False  # a variable predicate or a negated property set can match evidence
