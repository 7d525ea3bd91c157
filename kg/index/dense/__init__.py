"""The dense leg: FAISS inner-product search over normalised embeddings, one backend per file.

    flat     exact search (kg/index/dense/flat.py): right up to a few hundred thousand vectors
    hnsw     a navigable small-world graph (hnsw.py): approximate, fast at a million vectors
    ivfpq    inverted lists with product-quantised codes (ivfpq.py): approximate, small in memory,
             with exact re-ranking from the version's vectors.npy

Exact (flat) while the collection is small; past `ann_threshold` vectors IVF-PQ with exact re-ranking
is chosen automatically (the measured choice: benchmarks/ann.py), or a backend forced with `ann_index`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from kg.errors import ConfigError
from kg.index.dense.base import DenseIndex
from kg.index.dense.flat import FlatIndex
from kg.index.dense.hnsw import HNSWIndex
from kg.index.dense.ivfpq import IVFPQIndex

BACKENDS: dict[str, type[DenseIndex]] = {"flat": FlatIndex, "hnsw": HNSWIndex, "ivfpq": IVFPQIndex}

__all__ = ["BACKENDS", "DenseIndex", "FlatIndex", "HNSWIndex", "IVFPQIndex", "build_dense_index",
           "choose_index_type", "load_dense_index"]


def choose_index_type(count: int, setting: str = "auto", threshold: int = 200_000) -> str:
    """flat, hnsw or ivfpq for a collection of `count` vectors."""
    if setting != "auto":
        if setting not in BACKENDS:
            raise ConfigError(f"ann_index must be auto, {', '.join(BACKENDS)}, not {setting!r}")
        return setting
    if count <= threshold:
        return "flat"
    # On vectors that behave like real chunks, HNSW (M=32) found at most 0.80 of the exact top 10 at 1M even at
    # efSearch 2048, IVF-PQ with exact re-ranking 0.965 in ~4 ms (benchmarks/ann.py).
    return "ivfpq"


def build_dense_index(vectors: np.ndarray, kind: str = "flat", **params) -> DenseIndex:
    """A dense index of `kind` over the vector rows (an empty collection is always flat)."""
    if kind not in BACKENDS:
        raise ConfigError(f"unknown dense index type {kind!r}")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.size == 0:
        kind = "flat"
    return BACKENDS[kind].build(vectors, **params)


def load_dense_index(folder: Path, mmap: bool = False, **params) -> DenseIndex:
    """The dense index saved in `folder` (its kind is read from dense.json)."""
    meta = json.loads((folder / "dense.json").read_text())
    return BACKENDS[meta["kind"]].load(folder, meta, mmap=mmap, **params)
