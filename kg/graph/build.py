"""Findings → RDF: documents, chunks, reviews, themes, actions and organisations, with evidence for every statement.

Entities get stable, readable IRIs (…/review/child-l, …/theme/information-sharing).
A relationship triple (review raised theme, action responds to review, chunk
mentions theme…) is also named as a kg:Statement so that an oa:Annotation can
point at the exact passage supporting it: oa:hasTarget an oa:SpecificResource
on the document with an oa:TextQuoteSelector (exact, prefix, suffix) and an
oa:TextPositionSelector (start, end), prov:wasDerivedFrom the chunk, plus the
method and confidence of the extractor. Entities are annotated the same way
(oa:hasBody the entity). Nothing enters the graph without evidence.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from collections.abc import Iterable, Sequence
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from kg.documents import Chunk, Document
from kg.extract.findings import ActionFinding, Evidence, Findings, owners_first_actions
from kg.extract.tallies import Summaries, summarise
from kg.namespaces import (ACTION, CHUNK, DOC, EVIDENCE, ID, KG, OA, ORG, ORGV, PREFIXES, REVIEW, REVIEW_TYPE,
                           THEME, slugify)

ONTOLOGY_DIR = Path(__file__).resolve().parents[1] / "ontology"
# The gazetteers are not copied in whole: an organisation enters the graph when a document names it.
VOCABULARY_FILES = ("kg.ttl", "themes.ttl")
CONTEXT = 32  # characters of prefix/suffix kept in a TextQuoteSelector


def doc_iri(doc: str) -> URIRef:
    return DOC[slugify(Path(doc).stem if "." in doc else doc, 120)]


def chunk_iri(chunk_id: str) -> URIRef:
    doc, _, ordinal = chunk_id.rpartition("#")
    return CHUNK[f"{slugify(Path(doc).stem, 120)}-{ordinal}"]


def _hash(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def vocabulary_graph() -> Graph:
    """The ontology and the theme and review-type schemes."""
    graph = Graph()
    for name in VOCABULARY_FILES:
        graph.parse(ONTOLOGY_DIR / name, format="turtle")
    return graph


def nt_line(triple) -> str:
    """One triple as an N-Triples line (without its newline)."""
    s, p, o = triple
    return f"{nt_term(s)} {nt_term(p)} {nt_term(o)} ."


def nt_term(term) -> str:
    """A term in N-Triples syntax (IRIs and literals; kg mints no blank nodes)."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        text = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype is not None and term.datatype != XSD.string:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    return term.n3()


