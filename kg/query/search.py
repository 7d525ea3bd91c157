"""search(): hybrid (dense + BM25, fused by reciprocal rank), or either leg alone."""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from kg.config import Settings, load_settings
from kg.documents import Passage
from kg.errors import QueryError
from kg.index.embed import Embedder
from kg.index.fusion import reciprocal_rank_fusion, zscore_fusion
from kg.index.segments import SegmentedIndexes, open_segments
from kg.kb import KnowledgeBase, reading
from kg.query.resolve import expand_query

MODES = ("hybrid", "dense", "bm25")


@dataclass
class SearchFilters:
    """Restrict results: to documents, a date range (ISO dates, inclusive), themes or reviews (ids)."""

    docs: list[str] | None = None
    date_from: str | None = None
    date_to: str | None = None
    themes: list[str] | None = None
    reviews: list[str] | None = None
    review_types: list[str] | None = None  # review type ids or labels ("cspr", "Safeguarding Adults Review")
    publishers: list[str] | None = None  # words of the publishing body ("Barnet", "Northshire Partnership")

    def active(self) -> bool:
        return any(v for v in asdict(self).values())


_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


def filter_documents(filters: SearchFilters, kb: KnowledgeBase) -> list[str] | None:
    """The documents the `docs` and `publishers` filters allow (None: no restriction by document)."""
    if not filters.docs and not filters.publishers:
        return None
    allowed = {d.doc for d in kb.documents()} if not filters.docs else set(filters.docs)
    if filters.publishers:
        wanted = [p.lower() for p in filters.publishers]
        allowed = {d.doc for d in kb.documents() if d.doc in allowed
                   and any(w in f"{d.body or ''} {d.title}".lower() for w in wanted)}
    return sorted(allowed)


def review_types() -> list:
    """The review types a filter may name (id and label), from the theme scheme."""
    return list(_review_types())


@lru_cache(maxsize=1)
def _review_types() -> tuple:
    # The theme file alone: the whole scheme adds the gazetteers, half a second of every server start.
    from kg.extract.scheme import load_review_types

    return tuple(load_review_types())


def reviews_of_types(types: list[str], findings) -> list[str]:
    """Ids of the reviews whose type id or label is one of `types` (case-insensitive)."""
    labels = {t.id: t.label.lower() for t in review_types()}
    wanted = {t.lower() for t in types}
    return [r.id for r in findings.reviews if r.type and (r.type.lower() in wanted or labels.get(r.type) in wanted)]


def check_filters(filters: SearchFilters, kb: KnowledgeBase) -> None:
    """Refuse filters that could only give nothing by mistake: a date that is not one, an unknown theme, review
    or document (with the closest known ones suggested).

    Raises:
        QueryError: saying which filter and what would work.
    """
    for name, value in (("from", filters.date_from), ("to", filters.date_to)):
        if value and not _DATE.fullmatch(value.strip()):
            raise QueryError(f"--{name} {value!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2023-04-01)")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to + "\uffff":
        raise QueryError(f"--from {filters.date_from} is after --to {filters.date_to}")
    findings = kb.findings()
    if filters.review_types:
        types = review_types()
        names = {t.id.lower() for t in types} | {t.label.lower() for t in types}
        for value in filters.review_types:
            if value.lower() not in names:
                close = difflib.get_close_matches(value.lower(), sorted(names), n=3, cutoff=0.5)
                hint = f"; did you mean {', '.join(close)}?" if close else ""
                raise QueryError(f"unknown review type {value!r}{hint} (types: {', '.join(sorted(t.id for t in types))})")
    if filters.publishers and not filter_documents(filters, kb):
        raise QueryError(f"no document is published by {' or '.join(map(repr, filters.publishers))} "
                         "(`kg stats` lists the documents and their publishers)")
    known = {
        "theme": ({t.id for t in findings.themes}, {t.label.lower(): t.id for t in findings.themes}, filters.themes),
        "review": ({r.id for r in findings.reviews}, {r.label.lower(): r.id for r in findings.reviews},
                   filters.reviews),
        "doc": ({d.doc for d in kb.documents()}, {d.title.lower(): d.doc for d in kb.documents()}, filters.docs),
    }
    for kind, (ids, by_label, asked) in known.items():
        for value in asked or ():
            if value in ids:
                continue
            close = difflib.get_close_matches(value.lower(), list(by_label), n=3, cutoff=0.5)
            close = [by_label[c] for c in close] + difflib.get_close_matches(value, sorted(ids), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(dict.fromkeys(close))}?" if close else ""
            listing = {"theme": "the Themes page lists them", "review": "the Graph page lists them",
                       "doc": "`kg stats` lists them"}[kind]
            raise QueryError(f"unknown {kind} {value!r}{hint} ({listing})")


