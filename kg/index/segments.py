"""Indexes in segments, so adding or removing a document costs what the document costs.

A version's indexes are a **base** segment (the one a build writes: `vectors.npy`, `dense/`, `bm25/`) and,
after in-place adds, a small **delta** segment (`delta/`) holding the chunks added since the base was
written. Chunks removed from the base are listed in `deleted.npy` and skipped by both legs; nothing in the
base is rewritten. The base files are hard-linked from the parent version (they are never modified in
place), and only the delta — the size of what changed since the last merge — is rebuilt. When the delta and
the deleted rows together pass `index_merge_fraction` of the base (and `index_merge_min` rows), the next
change merges everything into a new base, like a log-structured store: the cost of a merge is spread over
the adds that led to it.

Rows are the chunk rows of `corpus.sqlite` (stable across versions); a segment maps its positions to rows
with `rows.npy` (the base of a fresh build has none: position = row).

The lexical leg scores each segment with BM25 and rescales each query word's score to the IDF of the whole
collection (all segments), so a word that is rare in a small delta but common overall is not overrated.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import ContextManager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kg.files import link_or_copy
from kg.index.dense import DenseIndex, build_dense_index, choose_index_type, load_dense_index
from kg.index.lexical import LexicalIndex, idf
from kg.index.tokenize import tokenize

DELTA = "delta"
DELETED = "deleted.npy"
BASE_ROWS = "base-rows.npy"
SEGMENTS_FILE = "segments.json"
BASE_FILES = ("vectors.npy", BASE_ROWS, "dense", "bm25")

_EMPTY_ROWS = np.zeros(0, dtype=np.int64)
_EMPTY_SCORES = np.zeros(0, dtype=np.float32)


@dataclass
class Segment:
    """One segment's indexes and the rows its positions stand for (None: position = row)."""

    dense: DenseIndex
    lexical: LexicalIndex
    rows: np.ndarray | None
    excluded: np.ndarray  # positions no longer live (removed chunks), sorted

    def to_rows(self, positions: np.ndarray) -> np.ndarray:
        return positions if self.rows is None else self.rows[positions]

    def positions_of(self, rows: np.ndarray) -> np.ndarray:
        """The positions of the given rows that lie in this segment (rows sorted)."""
        if self.rows is None:
            return rows[(rows >= 0) & (rows < self.lexical.size)]
        at = np.searchsorted(self.rows, rows)
        at = np.minimum(at, max(0, len(self.rows) - 1))
        return at[self.rows[at] == rows] if len(self.rows) else _EMPTY_ROWS

    def live_positions(self, allowed_rows: np.ndarray | None) -> np.ndarray | None:
        """Positions a search may return: the allowed ones that are live (None: every position is)."""
        if allowed_rows is None:
            if not len(self.excluded):
                return None
            return np.setdiff1d(np.arange(self.lexical.size, dtype=np.int64), self.excluded, assume_unique=True)
        positions = self.positions_of(np.asarray(allowed_rows, dtype=np.int64))
        return np.setdiff1d(positions, self.excluded, assume_unique=True) if len(self.excluded) else positions