class NTriplesSink:
    """Writes triples straight to an N-Triples file: a graph of any size without holding it in memory."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = path.open("w", encoding="utf-8")
        self.count = 0

    def add(self, triple) -> None:
        s, p, o = triple
        self.handle.write(nt_line(triple) + "\n")
        self.count += 1

    def close(self) -> None:
        self.handle.close()


class GraphBuilder:
    """Emits the triples for documents, chunks and findings into a sink (an rdflib Graph by default)."""

    def __init__(self, documents: Sequence[Document], include_vocabulary: bool = True, sink=None):
        if sink is None:
            sink = Graph()
            for prefix, namespace in PREFIXES.items():
                sink.bind(prefix, namespace)
        self.graph = sink
        self.add = sink.add
        if include_vocabulary:
            for triple in vocabulary_graph():
                self.add(triple)
        self.texts = {d.doc: d.text for d in documents}

    # ---- documents and chunks ------------------------------------------------------------------

    def add_documents(self, documents: Iterable[Document]) -> None:
        for d in documents:
            node = doc_iri(d.doc)
            self.add((node, RDF.type, KG.Document))
            self.add((node, DCTERMS.title, Literal(d.title)))
            self.add((node, KG.fileName, Literal(d.doc)))
            self.add((node, KG.sha256, Literal(d.sha256)))
            self.add((node, DCTERMS["format"], Literal(d.format)))
            if d.date:
                self.add((node, DCTERMS.date, Literal(d.date, datatype=XSD.date if len(d.date) == 10 else XSD.gYear)))
            if d.body:
                self.add((node, DCTERMS.publisher, Literal(d.body)))
            if d.kind:
                self.add((node, KG.documentKind, Literal(d.kind)))
            if d.source:
                self.add((node, DCTERMS.source, Literal(d.source)))

    def add_chunks(self, chunks: Iterable[Chunk], with_text: bool = True) -> None:
        for c in chunks:
            node = chunk_iri(c.chunk_id)
            self.add((node, RDF.type, KG.Chunk))
            self.add((node, DCTERMS.isPartOf, doc_iri(c.doc)))
            self.add((node, KG.chunkId, Literal(c.chunk_id)))
            self.add((node, KG.sectionPath, Literal(" > ".join(c.section))))
            self.add((node, KG.startOffset, Literal(c.start)))
            self.add((node, KG.endOffset, Literal(c.end)))
            if with_text:
                self.add((node, KG.text, Literal(c.text)))

    # ---- evidence ------------------------------------------------------------------------------

    def annotate(self, body: URIRef, evidence: Evidence, method: str, confidence: float,
                 similarity: float | None = None, motivation: URIRef = OA.identifying) -> URIRef:
        """Attach one passage as evidence for `body`: an entity (identifying it) or a kg:Statement (describing)."""
        node = EVIDENCE[_hash(body, evidence.doc, evidence.start, evidence.end)]
        target = URIRef(f"{node}-target")
        quote, position = URIRef(f"{node}-quote"), URIRef(f"{node}-position")
        text = self.texts.get(evidence.doc, "")
        self.add((node, RDF.type, OA.Annotation))
        self.add((node, OA.motivatedBy, motivation))
        self.add((node, OA.hasBody, body))
        self.add((node, OA.hasTarget, target))
        self.add((target, RDF.type, OA.SpecificResource))
        self.add((target, OA.hasSource, doc_iri(evidence.doc)))
        self.add((target, OA.hasSelector, quote))
        self.add((target, OA.hasSelector, position))
        self.add((quote, RDF.type, OA.TextQuoteSelector))
        self.add((quote, OA.exact, Literal(evidence.quote)))
        self.add((quote, OA.prefix, Literal(text[max(0, evidence.start - CONTEXT):evidence.start])))
        self.add((quote, OA.suffix, Literal(text[evidence.end:evidence.end + CONTEXT])))
        self.add((position, RDF.type, OA.TextPositionSelector))
        self.add((position, OA.start, Literal(evidence.start)))
        self.add((position, OA.end, Literal(evidence.end)))
        if evidence.chunk_id:
            self.add((node, PROV.wasDerivedFrom, chunk_iri(evidence.chunk_id)))
        if evidence.section:
            self.add((node, KG.sectionPath, Literal(" > ".join(evidence.section))))
        self.add((node, KG.method, Literal(method or "rule")))
        self.add((node, KG.confidence, Literal(Decimal(f"{float(confidence):.3f}"))))
        if similarity is not None:
            self.add((node, KG.similarity, Literal(Decimal(f"{float(similarity):.4f}"))))
        return node

    def state(self, subject: URIRef, predicate: URIRef, obj: URIRef, evidence: Sequence[Evidence], method: str,
              confidence: float, similarity: float | None = None) -> None:
        """Add a relationship triple with the passages that support it; skipped if there are none."""
        evidence = [e for e in evidence if e is not None]
        if not evidence:
            return
        self.add((subject, predicate, obj))
        statement = ID[f"statement/{_hash(subject, predicate, obj)}"]
        self.add((statement, RDF.type, KG.Statement))
        self.add((statement, RDF.subject, subject))
        self.add((statement, RDF.predicate, predicate))
        self.add((statement, RDF.object, obj))
        for e in evidence:
            self.annotate(statement, e, method, confidence, similarity, motivation=OA.describing)

    # ---- findings ------------------------------------------------------------------------------

    def add_findings(self, findings: Findings, context: "GraphContext | None" = None) -> None:
        """The triples of `findings`; `context` (of all findings) when these are only some of them (an update)."""
        context = context or GraphContext.of(findings)
        referenced = context.referenced
        orgs = {o.id: o for o in findings.organisations if o.mentions or o.id in referenced}
        emitted = context.organisations
        for o in orgs.values():
            node = ORG[o.id]
            self.add((node, RDF.type, ORGV.OrganizationalUnit if o.kind == "unit" else ORGV.Organization))
            self.add((node, SKOS.prefLabel, Literal(o.label)))
            for alt in dict.fromkeys([o.acronym, *o.alt_labels]):
                if alt and alt != o.label:
                    self.add((node, SKOS.altLabel, Literal(alt)))
            if o.category:
                self.add((node, KG.category, Literal(o.category)))
            if o.parent and o.parent in emitted:
                self.add((node, ORGV.unitOf, ORG[o.parent]))
            self.add((node, KG.inGazetteer, Literal(bool(o.in_gazetteer))))
            if not o.mentions:  # named only as an action's owner: that action's passage is its evidence
                action = referenced[o.id]
                self.annotate(node, action.evidence, action.method, action.confidence)
            for e in o.mentions:
                self.annotate(node, e, o.method or ("gazetteer" if o.in_gazetteer else "detected"), o.confidence)
                self.add((node, KG.mentionedIn, doc_iri(e.doc)))
                if e.chunk_id:
                    self.add((chunk_iri(e.chunk_id), KG.mentionsOrganisation, node))

        for r in findings.reviews:
            if not r.evidence:
                continue
            node = REVIEW[r.id]
            self.add((node, RDF.type, KG.CaseReview))
            self.add((node, SKOS.prefLabel, Literal(r.label)))
            self.add((node, RDFS.label, Literal(r.label)))
            for alt in r.alt_labels:
                if alt != r.label:
                    self.add((node, SKOS.altLabel, Literal(alt)))
            if r.type:
                self.add((node, KG.reviewType, REVIEW_TYPE[r.type]))
            if r.status:
                self.add((node, KG.status, Literal(r.status)))
            if r.year:
                self.add((node, KG.year, Literal(str(r.year), datatype=XSD.gYear)))
                if r.year_basis:
                    self.add((node, KG.yearBasis, Literal(r.year_basis)))
            if r.taken_forward_as:
                self.add((node, KG.takenForwardAs, REVIEW_TYPE[r.taken_forward_as]))
            if r.area:
                self.add((node, KG.area, Literal(r.area)))
            for e in r.evidence:
                self.annotate(node, e, r.method, r.confidence)
                self.add((node, KG.mentionedIn, doc_iri(e.doc)))
                if e.chunk_id:
                    self.add((chunk_iri(e.chunk_id), KG.mentionsReview, node))
            if r.partnership and r.partnership in emitted:
                self.state(node, KG.ownedBy, ORG[r.partnership], r.evidence[:1], r.method, r.confidence)

        for link in findings.review_themes:
            self.state(REVIEW[link.review], KG.raisedTheme, THEME[link.theme], link.evidence, link.method,
                       link.confidence)
            for e in link.evidence:
                if e.chunk_id:
                    self.add((chunk_iri(e.chunk_id), KG.mentionsReview, REVIEW[link.review]))

        for m in findings.theme_mentions:
            if m.evidence.chunk_id:
                self.state(chunk_iri(m.evidence.chunk_id), KG.mentionsTheme, THEME[m.theme], [m.evidence], m.method,
                           m.confidence, m.score)

        actions = context.actions
        for a in findings.actions:
            node = ACTION[a.id]
            recommendation = a.kind == "recommendation"
            self.add((node, RDF.type, KG.Recommendation if recommendation else KG.Action))
            self.add((node, RDFS.label, Literal(a.text)))
            self.add((node, KG.actionKind, Literal(a.category)))
            if a.year:
                self.add((node, KG.year, Literal(str(a.year), datatype=XSD.gYear)))
            for predicate, value in ((KG.dueDate, a.date), (KG.actionStatus, a.status),
                                     (KG.recommendationNumber, a.number)):
                if value:
                    self.add((node, predicate, Literal(value)))
            self.annotate(node, a.evidence, a.method, a.confidence)
            for review in a.reviews:
                self.state(node, KG.recommendedBy if recommendation else KG.respondsTo, REVIEW[review], [a.evidence],
                           a.method, a.confidence)
            for theme in a.themes:
                self.state(node, KG.addressesTheme, THEME[theme], [a.evidence], a.method, a.confidence)
            for org in a.organisations:
                self.state(node, KG.addressedTo if recommendation else PROV.wasAssociatedWith, ORG[org], [a.evidence],
                           a.method, a.confidence)
            for answered in a.responds_to:
                if answered in actions:
                    self.state(node, KG.answers, ACTION[answered], [a.evidence], a.method, a.confidence)


@dataclass
class GraphContext:
    """What the triples of one finding depend on among all findings: an organisation enters the graph when a
    document names it or an action is owned by / addressed to it (`referenced`: the first such action, whose
    passage is then its evidence); links to organisations and actions are stated only to ones in the graph."""

    referenced: dict[str, ActionFinding]
    organisations: set[str]
    actions: set[str]

    @classmethod
    def of(cls, findings: Findings) -> "GraphContext":
        referenced = owners_first_actions(findings)
        orgs = {o.id for o in findings.organisations if o.mentions or o.id in referenced}
        return cls(referenced, orgs, {a.id for a in findings.actions})


def build_graph(documents: Sequence[Document], chunks: Sequence[Chunk], findings: Findings,
                include_vocabulary: bool = True, chunk_text: bool = True, sink=None,
                summaries: Summaries | None = None):
    """The whole knowledge graph, into `sink` (default: a new in-memory rdflib Graph, returned).

    Args:
        documents: cleaned documents (their text gives selector prefixes and suffixes).
        chunks: all chunks.
        findings: what extraction found.
        include_vocabulary: add the ontology, theme scheme and gazetteer.
        chunk_text: store each chunk's text (kg:text) so SPARQL can return passages.
        sink: anything with `add(triple)`, e.g. an `NTriplesSink` for graphs too big for memory.
        summaries: the findings' summaries when already made (their tallies go into the graph).
    """
    builder = GraphBuilder(documents, include_vocabulary, sink)
    builder.add_documents(documents)
    builder.add_chunks(chunks, with_text=chunk_text)
    builder.add_findings(findings)
    for triple in tally_triples(summaries or summarise(findings, {d.doc: d.date for d in documents})):
        builder.add(triple)
    return builder.graph


def chunk_links(findings: Findings) -> set[tuple[str, str, str]]:
    """(chunk_id, "theme"|"review", id) pairs: which passages speak of which theme or review (for search filters)."""
    links: set[tuple[str, str, str]] = set()
    for m in findings.theme_mentions:
        if m.evidence.chunk_id:
            links.add((m.evidence.chunk_id, "theme", m.theme))
    for r in findings.reviews:
        links.update((e.chunk_id, "review", r.id) for e in r.evidence if e.chunk_id)
    for link in findings.review_themes:
        links.update((e.chunk_id, "review", link.review) for e in link.evidence if e.chunk_id)
        links.update((e.chunk_id, "theme", link.theme) for e in link.evidence if e.chunk_id)
    for a in findings.actions:
        if a.evidence.chunk_id:
            links.update((a.evidence.chunk_id, "review", r) for r in a.reviews)
            links.update((a.evidence.chunk_id, "theme", t) for t in a.themes)
    return links


__all__ = ["GraphContext", "build_graph", "chunk_links", "vocabulary_graph", "doc_iri", "chunk_iri", "GraphBuilder", "NTriplesSink"]


def tally_triples(summaries: Summaries) -> Iterable[tuple]:
    """The corpus-wide counts kept in the graph (a theme's, an organisation's and a review's counts,
    kg:ThemeYearTally, kg:ThemePairTally), from a version's summaries: national aggregates become lookups instead of
    joins over millions of triples."""
    for theme in summaries.themes:
        yield THEME[theme.id], KG.reviewCount, Literal(theme.reviews)
        yield THEME[theme.id], KG.passageCount, Literal(theme.passages)
        yield THEME[theme.id], KG.actionCount, Literal(theme.actions)
        yield THEME[theme.id], KG.recommendationCount, Literal(theme.recommendations)
    for org_id, passages, documents in summaries.organisations:
        yield ORG[org_id], KG.mentionCount, Literal(passages)
        yield ORG[org_id], KG.documentCount, Literal(documents)
    for org_id, actions, reviews in summaries.owners:
        yield ORG[org_id], KG.actionCount, Literal(actions)
        yield ORG[org_id], KG.actionReviewCount, Literal(reviews)
    for review_id, documents, themes in summaries.review_counts:
        yield REVIEW[review_id], KG.documentCount, Literal(documents)
        yield REVIEW[review_id], KG.themeCount, Literal(themes)
    for theme_id, counts in summaries.years.passages.items():
        for year, passages in counts.items():
            node = ID[f"tally/theme-year/{theme_id}/{year}"]
            yield node, RDF.type, KG.ThemeYearTally
            yield node, KG.tallyTheme, THEME[theme_id]
            yield node, KG.tallyYear, Literal(year)
            yield node, KG.passageCount, Literal(passages)
            example = summaries.years.example.get((theme_id, year))
            if example is not None and example.chunk_id:
                yield node, KG.examplePassage, chunk_iri(example.chunk_id)
    for first, second, reviews in summaries.theme_pairs:
        node = ID[f"tally/theme-pair/{first}/{second}"]
        yield node, RDF.type, KG.ThemePairTally
        yield node, KG.firstTheme, THEME[first]
        yield node, KG.secondTheme, THEME[second]
        yield node, KG.reviewCount, Literal(reviews)
