"""SPARQL results as text: the standard formats (SPARQL 1.1 Query Results JSON, XML, CSV and TSV; Turtle,
N-Triples, JSON-LD and RDF/XML for graphs) and the compact table people read.

Runs inside the query worker, so a large answer is serialised under the query's time limit and memory cap.
"""

from __future__ import annotations

import csv
import io
import re

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.namespace import XSD
from rdflib.query import Result

from kg.errors import QueryError
from kg.graph.backend import QueryOutcome
from kg.namespaces import PREFIXES

SELECT_FORMATS = {"json": "application/sparql-results+json", "csv": "text/csv", "tsv": "text/tab-separated-values",
                  "xml": "application/sparql-results+xml", "table": "text/plain"}
GRAPH_FORMATS = {"turtle": "text/turtle", "ntriples": "application/n-triples", "jsonld": "application/ld+json",
                 "xml": "application/rdf+xml", "table": "text/plain"}
_PLAIN_NUMBERS = {XSD.integer, XSD.decimal, XSD.double, XSD.boolean}


def serialize(outcome: QueryOutcome, fmt: str) -> tuple[str, str]:
    """The result as text in a format, and its media type.

    SELECT and ASK: json, csv, tsv, xml, table. CONSTRUCT and DESCRIBE: turtle, ntriples, jsonld, xml, table.
    """
    if outcome.form in ("SELECT", "ASK"):
        if fmt not in SELECT_FORMATS:
            raise QueryError(f"format {fmt!r} does not fit a {outcome.form} result; use one of {', '.join(SELECT_FORMATS)}")
        if fmt == "table":
            return render_table(outcome), SELECT_FORMATS[fmt]
        if fmt == "tsv":
            return _tsv(outcome), SELECT_FORMATS[fmt]
        if fmt == "csv":
            return _csv(outcome), SELECT_FORMATS[fmt]
        data = _rdflib_result(outcome).serialize(format=fmt)
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return text, SELECT_FORMATS[fmt]
    if fmt not in GRAPH_FORMATS:
        raise QueryError(f"format {fmt!r} does not fit a graph result; use one of {', '.join(GRAPH_FORMATS)}")
    if fmt == "table":
        return render_table(outcome), GRAPH_FORMATS[fmt]
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    for triple in outcome.triples:
        graph.add(triple)
    name = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "xml": "xml"}[fmt]
    return graph.serialize(format=name), GRAPH_FORMATS[fmt]


def _rdflib_result(outcome: QueryOutcome) -> Result:
    result = Result(outcome.form if outcome.form != "DESCRIBE" else "CONSTRUCT")
    if outcome.form == "SELECT":
        result.vars = [Variable(v) for v in outcome.variables]
        result.bindings = [{Variable(v): t for v, t in zip(outcome.variables, row) if t is not None}
                           for row in outcome.rows]
    elif outcome.form == "ASK":
        result.askAnswer = bool(outcome.boolean)
    return result


def _csv(outcome: QueryOutcome) -> str:
    """SPARQL 1.1 Query Results CSV: plain values (IRIs bare, literals' lexical form), CRLF line ends, quoted as
    RFC 4180 says. ASK, which the CSV format does not define, is one `boolean` column."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if outcome.form == "ASK":
        writer.writerows([["boolean"], [str(bool(outcome.boolean)).lower()]])
        return buffer.getvalue()
    writer.writerow(outcome.variables)
    for row in outcome.rows:
        writer.writerow(["" if t is None else f"_:{t}" if isinstance(t, BNode) else str(t) for t in row])
    return buffer.getvalue()


def tsv_term(term) -> str:
    """A term in SPARQL 1.1 TSV form: Turtle syntax on one line, tabs and newlines escaped."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.datatype in _PLAIN_NUMBERS and re.fullmatch(r"[+-]?[0-9.eE+-]+|true|false", str(term)):
            return str(term)
        text = (str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
                .replace("\n", "\\n").replace("\r", "\\r"))
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype and term.datatype != XSD.string:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    return str(term)


def _tsv(outcome: QueryOutcome) -> str:
    if outcome.form == "ASK":
        return f"?boolean\n{str(bool(outcome.boolean)).lower()}\n"
    lines = ["\t".join(f"?{v}" for v in outcome.variables)]
    lines += ["\t".join(tsv_term(t) for t in row) for row in outcome.rows]
    return "\n".join(lines) + "\n"


def compact(term) -> str:
    """A short, readable form of a term: prefixed names for IRIs, plain text for literals."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, ns in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
            if text.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_\-.]*", text[len(ns):]):
                return f"{prefix}:{text[len(ns):]}"
        return f"<{text}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def table_rows(outcome: QueryOutcome) -> tuple[list[str], list[list[str]]]:
    """Column names and compact cell texts for display (a UI table, a CLI table, CSV download)."""
    if outcome.form == "ASK":
        return ["answer"], [["yes" if outcome.boolean else "no"]]
    if outcome.form == "SELECT":
        return list(outcome.variables), [[compact(t) for t in row] for row in outcome.rows]
    return ["subject", "predicate", "object"], [[compact(t) for t in triple] for triple in outcome.triples]


def truncation_note(outcome: QueryOutcome) -> str:
    """What cut the answer short, in words ('' when nothing did)."""
    if not outcome.truncated:
        return ""
    if outcome.truncated_by == "bytes":
        return "truncated at the size limit (setting sparql_max_result_mb)"
    return "truncated at the row limit (setting sparql_row_limit)"


def render_table(outcome: QueryOutcome, max_width: int = 60) -> str:
    """A plain-text table of the result."""
    headers, rows = table_rows(outcome)
    clipped = [[c if len(c) <= max_width else c[:max_width - 1] + "…" for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in clipped]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in clipped]
    note = truncation_note(outcome)
    footer = f"{len(rows)} row{'s' if len(rows) != 1 else ''}" + (f" ({note})" if note else "")
    return "\n".join(out + [footer]) + "\n"


def to_csv(outcome: QueryOutcome) -> str:
    """CSV of the compact table (what a user downloads from the UI)."""
    headers, rows = table_rows(outcome)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()
