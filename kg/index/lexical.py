"""The lexical leg: BM25 (bm25s) over chunk text with the section path."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from kg.index.tokenize import tokenize, tokenize_many

logging.getLogger("bm25s").setLevel(logging.ERROR)


def idf(passages: int, containing: int) -> float:
    """BM25's inverse document frequency (Lucene variant) of a word in `containing` of `passages` passages."""
    return float(np.log(1 + (passages - containing + 0.5) / (containing + 0.5)))


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

    def document_frequency(self, token: str) -> int:
        """How many passages contain the token."""
        row = self.retriever.vocab_dict.get(token)
        indptr = self.retriever.scores["indptr"]
        return 0 if row is None else int(indptr[row + 1] - indptr[row])

    def rarity(self, tokens: list[str]) -> dict[str, float]:
        """Each token's inverse document frequency (BM25's, Lucene variant): rare words weigh more; a word no
        passage contains weighs most."""
        return {token: idf(self.size, self.document_frequency(token)) for token in tokens}

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
        return self._top(self.retriever.get_scores(tokens), k, allowed)

    def search_weighted(self, weighted: list[tuple[str, float]], k: int, allowed: np.ndarray | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows with each query token's BM25 score multiplied by its weight (a segment rescaled to the IDF
        of the whole collection, kg/index/segments.py); a token repeated in the query counts per repeat."""
        vocab = self.retriever.vocab_dict
        weighted = [(t, w) for t, w in weighted if t in vocab]
        if not weighted or self.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores = np.zeros(self.size, dtype=np.float32)
        for token, weight in weighted:
            scores += np.float32(weight) * self.retriever.get_scores([token]).astype(np.float32)
        return self._top(scores, k, allowed)

    def _top(self, scores: np.ndarray, k: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if allowed is not None:
            scores = scores * allowed.astype(np.float32)
        # Top-k among the passages that contain a query word only: numpy's argpartition over all rows,
        # most of them tied at zero, took 160-250 ms a query at a million chunks (benchmarks/scale.py).
        matching = np.flatnonzero(scores > 0)
        if len(matching) > k:
            matching = matching[np.argpartition(-scores[matching], k - 1)[:k]]
        order = matching[np.lexsort((matching, -scores[matching]))]  # best first; ties by row, as bm25s did
        return order.astype(np.int64), scores[order].astype(np.float32)