class SegmentedIndexes:
    """The dense and lexical legs over every segment of a version; rows are corpus.sqlite rows."""

    def __init__(self, segments: list[Segment]):
        self.segments = segments

    @property
    def size(self) -> int:
        """Live chunks indexed."""
        return sum(s.lexical.size - len(s.excluded) for s in self.segments)

    def dense_search(self, query: np.ndarray, k: int, allowed_rows: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
        if len(self.segments) == 1 and not len(self.segments[0].excluded):
            segment = self.segments[0]
            positions = None if allowed_rows is None else segment.positions_of(np.asarray(allowed_rows, np.int64))
            rows, scores = segment.dense.search(query, k, positions)
            return segment.to_rows(rows), scores
        found_rows, found_scores = [], []
        for segment in self.segments:
            if allowed_rows is None and len(segment.excluded):
                # Searching with "all but these" keeps the approximate index's own speed; the list of live
                # positions would be as long as the collection.
                rows, scores = segment.dense.search(query, k, excluded=segment.excluded)
            else:
                positions = segment.live_positions(allowed_rows)
                if positions is not None and not len(positions):
                    continue
                rows, scores = segment.dense.search(query, k, positions)
            found_rows.append(segment.to_rows(rows))
            found_scores.append(scores)
        return _best(found_rows, found_scores, k)

    def lexical_search(self, query: str, k: int, allowed_rows: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
        if len(self.segments) == 1 and not len(self.segments[0].excluded):
            segment = self.segments[0]
            mask = None
            if allowed_rows is not None:
                mask = np.zeros(segment.lexical.size, dtype=np.float32)
                mask[segment.positions_of(np.asarray(allowed_rows, np.int64))] = 1
            rows, scores = segment.lexical.search(query, k, mask)
            return segment.to_rows(rows), scores
        tokens = tokenize(query)
        weights = self._idf_ratios(tokens)
        found_rows, found_scores = [], []
        for segment, ratio in zip(self.segments, weights):
            mask = None
            positions = segment.live_positions(allowed_rows)
            if positions is not None:
                mask = np.zeros(segment.lexical.size, dtype=np.float32)
                mask[positions] = 1
            rows, scores = segment.lexical.search_weighted(ratio, k, mask)
            found_rows.append(segment.to_rows(rows))
            found_scores.append(scores)
        return _best(found_rows, found_scores, k)

    def rarity(self, tokens: list[str]) -> dict[str, float]:
        """Each token's IDF over the whole collection (see LexicalIndex.rarity)."""
        total = sum(s.lexical.size for s in self.segments)
        df = {t: sum(s.lexical.document_frequency(t) for s in self.segments) for t in tokens}
        return {t: idf(total, d) for t, d in df.items()}

    def _idf_ratios(self, tokens: list[str]) -> list[list[tuple[str, float]]]:
        """Per segment, each query token with its collection IDF over the segment's own (bm25s stores scores
        computed with the latter)."""
        collection = self.rarity(sorted(set(tokens)))
        out = []
        for segment in self.segments:
            df = {t: segment.lexical.document_frequency(t) for t in collection}
            out.append([(t, collection[t] / idf(segment.lexical.size, df[t])) for t in tokens if df[t]])
        return out


def _best(rows: list[np.ndarray], scores: list[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    if not rows:
        return _EMPTY_ROWS, _EMPTY_SCORES
    all_rows, all_scores = np.concatenate(rows), np.concatenate(scores)
    order = np.lexsort((all_rows, -all_scores))[:k]  # best first; ties by row
    return all_rows[order].astype(np.int64), all_scores[order].astype(np.float32)


# ---- reading -------------------------------------------------------------------------------

@contextmanager
def _no_guard(_path: Path) -> Iterator[None]:
    yield


def open_segments(version: Path, mmap: bool = False, guard: Callable[[Path], ContextManager] = _no_guard,
                  **dense_params) -> SegmentedIndexes:
    """The version's segments, loaded (memory-mapped when `mmap`); `guard(path)` wraps the reading of each part
    (kg.kb.reading turns a damaged file into an error that names it)."""
    with guard(version / DELETED):
        deleted = np.load(version / DELETED) if (version / DELETED).is_file() else _EMPTY_ROWS
    with guard(version / BASE_ROWS):
        base_rows = np.load(version / BASE_ROWS) if (version / BASE_ROWS).is_file() else None
    with guard(version / "dense" / "dense.faiss"):
        dense = load_dense_index(version / "dense", mmap=mmap, **dense_params)
    with guard(version / "bm25"):
        lexical = LexicalIndex.load(version / "bm25", mmap=mmap)
    base = Segment(dense, lexical, base_rows, _EMPTY_ROWS)
    if len(deleted):
        base.excluded = np.unique(base.positions_of(deleted))
    segments = [base]
    if (version / DELTA / "rows.npy").is_file():
        with guard(version / DELTA):
            segments.append(Segment(load_dense_index(version / DELTA / "dense"),
                                    LexicalIndex.load(version / DELTA / "bm25"), np.load(version / DELTA / "rows.npy"),
                                    _EMPTY_ROWS))
    return SegmentedIndexes(segments)


# ---- writing -------------------------------------------------------------------------------

@dataclass
class SegmentChange:
    """What an in-place change did to the indexes."""

    merged: bool
    base_rows: int
    delta_rows: int
    deleted_rows: int
    dense_kind: str
    seconds: float


def update_segments(parent: Path, version: Path, removed_rows: np.ndarray, added_rows: np.ndarray,
                    added_vectors: np.ndarray, texts_of: Callable[[Sequence[int]], list[str]],
                    ann_index: str, ann_threshold: int, merge_fraction: float, merge_min: int,
                    **dense_params) -> SegmentChange:
    """Write `version`'s indexes from its parent's: the base shared, the delta rebuilt, removed rows deleted.

    Args:
        parent: the live version folder.
        version: the version being written.
        removed_rows: rows of the chunks removed (documents removed or replaced).
        added_rows: rows of the new chunks (ascending), with their vectors.
        texts_of: the indexed text of chunk rows (from the new version's corpus.sqlite).
        merge_fraction, merge_min: when the delta and deleted rows pass both, everything merges into a new base.
    """
    start = time.perf_counter()
    base_rows = np.load(parent / BASE_ROWS) if (parent / BASE_ROWS).is_file() else None
    base_vectors = np.load(parent / "vectors.npy", mmap_mode="r")
    base_size = len(base_vectors)
    if base_rows is None:
        base_rows = np.arange(base_size, dtype=np.int64)
    removed_rows = np.asarray(removed_rows, dtype=np.int64)
    deleted = np.load(parent / DELETED) if (parent / DELETED).is_file() else _EMPTY_ROWS
    deleted = np.union1d(deleted, np.intersect1d(removed_rows, base_rows))
    if (parent / DELTA / "rows.npy").is_file():
        delta_rows = np.load(parent / DELTA / "rows.npy")
        delta_vectors = np.load(parent / DELTA / "vectors.npy")
    else:
        delta_rows, delta_vectors = _EMPTY_ROWS, np.zeros((0, base_vectors.shape[1]), dtype=np.float32)
    keep = ~np.isin(delta_rows, removed_rows)
    delta_rows = np.concatenate([delta_rows[keep], np.asarray(added_rows, dtype=np.int64)])
    delta_vectors = np.concatenate([delta_vectors[keep], np.asarray(added_vectors, dtype=np.float32).reshape(
        -1, base_vectors.shape[1])])
    order = np.argsort(delta_rows, kind="stable")
    delta_rows, delta_vectors = delta_rows[order], delta_vectors[order]

    used = max(rows_used(parent), int(base_rows.max(initial=-1)) + 1, int(delta_rows.max(initial=-1)) + 1)
    pending = len(delta_rows) + len(deleted)
    if pending > max(merge_min, merge_fraction * base_size):
        live = ~np.isin(base_rows, deleted)
        rows = np.concatenate([base_rows[live], delta_rows])
        vectors = np.concatenate([np.asarray(base_vectors[live], dtype=np.float32), delta_vectors])
        order = np.argsort(rows, kind="stable")
        rows, vectors = rows[order], vectors[order]
        kind = choose_index_type(len(rows), ann_index, ann_threshold)
        np.save(version / "vectors.npy", vectors)
        if not np.array_equal(rows, np.arange(len(rows))):
            np.save(version / BASE_ROWS, rows)
        build_dense_index(vectors, kind, **dense_params).save(version / "dense")
        LexicalIndex.build(texts_of(rows.tolist())).save(version / "bm25")
        _write_layout(version, len(rows), 0, 0, used, merged=True)
        return SegmentChange(True, len(rows), 0, 0, kind, time.perf_counter() - start)

    for name in BASE_FILES:
        if (parent / name).exists():
            link_or_copy(parent / name, version / name)
    if len(deleted):
        np.save(version / DELETED, deleted)
    if len(delta_rows):
        folder = version / DELTA
        folder.mkdir()
        np.save(folder / "rows.npy", delta_rows)
        np.save(folder / "vectors.npy", delta_vectors)
        build_dense_index(delta_vectors, "flat").save(folder / "dense")
        LexicalIndex.build(texts_of(delta_rows.tolist())).save(folder / "bm25")
    kind = json.loads((version / "dense" / "dense.json").read_text())["kind"]
    _write_layout(version, base_size, len(delta_rows), len(deleted), used, merged=False)
    return SegmentChange(False, base_size, len(delta_rows), len(deleted), kind, time.perf_counter() - start)


def rows_used(version: Path) -> int:
    """One past the highest chunk row any version up to this one has used: a new chunk's row is never an old one."""
    path = version / SEGMENTS_FILE
    if path.is_file():
        return int(json.loads(path.read_text(encoding="utf-8"))["rows_used"])
    return len(np.load(version / "vectors.npy", mmap_mode="r"))  # a fresh build: rows 0…n-1


def _write_layout(version: Path, base_rows: int, delta_rows: int, deleted_rows: int, rows_used: int,
                  merged: bool) -> None:
    """segments.json: what the segments hold and one past the highest row ever used (new chunks take rows
    above it: kg/kb.py change_corpus)."""
    (version / SEGMENTS_FILE).write_text(json.dumps(
        {"base_rows": base_rows, "delta_rows": delta_rows, "deleted_rows": deleted_rows, "rows_used": rows_used,
         "merged": merged}))
