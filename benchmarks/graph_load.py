"""Loading a large graph into Oxigraph: one bulk load against runs of lines, time and peak memory side by side.

The build's graph phase set its peak memory at 1M chunks; this measures what the loader itself adds.

    python benchmarks/graph_load.py --kb DIR   # a knowledge base, e.g. one benchmarks/scale.py built at 100K
    python benchmarks/graph_load.py --store DIR --lines 300000   # any Oxigraph store folder (a version's graph/)

Each way runs in its own process, so each reports its own peak RSS.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import machine, markdown_table, vm_hwm_mb, write_section

ONE_CALL = 10**12  # lines: the whole file in one bulk load


def load_once(ntriples: Path, lines: int) -> dict:
    """Load `ntriples` into a fresh store in runs of `lines` lines; time and what the load added to peak RSS."""
    from kg.graph import oxigraph_backend

    oxigraph_backend.BULK_LOAD_LINES = lines
    with tempfile.TemporaryDirectory() as folder:
        before = vm_hwm_mb()
        start = time.perf_counter()
        triples = oxigraph_backend.write_store(Path(folder), ntriples)
        seconds = time.perf_counter() - start
    return {"triples": triples, "seconds": round(seconds, 1), "added_peak_mb": vm_hwm_mb() - before}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kb", type=Path, help="knowledge base whose graph to load")
    parser.add_argument("--store", type=Path, help="or an Oxigraph store folder whose graph to load")
    parser.add_argument("--work", type=Path, help="folder for the N-Triples dump (default: a temporary one)")
    parser.add_argument("--section", default="graph-load", help="RESULTS.md section to write")
    parser.add_argument("--about", default="the graph of a knowledge base that `benchmarks/scale.py` built at 100K "
                        "chunks", help="what was loaded, for the section's text")
    parser.add_argument("--lines", default=f"{ONE_CALL},1000000,300000", help="lines per bulk load, comma-separated")
    parser.add_argument("--child", nargs=2, metavar=("NTRIPLES", "LINES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(load_once(Path(args.child[0]), int(args.child[1]))))
        return 0
    if not (args.kb or args.store):
        parser.error("--kb or --store is required")
    import pyoxigraph as ox

    from kg.graph.oxigraph_backend import BULK_LOAD_LINES, STORE_DIR
    from kg.kb import current_version

    store = args.store or current_version(args.kb) / STORE_DIR
    with tempfile.TemporaryDirectory(dir=args.work) as folder:
        ntriples = Path(folder) / "graph.nt"
        start = time.perf_counter()
        # Streamed to the file: a 1M-chunk graph's N-Triples (17 GB) would not fit in memory beside the load.
        ox.Store.read_only(str(store)).dump(str(ntriples), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        print(f"dumped {ntriples.stat().st_size / 1e9:.1f} GB in {time.perf_counter() - start:.0f} s", flush=True)
        rows = []
        for lines in (int(x) for x in args.lines.split(",")):
            out = json.loads(subprocess.run([sys.executable, __file__, "--child", str(ntriples), str(lines)],
                                            check=True, capture_output=True, text=True).stdout)
            label = "one call" if lines == ONE_CALL else f"runs of {lines:,} lines"
            rows.append([label + (" (kg's setting)" if lines == BULK_LOAD_LINES else ""), f"{out['triples']:,}",
                         f"{out['seconds']:.1f}", f"{out['added_peak_mb']:,}"])
            print(rows[-1], flush=True)
    table = markdown_table(["bulk load", "triples", "load + optimise (s)", "peak RSS added (MB)"], rows)
    print(table)
    source = "--kb DIR" if args.kb else "--store DIR"
    write_section(args.section, f"""## Peak memory of a build: loading the graph (benchmarks/graph_load.py {source})

Machine: {machine()}. Loaded: {args.about}; the reports are synthetic, and the setting was chosen on the 100K
graph, not on the seed corpus. Oxigraph's bulk loader holds a whole batch in memory; loading the N-Triples in runs
of lines bounds that, at the cost of load time. Each way runs in its own process.

{table}
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
