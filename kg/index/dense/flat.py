"""Exact search: every vector compared with the query (FAISS IndexFlatIP)."""

from __future__ import annotations

import numpy as np

from kg.index.dense.base import DenseIndex


class FlatIndex(DenseIndex):
    kind = "flat"

    @classmethod
    def build(cls, vectors: np.ndarray, **_params) -> "FlatIndex":
        import faiss

        d = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 384
        index = faiss.IndexFlatIP(d)
        if len(vectors):
            index.add(vectors)
        return cls(index)
