"""The example SPARQL queries on one Oxigraph store, now and at an earlier revision, side by side.

For a store too big to rebuild often (the 1M-chunk graph takes hours to build), this times every example of
kg/ontology/queries/ as it is now and as it was at `--before` (read with `git show`), on the same store in the
same run, through the backend the SPARQL service uses (rows become rdflib terms, within the service's row limit).

    python benchmarks/examples_store.py --store VERSION/graph --before REV
    python benchmarks/examples_store.py --store VERSION/graph --before REV --add-tallies COPY

`--add-tallies` is for a store written before the kept tallies the examples now read: it backs the store up into
COPY (hard links), adds those tallies there by SPARQL Update, counted from the store's own statements as
tests/test_graph.py checks they must be, compacts COPY and measures it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import machine, markdown_table, write_section

ROOT = Path(__file__).resolve().parents[1]
QUERIES = "kg/ontology/queries"

# The tallies a build keeps (kg/graph/build.py tally_triples), counted from the statements.
TALLIES = {
    "theme reviews": """INSERT { ?t kg:reviewCount ?n } WHERE { SELECT ?t (COUNT(DISTINCT ?r) AS ?n)
        WHERE { ?r a kg:CaseReview ; kg:raisedTheme ?t } GROUP BY ?t }""",
    "theme actions": """INSERT { ?t kg:actionCount ?n } WHERE { SELECT ?t (COUNT(DISTINCT ?a) AS ?n)
        WHERE { ?a a kg:Action ; kg:addressesTheme ?t } GROUP BY ?t }""",
    "theme recommendations": """INSERT { ?t kg:recommendationCount ?n } WHERE { SELECT ?t (COUNT(DISTINCT ?a) AS ?n)
        WHERE { ?a a kg:Recommendation ; kg:addressesTheme ?t } GROUP BY ?t }""",
    "theme passages": """INSERT { ?t kg:passageCount ?n } WHERE { SELECT ?t (COUNT(DISTINCT ?c) AS ?n)
        WHERE { ?c kg:mentionsTheme ?t } GROUP BY ?t }""",
    "theme zeros": """INSERT { ?t kg:actionCount 0 } WHERE { ?t a skos:Concept ; kg:reviewCount ?x
            FILTER NOT EXISTS { ?t kg:actionCount ?y } } ;
        INSERT { ?t kg:recommendationCount 0 } WHERE { ?t a skos:Concept ; kg:reviewCount ?x
            FILTER NOT EXISTS { ?t kg:recommendationCount ?y } } ;
        INSERT { ?t kg:passageCount 0 } WHERE { ?t a skos:Concept ; kg:reviewCount ?x
            FILTER NOT EXISTS { ?t kg:passageCount ?y } }""",
    "owners": """INSERT { ?o kg:actionCount ?a ; kg:actionReviewCount ?r } WHERE {
        SELECT ?o (COUNT(DISTINCT ?action) AS ?a) (COUNT(DISTINCT ?review) AS ?r) WHERE {
          ?action prov:wasAssociatedWith ?o . OPTIONAL { ?action kg:respondsTo ?review } ?o skos:prefLabel ?l }
        GROUP BY ?o }""",
    "reviews": """INSERT { ?r kg:documentCount ?d ; kg:themeCount ?t } WHERE {
        SELECT ?r (COUNT(DISTINCT ?doc) AS ?d) (COUNT(DISTINCT ?theme) AS ?t) WHERE {
          ?r a kg:CaseReview . OPTIONAL { { ?r kg:mentionedIn ?doc } UNION { ?r kg:raisedTheme ?theme } } }
        GROUP BY ?r }""",
}


def add_tallies(store: Path, copy: Path) -> None:
    import pyoxigraph as ox

    from kg.namespaces import PREFIXES

    ox.Store.read_only(str(store)).backup(str(copy))
    writable = ox.Store(str(copy))
    prologue = "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())
    for name, update in TALLIES.items():
        start = time.perf_counter()
        writable.update(prologue + update)
        print(f"tallies: {name} {time.perf_counter() - start:.1f} s", flush=True)
    writable.optimize()  # as a build leaves its store
    writable.flush()
    del writable


def texts_at(rev: str) -> dict[str, str]:
    names = subprocess.run(["git", "ls-tree", "--name-only", f"{rev}:{QUERIES}"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    return {Path(n).stem: subprocess.run(["git", "show", f"{rev}:{QUERIES}/{n}"], cwd=ROOT, check=True,
                                         capture_output=True, text=True).stdout for n in names if n.endswith(".rq")}


def timed(backend, text: str, limit: int, runs: int) -> dict:
    from kg.namespaces import PREFIXES

    start = time.perf_counter()
    outcome = backend.run(text, limit, PREFIXES)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(runs):
        start = time.perf_counter()
        outcome = backend.run(text, limit, PREFIXES)
        warm.append(time.perf_counter() - start)
    return {"rows": len(outcome.rows), "truncated": outcome.truncated, "cold_ms": cold * 1000,
            "median_ms": statistics.median(warm) * 1000, "max_ms": max(warm) * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="an Oxigraph store folder (a version's graph/)")
    parser.add_argument("--before", required=True, help="git revision whose example queries to compare with")
    parser.add_argument("--add-tallies", type=Path, metavar="COPY", help="measure a copy with the kept tallies added")
    parser.add_argument("--runs", type=int, default=5, help="warm runs per query (median and slowest shown)")
    parser.add_argument("--row-limit", type=int, default=10_000, help="the service's row limit")
    parser.add_argument("--about", default="", help="what the store holds, for the section's text")
    args = parser.parse_args()
    import pyoxigraph as ox

    from kg.graph.oxigraph_backend import OxigraphBackend
    from kg.query.sparql import example_queries

    store = args.store
    if args.add_tallies:
        add_tallies(store, args.add_tallies)
        store = args.add_tallies
    backend = OxigraphBackend(store=ox.Store.read_only(str(store)))
    triples = backend.triple_count()
    before = texts_at(args.before)
    rows = []
    for example in example_queries():
        then = timed(backend, before[example.name], args.row_limit, args.runs) if example.name in before else None
        now = timed(backend, example.text, args.row_limit, args.runs)

        def shown(m):
            if m is None:
                return ["—", "—"]
            limit = " (row limit)" if m["truncated"] else ""
            return [f"{m['rows']:,}{limit}", f"{m['median_ms']:,.0f} / {m['max_ms']:,.0f}"]

        changed = "same" if before.get(example.name) == example.text else "rewritten"
        rows.append([example.name, changed, *shown(then), *shown(now), f"{now['cold_ms']:,.0f}"])
        print(rows[-1], flush=True)
    table = markdown_table(["example", "text", f"rows at {args.before[:7]}", "ms median / slowest",
                            "rows now", "ms median / slowest", "ms first run"], rows)
    print(table)
    tallies = (" The store was written before the kept tallies the examples now read; they were added to a copy "
               "by SPARQL Update, counted from its statements, and the copy compacted (`--add-tallies`)."
               if args.add_tallies else "")
    write_section("examples-store", f"""## Example SPARQL queries on one large store, before and now (benchmarks/examples_store.py)

Machine: {machine()}. Store: {args.about or store.name}, {triples:,} triples.{tallies} Each query runs once (first
run) and then {args.runs} times warm through the backend the SPARQL service uses (answers become rdflib terms,
within the {args.row_limit:,}-row limit); "before" is the example's text at {args.before[:7]}, on the same store in
the same run. Run: `python benchmarks/examples_store.py --store DIR --before REV`.

{table}
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
