"""The lexical leg: BM25 (bm25s) over chunk text with the section path."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from kg.index.tokenize import tokenize, tokenize_many

logging.getLogger("bm25s").setLevel(logging.ERROR)


class LexicalIndex:
    """BM25 over tokenised passages; `search` returns (rows, scores) best first."""

    def __init__(self, retriever, size: int):
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> "LexicalIndex":
        import bm25s

        retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
        retriever.index(tokenize_many(texts), show_progress=False)
        return cls(retriever, len(texts))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.retriever.save(str(folder), show_progress=False)
        (folder / "kg.json").write_text(json.dumps({"size": self.size, "tokenizer": "kg.index.tokenize/1"}))

    @classmethod
    def load(cls, folder: Path, mmap: bool = False) -> "LexicalIndex":
        import bm25s

        retriever = bm25s.BM25.load(str(folder), mmap=mmap, show_progress=False, verbosity=0)
        size = json.loads((folder / "kg.json").read_text())["size"]
        return cls(retriever, size)

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows for a query.

        Args:
            query: the user's words.
            k: how many rows.
            allowed: optional 0/1 mask over rows (filters).
        """
        vocab = self.retriever.vocab_dict
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens or self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        k = min(k, self.size)
        mask = None if allowed is None else allowed.astype(np.float32)
        rows, scores = self.retriever.retrieve([tokens], k=k, show_progress=False, weight_mask=mask, n_threads=1)
        rows, scores = rows[0], scores[0]
        keep = scores > 0
        return rows[keep].astype(np.int64), scores[keep].astype(np.float32)
