"""Scale: the national picture (~1M chunks) on one machine, measured side by side at 10K, 100K and 1M chunks.

    nice -n 10 python benchmarks/scale.py                          # fast tier: 10K and 100K chunks
    nice -n 10 python benchmarks/scale.py --sizes 1000000 --work /data/kg-scale   # the full run
    python benchmarks/scale.py --report --work DIR                 # rewrite the table from stored results

The corpus is synthetic (benchmarks/synthetic.py: the real corpus's sentences re-combined into partnership
reports). Knowledge bases are built by the product's own `kg.build.write_version`. Encoding a million
chunks with the real model would take about a day on this CPU, so a real sample is encoded (as much as
fits in `--encode-seconds`) and the rest of the vectors are derived from it (a real vector moved part of
the way towards another real vector, plus gaussian noise, renormalised); the tables say which numbers
rest on derived vectors.

Every (size, stage) runs in its own process, so each reports its own peak RSS, and writes its result to
`WORK/results/<size>/<stage>.json`; a run that stops can be started again and skips what is done
(`--force STAGE,…` redoes stages).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

from common import (GOLD, ROOT, folder_size, machine, markdown_table, peak_rss_mb, percentile, timer, vm_hwm_mb,
                    write_section)

STAGES = ("corpus", "build", "dense", "bm25", "search", "graph", "serve", "startup", "change")
SEED = 7
NOISE = 0.02  # per-dimension sd of the gaussian noise on derived vectors (|noise| ≈ 0.39 for 384 dimensions)
MIX = 0.3  # a derived vector moves up to this far from its real base towards another real vector
HELD_OUT = 158  # real chunk vectors kept out of every index, used as queries (with the 42 dev questions)
RDFLIB_MAX_TRIPLES = 6_000_000
RDFLIB_TIMEOUT = 60.0  # seconds one example query may run on rdflib's memory store  # rdflib's memory store needs ~1 KB per triple: past this it cannot fit 12 GB
SEARCH_QUERIES = [
    "information sharing with GPs", "professional curiosity", "voice of the child", "safer sleeping advice",
    "domestic abuse and coercive control", "neglect and malnutrition", "escalation and professional challenge",
    "think family approach", "criminal exploitation of teenagers", "bruising in non-mobile babies",
    "Child L CSPR", "MASH thresholds", "care leavers housing", "female genital mutilation training",
    "multi-agency audit of strategy meetings", "learning from rapid reviews", "police and health partners",
    "transitions to adult services", "self-harm and suicide", "cultural competence and intersectionality",
]


# ---- helpers ------------------------------------------------------------------------------------

def rss_mb() -> float:
    """Current resident memory of this process, in MB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def load() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


class PhaseMemory:
    """Peak RSS per named phase, sampled every 50 ms in a thread (also catches peaks inside C code)."""

    def __init__(self):
        self.phase = "start"
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            value = rss_mb()
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0.0), value)
            time.sleep(0.05)

    def enter(self, phase: str) -> None:
        value = rss_mb()
        self.peaks[self.phase] = max(self.peaks.get(self.phase, 0.0), value)
        self.phase = phase
        self.peaks[phase] = value

    def stop(self) -> dict[str, float]:
        self.enter("end")
        self._stop.set()
        self._thread.join()
        return {k: round(v) for k, v in self.peaks.items() if k not in ("start", "end")}


class PhaseProgress:
    """The build's progress notes switch the memory phase (indexes → extraction → graph)."""

    def __init__(self, memory: PhaseMemory):
        self.memory = memory

    def track(self, items, description, total=None):
        yield from items

    def note(self, message: str) -> None:
        if message.startswith("Extracting"):
            self.memory.enter("extract")
        elif message.startswith("Writing the knowledge graph"):
            self.memory.enter("graph")


