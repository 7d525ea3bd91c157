"""Adding and removing one document vs rebuilding: time, disk and memory, in one run.

Every step runs as the `kg` command a user would type (model loading included), each
in its own process so its peak memory can be read.

    python benchmarks/incremental.py      # prints the table, updates benchmarks/RESULTS.md
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, folder_size, machine, markdown_table, write_section

CORPUS = ROOT / "corpus"


def run(*args: str, env: dict[str, str]) -> tuple[float, float, str]:
    """Run `kg …` in its own process; returns (seconds, that process's peak RSS in MB, stdout)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "kg.cli", *args], stdout=out, stderr=err,
                                env={**os.environ, **env}, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not the maximum over all children
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"kg {' '.join(args)} failed: {stderr[-1000:]}")
    return seconds, usage.ru_maxrss / 1024, stdout


KINDS = ("reviews", "review_themes", "actions", "theme_mentions", "organisations")


def _state(settings) -> dict:
    """A knowledge base's findings (by kind) and triples, as sets, for comparing two of them."""
    import json
    from dataclasses import asdict

    import pyoxigraph as ox

    from kg.kb import KnowledgeBase

    with KnowledgeBase(settings.kb) as kb:
        findings = kb.findings()
        out = {kind: {json.dumps(asdict(x), sort_keys=True) for x in getattr(findings, kind)} for kind in KINDS}
        out["triples"] = {str(q.triple) for q in ox.Store.read_only(str(kb.path / "graph"))}
    return out


def agreement(corpus: Path, work: Path) -> dict[str, float]:
    """Leave one document out, build, add it in place, and compare with a full build of every document.

    Returns, per kind of finding and for the triples, the mean Jaccard agreement over the documents.
    """
    from kg.build import build_knowledge_base
    from kg.config import load_settings
    from kg.update import add_documents

    from kg.ingest import corpus_files

    files = corpus_files(corpus)  # what a build reads (not the folder's README or manifest)
    os.environ["KG_CACHE_DIR"] = str(work / "cache-agreement")
    full = load_settings(kb=str(work / f"agree-full-{corpus.name}"))
    build_knowledge_base(corpus, full)
    whole = _state(full)
    scores: dict[str, list[float]] = {k: [] for k in (*KINDS, "triples")}
    for left_out in files:
        partial = work / f"agree-{corpus.name}-{left_out.stem}"
        (partial / "corpus").mkdir(parents=True)
        for f in corpus.iterdir():
            if f.is_file() and f != left_out:
                shutil.copy(f, partial / "corpus")  # the manifest too, so metadata is the same
        settings = load_settings(kb=str(partial / "kb"), corpus=str(partial / "corpus"))
        build_knowledge_base(partial / "corpus", settings)
        add_documents([left_out], settings, copy_to_corpus=False)
        added = _state(settings)
        for kind in scores:
            union = whole[kind] | added[kind]
            scores[kind].append(len(whole[kind] & added[kind]) / len(union) if union else 1.0)
    os.environ.pop("KG_CACHE_DIR")
    return {k: sum(v) / len(v) for k, v in scores.items()} | {"documents": len(files)}


def main() -> int:
    docs = sorted(p for p in CORPUS.glob("*.txt"))
    sizes = {p.name: p.stat().st_size for p in docs}
    typical = sorted(sizes, key=sizes.get)[len(sizes) // 2]  # the median-size document
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        full_corpus = work / "full"
        shutil.copytree(CORPUS, full_corpus)
        env_full = {"KG_CACHE_DIR": str(work / "cache-full")}
        cold, cold_rss, _ = run("build", "--corpus", str(full_corpus), "--kb", str(work / "kb-full"), env=env_full)
        warm, warm_rss, _ = run("build", "--corpus", str(full_corpus), "--kb", str(work / "kb-full"), env=env_full)
        full_disk = folder_size(work / "kb-full" / "versions")

        # A knowledge base without the typical document, with a cache that has never seen it.
        partial = work / "partial"
        shutil.copytree(CORPUS, partial)
        (partial / typical).unlink()
        env = {"KG_CACHE_DIR": str(work / "cache-partial")}
        kb = str(work / "kb-partial")
        run("build", "--corpus", str(partial), "--kb", kb, env=env)
        disk_before = folder_size(Path(kb) / "versions" / (Path(kb) / "CURRENT").read_text().strip())
        add, add_rss, add_out = run("add", str(CORPUS / typical), "--corpus", str(partial), "--kb", kb, env=env)
        disk_after = folder_size(Path(kb) / "versions" / (Path(kb) / "CURRENT").read_text().strip())
        again, _, again_out = run("add", str(CORPUS / typical), "--corpus", str(partial), "--kb", kb, env=env)
        remove, remove_rss, _ = run("remove", typical, "--corpus", str(partial), "--kb", kb, env=env)
        disk_removed = folder_size(Path(kb) / "versions" / (Path(kb) / "CURRENT").read_text().strip())

    rows = [
        ["full rebuild, cold embedding cache (s)", f"{cold:.1f}", f"{cold_rss:,.0f}"],
        ["full rebuild, warm cache (s)", f"{warm:.1f}", f"{warm_rss:,.0f}"],
        [f"add one typical document ({typical}, {sizes[typical] / 1000:.0f} kB) (s)", f"{add:.1f}", f"{add_rss:,.0f}"],
        ["add the same file again (s)", f"{again:.1f}", ""],
        ["remove it (s)", f"{remove:.1f}", f"{remove_rss:,.0f}"],
    ]
    table = markdown_table(["operation", "seconds", "peak RSS MB"], rows)
    ratio = add / cold
    facts = markdown_table(["measure", "value", "target"], [
        ["add ÷ full rebuild (cold)", f"{ratio:.3f}", "< 0.10"],
        ["add ÷ full rebuild (warm cache)", f"{add / warm:.2f}", ""],
        ["version on disk before add / after add / after remove (MB)",
         f"{disk_before / 1e6:.1f} / {disk_after / 1e6:.1f} / {disk_removed / 1e6:.1f}", ""],
        ["full knowledge base on disk, all kept versions (MB)", f"{full_disk / 1e6:.1f}", ""],
        ["what `kg add` printed", add_out.strip().splitlines()[-1] if add_out.strip() else "", ""],
        ["second add printed", again_out.strip().splitlines()[-1] if again_out.strip() else "", ""],
    ])
    with tempfile.TemporaryDirectory() as folder:
        seed = agreement(CORPUS, Path(folder))
        oos = agreement(ROOT / "tests" / "data" / "oos", Path(folder))
    agree = markdown_table(
        ["agreement with a full build (mean Jaccard over documents)", f"seed corpus ({seed['documents']} documents, in sample)",
         f"out-of-sample fixtures ({oos['documents']} documents)"],
        [[kind.replace("_", " "), f"{seed[kind]:.3f}", f"{oos[kind]:.3f}"] for kind in (*KINDS, "triples")])
    print(table, facts, agree, sep="\n\n")
    write_section("incremental", f"""## Incremental add and remove (benchmarks/incremental.py)

Each operation is the `kg` command in its own process (model loading included). Machine: {machine()}.
Run: `python benchmarks/incremental.py`. Peak RSS is that process's own.

{table}

{facts}

**An added document against a full build.** Each document in turn is left out of a build and then added
in place; the findings and triples are compared with a build of every document (1.000: identical). The
findings of an added document are extracted from it alone, so where extraction uses the other documents
(whether a capitalised phrase is a name or ordinary words, a review named only elsewhere) they can differ.
No setting was chosen on either set.

{agree}
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
