"""Retrieval quality and speed: kg's bm25, dense and hybrid against a naive RAG baseline, in one run.

Quality is scored by the gold set's own scorer (kg's scorer (kg/evaluate.py)) on the
dev queries. The naive baseline is what a generic retriever gives: fixed
200-word windows (step 150) over the raw files, no cleaning, bm25s with English
stop words, the same embedding model, plain RRF (k=60).

    python benchmarks/retrieval.py            # prints the table, updates benchmarks/RESULTS.md
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import (GOLD, ROOT, folder_size, machine, markdown_table, p50, peak_rss_mb, percentile, scorer,
                    timer, write_section)

from kg.build import build_knowledge_base
from kg.config import load_settings
from kg.index.embed import Embedder
from kg.index.fusion import reciprocal_rank_fusion
from kg.kb import KnowledgeBase
from kg.query.search import Searcher

CORPUS = ROOT / "corpus"


def naive_windows(corpus: Path, size: int = 200, step: int = 150) -> list[dict]:
    windows = []
    for path in sorted(corpus.glob("*.txt")):
        words = path.read_text(encoding="utf-8").split()
        for start in range(0, max(1, len(words) - size + step), step):
            piece = words[start:start + size]
            if piece:
                windows.append({"doc": path.name, "text": " ".join(piece)})
    return windows


def naive_runs(queries: list[str], embedder: Embedder, k: int = 10) -> dict[str, list[dict]]:
    import bm25s

    windows = naive_windows(CORPUS)
    texts = [w["text"] for w in windows]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    vectors = embedder.encode(texts)
    qvec = embedder.encode(queries)
    runs: dict[str, list[dict]] = {"naive bm25": [], "naive dense": [], "naive rrf": []}
    for i, q in enumerate(queries):
        rows, _ = retriever.retrieve(bm25s.tokenize([q], stopwords="en", show_progress=False), k=100,
                                     show_progress=False)
        bm = [int(r) for r in rows[0]]
        dn = [int(r) for r in np.argsort(-(vectors @ qvec[i]))[:100]]
        fused = [row for row, _, _ in reciprocal_rank_fusion({"dense": dn, "bm25": bm}, k=60)]
        for name, ranked in (("naive bm25", bm), ("naive dense", dn), ("naive rrf", fused)):
            runs[name].append({"query": q, "results": [windows[r] for r in ranked[:k]]})
    runs["_words"] = [len(w["text"].split()) for w in windows]  # type: ignore[assignment]
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


def main() -> None:
    gold = json.loads((GOLD / "dev.json").read_text(encoding="utf-8"))
    queries = [q["q"] for q in gold["queries"]]
    score = scorer()
    t: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(kb=str(Path(tmp) / "kb"))
        with timer(t, "build_cold"):
            report = build_knowledge_base(CORPUS, settings)
        with timer(t, "build_warm"):
            rebuild = build_knowledge_base(CORPUS, settings)
        kb = KnowledgeBase(settings.kb)
        searcher = Searcher(kb, settings)
        searcher.warm()
        runs: dict[str, list[dict]] = {}
        for mode in ("bm25", "dense", "hybrid"):
            out = searcher.search_many(queries, k=10, mode=mode)
            runs[f"kg {mode}"] = [{"query": q, "results": [r.to_dict() for r in res]} for q, res in zip(queries, out)]
        warm: list[float] = []
        for _ in range(3):
            for q in queries:
                start = time.perf_counter()
                searcher.search(q, k=10, mode="hybrid")
                warm.append(time.perf_counter() - start)
        cold = cold_query_seconds(Path(settings.kb), queries[0])
        index_bytes = sum(folder_size(kb.path / p) if (kb.path / p).is_dir() else (kb.path / p).stat().st_size
                          for p in ("dense", "bm25", "vectors.npy"))
        kg_words = [c.words for c in kb.iter_chunks()]
        naive = naive_runs(queries, searcher.embedder)
        naive_words = naive.pop("_words")
        runs.update(naive)

    rows = []
    for name, run in runs.items():
        s = score.score_search(run, gold)
        rows.append([name, s["recall@5"], s["recall@10"], s["ndcg@10"], s["mrr"]])
    words = {"kg": kg_words, "naive": naive_words}
    encode_rate = report.chunks / report.timings["embed"] if report.timings.get("embed") else float("nan")
    speed = [
        ["build, cold cache (s)", t["build_cold"]],
        ["build, unchanged corpus (s)", t["build_warm"]],
        ["chunks encoded on rebuild", rebuild.stats.get("encoded")],
        ["encode throughput (chunks/s)", encode_rate],
        ["cold query p50 / p95 (s)", f"{p50(cold):.2f} / {percentile(cold, 95):.2f}"],
        ["warm hybrid query p50 / p95 (ms)", f"{p50(warm) * 1000:.1f} / {percentile(warm, 95) * 1000:.1f}"],
        ["index size (MB: vectors + FAISS + BM25)", index_bytes / 1e6],
        ["chunks", report.chunks],
        ["passage words, kg median / max", f"{int(p50(words['kg']))} / {max(words['kg'])}"],
        ["passage words, naive median / max", f"{int(p50(words['naive']))} / {max(words['naive'])}"],
        ["peak RSS (MB)", peak_rss_mb()],
    ]
    quality = markdown_table(["retriever", "Recall@5", "Recall@10", "nDCG@10", "MRR"], rows)
    speed_table = markdown_table(["measure", "value"], speed)
    print(quality)
    print()
    print(speed_table)
    write_section("retrieval", f"""## Retrieval (benchmarks/retrieval.py)

{len(queries)} dev queries from `benchmarks/gold/dev.json`, scored with `kg's scorer (kg/evaluate.py)`.
Embedding model: {searcher.embedder.name}. Machine: {machine()}. Run: `python benchmarks/retrieval.py`.

{quality}

{speed_table}
""")


if __name__ == "__main__":
    main()
