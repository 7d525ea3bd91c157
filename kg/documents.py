"""Plain data passed between stages: documents, their sections and chunks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Section:
    """A heading and the span of text it governs.

    `start`/`end` are character offsets into the cleaned document text; the span
    runs from the heading to just before the next heading of the same or a higher level.
    """

    title: str
    level: int
    path: list[str]
    start: int
    end: int


@dataclass
class Document:
    """One source document after reading and cleaning.

    `doc` is the document's file name in the corpus: the stable id used in
    search results, `kg remove`, and IRIs.
    """

    doc: str
    title: str
    text: str
    sha256: str
    date: str | None = None
    body: str | None = None
    kind: str | None = None
    source: str | None = None
    format: str = "txt"
    sections: list[Section] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)  # metadata fields guessed from the text
    warnings: list[str] = field(default_factory=list)

    def meta(self) -> dict[str, Any]:
        """Everything but the text and sections."""
        d = asdict(self)
        d.pop("text")
        d.pop("sections")
        return d


@dataclass
class Passage:
    """A span of a document with its provenance: `document.text[start:end] == text`.

    The shape shared by chunks, search results and an answer's evidence, so each can be cited alike.
    """

    doc: str
    chunk_id: str
    text: str
    start: int
    end: int
    section: list[str]


@dataclass
class Chunk(Passage):
    """A passage as chunking cut it: the unit that is embedded, indexed and cited."""

    paragraphs: list[str] = field(default_factory=list)
    ordinal: int = 0

    @property
    def words(self) -> int:
        return len(self.text.split())

    def embedding_text(self) -> str:
        """What the embedding model sees: the section path, then the passage."""
        heading = " > ".join(self.section[-2:])
        return f"{heading}\n{self.text}" if heading else self.text


@dataclass
class SkippedFile:
    """A file the build refused, with the reason in one line."""

    path: str
    reason: str
