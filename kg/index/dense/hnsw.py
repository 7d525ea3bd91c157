"""Approximate search on a navigable small-world graph (FAISS IndexHNSWFlat); efSearch trades speed for recall."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kg.index.dense.base import DenseIndex, read_faiss


class HNSWIndex(DenseIndex):
    kind = "hnsw"

    @classmethod
    def build(cls, vectors: np.ndarray, hnsw_m: int = 32, ef_construction: int = 80, ef_search: int = 128,
              **_params) -> "HNSWIndex":
        import faiss

        index = faiss.IndexHNSWFlat(vectors.shape[1], hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.hnsw.efSearch = ef_search
        index.add(vectors)
        return cls(index, {"M": hnsw_m, "efConstruction": ef_construction, "efSearch": ef_search})

    @classmethod
    def load(cls, folder: Path, meta: dict, mmap: bool = False, ef_search: int | None = None,
             **_params) -> "HNSWIndex":
        index = read_faiss(folder, mmap)
        if ef_search:
            index.hnsw.efSearch = ef_search
        return cls(index, meta.get("params"))

    def search_parameters(self, selector):
        import faiss

        return faiss.SearchParametersHNSW(sel=selector, efSearch=self.index.hnsw.efSearch)
