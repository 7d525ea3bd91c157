"""Indexes over chunks: embeddings (cached), a FAISS dense index and a BM25 lexical index."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kg.config import Settings
from kg.documents import Chunk
from kg.index.dense import build_dense_index, choose_index_type
from kg.index.embed import EmbeddingCache, Embedder, embed_with_cache
from kg.index.lexical import LexicalIndex
from kg.progress import Progress, SilentProgress

__all__ = ["IndexStats", "build_indexes", "indexed_text", "cache_path"]


@dataclass
class IndexStats:
    chunks: int
    encoded: int
    dense_kind: str
    seconds_embed: float
    seconds_dense: float
    seconds_lexical: float


def indexed_text(chunk: Chunk) -> str:
    """What both legs index: the section heading(s), then the passage."""
    return chunk.embedding_text()


def cache_path(settings: Settings) -> Path:
    folder = Path(settings.cache_dir) if settings.cache_dir else settings.kb_path / "cache"
    return folder / "embeddings.sqlite"


def build_indexes(version: Path, chunks: list[Chunk], settings: Settings, progress: Progress | None = None,
                  vectors: np.ndarray | None = None) -> IndexStats:
    """Embed chunks (reusing cached vectors) and write vectors.npy, dense/ and bm25/ into `version`.

    Args:
        version: the version folder being written.
        chunks: in row order.
        settings: model, index type and thresholds.
        progress: progress bar for encoding.
        vectors: precomputed vectors (skip embedding), rows aligned with `chunks`.
    """
    progress = progress or SilentProgress()
    texts = [indexed_text(c) for c in chunks]
    t = time.perf_counter()
    encoded = 0
    if vectors is None:
        embedder = Embedder(settings.embedding_model, settings.embedding_batch_size)
        cache = EmbeddingCache(cache_path(settings))
        try:
            vectors, encoded = embed_with_cache(embedder, texts, cache, progress=progress.track)
        finally:
            cache.close()
    np.save(version / "vectors.npy", vectors)
    t_embed = time.perf_counter() - t

    t = time.perf_counter()
    kind = choose_index_type(len(chunks), settings.ann_index, settings.ann_threshold)
    build_dense_index(vectors, kind, ef_search=settings.hnsw_ef_search, nprobe=settings.ivf_nprobe,
                      rerank=settings.ivf_rerank).save(version / "dense")
    t_dense = time.perf_counter() - t

    t = time.perf_counter()
    LexicalIndex.build(texts).save(version / "bm25")
    t_lexical = time.perf_counter() - t
    return IndexStats(len(chunks), encoded, kind, t_embed, t_dense, t_lexical)
