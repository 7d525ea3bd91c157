"""Validation: SHACL shapes (kg/ontology/shapes.ttl) and a check that every quote is exact."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import Namespace

from kg.namespaces import KG, OA

SHAPES_FILE = Path(__file__).resolve().parents[1] / "ontology" / "shapes.ttl"
SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[str] = field(default_factory=list)
    checked_quotes: int = 0
    bad_quotes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.conforms and not self.bad_quotes


def validate_graph(graph: Graph, shapes_file: Path = SHAPES_FILE, limit: int = 50) -> ValidationReport:
    """Run the SHACL shapes over a graph.

    Args:
        graph: the data graph (vocabulary included, so class checks on concepts resolve).
        shapes_file: the SHACL shapes.
        limit: most violation messages kept.
    """
    import pyshacl

    shapes = Graph().parse(shapes_file, format="turtle")
    conforms, results, text = pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=True,
                                               allow_warnings=True)
    if not isinstance(results, Graph):  # the shapes themselves were rejected
        return ValidationReport(conforms=False, violations=[str(text).strip()])
    violations = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        violations.append(f"{focus} {path or ''}: {message}")
        if len(violations) >= limit:
            break
    return ValidationReport(conforms=bool(conforms), violations=violations)


def check_quotes(backend, texts: dict[str, str], report: ValidationReport) -> ValidationReport:
    """Every TextQuoteSelector's exact text must equal the document text at its TextPositionSelector.

    Args:
        backend: a graph backend (kg/graph/backend.py) holding the graph.
        texts: document id -> cleaned text.
        report: updated in place and returned.
    """
    query = """
        SELECT ?file ?exact ?start ?end WHERE {
          ?target oa:hasSource ?doc ; oa:hasSelector ?q, ?p .
          ?doc kg:fileName ?file .
          ?q a oa:TextQuoteSelector ; oa:exact ?exact .
          ?p a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end .
        }"""
    outcome = backend.run(query, row_limit=10**9, prefixes={"oa": str(OA), "kg": str(KG)})
    for file, exact, start, end in outcome.rows:
        report.checked_quotes += 1
        text = texts.get(str(file))
        if text is None or text[int(start):int(end)] != str(exact):
            report.bad_quotes.append(f"{file} [{start}:{end}] {str(exact)[:60]!r}")
    return report
