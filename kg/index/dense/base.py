"""What every dense index does: hold a FAISS index, save and load it, search it (optionally within some rows)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class DenseIndex:
    """A FAISS index over vector rows; `search` returns (rows, scores) best first.

    A backend (flat.py, hnsw.py, ivfpq.py) says how the FAISS index is made (`build`), how a
    row filter is passed to it (`search_parameters`) and what it needs when loaded (`load`).
    """

    kind = "base"
    # OpenMP threads for one query. Fanning one query out over both cores cost more than it saved: exact search
    # of 100K vectors took 41 ms on 2 threads and 8 ms on 1 on a busy 2-core machine (benchmarks/scale.py).
    # None: FAISS's default.
    single_query_threads: int | None = 1

    def __init__(self, index, params: dict | None = None):
        self.index = index
        self.params = params or {}

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, **params) -> "DenseIndex":  # pragma: no cover - every backend has its own
        raise NotImplementedError

    @classmethod
    def load(cls, folder: Path, meta: dict, mmap: bool = False, **params) -> "DenseIndex":
        return cls(read_faiss(folder, mmap), meta.get("params"))

    def save(self, folder: Path) -> None:
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(folder / "dense.faiss"))
        (folder / "dense.json").write_text(json.dumps({"kind": self.kind, "params": self.params, "size": self.size}))

    def search_parameters(self, selector):
        """FAISS search parameters restricting the search to the rows `selector` allows."""
        import faiss

        return faiss.SearchParameters(sel=selector)

    def candidates(self, k: int) -> int:
        """How many rows to ask FAISS for, to return k."""
        return k

    def refine(self, query: np.ndarray, rows: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The final top k from FAISS's candidates (re-ranking backends override this)."""
        return rows[:k], scores[:k]

    def search(self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None = None,
               excluded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows for a (1, d) query vector, restricted to `allowed_rows` or to all but `excluded` rows."""
        import faiss

        if self.size == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, self.size if allowed_rows is None else max(1, len(allowed_rows)))
        params = None
        if allowed_rows is not None:
            if len(allowed_rows) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            params = self.search_parameters(faiss.IDSelectorBatch(np.asarray(allowed_rows, dtype=np.int64)))
        elif excluded is not None and len(excluded):
            # The selector objects must outlive the search: FAISS keeps only pointers to them.
            batch = faiss.IDSelectorBatch(np.asarray(excluded, dtype=np.int64))
            selector = faiss.IDSelectorNot(batch)
            selector.batch = batch
            params = self.search_parameters(selector)
        query = np.ascontiguousarray(query, dtype=np.float32)
        threads = faiss.omp_get_max_threads()
        one_thread = self.single_query_threads is not None and len(query) == 1 and threads > self.single_query_threads
        if one_thread:
            faiss.omp_set_num_threads(self.single_query_threads)  # this thread's setting; restored below
        try:
            scores, rows = self.index.search(query, min(self.size, self.candidates(k)), params=params)
        finally:
            if one_thread:
                faiss.omp_set_num_threads(threads)
        keep = rows[0] >= 0
        return self.refine(query, rows[0][keep].astype(np.int64), scores[0][keep].astype(np.float32), k)


def read_faiss(folder: Path, mmap: bool = False):
    import faiss

    flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
    return faiss.read_index(str(folder / "dense.faiss"), flags)
