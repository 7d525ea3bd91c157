"""The dense leg: FAISS inner-product search over normalised embeddings.

Exact (flat) while the collection is small; past `ann_threshold` vectors an
approximate index (HNSW, or IVF-PQ for very large collections) is chosen
automatically, or forced with the `ann_index` setting.

IVF-PQ keeps only 48-byte codes per vector in memory, which alone find about two
thirds of the true top 10; it re-ranks `rerank` × k candidates exactly against
the version's vectors.npy, memory-mapped (a few hundred rows read per query),
which brings recall@10 back above 0.95 (benchmarks/scale.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kg.errors import ConfigError


def choose_index_type(count: int, setting: str = "auto", threshold: int = 200_000) -> str:
    """flat, hnsw or ivfpq for a collection of `count` vectors."""
    if setting != "auto":
        if setting not in {"flat", "hnsw", "ivfpq"}:
            raise ConfigError(f"ann_index must be auto, flat, hnsw or ivfpq, not {setting!r}")
        return setting
    if count <= threshold:
        return "flat"
    return "hnsw" if count <= 5_000_000 else "ivfpq"


class DenseIndex:
    """A FAISS index over vector rows; `search` returns (rows, scores) best first."""

    # OpenMP threads for one query. Fanning one query out over both cores cost more than it saved: exact search
    # of 100K vectors took 41 ms on 2 threads and 8 ms on 1 on a busy 2-core machine (benchmarks/scale.py).
    # None: FAISS's default.
    single_query_threads: int | None = 1

    def __init__(self, index, kind: str, params: dict | None = None, vectors: np.ndarray | None = None):
        self.index = index
        self.kind = kind
        self.params = params or {}
        self.vectors = vectors  # rows for exact re-ranking (IVF-PQ), in memory or memory-mapped

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str = "flat", hnsw_m: int = 32, ef_construction: int = 80,
              ef_search: int = 128, nprobe: int = 32, rerank: int = 10, nlist: int | None = None) -> "DenseIndex":
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, d = vectors.shape if vectors.size else (0, vectors.shape[1] if vectors.ndim == 2 else 384)
        params: dict = {}
        if kind == "flat" or n == 0:
            index = faiss.IndexFlatIP(d)
            kind = "flat"
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(d, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = ef_construction
            index.hnsw.efSearch = ef_search
            params = {"M": hnsw_m, "efConstruction": ef_construction, "efSearch": ef_search}
        elif kind == "ivfpq":
            nlist = nlist or int(max(64, min(65536, 4 * np.sqrt(n))))
            m = 48 if d % 48 == 0 else 32 if d % 32 == 0 else 16
            quantizer = faiss.IndexFlatIP(d)
            index = faiss.IndexIVFPQ(quantizer, d, nlist, m, 8, faiss.METRIC_INNER_PRODUCT)
            # 50 training points per list (FAISS asks for 39+): 100 made k-means the longest part of a build.
            sample = vectors[np.sort(np.random.default_rng(0).choice(n, size=min(n, 50 * nlist), replace=False))]
            index.train(sample)
            index.nprobe = nprobe
            params = {"nlist": nlist, "m": m, "nprobe": nprobe, "rerank": rerank}
        else:
            raise ConfigError(f"unknown dense index type {kind!r}")
        if n:
            index.add(vectors)
        return cls(index, kind, params, vectors if kind == "ivfpq" else None)

    def save(self, folder: Path) -> None:
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(folder / "dense.faiss"))
        (folder / "dense.json").write_text(json.dumps({"kind": self.kind, "params": self.params, "size": self.size}))

    @classmethod
    def load(cls, folder: Path, mmap: bool = False, ef_search: int | None = None, nprobe: int | None = None) -> "DenseIndex":
        import faiss

        meta = json.loads((folder / "dense.json").read_text())
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        index = faiss.read_index(str(folder / "dense.faiss"), flags)
        if meta["kind"] == "hnsw" and ef_search:
            index.hnsw.efSearch = ef_search
        if meta["kind"] == "ivfpq" and nprobe:
            index.nprobe = nprobe
        vectors = None
        if meta["kind"] == "ivfpq" and (meta.get("params") or {}).get("rerank") and (folder.parent / "vectors.npy").exists():
            vectors = np.load(folder.parent / "vectors.npy", mmap_mode="r")  # read only the rows re-ranked
        return cls(index, meta["kind"], meta.get("params"), vectors)

    def search(self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows for a (1, d) query vector, optionally restricted to `allowed_rows`."""
        import faiss

        if self.size == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, self.size if allowed_rows is None else max(1, len(allowed_rows)))
        params = None
        if allowed_rows is not None:
            if len(allowed_rows) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            selector = faiss.IDSelectorBatch(np.asarray(allowed_rows, dtype=np.int64))
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=self.index.hnsw.efSearch)
            elif self.kind == "ivfpq":
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe)
            else:
                params = faiss.SearchParameters(sel=selector)
        query = np.ascontiguousarray(query, dtype=np.float32)
        rerank = int(self.params.get("rerank") or 0) if self.kind == "ivfpq" and self.vectors is not None else 0
        wanted = min(self.size, k * rerank) if rerank > 1 else k
        threads = faiss.omp_get_max_threads()
        one_thread = self.single_query_threads is not None and len(query) == 1 and threads > self.single_query_threads
        if one_thread:
            faiss.omp_set_num_threads(self.single_query_threads)  # this thread's setting; restored below
        try:
            scores, rows = self.index.search(query, wanted, params=params)
        finally:
            if one_thread:
                faiss.omp_set_num_threads(threads)
        keep = rows[0] >= 0
        rows, scores = rows[0][keep].astype(np.int64), scores[0][keep].astype(np.float32)
        if rerank > 1 and len(rows):
            order = np.argsort(rows)  # ascending rows: sequential reads from the memory-mapped file
            exact = np.asarray(self.vectors[rows[order]], dtype=np.float32) @ query[0]
            scores = np.empty_like(exact)
            scores[order] = exact
            best = np.argsort(-scores, kind="stable")[:k]
            rows, scores = rows[best], scores[best]
        return rows, scores
