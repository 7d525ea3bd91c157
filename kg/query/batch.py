"""Batch mode: many queries or questions in one go, one JSON record each, a bad line reported, not fatal."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kg.errors import QueryError


@dataclass
class BatchRecord:
    """One line's outcome: the JSON record to print, and the reason it was rejected (if it was)."""

    line: str
    record: dict[str, Any]
    error: str | None = None


def search_batch(searcher, lines: list[str], k: int = 10, mode: str = "hybrid", filters=None) -> Iterator[BatchRecord]:
    """`{"query", "results"}` per query line (results empty and `error` set for a rejected query)."""
    for line, results in zip(lines, searcher.search_many(lines, k, mode, filters)):
        if isinstance(results, QueryError):
            yield BatchRecord(line, {"query": line, "results": [], "error": str(results)}, str(results))
        else:
            yield BatchRecord(line, {"query": line, "results": [r.to_dict() for r in results]})


def ask_batch(asker, lines: Iterable[str], **options: Any) -> Iterator[BatchRecord]:
    """An answer record per question line (an empty answer and `error` set for a rejected question)."""
    for line in lines:
        try:
            yield BatchRecord(line, asker.ask(line, **options).to_dict())
        except QueryError as exc:
            yield BatchRecord(line, {"question": line, "answer": "", "evidence": [], "error": str(exc)}, str(exc))