def timings_ms(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    return round(statistics.median(samples) * 1000, 2), round(percentile(samples, 95) * 1000, 2)


def result_path(work: Path, size: int | str, stage: str) -> Path:
    return work / "results" / str(size) / f"{stage}.json"


def save_result(work: Path, size: int | str, stage: str, data: dict) -> None:
    path = result_path(work, size, stage)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {**data, "load_after": load(), "peak_rss_mb": round(peak_rss_mb()), "finished": time.strftime("%H:%M:%S")}
    path.write_text(json.dumps(data, indent=1))


def read_result(work: Path, size: int | str, stage: str) -> dict | None:
    path = result_path(work, size, stage)
    return json.loads(path.read_text()) if path.exists() else None


def kb_root(work: Path, size: int) -> Path:
    return work / f"kb-{size}"


def corpus_dir(work: Path) -> Path:
    return work / "corpus"


def dev_queries() -> list[str]:
    return [q["q"] for q in json.loads((GOLD / "dev.json").read_text())["queries"]]


# ---- real sample and derived vectors ------------------------------------------------------------

def real_sample(work: Path, budget_s: float, most: int) -> dict:
    """Encode the first chunks of the corpus with the real model for `budget_s` seconds (once; stored)."""
    path = work / "sample.npz"
    if path.exists():
        return json.loads((work / "sample.json").read_text())
    from kg.index import indexed_text
    from kg.index.embed import Embedder

    import synthetic

    texts: list[str] = []
    for document, chunks in synthetic.iter_documents(SEED, corpus_dir(work)):
        texts.extend(indexed_text(c) for c in chunks)
        if len(texts) >= most:
            break
    texts = texts[:most]
    embedder = Embedder("all-MiniLM-L6-v2", 32)
    embedder.encode_query("warm up")
    parts, done, start = [], 0, time.perf_counter()
    while done < len(texts) and time.perf_counter() - start < budget_s:
        batch = texts[done:done + 64]
        parts.append(embedder.encode(batch))
        done += len(batch)
    seconds = time.perf_counter() - start
    vectors = np.vstack(parts)
    queries = embedder.encode(dev_queries())
    t = time.perf_counter()
    for q in dev_queries():
        embedder.encode_query(q)
    query_seconds = (time.perf_counter() - t) / len(dev_queries())
    np.savez(path, vectors=vectors, queries=queries)
    info = {"encoded": int(done), "seconds": round(seconds, 1), "chunks_per_s": round(done / seconds, 2),
            "words_per_chunk": round(float(np.mean([len(t.split()) for t in texts[:done]])), 1),
            "query_encode_ms": round(query_seconds * 1000, 1), "load": load()}
    (work / "sample.json").write_text(json.dumps(info, indent=1))
    return info


def derived_vectors(work: Path, n: int) -> tuple[np.ndarray, np.ndarray, int]:
    """`n` index vectors (real ones first, then derived from them), the query vectors, and how many rows are real."""
    data = np.load(work / "sample.npz")
    real, dev = data["vectors"], data["queries"]
    held_out, base = real[-HELD_OUT:], real[:-HELD_OUT]
    queries = np.vstack([dev, held_out]).astype(np.float32)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    keep = min(n, len(base))
    out[:keep] = base[:keep]
    rng = np.random.default_rng(SEED)
    for start in range(keep, n, 100_000):
        stop = min(n, start + 100_000)
        a = base[rng.integers(0, len(base), stop - start)]
        b = base[rng.integers(0, len(base), stop - start)]
        mix = rng.uniform(0, MIX, (stop - start, 1)).astype(np.float32)
        block = a + mix * (b - a) + rng.normal(0, NOISE, a.shape).astype(np.float32)
        out[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return out, queries, keep


# ---- stages -------------------------------------------------------------------------------------

def stage_corpus(work: Path, size: int) -> dict:
    """Write synthetic documents until `size` chunks, timing the product's ingest of each file."""
    import pickle

    import synthetic
    from kg.ingest import IngestResult, ingest_file

    folder = corpus_dir(work)
    folder.mkdir(parents=True, exist_ok=True)
    gen_s = ingest_s = 0.0
    docs = chunks = words = 0
    index = 0
    result = IngestResult()
    while chunks < size:
        t = time.perf_counter()
        path, meta = synthetic.generate_document(SEED, index, folder)
        gen_s += time.perf_counter() - t
        t = time.perf_counter()
        document, doc_chunks = ingest_file(path, path.name, meta)
        ingest_s += time.perf_counter() - t
        result.documents.append(document)
        result.chunks.extend(doc_chunks)
        docs, chunks, words = docs + 1, chunks + len(doc_chunks), words + len(document.text.split())
        index += 1
    files = [f"{i:06d}.txt" for i in range(docs)]
    # Kept for the build stage, so a million chunks are not ingested twice (the build times it as "ingest").
    with (work / f"ingest-{size}.pickle").open("wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return {"documents": docs, "chunks": chunks, "words": words, "files": files,
            "generate_s": round(gen_s, 2), "ingest_s": round(ingest_s, 2),
            "docs_per_s": round(docs / ingest_s, 1), "chunks_per_s": round(chunks / ingest_s, 1),
            "corpus_mb": round(sum((folder / f).stat().st_size for f in files) / 1e6, 1)}


def ingest_files(work: Path, size: int):
    """The product's ingest of this size's documents (an IngestResult), as the corpus stage stored it."""
    import pickle

    import synthetic
    from kg.ingest import IngestResult, ingest_file

    stored = work / f"ingest-{size}.pickle"
    if stored.exists():
        with stored.open("rb") as handle:
            return pickle.load(handle)
    corpus = read_result(work, size, "corpus")
    result = IngestResult()
    for name in corpus["files"]:
        index = int(name.split(".")[0])
        path, meta = synthetic.generate_document(SEED, index, corpus_dir(work))
        document, chunks = ingest_file(path, path.name, meta)
        result.documents.append(document)
        result.chunks.extend(chunks)
    return result


def stage_build(work: Path, size: int) -> dict:
    """Build the knowledge base with kg.build.write_version (vectors from the real sample, derived)."""
    import kg.build as build
    from kg.config import load_settings
    from kg.kb import current_version, writer_lock

    memory = PhaseMemory()
    memory.enter("ingest")
    t: dict[str, float] = {}
    with timer(t, "load"):
        ingested = ingest_files(work, size)
    t["ingest"] = read_result(work, size, "corpus")["ingest_s"]  # timed file by file in the corpus stage
    n = len(ingested.chunks)
    memory.enter("vectors")
    vectors, _, real_rows = derived_vectors(work, n)
    held = [vectors]  # handed over below so that only write_version holds them (it lets go after indexing)
    del vectors
    # Time the graph's parts separately: N-Triples writing and Oxigraph's bulk load.
    parts: dict[str, float] = {}
    original_build_graph, original_write_store = build.build_graph, build.write_store

    def timed_build_graph(*args, **kwargs):
        with timer(parts, "ntriples"):
            return original_build_graph(*args, **kwargs)

    def timed_write_store(*args, **kwargs):
        with timer(parts, "bulk_load"):
            return original_write_store(*args, **kwargs)

    original_build_indexes = build.build_indexes

    def kept_build_indexes(*args, **kwargs):
        stats = original_build_indexes(*args, **kwargs)
        parts.update(dense=stats.seconds_dense, lexical=stats.seconds_lexical)
        return stats

    build.build_graph, build.write_store, build.build_indexes = timed_build_graph, timed_write_store, kept_build_indexes
    root = kb_root(work, size)
    shutil.rmtree(root, ignore_errors=True)
    settings = load_settings(kb=str(root))
    memory.enter("store+index")
    with writer_lock(root):
        report = build.write_version(root, ingested, settings, PhaseProgress(memory), {"ingest": t["ingest"]},
                                     vectors=held.pop())
    peaks = memory.stop()
    version = current_version(root)
    parts = {k: v for k, v in parts.items()}
    disk = {name: folder_size(version / name) if (version / name).is_dir() else (version / name).stat().st_size
            for name in ("corpus.sqlite", "vectors.npy", "dense", "bm25", "graph", "findings.sqlite")
            if (version / name).exists()}
    nt_mb = None
    return {"documents": len(ingested.documents), "chunks": n, "real_vector_rows": real_rows,
            "timings": {k: round(v, 2) for k, v in report.timings.items()},
            "graph_parts": {k: round(v, 2) for k, v in parts.items()}, "stats": report.stats,
            "disk_mb": {k: round(v / 1e6, 1) for k, v in disk.items()}, "kb_mb": round(folder_size(version) / 1e6, 1),
            "rss_peaks_mb": peaks, "nt_mb": nt_mb, "version": version.name}


def stage_dense(work: Path, size: int, quick: bool = False) -> dict:
    """Flat vs HNSW vs IVF-PQ: build time, size, RSS, query p50/p95 (1 thread and default), recall@10."""
    import faiss

    from kg.index.dense import DenseIndex, build_dense_index, load_dense_index
    from kg.kb import current_version

    version = current_version(kb_root(work, size))
    vectors = np.load(version / "vectors.npy")
    DenseIndex.single_query_threads = None  # measure FAISS's own threading; the product's choice is 1 (row "1t")
    _, queries, _ = derived_vectors(work, 0)
    default_threads = faiss.omp_get_max_threads()
    rows = []

    def measure(name: str, index: DenseIndex, build_s: float | None, rss_delta: float, params: str,
                exact: list[set[int]] | None, timed: int | None = None) -> list[set[int]]:
        found, out = [], {}
        for threads in (1, default_threads):
            faiss.omp_set_num_threads(threads)
            samples = []
            for q in queries[:timed]:
                t = time.perf_counter()
                got, _ = index.search(q[None, :], 10)
                samples.append(time.perf_counter() - t)
                if threads == 1:
                    found.append(set(got.tolist()))
            out[threads] = timings_ms(samples)
        faiss.omp_set_num_threads(default_threads)
        recall = 1.0 if exact is None else float(np.mean([len(f & e) / 10 for f, e in zip(found, exact)]))
        params += "" if timed is None else f" (timed on {timed} queries)"
        with tempfile.TemporaryDirectory(dir=work) as folder:
            index.save(Path(folder))
            size_mb = (Path(folder) / "dense.faiss").stat().st_size / 1e6
        rows.append({"index": name, "params": params, "build_s": None if build_s is None else round(build_s, 1),
                     "size_mb": round(size_mb, 1), "rss_delta_mb": round(rss_delta), "p50_1t": out[1][0],
                     "p95_1t": out[1][1], "p50": out[default_threads][0], "p95": out[default_threads][1],
                     "recall@10": round(recall, 4)})
        print(rows[-1], flush=True)
        return found

    before = rss_mb()
    t = time.perf_counter()
    flat = build_dense_index(vectors, "flat")
    flat_build = time.perf_counter() - t
    _, truth = flat.index.search(queries, 10)  # ground truth in one batch (BLAS), then single queries timed
    exact = [set(row.tolist()) for row in truth]
    measure("flat (exact)", flat, flat_build, rss_mb() - before, "", exact, timed=None if len(vectors) < 500_000 else 50)
    del flat
    gc.collect()

    built = read_result(work, size, "build")
    kb_kind = built["stats"]["dense_index"]
    # HNSW: the knowledge base's own index when the build chose it, else built here with the same defaults.
    before = rss_mb()
    if kb_kind == "hnsw":
        hnsw = load_dense_index(version / "dense")
        hnsw_build = built["graph_parts"]["dense"]  # built by write_version, timed there
    else:
        t = time.perf_counter()
        hnsw = build_dense_index(vectors, "hnsw")
        hnsw_build = time.perf_counter() - t
    hnsw_rss = rss_mb() - before
    for ef in ((64, 128) if quick else (16, 32, 64, 128, 256, 512)):
        hnsw.index.hnsw.efSearch = ef
        measure("hnsw", hnsw, hnsw_build, hnsw_rss, f"M={hnsw.params.get('M', 32)}, efSearch={ef}", exact)
    del hnsw
    gc.collect()

    before = rss_mb()
    t = time.perf_counter()
    ivf = build_dense_index(vectors, "ivfpq")
    ivf_build = time.perf_counter() - t
    ivf_rss = rss_mb() - before
    kept = ivf.vectors
    for nprobe in ((32,) if quick else (8, 16, 32, 64, 128)):
        ivf.index.nprobe = nprobe
        p = ivf.params
        ivf.vectors = None  # PQ codes alone
        measure("ivfpq", ivf, ivf_build, ivf_rss, f"nlist={p['nlist']}, m={p['m']}, nprobe={nprobe}", exact)
        ivf.vectors = np.load(version / "vectors.npy", mmap_mode="r")  # as the product loads it: memory-mapped
        measure("ivfpq+rerank", ivf, ivf_build, ivf_rss,
                f"nlist={p['nlist']}, m={p['m']}, nprobe={nprobe}, rerank={p['rerank']}×k from mmap", exact)
    del kept
    del ivf
    gc.collect()

    # How far the derived vectors are from the real ones: nearest-neighbour cosine of the queries.
    flat = build_dense_index(vectors, "flat")
    sims, _ = flat.index.search(queries, 10)
    return {"rows": rows, "vectors": len(vectors), "threads_default": default_threads, "queries": len(queries),
            "query_top1_cos_median": round(float(np.median(sims[:, 0])), 4),
            "query_top10_cos_median": round(float(np.median(sims[:, 9])), 4), "kb_index": kb_kind}


def stage_bm25(work: Path, size: int) -> dict:
    """BM25 build (the product tokenizer), RSS, on-disk size, query p50/p95 on the built knowledge base."""
    from kg.index import indexed_text
    from kg.index.lexical import LexicalIndex
    from kg.kb import KnowledgeBase
    from kg.query.resolve import expand_query

    kb = KnowledgeBase(kb_root(work, size))
    build_s = build_rss = None
    if size <= 200_000:  # past this, the build's own timing is used (rebuilding would take as long again)
        texts = [indexed_text(c) for c in kb.iter_chunks()]
        before = rss_mb()
        t = time.perf_counter()
        index = LexicalIndex.build(texts)
        build_s = time.perf_counter() - t
        build_rss = rss_mb() - before
        del index, texts
        gc.collect()
    else:
        build_s = read_result(work, size, "build")["graph_parts"]["lexical"]
    before = rss_mb()
    t = time.perf_counter()
    lexical = LexicalIndex.load(kb.path / "bm25")
    load_s = time.perf_counter() - t
    load_rss = rss_mb() - before
    queries = [expand_query(q) for q in dev_queries() + SEARCH_QUERIES]
    for q in queries[:5]:
        lexical.search(q, 100)
    samples = []
    for q in queries * 2:
        t = time.perf_counter()
        lexical.search(q, 100)
        samples.append(time.perf_counter() - t)
    p50, p95 = timings_ms(samples)
    return {"build_s": round(build_s, 1), "build_rss_delta_mb": None if build_rss is None else round(build_rss),
            "load_s": round(load_s, 2),
            "load_rss_delta_mb": round(load_rss), "p50_ms": p50, "p95_ms": p95, "queries": len(samples),
            "disk_mb": round(folder_size(kb.path / "bm25") / 1e6, 1)}


def stage_search(work: Path, size: int) -> dict:
    """End-to-end Searcher.search (hybrid, warm): query encoding, both legs, fusion, passages from SQLite."""
    from kg.config import load_settings
    from kg.kb import KnowledgeBase
    from kg.query.search import Searcher

    settings = load_settings(kb=str(kb_root(work, size)))
    searcher = Searcher(KnowledgeBase(kb_root(work, size)), settings)
    before = rss_mb()
    t = time.perf_counter()
    searcher.warm()
    warm_s = time.perf_counter() - t
    warm_rss = rss_mb() - before
    queries = dev_queries() + SEARCH_QUERIES
    for q in queries[:5]:
        searcher.search(q, 10)
    out = {"warm_s": round(warm_s, 2), "warm_rss_delta_mb": round(warm_rss), "dense_kind": searcher.dense.kind}
    for mode in ("hybrid", "dense", "bm25"):
        samples = []
        for q in queries * (2 if mode == "hybrid" else 1):
            t = time.perf_counter()
            searcher.search(q, 10, mode=mode)
            samples.append(time.perf_counter() - t)
        out[mode] = timings_ms(samples)
    # Where the hybrid time goes (cProfile of the query loop), for the record.
    import cProfile
    import io
    import pstats

    profile = cProfile.Profile()
    profile.enable()
    for q in queries:
        searcher.search(q, 10)
    profile.disable()
    buffer = io.StringIO()
    pstats.Stats(profile, stream=buffer).sort_stats("cumulative").print_stats(18)
    (result_path(work, size, "search").parent / "search-profile.txt").write_text(buffer.getvalue())
    return out


def stage_graph(work: Path, size: int) -> dict:
    """Example SPARQL queries on Oxigraph (direct and through SparqlService) vs rdflib's memory store."""
    from kg.config import load_settings
    from kg.graph.memory_backend import MemoryBackend
    from kg.graph.oxigraph_backend import OxigraphBackend
    from kg.kb import current_version
    from kg.namespaces import PREFIXES
    from kg.query.sparql import SparqlService, example_queries

    root = kb_root(work, size)
    version = current_version(root)
    settings = load_settings(kb=str(root))
    limit = settings.sparql_row_limit
    t = time.perf_counter()
    oxigraph = OxigraphBackend(version)
    open_s = time.perf_counter() - t
    triples = oxigraph.triple_count()
    # The same store with its entity layer loaded in memory (kg/graph/layers.py), as SPARQL workers hold it.
    t = time.perf_counter()
    before = rss_mb()
    layered = OxigraphBackend(version, entity_layer=True)
    layer_loaded = layered.wait_for_entity_layer(900)
    layer = {"loaded": layer_loaded, "load_s": round(time.perf_counter() - t, 2),
             "rss_delta_mb": round(rss_mb() - before), "file_mb": round(layered.entity_layer_bytes / 1e6, 1)}
    service = SparqlService(root, settings, workers=1)
    service.run("ASK { ?s ?p ?o }")  # the worker started
    # First answers through the worker are timed once its entity layer is in (it loads in the background and the
    # whole store answers meanwhile); the probe's comment makes each probe a new query, never a kept answer.
    t = time.perf_counter()
    probes = 0
    worker_holds_layer = layer_loaded and triples >= settings.sparql_entity_layer_min_triples
    while worker_holds_layer and service.run(f"ASK {{ ?r a kg:CaseReview }} # probe {probes}").answered_from != \
            "entity layer" and time.perf_counter() - t < 900:
        probes += 1
        time.sleep(0.2)
    layer["worker_ready_s"] = round(time.perf_counter() - t, 2) if worker_holds_layer else None
    queries = []
    for example in example_queries():
        first = time.perf_counter()
        outcome = oxigraph.run(example.text, limit, PREFIXES)
        cold = time.perf_counter() - first
        warm = []
        for _ in range(3):
            t = time.perf_counter()
            outcome = oxigraph.run(example.text, limit, PREFIXES)
            warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        answered = layered.run(example.text, limit, PREFIXES)
        layered_cold = time.perf_counter() - t
        layered_warm = []
        for _ in range(3):
            t = time.perf_counter()
            layered.run(example.text, limit, PREFIXES)
            layered_warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        via = service.run(example.text, timeout=120)
        via_service = time.perf_counter() - t
        t = time.perf_counter()
        service.run(example.text, timeout=120)  # asked again: the answer kept for this version
        kept = time.perf_counter() - t
        rows = len(outcome.rows) or len(outcome.triples) or int(bool(outcome.boolean))
        queries.append({"name": example.name, "rows": rows, "truncated": outcome.truncated,
                        "oxigraph_cold_ms": round(cold * 1000, 1), "oxigraph_ms": round(statistics.median(warm) * 1000, 1),
                        "layered_cold_ms": round(layered_cold * 1000, 1),
                        "layered_ms": round(statistics.median(layered_warm) * 1000, 1),
                        "answered_from": answered.answered_from or "whole store",
                        "service_from": via.answered_from or "whole store",
                        "service_ms": round(via_service * 1000, 1), "service_kept_ms": round(kept * 1000, 2)})
        print(queries[-1], flush=True)
    service.close()
    layered.close()
    out = {"triples": triples, "open_s": round(open_s, 3), "entity_layer": layer, "queries": queries, "rdflib": None}
    if triples <= RDFLIB_MAX_TRIPLES:
        data = oxigraph.dump_ntriples()
        before = rss_mb()
        t = time.perf_counter()
        memory = MemoryBackend(ntriples=data)
        load_s = time.perf_counter() - t
        del data
        gc.collect()
        rdflib_rows = []
        for example in example_queries():
            rdflib_rows.append(_in_fork(lambda: memory.run(example.text, limit, PREFIXES), RDFLIB_TIMEOUT))
            print(example.name, rdflib_rows[-1], flush=True)
        out["rdflib"] = {"load_s": round(load_s, 1), "rss_delta_mb": round(rss_mb() - before), "query_ms": rdflib_rows}
    return out


def _report_to_add(work: Path, chunks: tuple[int, int] = (90, 110)):
    """A synthetic report of about 100 chunks that is in no corpus (the same one for every size)."""
    import synthetic
    from kg.ingest import ingest_file

    folder = work / "to-add"
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(900_000, 900_400):
        path, meta = synthetic.generate_document(SEED, index, folder)
        document, doc_chunks = ingest_file(path, path.name, meta)
        if chunks[0] <= len(doc_chunks) <= chunks[1]:
            return path, len(doc_chunks)
        path.unlink()
    raise SystemExit("no synthetic report of about 100 chunks")


def _written_mb(version: Path) -> float:
    """What a version wrote itself: files not shared (hard-linked) with another version."""
    return round(sum(p.stat().st_size for p in version.rglob("*") if p.is_file() and p.stat().st_nlink == 1) / 1e6, 1)


REPEATS = 5  # add/remove pairs timed per size (the median is reported)


def stage_change(work: Path, size: int) -> dict:
    """`kg add` and `kg remove` of one ~100-chunk report, in place, on this size's knowledge base.

    The first add embeds the report (timed apart and excluded from the comparison); the add is then repeated on
    a warm embedding cache, as every later timing is. Each step is the library call `kg add`/`kg remove` makes.
    """
    import resource

    from kg.config import load_settings
    from kg.kb import current_version
    from kg.update import add_documents, remove_documents

    root = kb_root(work, size)
    settings = load_settings(kb=str(root))
    path, chunks = _report_to_add(work)
    from kg.kb import KnowledgeBase

    with KnowledgeBase(root) as kb:
        left_in = kb.document_info(path.name) is not None
    if left_in:  # a run that stopped between its add and its remove: start from the knowledge base without it
        remove_documents([path.name], settings)
    runs: dict[str, list[dict]] = {}
    # The first add embeds the report; the later pairs are repeated and the median kept (sub-second steps).
    for step in ("add (cold cache)", "remove", *(("add", "remove again") * REPEATS)):
        t = time.perf_counter()
        if step.startswith("add"):
            report = add_documents([path], settings, copy_to_corpus=False)
        else:
            report = remove_documents([path.name], settings)
        total = time.perf_counter() - t
        version = current_version(root)
        manifest = json.loads((version / "manifest.json").read_text())
        timings = report.build.timings
        runs.setdefault(step, []).append({
            "total_s": round(total, 2), "embed_s": round(timings.get("embed", 0.0), 2),
            "without_embed_s": round(total - timings.get("embed", 0.0), 2),
            "timings": {k: round(v, 2) for k, v in timings.items()}, "update": manifest.get("update"),
            "written_mb": _written_mb(version), "version_mb": round(folder_size(version) / 1e6, 1)})
    steps = {step: sorted(done, key=lambda r: r["without_embed_s"])[len(done) // 2] for step, done in runs.items()}
    steps["add"]["runs_s"] = [r["without_embed_s"] for r in runs["add"]]
    steps["remove again"]["runs_s"] = [r["without_embed_s"] for r in runs["remove again"]]
    return {"report_chunks": chunks, "steps": steps,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def _views_s(startup: dict) -> float:
    """The views step of a start-up result (runs before the heatmap picture was drawn lazily named it apart)."""
    steps = startup["steps_s"]
    return steps.get("views (kept summaries, documents)", steps.get("views (kept summaries, heatmap, documents)"))


def _disk_mb(result: dict, name: str) -> float:
    """A build's size on disk of one part (findings: whichever format that build wrote)."""
    disk = result["build"]["disk_mb"]
    if name == "findings":
        return next((disk[k] for k in ("findings.sqlite", "findings.jsonl", "findings.json") if k in disk), 0)
    return disk.get(name, 0)


def _size_table(intro: list[str], sizes: list[int], builds: dict) -> tuple[list[str], callable]:
    """Markdown lines starting with `intro` and a header of one column per size, and `row(label, fn)` adding a row
    of `fn(size)` values."""
    chunks = {s: _get(builds[s], "chunks", default=s) for s in sizes}
    lines = [*intro, "| measure | " + " | ".join(f"{chunks[s]:,} chunks" for s in sizes) + " |",
             "|---|" + "---|" * len(sizes)]

    def row(label, fn):
        lines.append(f"| {label} | " + " | ".join(str(fn(s)) for s in sizes) + " |")

    return lines, row


def render_kept(work: Path, sizes: list[int]) -> str:
    """Example SPARQL queries and the UI's start-up with kept summaries and graph tallies, per size."""
    g = {s: read_result(work, s, "graph") for s in sizes}
    u = {s: read_result(work, s, "startup") for s in sizes}
    v = {s: read_result(work, s, "serve") for s in sizes}
    b = {s: read_result(work, s, "build") for s in sizes}
    sizes = [s for s in sizes if g[s] and u[s] and v[s]]
    if not sizes:
        return ""
    lines, row = _size_table(
        ["## National views from kept summaries and tallies (benchmarks/scale.py, stages graph, startup, serve)",
         "", f"Machine: {machine()}. The same knowledge bases as the change table. Example SPARQL queries read the "
         "tallies kept in the graph (theme, organisation and review counts, kg:ThemeYearTally, "
         "kg:ThemePairTally) instead of aggregating every statement, and 07 and 12 ask about one review; warm "
         "times are the median of three runs on Oxigraph, on the whole store and on the entity layer held in memory "
         "(kg/graph/layers.py: every triple but the evidence, which answers the examples that ask about entities "
         "alone). \"Through SparqlService\" is a first run in a worker process, timed once its entity layer is in. The UI's page shows its tables from the summaries the "
         "version keeps; the graph view follows once every finding is read. \"Tables visible\" is timed by "
         "Debian's chromium opening the page as soon as `/api/health` answers (browser start-up included).", ""],
        sizes, b)
    row("triples", lambda s: f"{g[s]['triples']:,}")
    layered = all(q.get("layered_ms") is not None for s in sizes for q in g[s]["queries"])
    for name in [q["name"] for q in g[sizes[0]]["queries"]]:
        row(f"SPARQL {name}: rows · warm ms" + (" (whole store · entity layer)" if layered else ""),
            lambda s, name=name: next(
                f"{q['rows']:,} · {q['oxigraph_ms']:,}" + (f" · {q['layered_ms']:,}" if layered and
                                                           q["answered_from"] == "entity layer" else "")
                for q in g[s]["queries"] if q["name"] == name))
    row("SPARQL examples: slowest warm (ms) · through SparqlService (ms) · asked again, kept answer (ms)", lambda s: (
        f"{max(q['oxigraph_ms'] for q in g[s]['queries']):,} · {max(q['service_ms'] for q in g[s]['queries']):,} · "
        + (f"{max(q['service_kept_ms'] for q in g[s]['queries']):,}"
           if all('service_kept_ms' in q for q in g[s]['queries']) else "—")))
    if all("entity_layer" in g[s] for s in sizes):
        row("SPARQL examples, first run: slowest on the whole store (ms) · with the entity layer (ms, which; "
            "the server holds the layer from sparql_entity_layer_min_triples, 1M triples)",
            lambda s: f"{max(q['oxigraph_cold_ms'] for q in g[s]['queries']):,} · " + "{layered_cold_ms:,} ({name})"
            .format(**max(g[s]["queries"], key=lambda q: q["layered_cold_ms"])))
        row("  examples the entity layer answers · entity layer file (MB) · load (s) · memory (MB)", lambda s: (
            f"{sum(q['answered_from'] == 'entity layer' for q in g[s]['queries'])} of {len(g[s]['queries'])} · "
            f"{g[s]['entity_layer']['file_mb']:,} · {g[s]['entity_layer']['load_s']} · "
            f"{g[s]['entity_layer']['rss_delta_mb']:,}"))
    row("UI: views from kept summaries (s) · page with its tables (s) · heatmap picture, after (s)", lambda s: (
        f"{_views_s(u[s])} · {u[s]['steps_s']['page with its tables']} · "
        f"{u[s]['steps_s'].get('heatmap picture (drawn after the page)', 'in views')}"))
    row("UI: graph view, every finding read (s) · findings (MB)",
        lambda s: f"{u[s]['steps_s']['graph view (every finding, entity network)']} · {u[s]['findings_mb']:,}")
    row("kg serve: /api/health (s) · tables visible in a browser (s) · Themes page with its grid (s)",
        lambda s: f"{v[s]['health_s']} · {v[s].get('ui_tables_visible_s', '—')} · {v[s].get('ui_themes_page_s', '—')}")
    row("kg serve: page (KB) · first /api/ask (s) · second (s)",
        lambda s: f"{v[s].get('ui_page_kb', '—'):,} · {v[s]['first_ask_s']} · {v[s].get('second_ask_s', '—')}")
    return "\n".join(lines)


def render_change(work: Path, sizes: list[int]) -> str:
    """The in-place add/remove table: one row per measure, one column per size."""
    r = {s: read_result(work, s, "change") for s in sizes}
    b = {s: read_result(work, s, "build") for s in sizes}
    sizes = [s for s in sizes if r[s]]
    if not sizes:
        return ""
    lines, row = _size_table(
        ["## Adding and removing a report in place (benchmarks/scale.py, stage change)", "",
         f"Machine: {machine()}. Knowledge bases built by the scale benchmark (synthetic reports, derived "
         "vectors); the report added is a synthetic one of "
         f"{_get(r[sizes[0]], 'report_chunks')} chunks in no corpus. Each step is the library call "
         "`kg add` / `kg remove` makes, in one process (the model loads once). Embedding the report is timed "
         "apart and left out of the comparison, as the target says; the other adds find it in the cache. "
         f"Add and remove are then repeated {REPEATS} times; the median run is shown.",
         "Before this change an add rewrote the whole version (`write_version`): its cost is the build's "
         "store, index, extraction and graph stages, shown as the first row. The second row is the previous "
         "in-place change, which read every finding and recounted every summary (kept as "
         "results/<size>/change-findings-read-whole.json when that run is kept). Now findings are kept by "
         "entity and document (kg/findings_store.py): a change deletes and inserts only the report's rows, "
         "regenerates the triples of the entities it touches and recounts only the affected tallies (in graph). "
         "The corpus and findings files are no longer copied: a new version shares its parent's as a read-only "
         "base and writes only a delta beside each (kg/sqlite_layers.py), folded back when the index segments "
         "merge.", ""],
        sizes, b)

    def before(s):
        t = _get(b[s], "timings", default={})
        return round(sum(t.get(k, 0) for k in ("store", "index", "extract", "graph")), 1) if t else "—"

    row("before: add = rewrite the version (s)", before)
    whole = {s: read_result(work, s, "change-findings-read-whole") for s in sizes}
    if any(whole.values()):
        row("before: findings read whole, add · remove without embedding (s)", lambda s: (
            f"{_get(whole[s], 'steps', 'add', 'without_embed_s')} · "
            f"{_get(whole[s], 'steps', 'remove again', 'without_embed_s')}") if whole[s] else "—")
    for step in ("add (cold cache)", "add", "remove", "remove again"):
        row(f"{step}: total (s)", lambda s, step=step: _get(r[s], "steps", step, "total_s"))
    row("add: embedding the report, cold cache (s)", lambda s: _get(r[s], "steps", "add (cold cache)", "embed_s"))
    row("**add without embedding (s)**", lambda s: _get(r[s], "steps", "add", "without_embed_s"))
    row("  of which store · index · extract · graph (s)", lambda s: " · ".join(
        str(_get(r[s], "steps", "add", "timings", k)) for k in ("store", "index", "extract", "graph")))
    row("**remove (s)**", lambda s: _get(r[s], "steps", "remove again", "total_s"))
    row("  of which store · index · extract · graph (s)", lambda s: " · ".join(
        str(_get(r[s], "steps", "remove again", "timings", k)) for k in ("store", "index", "extract", "graph")))
    for step in ("add", "remove again"):
        row(f"{step.split()[0]} ÷ the same {step.split()[0]} at the smallest size (target ≤ 2)", lambda s, step=step: round(
            _get(r[s], "steps", step, "without_embed_s") / _get(r[sizes[0]], "steps", step, "without_embed_s"), 2))
    row("triples deleted · inserted by the add", lambda s: f"{_get(r[s], 'steps', 'add', 'update', 'triples_deleted')}"
        f" · {_get(r[s], 'steps', 'add', 'update', 'triples_inserted')}")
    row("new version: written (MB) · whole (MB, shared files included)", lambda s: f"{_get(r[s], 'steps', 'add', 'written_mb')}"
        f" · {_get(r[s], 'steps', 'add', 'version_mb')}")
    row("peak RSS of the process (MB)", lambda s: _get(r[s], "peak_rss_mb"))
    return "\n".join(lines)


def _in_fork(func, timeout: float):
    """Milliseconds `func()` takes in a forked copy of this process, stopped after `timeout` seconds."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def target() -> None:
        t = time.perf_counter()
        try:
            func()
            sender.send(round((time.perf_counter() - t) * 1000, 1))
        except Exception as exc:  # noqa: BLE001 - a failure is a result here
            sender.send(f"error {type(exc).__name__}")

    process = context.Process(target=target)
    process.start()
    value = receiver.recv() if receiver.poll(timeout) else f"> {timeout * 1000:,.0f} (stopped)"
    process.kill()
    process.join()
    return value


def stage_serve(work: Path, size: int) -> dict:
    """`kg serve` start-up: time from process start to /api/health answering and to the first /api/ask answer."""
    root = kb_root(work, size)
    port = 7900 + (os.getpid() % 90)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    log = (result_path(work, size, "serve").parent / "serve.log").open("w")
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--kb", str(root), "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    out: dict = {}
    try:
        out["health_s"] = round(_wait_for(f"http://127.0.0.1:{port}/api/health", start, process), 2)
        # Before any question: what a manager opening the page first waits for.
        out["ui_tables_visible_s"], out["ui_themes_page_s"] = _tables_visible(f"http://127.0.0.1:{port}/", start)
        t = time.perf_counter()
        out["first_ask_s"] = round(_wait_for(f"http://127.0.0.1:{port}/api/ask?q=information%20sharing", start,
                                             process), 2)
        out["first_ask_after_health_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/ask?q=what%20was%20done%20about%20neglect",
                               timeout=300).read()
        out["second_ask_s"] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=300).read()
        out["ui_page_s"] = round(time.perf_counter() - t, 2)
        out["ui_page_kb"] = round(len(page) / 1e3, 1)
        out["ui_page_has_tables"] = b"Information sharing" in page  # the theme table came with the page
        out["server_peak_rss_mb"] = vm_hwm_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    return out


def _tables_visible(url: str, start: float) -> tuple[float | None, float | None]:
    """Seconds from `kg serve` starting until a browser opening the page sees its tables (the header's counts
    and the start page's themes, which come with the page), then until the Themes page, clicked at once, shows
    its theme table and theme × review grid (the grid comes with the page's load event); (None, None) without
    chromium."""
    import shutil

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        return None, None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = browser.new_page()
            page.goto(url, timeout=300_000)
            page.wait_for_function("document.querySelector('#kg-header') && "
                                   "document.querySelector('#kg-header').innerText.includes('knowledge base version')",
                                   timeout=300_000)
            tables = round(time.perf_counter() - start, 2)
            page.get_by_role("tab", name="Themes", exact=True).click()
            page.wait_for_selector("#kg-heatmap table.kg-grid", timeout=300_000)
            page.wait_for_selector("#kg-theme-table", timeout=300_000)
            return tables, round(time.perf_counter() - start, 2)
        finally:
            browser.close()


def stage_startup(work: Path, size: int) -> dict:
    """Where `kg serve` start-up goes: the UI's page with its tables (from the summaries the version keeps), then
    its graph view (which reads every finding), the same calls as build_ui → load_page → load_graph, timed."""
    out: dict = {}
    t = time.perf_counter()
    import gradio  # noqa: F401

    from kg.server import create_app  # noqa: F401
    from kg.ui import app, plots  # noqa: F401

    out["imports_s"] = round(time.perf_counter() - t, 2)
    from kg.config import load_settings
    from kg.ui.handlers import Handlers

    class NoSparql:  # the page load never queries; a worker pool would only add its start-up
        def close(self) -> None:
            pass

    handlers = Handlers(load_settings(kb=str(kb_root(work, size))), sparql=NoSparql())
    before = rss_mb()
    steps = {}
    with timer(steps, "views (kept summaries, documents)"):
        views = handlers.live.views()
    with timer(steps, "page with its tables"):
        page = handlers.load_page()
    with timer(steps, "heatmap picture (drawn after the page)"):
        handlers.heatmap_picture()
    out["tables_rss_mb"] = round(rss_mb() - before)
    with timer(steps, "graph view (every finding, entity network)"):
        handlers.load_graph()
    out["graph_rss_mb"] = round(rss_mb() - before)
    out["steps_s"] = {k: round(v, 2) for k, v in steps.items()}
    out["tables_s"] = round(steps["views (kept summaries, documents)"] + steps["page with its tables"], 2)
    out["findings_mb"] = round(next((views.kb.path / name).stat().st_size for name in ("findings.sqlite", "findings.jsonl")
                                    if (views.kb.path / name).exists()) / 1e6, 1)
    out["theme_rows"] = len(views.summaries)
    out["reviews_in_matrix"] = len(views.matrix.reviews)
    out["page_parts"] = len(page)
    return out


def _wait_for(url: str, start: float, process: subprocess.Popen, limit: float = 900) -> float:
    while time.perf_counter() - start < limit:
        if process.poll() is not None:
            raise RuntimeError(f"kg serve exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=300) as response:
                if response.status == 200:
                    response.read()
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(url)


# ---- orchestration ------------------------------------------------------------------------------

def run_stage(work: Path, size: int, stage: str, quick: bool) -> None:
    """One stage in this process (the orchestrator starts one process per stage)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    functions = {"corpus": stage_corpus, "build": stage_build, "bm25": stage_bm25, "search": stage_search,
                 "graph": stage_graph, "serve": stage_serve, "startup": stage_startup, "change": stage_change}
    load_before = load()
    t = time.perf_counter()
    if stage == "dense":
        data = stage_dense(work, size, quick)
    elif stage == "sample":
        data = real_sample(work, float(os.environ.get("SCALE_ENCODE_SECONDS", "540")),
                           int(os.environ.get("SCALE_ENCODE_MAX", "9000")))
    else:
        data = functions[stage](work, size)
    data["stage_s"] = round(time.perf_counter() - t, 1)
    data["load_before"] = load_before
    if stage == "corpus":
        (work / "results").mkdir(parents=True, exist_ok=True)
        (work / "results" / "corpus-files.json").write_text(json.dumps({"largest": data["files"][-1]}))
    save_result(work, size, stage, data)


def orchestrate(args) -> int:
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    force = set(filter(None, (args.force or "").split(",")))
    sizes = [int(s) for s in args.sizes.split(",")]
    stages = [s for s in STAGES if not args.stages or s in args.stages.split(",")]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SCALE_ENCODE_SECONDS": str(args.encode_seconds),
           "SCALE_ENCODE_MAX": str(args.encode_max)}
    wall = time.perf_counter()
    for size in sizes:
        for stage in stages:
            if stage == "build":
                _child(work, 0, "sample", env, set(), args.quick)  # the real encoding sample, once per work folder
            _child(work, size, stage, env, force, args.quick)
    print(f"done in {time.perf_counter() - wall:.0f} s")
    report(work)
    return 0


def _child(work: Path, size: int, stage: str, env: dict, force: set[str], quick: bool) -> None:
    if read_result(work, size, stage) is not None and stage not in force:
        print(f"[{time.strftime('%H:%M:%S')}] {size} {stage}: done before, kept", flush=True)
        return
    print(f"[{time.strftime('%H:%M:%S')}] {size} {stage} … (load {load()})", flush=True)
    command = [sys.executable, __file__, "--run-stage", stage, "--size", str(size), "--work", str(work)]
    if quick:
        command.append("--quick")
    t = time.perf_counter()
    status = subprocess.call(command, env=env)
    print(f"[{time.strftime('%H:%M:%S')}] {size} {stage}: {'ok' if status == 0 else f'FAILED ({status})'} "
          f"in {time.perf_counter() - t:.0f} s", flush=True)
    if status != 0:
        raise SystemExit(f"stage {stage} at {size} failed")


def report(work: Path) -> None:
    """Tabulate every size measured in WORK side by side and write the scale section of RESULTS.md."""
    sizes = sorted(int(p.name) for p in (work / "results").iterdir() if p.is_dir() and p.name.isdigit() and p.name != "0")
    sample = json.loads((work / "sample.json").read_text()) if (work / "sample.json").exists() else {}
    if all(read_result(work, s, "search") for s in sizes):  # a partial run does not replace the full table
        text = render_report(work, sizes, sample)
        print(text)
        write_section("scale", text)
    change = render_change(work, sizes)
    if change:
        print(change)
        write_section("scale-change", change)
    kept = render_kept(work, sizes)
    if kept:
        print(kept)
        write_section("scale-kept", kept)


def _get(data: dict | None, *keys, default="—"):
    for key in keys:
        if data is None:
            return default
        data = data.get(key) if isinstance(data, dict) else None
    return default if data is None else data


def render_report(work: Path, sizes: list[int], sample: dict) -> str:
    r = {size: {stage: read_result(work, size, stage) for stage in STAGES} for size in sizes}
    heads = ["measure"] + [f"{_get(r[s]['corpus'], 'chunks', default=s):,} chunks" for s in sizes]

    def row(label, fn):
        values = []
        for s in sizes:
            try:
                value = fn(r[s])
            except (KeyError, TypeError, IndexError, ValueError, ZeroDivisionError, StopIteration):
                value = "—"
            values.append("—" if value is None else value)
        return [label] + values

    def best(rows, name, recall=0.95):
        fitting = [x for x in rows if x["index"] == name and x["recall@10"] >= recall]
        return min(fitting, key=lambda x: x["p95"]) if fitting else max(
            (x for x in rows if x["index"] == name), key=lambda x: x["recall@10"])

    main = [
        row("documents", lambda d: f"{d['corpus']['documents']:,}"),
        row("corpus text (MB)", lambda d: d["corpus"]["corpus_mb"]),
        row("ingest + chunk: docs/s · chunks/s (real)", lambda d: f"{d['corpus']['docs_per_s']} · {d['corpus']['chunks_per_s']:,.0f}"),
        row("build total (s)", lambda d: round(d["build"]["stage_s"])),
        row("  ingest (s)", lambda d: d["build"]["timings"]["ingest"]),
        row("  corpus store, SQLite (s)", lambda d: d["build"]["timings"]["store"]),
        row("  dense index (s) [derived vectors]", lambda d: f"{d['build']['graph_parts']['dense']:.1f} ({d['build']['stats']['dense_index']})"),
        row("  BM25 index (s)", lambda d: f"{d['build']['graph_parts']['lexical']:.1f}"),
        row("  extraction (s)", lambda d: d["build"]["timings"]["extract"]),
        row("  graph: N-Triples write (s)", lambda d: d["build"]["graph_parts"]["ntriples"]),
        row("  graph: Oxigraph bulk load (s)", lambda d: d["build"]["graph_parts"]["bulk_load"]),
        row("  graph: triples/s loaded", lambda d: f"{d['build']['stats']['triples'] / d['build']['graph_parts']['bulk_load']:,.0f}"),
        row("triples", lambda d: f"{d['build']['stats']['triples']:,}"),
        row("reviews · actions · theme mentions", lambda d: f"{d['build']['stats']['reviews']:,} · {d['build']['stats']['actions']:,} · {d['build']['stats']['theme_mentions']:,}"),
        row("peak RSS per build phase (MB): ingest / index / extract / graph",
            lambda d: " / ".join(str(d["build"]["rss_peaks_mb"].get(k, "—")) for k in ("ingest", "store+index", "extract", "graph"))),
        row("disk (MB): corpus.sqlite / vectors / dense / bm25 / graph / findings",
            lambda d: " / ".join(f"{_disk_mb(d, k):,.0f}" for k in ("corpus.sqlite", "vectors.npy", "dense", "bm25", "graph",
                                                                    "findings"))),
        row("knowledge base on disk (MB)", lambda d: f"{d['build']['kb_mb']:,.0f}"),
        row("dense exact (flat): p50 / p95 ms, 1 thread [derived]", lambda d: "{p50_1t} / {p95_1t}".format(**d["dense"]["rows"][0])),
        row("dense HNSW best: params, recall@10, p95 ms (1 thread) [derived]",
            lambda d: "{params}: {recall@10:.3f}, {p95_1t}".format(**best(d["dense"]["rows"], "hnsw"))),
        row("dense IVF-PQ best: params, recall@10, p95 ms (1 thread) [derived]",
            lambda d: "{params}: {recall@10:.3f}, {p95_1t}".format(**best(d["dense"]["rows"], "ivfpq"))),
        row("dense IVF-PQ + exact re-rank best: params, recall@10, p95 ms (1 thread) [derived]",
            lambda d: "{params}: {recall@10:.3f}, {p95_1t}".format(**best(d["dense"]["rows"], "ivfpq+rerank"))),
        row("BM25 build (s) · RSS delta (MB) · loaded RSS (MB)", lambda d: f"{d['bm25']['build_s']} · "
            f"{d['bm25']['build_rss_delta_mb'] if d['bm25']['build_rss_delta_mb'] is not None else '(build stage)'} · "
            f"{d['bm25']['load_rss_delta_mb']:,}"),
        row("BM25 query p50 / p95 (ms)", lambda d: f"{d['bm25']['p50_ms']} / {d['bm25']['p95_ms']}"),
        row("Searcher.search hybrid warm p50 / p95 (ms)", lambda d: f"{d['search']['hybrid'][0]} / {d['search']['hybrid'][1]}"),
        row("  dense leg only / BM25 leg only p95 (ms)", lambda d: f"{d['search']['dense'][1]} / {d['search']['bm25'][1]}"),
        row("  searcher load (s) · RSS (MB)", lambda d: f"{d['search']['warm_s']} · {d['search']['warm_rss_delta_mb']:,}"),
        row("SPARQL examples on Oxigraph: max warm / max cold (ms)",
            lambda d: f"{max(q['oxigraph_ms'] for q in d['graph']['queries'])} / {max(q['oxigraph_cold_ms'] for q in d['graph']['queries'])}"),
        row("  slowest example", lambda d: max(d["graph"]["queries"], key=lambda q: q["oxigraph_ms"])["name"]),
        row("  through SparqlService (worker process): max (ms)", lambda d: max(q["service_ms"] for q in d["graph"]["queries"])),
        row("SPARQL examples on rdflib memory: load (s) · max (ms)",
            lambda d: "does not fit (>{:,} triples)".format(RDFLIB_MAX_TRIPLES) if d["graph"]["rdflib"] is None else
            f"{d['graph']['rdflib']['load_s']} · {max(v for v in d['graph']['rdflib']['query_ms'] if isinstance(v, float)):,}"
            + (" (some stopped at 60 s)" if any(isinstance(v, str) for v in d['graph']['rdflib']['query_ms']) else "")),
        row("kg serve: /api/health answers (s)", lambda d: d["serve"]["health_s"]),
        row("kg serve: first /api/ask answers (s)", lambda d: d["serve"]["first_ask_s"]),
        row("kg serve: UI page (s · kB) · server peak RSS (MB)",
            lambda d: f"{d['serve']['ui_page_s']} · {d['serve']['ui_page_kb']:,} · {d['serve']['server_peak_rss_mb']:,}"),
        row("  UI start-up (s): imports / page with its tables / graph view",
            lambda d: " / ".join(str(x) for x in (d["startup"]["imports_s"], d["startup"]["tables_s"],
                                                  d["startup"]["steps_s"]["graph view (every finding, entity network)"]))),
        row("  findings (MB) · RSS for the tables · with the graph view (MB)",
            lambda d: f"{d['startup']['findings_mb']:,} · {d['startup']['tables_rss_mb']:,} · {d['startup']['graph_rss_mb']:,}"),
        row("peak RSS of any stage (MB)", lambda d: f"{max(v['peak_rss_mb'] for k, v in d.items() if v and k != 'serve'):,}"),
        row("load average during the build (1/5/15 min)", lambda d: d["build"]["load_before"] + " → " + d["build"]["load_after"]),
    ]
    parts = [f"""## Scale (benchmarks/scale.py)

The national picture — every safeguarding partnership in England, a few thousand reports, ~1M chunks — on
one machine. Machine: {machine()}. Other work shared the machine during some runs: the load averages are
recorded next to the build. Corpus: synthetic partnership reports made of the real corpus's sentences and
headings (benchmarks/synthetic.py), ingested and chunked by the product; knowledge bases built by
`kg.build.write_version`.

**Real and derived.** The embedding model (all-MiniLM-L6-v2) encoded a real sample of
{sample.get('encoded', '—'):,} chunks in {sample.get('seconds', '—')} s ({sample.get('chunks_per_s', '—')} chunks/s,
{sample.get('words_per_chunk', '—')} words per chunk; a query encodes in {sample.get('query_encode_ms', '—')} ms;
load {sample.get('load', '—')}). At that rate 1M chunks would take {1e6 / sample.get('chunks_per_s', 1) / 3600:.0f} h,
so every other vector is **derived**: a real vector moved up to {MIX:.0%} of the way towards another real vector,
plus gaussian noise (sd {NOISE} per dimension), renormalised. Rows marked [derived] rest on these vectors.
Queries are 42 real dev questions and {HELD_OUT} real chunk vectors kept out of every index.
Everything else (ingest, chunking, extraction, graph, SPARQL, BM25, serving) runs on the synthetic text as is.

Reproduce: `nice -n 10 python benchmarks/scale.py --work DIR` (10K and 100K), then
`nice -n 10 python benchmarks/scale.py --sizes 1000000 --work DIR`; `--report` rewrites this section.

{markdown_table(heads, main)}
"""]
    for s in sizes:
        dense = r[s]["dense"]
        if dense:
            table = markdown_table(
                ["index", "params", "build s", "file MB", "RSS Δ MB", "p50 ms 1t", "p95 ms 1t",
                 f"p50 ms {dense['threads_default']}t", f"p95 ms {dense['threads_default']}t", "recall@10"],
                [[x["index"], x["params"], x["build_s"] if x["build_s"] is not None else "(in build)", x["size_mb"],
                  x["rss_delta_mb"], x["p50_1t"], x["p95_1t"], x["p50"], x["p95"], f"{x['recall@10']:.3f}"]
                 for x in dense["rows"]])
            parts.append(f"""### Dense indexes at {dense['vectors']:,} vectors [derived]

{dense['queries']} queries, k=10; recall@10 against exact search. Median cosine of a query's nearest / 10th
neighbour: {dense['query_top1_cos_median']} / {dense['query_top10_cos_median']}.

{table}
""")
    for s in sizes:
        graph = r[s]["graph"]
        if graph:
            rd = graph["rdflib"]["query_ms"] if graph["rdflib"] else ["—"] * len(graph["queries"])
            table = markdown_table(["example query", "rows", "Oxigraph cold ms", "Oxigraph warm ms",
                                    "entity layer: answers · cold ms · warm ms",
                                    "via SparqlService ms", "rdflib memory ms"],
                                   [[q["name"], f"{q['rows']:,}" + (" (row limit)" if q["truncated"] else ""),
                                     q["oxigraph_cold_ms"], q["oxigraph_ms"],
                                     (f"{'yes' if q['answered_from'] == 'entity layer' else 'no (whole store)'} · "
                                      f"{q['layered_cold_ms']} · {q['layered_ms']}") if "layered_ms" in q else "—",
                                     q["service_ms"], v]
                                    for q, v in zip(graph["queries"], rd)])
            parts.append(f"### Example SPARQL queries at {graph['triples']:,} triples ({s:,} chunks)\n\n{table}\n")
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="chunk counts, comma-separated")
    parser.add_argument("--work", type=Path, default=None, help="work folder (corpus, knowledge bases, results)")
    parser.add_argument("--stages", default="", help=f"only these stages ({','.join(STAGES)})")
    parser.add_argument("--force", default="", help="redo these stages even if done")
    parser.add_argument("--encode-seconds", type=float, default=540, help="time budget for the real encoding sample")
    parser.add_argument("--encode-max", type=int, default=9000, help="most chunks in the real sample")
    parser.add_argument("--quick", action="store_true", help="fewer index parameter settings (for tests)")
    parser.add_argument("--report", action="store_true", help="only rewrite RESULTS.md from stored results")
    parser.add_argument("--run-stage", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work is None:
        args.work = Path(tempfile.mkdtemp(prefix="kg-scale-"))
        print(f"work folder: {args.work}")
    if args.run_stage:
        run_stage(args.work, args.size, args.run_stage, args.quick)
        return 0
    if args.report:
        report(args.work)
        return 0
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
