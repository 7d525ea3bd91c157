"""The knowledge graph: size, build time, SHACL validation, and every example query on the embedded
Oxigraph store against rdflib's in-memory store, side by side.

    python benchmarks/graph.py     # prints the table, updates benchmarks/RESULTS.md
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, machine, markdown_table, timer, write_section

from kg.extract import extract_findings
from kg.graph.build import build_graph
from kg.graph.memory_backend import MemoryBackend
from kg.graph.oxigraph_backend import OxigraphBackend, write_store
from kg.graph.validate import validate_graph
from kg.ingest import ingest_corpus
from kg.namespaces import PREFIXES
from kg.query.sparql import example_queries

CORPUS = ROOT / "corpus"


def median_seconds(run, repeats: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        outcome = run()
        times.append(time.perf_counter() - start)
        rows = len(outcome.rows) or len(outcome.triples) or int(bool(outcome.boolean))
    return statistics.median(times), rows


def main() -> int:
    t: dict[str, float] = {}
    corpus = ingest_corpus(CORPUS)
    with timer(t, "extract"):
        findings = extract_findings(corpus.documents, corpus.chunks)
    with timer(t, "build"):
        graph = build_graph(corpus.documents, corpus.chunks, findings)
    with timer(t, "serialise"):
        ntriples = graph.serialize(format="nt", encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        with timer(t, "oxigraph load"):
            triples = write_store(Path(folder), ntriples)
        oxigraph = OxigraphBackend(Path(folder))
        with timer(t, "rdflib load"):
            memory = MemoryBackend(ntriples=ntriples)
        with timer(t, "shacl"):
            report = validate_graph(graph)
        rows = []
        for example in example_queries():
            ox_s, ox_rows = median_seconds(lambda: oxigraph.run(example.text, 10**6, PREFIXES), 5)
            mem_s, mem_rows = median_seconds(lambda: memory.run(example.text, 10**6, PREFIXES), 3)
            rows.append([example.name, ox_rows, f"{ox_s * 1000:.1f}", f"{mem_s * 1000:.1f}",
                         f"{mem_s / ox_s:.0f}×" if ox_s else "—", "yes" if ox_rows == mem_rows else "NO"])
        oxigraph.close()
    summary = markdown_table(["measure", "value"], [
        ["triples", f"{triples:,}"],
        ["extraction, labels only (s)", round(t["extract"], 2)],
        ["graph build, rdflib (s)", round(t["build"], 2)],
        ["N-Triples serialisation (s)", round(t["serialise"], 2)],
        ["load into Oxigraph (s)", round(t["oxigraph load"], 2)],
        ["load into rdflib memory store (s)", round(t["rdflib load"], 2)],
        ["SHACL validation, pyshacl (s)", round(t["shacl"], 2)],
        ["SHACL conforms", report.conforms],
    ])
    queries = markdown_table(["example query", "rows", "Oxigraph ms", "rdflib memory ms", "ratio", "same rows"], rows)
    print(summary)
    print()
    print(queries)
    write_section("graph", f"""## Knowledge graph (benchmarks/graph.py)

Machine: {machine()}. Run: `python benchmarks/graph.py`. Query times are medians (Oxigraph 5 runs, rdflib 3 runs).

{summary}

{queries}
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