@dataclass
class SearchResult(Passage):
    """A passage found by search, with its fused score and the rank each leg gave it."""

    score: float
    ranks: dict[str, int] = field(default_factory=dict)
    title: str = ""
    date: str | None = None
    paragraphs: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def validate_query(query: str, max_chars: int) -> str:
    """The query stripped, or a QueryError saying what is wrong with it."""
    if not isinstance(query, str) or not re.search(r"\w", query):
        raise QueryError("empty query: type a few words, e.g. \"information sharing with GPs\"")
    query = " ".join(query.split())
    if len(query) > max_chars:
        raise QueryError(f"query is {len(query):,} characters; the limit is {max_chars:,} "
                         "(setting max_query_chars): ask about one thing at a time")
    return query


class Searcher:
    """Search one version of a knowledge base; indexes and model load on first use.

    Args:
        kb: the knowledge base (version) to search.
        settings: model, fusion weights, candidate counts, limits.
    """

    def __init__(self, kb: KnowledgeBase, settings: Settings | None = None):
        self.kb = kb
        self.settings = settings or load_settings()
        self._indexes: SegmentedIndexes | None = None
        self._lock = threading.Lock()
        model = kb.manifest.get("settings", {}).get("embedding_model") or self.settings.embedding_model
        self.embedder = Embedder(model, self.settings.embedding_batch_size)

    @property
    def indexes(self) -> SegmentedIndexes:
        """Both legs over every segment of the version (kg/index/segments.py), loaded on first use."""
        with self._lock:
            if self._indexes is None:
                self._indexes = open_segments(self.kb.path, mmap=self.kb.chunk_count() > 1_000_000, guard=reading,
                                              ef_search=self.settings.hnsw_ef_search, nprobe=self.settings.ivf_nprobe)
            return self._indexes

    def warm(self) -> None:
        """Load the indexes and the model now (a server does this at start)."""
        _ = self.indexes
        self.embedder.encode_query("warm up")

    def allowed_rows(self, filters: SearchFilters | None) -> np.ndarray | None:
        """Rows the filters allow (sorted), or None for no restriction."""
        if filters is None or not filters.active():
            return None
        rows = None
        docs = filter_documents(filters, self.kb)
        if docs is not None or filters.date_from or filters.date_to:
            rows = set(self.kb.rows_where(docs, filters.date_from, filters.date_to))
        if filters.review_types:
            reviews = reviews_of_types(filters.review_types, self.kb.findings())
            filters = SearchFilters(**{**asdict(filters), "reviews": [*(filters.reviews or []), *reviews] or ["-"]})
        for kind, ids in (("theme", filters.themes), ("review", filters.reviews)):
            if ids:
                linked = set(self.kb.rows_linked_to(kind, ids))
                rows = linked if rows is None else rows & linked
        return np.array(sorted(rows or ()), dtype=np.int64)

    def search(self, query: str, k: int = 10, mode: str = "hybrid", filters: SearchFilters | None = None,
               query_vector: np.ndarray | None = None) -> list[SearchResult]:
        """Ranked passages for a query.

        Args:
            query: the user's words (any phrasing; need not share words with the text in dense/hybrid mode).
            k: how many results.
            mode: hybrid, dense or bm25.
            filters: restrict by document, date, theme or review.
            query_vector: a precomputed query embedding (batch callers).

        Raises:
            QueryError: empty or over-long query, unknown mode, or k out of range.
        """
        query = validate_query(query, self.settings.max_query_chars)
        if self.settings.fusion not in ("zscore", "rrf"):
            raise QueryError(f"fusion must be zscore or rrf, not {self.settings.fusion!r}")
        if mode not in MODES:
            raise QueryError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        if filters is not None and filters.active():
            check_filters(filters, self.kb)
        if not 1 <= k <= 1000:
            raise QueryError(f"k must be between 1 and 1000, not {k}")
        allowed = self.allowed_rows(filters)
        if allowed is not None and len(allowed) == 0:
            return []
        n = self.settings.candidates if mode == "hybrid" else k
        n = max(n, k)
        rankings: dict[str, np.ndarray] = {}
        scores: dict[str, dict[int, float]] = {}
        if mode in ("hybrid", "dense"):
            vector = query_vector if query_vector is not None else self.embedder.encode_query(query)
            rows, sims = self.indexes.dense_search(vector, n, allowed)
            rankings["dense"] = rows
            scores["dense"] = dict(zip(rows.tolist(), sims.tolist()))
        if mode in ("hybrid", "bm25"):
            rows, bm = self.indexes.lexical_search(expand_query(query), n, allowed)
            rankings["bm25"] = rows
            scores["bm25"] = dict(zip(rows.tolist(), bm.tolist()))
        if mode == "hybrid":
            weights = {"dense": self.settings.dense_weight, "bm25": self.settings.bm25_weight}
            if self.settings.fusion == "rrf":
                fused = reciprocal_rank_fusion(rankings, k=self.settings.fusion_k, weights=weights)
            else:
                fused = zscore_fusion(scores, weights)
        else:
            leg = mode
            fused = [(int(r), scores[leg][int(r)], {leg: i + 1}) for i, r in enumerate(rankings[leg])]
        top = fused[:k]
        chunks = self.kb.chunks_by_row([row for row, _, _ in top])
        results = []
        for (row, score, ranks), chunk in zip(top, chunks):
            info = self.kb.document_info(chunk.doc)
            results.append(SearchResult(
                doc=chunk.doc, chunk_id=chunk.chunk_id, text=chunk.text, start=chunk.start, end=chunk.end,
                section=chunk.section, score=round(float(score), 6), ranks=ranks,
                title=info.title if info else chunk.doc, date=info.date if info else None,
                paragraphs=chunk.paragraphs))
        return results

    def search_many(self, queries: list[str], k: int = 10, mode: str = "hybrid",
                    filters: SearchFilters | None = None) -> list[list[SearchResult] | QueryError]:
        """Search a batch with one model load and batched query encoding; bad queries give their error."""
        vectors: dict[int, np.ndarray] = {}
        valid = []
        for i, q in enumerate(queries):
            try:
                valid.append((i, validate_query(q, self.settings.max_query_chars)))
            except QueryError:
                pass
        if mode in ("hybrid", "dense") and valid:
            encoded = self.embedder.encode([q for _, q in valid])
            vectors = {i: encoded[j:j + 1] for j, (i, _) in enumerate(valid)}
        out: list[list[SearchResult] | QueryError] = []
        for i, q in enumerate(queries):
            try:
                out.append(self.search(q, k, mode, filters, query_vector=vectors.get(i)))
            except QueryError as exc:
                out.append(exc)
        return out

_SEARCHERS: dict[str, Searcher] = {}
_SEARCHERS_LOCK = threading.Lock()

def open_searcher(kb_path: str | Path | None = None, settings: Settings | None = None) -> Searcher:
    """A cached Searcher for the live version of a knowledge base (reopened when a new version is published)."""
    settings = settings or load_settings()
    root = str(Path(kb_path or settings.kb).resolve())
    with _SEARCHERS_LOCK:
        searcher = _SEARCHERS.get(root)
        if searcher is None or not searcher.kb.is_current():
            searcher = Searcher(KnowledgeBase(root), settings)
            _SEARCHERS[root] = searcher
        return searcher


def search(query: str, k: int = 10, filters: SearchFilters | None = None, mode: str = "hybrid",
           kb: str | Path | None = None, settings: Settings | None = None) -> list[SearchResult]:
    """Search the knowledge base (see `Searcher.search`)."""
    return open_searcher(kb, settings).search(query, k, mode, filters)

