"""Evidence from offsets: the exact quote, the chunk that holds it and its section path."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable

from kg.documents import Chunk, Document, Section
from kg.extract.findings import Evidence


class EvidenceLocator:
    """Turns (document, start, end) into Evidence, finding the chunk and section that hold the span.

    Args:
        documents: the cleaned documents the offsets refer to.
        chunks: their chunks (any order).
    """

    def __init__(self, documents: Iterable[Document], chunks: Iterable[Chunk]):
        self.documents = {d.doc: d for d in documents}
        self._chunks: dict[str, list[Chunk]] = defaultdict(list)
        for chunk in chunks:
            self._chunks[chunk.doc].append(chunk)
        self._chunk_starts: dict[str, list[int]] = {}
        for doc, doc_chunks in self._chunks.items():
            doc_chunks.sort(key=lambda c: (c.start, c.end))
            self._chunk_starts[doc] = [c.start for c in doc_chunks]

    def evidence(self, doc: str, start: int, end: int) -> Evidence:
        """Evidence for document.text[start:end], white space trimmed from both ends."""
        text = self.documents[doc].text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        chunk = self.chunk_containing(doc, start, end)
        return Evidence(doc=doc, start=start, end=end, quote=text[start:end],
                        chunk_id=chunk.chunk_id if chunk else None, section=self.section_path(doc, start))

    def chunk_containing(self, doc: str, start: int, end: int) -> Chunk | None:
        """The chunk whose span holds [start, end) entirely (the shortest when chunks overlap), or None."""
        chunks = self._chunks.get(doc, [])
        last = bisect.bisect_right(self._chunk_starts.get(doc, []), start)
        holding = [c for c in chunks[:last] if c.start <= start and end <= c.end]
        return min(holding, key=lambda c: c.end - c.start) if holding else None

    def chunks_overlapping(self, doc: str, start: int, end: int) -> list[Chunk]:
        """Chunks that share any character with [start, end)."""
        chunks = self._chunks.get(doc, [])
        last = bisect.bisect_left(self._chunk_starts.get(doc, []), end)
        return [c for c in chunks[:last] if c.end > start]

    def section_at(self, doc: str, offset: int) -> Section | None:
        """The innermost section that holds the offset."""
        best = None
        for section in self.documents[doc].sections:
            if section.start <= offset < section.end and (best is None or len(section.path) >= len(best.path)):
                best = section
        return best

    def section_path(self, doc: str, offset: int) -> list[str]:
        section = self.section_at(doc, offset)
        return list(section.path) if section else []
