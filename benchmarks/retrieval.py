"""Retrieval quality and speed, in sample and out of sample: kg's bm25, dense and hybrid against a naive RAG baseline.

Two knowledge bases, each built by `kg build`: the seed corpus alone, scored on the 42 dev
queries (in sample: chunk sizes and fusion settings were chosen on it), and the seed corpus
plus the eleven out-of-sample documents (tests/data/oos), scored on their own queries
(benchmarks/gold/oos-a.json, oos-b.json; out of sample — the seed documents stay in as
distractors), and set c's queries (held out). The naive baseline is what a generic retriever gives: the documents' plain text
(kg's readers, no cleaning, no sections), fixed 200-word windows (step 150), bm25s with English
stop words, the same embedding model, plain RRF (k=60). Scores come from kg's scorer
(kg/evaluate.py, which `kg eval` runs).

    python benchmarks/retrieval.py            # prints the tables, updates benchmarks/RESULTS.md
    python benchmarks/retrieval.py --fusion   # fusion settings compared on dev and out of sample
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import GOLD, ROOT, folder_size, machine, markdown_table, p50, peak_rss_mb, percentile, scorer, \
    timer, write_section

from kg.build import build_knowledge_base
from kg.config import load_settings
from kg.index.embed import Embedder
from kg.index.fusion import reciprocal_rank_fusion
from kg.ingest.readers import read_document
from kg.kb import KnowledgeBase
from kg.query.search import Searcher

CORPUS = ROOT / "corpus"
OOS = ROOT / "tests" / "data" / "oos"


def merged_gold(*names: str) -> dict:
    queries = []
    for name in names:
        queries.extend(json.loads((GOLD / name).read_text(encoding="utf-8"))["queries"])
    return {"queries": queries}


def naive_windows(files: list[Path], size: int = 200, step: int = 150) -> list[dict]:
    windows = []
    for path in files:
        words = read_document(path).text.split()
        for start in range(0, max(1, len(words) - size + step), step):
            piece = words[start:start + size]
            if piece:
                windows.append({"doc": path.name, "text": " ".join(piece)})
    return windows


def naive_runs(files: list[Path], queries: list[str], embedder: Embedder, k: int = 10) -> dict[str, list[dict]]:
    import bm25s

    windows = naive_windows(files)
    texts = [w["text"] for w in windows]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    vectors = embedder.encode(texts)
    query_vectors = embedder.encode(queries)
    runs: dict[str, list[dict]] = {"naive bm25": [], "naive dense": [], "naive rrf": []}
    for i, query in enumerate(queries):
        rows, _ = retriever.retrieve(bm25s.tokenize([query], stopwords="en", show_progress=False), k=100,
                                     show_progress=False)
        lexical = [int(r) for r in rows[0]]
        dense = [int(r) for r in np.argsort(-(vectors @ query_vectors[i]))[:100]]
        fused = [row for row, _, _ in reciprocal_rank_fusion({"dense": dense, "bm25": lexical}, k=60)]
        for name, ranked in (("naive bm25", lexical), ("naive dense", dense), ("naive rrf", fused)):
            runs[name].append({"query": query, "results": [windows[r] for r in ranked[:k]]})
    return runs


def kg_runs(searcher: Searcher, queries: list[str], modes=("bm25", "dense", "hybrid")) -> dict[str, list[dict]]:
    runs = {}
    for mode in modes:
        results = searcher.search_many(queries, k=10, mode=mode)
        runs[f"kg {mode}"] = [{"query": q, "results": [r.to_dict() for r in res]} for q, res in zip(queries, results)]
    return runs


def cold_query_seconds(kb: Path, query: str, repeats: int = 3) -> list[float]:
    """First query in a fresh process: opening the knowledge base, loading indexes and model, searching."""
    code = ("import time,sys;t=time.perf_counter();from kg.query.search import search;"
            f"search({query!r}, k=10, kb={str(kb)!r});print(time.perf_counter()-t)")
    times = []
    for _ in range(repeats):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
        times.append(float(proc.stdout.strip().splitlines()[-1]))
    return times


def fusion_table(searchers: dict[str, tuple[Searcher, list[str], dict]], score) -> str:
    """nDCG@10 of the fusion settings on each set (the choice is made on dev)."""
    options = [("zscore", 0.7, 0.3), ("zscore", 0.5, 0.5), ("zscore", 0.6, 0.4), ("zscore", 0.8, 0.2),
               ("rrf", 1.0, 1.0), ("rrf", 0.7, 0.3)]
    rows = []
    for fusion, bm25_weight, dense_weight in options:
        row = [f"{fusion} {bm25_weight}/{dense_weight}"]
        for searcher, queries, gold in searchers.values():
            searcher.settings = searcher.settings.replace(fusion=fusion, bm25_weight=bm25_weight,
                                                          dense_weight=dense_weight)
            row.append(score.score_search(kg_runs(searcher, queries, ("hybrid",))["kg hybrid"], gold)["ndcg@10"])
        rows.append(row)
    return markdown_table(["fusion (bm25/dense weights)", *[f"{name} nDCG@10" for name in searchers]], rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fusion", action="store_true", help="compare fusion settings on each set")
    args = parser.parse_args(argv)
    score = scorer()
    dev_gold = json.loads((GOLD / "dev.json").read_text(encoding="utf-8"))
    oos_gold = merged_gold("oos-a.json", "oos-b.json")
    held_out_gold = merged_gold("oos-c.json")
    oos_files = sorted(p for p in OOS.iterdir() if p.suffix in {".md", ".txt", ".html"})
    t: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        combined = Path(tmp) / "corpus-and-oos"
        shutil.copytree(CORPUS, combined)
        for path in oos_files:
            shutil.copy(path, combined / path.name)
        settings = load_settings(kb=str(Path(tmp) / "kb"), cache_dir=str(Path(tmp) / "cache"))
        oos_settings = load_settings(kb=str(Path(tmp) / "kb-oos"), cache_dir=str(Path(tmp) / "cache"))
        with timer(t, "build_cold"):
            report = build_knowledge_base(CORPUS, settings)
        with timer(t, "build_warm"):
            rebuild = build_knowledge_base(CORPUS, settings)
        build_knowledge_base(combined, oos_settings)
        kb, oos_kb = KnowledgeBase(settings.kb), KnowledgeBase(oos_settings.kb)
        searcher, oos_searcher = Searcher(kb, settings), Searcher(oos_kb, oos_settings)
        searcher.warm()
        oos_searcher.warm()
        sets = {"dev (in sample)": (searcher, [q["q"] for q in dev_gold["queries"]], dev_gold),
                "out of sample": (oos_searcher, [q["q"] for q in oos_gold["queries"]], oos_gold),
                "held out": (oos_searcher, [q["q"] for q in held_out_gold["queries"]], held_out_gold)}
        if args.fusion:
            print(fusion_table(sets, score))
            return 0
        results: dict[str, dict[str, dict]] = {}
        for name, (set_searcher, queries, gold) in sets.items():
            runs = kg_runs(set_searcher, queries)
            files = sorted(CORPUS.glob("*.txt")) + ([] if set_searcher is searcher else oos_files)
            runs.update(naive_runs(files, queries, set_searcher.embedder))
            results[name] = {retriever: score.score_search(run, gold) for retriever, run in runs.items()}
        warm: list[float] = []
        queries = sets["dev (in sample)"][1]
        for _ in range(3):
            for q in queries:
                start = time.perf_counter()
                searcher.search(q, k=10, mode="hybrid")
                warm.append(time.perf_counter() - start)
        cold = cold_query_seconds(Path(settings.kb), queries[0])
        index_bytes = sum(folder_size(kb.path / p) if (kb.path / p).is_dir() else (kb.path / p).stat().st_size
                          for p in ("dense", "bm25", "vectors.npy"))
        kg_words = [c.words for c in kb.iter_chunks()]
        oos_words = [c.words for c in oos_kb.iter_chunks() if not (CORPUS / c.doc).exists()]

    retrievers = list(results["dev (in sample)"])
    rows = []
    for retriever in retrievers:
        row = [retriever]
        for name in results:
            s = results[name][retriever]
            row += [s["recall@10"], s["ndcg@10"], s["mrr"]]
        rows.append(row)
    quality = markdown_table(["retriever", "dev R@10", "dev nDCG@10", "dev MRR", "oos R@10", "oos nDCG@10", "oos MRR",
                              "oos-c R@10", "oos-c nDCG@10", "oos-c MRR"], rows)
    margin = {name: results[name]["kg hybrid"]["ndcg@10"] - results[name]["naive rrf"]["ndcg@10"] for name in results}
    encode_rate = report.chunks / report.timings["embed"] if report.timings.get("embed") else float("nan")
    speed = [
        ["build, cold cache (s)", t["build_cold"]],
        ["build, unchanged corpus (s)", t["build_warm"]],
        ["chunks encoded on rebuild", rebuild.stats.get("encoded")],
        ["encode throughput (chunks/s)", encode_rate],
        ["cold query p50 / p95 (s)", f"{p50(cold):.2f} / {percentile(cold, 95):.2f}"],
        ["warm hybrid query p50 / p95 (ms)", f"{p50(warm) * 1000:.1f} / {percentile(warm, 95) * 1000:.1f}"],
        ["index size (MB: vectors + FAISS + BM25)", index_bytes / 1e6],
        ["chunks (seed corpus)", report.chunks],
        ["passage words, seed corpus median / max", f"{int(p50(kg_words))} / {max(kg_words)}"],
        ["passage words, out-of-sample documents median / max", f"{int(p50(oos_words))} / {max(oos_words)}"],
        ["peak RSS (MB)", peak_rss_mb()],
    ]
    speed_table = markdown_table(["measure", "value"], speed)
    summary = (f"kg hybrid minus naive RRF, nDCG@10: dev {margin['dev (in sample)']:+.3f}, "
               f"out of sample (a+b) {margin['out of sample']:+.3f}, held out (c) {margin['held out']:+.3f} "
               "(target: ≥ +0.05 out of sample; dev hybrid ≥ 0.765).")
    print(quality, "", summary, "", speed_table, sep="\n")
    write_section("retrieval", f"""## Retrieval, in sample and out of sample (benchmarks/retrieval.py)

**dev**: {len(dev_gold['queries'])} queries over the seed corpus (in sample: chunk sizes and the fusion weights,
0.6 BM25 / 0.4 dense z-score fusion, were chosen on it). **oos**: {len(oos_gold['queries'])} queries over the
out-of-sample documents of sets a and b, and **oos-c**: {len(held_out_gold['queries'])} queries over set c (held out),
all searched in one knowledge base that also holds the seed corpus (queries written with the documents,
benchmarks/gold/oos-*.json). Scored by kg's scorer. Tried and rejected on both sets: chunks of 100–210 words,
dropping results that repeat a better one, the document title in the indexed text, passage text without headings. Embedding model:
{searcher.embedder.name}. Machine: {machine()}. Run: `python benchmarks/retrieval.py`.

{quality}

{summary}

{speed_table}
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
