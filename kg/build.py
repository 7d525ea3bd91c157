"""Build a knowledge base from a corpus folder, atomically."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from kg import __version__
from kg.config import Settings, load_settings
from kg.documents import SkippedFile
from kg.errors import BuildError
from kg.index import build_indexes
from kg.ingest import IngestResult, ingest_corpus
from kg.kb import new_version, write_corpus, write_json, writer_lock
from kg.progress import Progress, SilentProgress


@dataclass
class BuildReport:
    """What a build did: counts, refusals, warnings and time per stage."""

    version: Path
    documents: int
    chunks: int
    skipped: list[SkippedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.skipped


def build_knowledge_base(corpus: str | Path | None = None, settings: Settings | None = None,
                         progress: Progress | None = None) -> BuildReport:
    """Build (or rebuild) the knowledge base from `corpus` into `settings.kb`.

    Files that cannot be read are listed in the report and the rest still build.
    Nothing becomes live unless every stage succeeds.

    Raises:
        BuildError: no document could be read (the previous knowledge base is untouched).
        KnowledgeBaseLocked: another process is writing.
    """
    settings = settings or load_settings()
    progress = progress or SilentProgress()
    corpus = Path(corpus or settings.corpus)
    root = settings.kb_path
    timings: dict[str, float] = {}
    with writer_lock(root):
        t = time.perf_counter()
        ingested = ingest_corpus(corpus, settings, progress=lambda files: progress.track(files, "Reading documents"))
        timings["ingest"] = time.perf_counter() - t
        if not ingested.documents:
            reasons = "; ".join(f"{s.path}: {s.reason}" for s in ingested.skipped) or f"no files in {corpus}"
            raise BuildError(f"no document could be read ({reasons}); the knowledge base is unchanged")
        with new_version(root) as version:
            t = time.perf_counter()
            write_corpus(version, ingested.documents, ingested.chunks)
            timings["store"] = time.perf_counter() - t
            index = build_indexes(version, ingested.chunks, settings, progress)
            timings.update(embed=index.seconds_embed, index=index.seconds_dense + index.seconds_lexical)
            stats = {"encoded": index.encoded, "dense_index": index.dense_kind}
            write_json(version / "manifest.json", _manifest(ingested, settings, timings, stats))
    return BuildReport(version=root, documents=len(ingested.documents), chunks=len(ingested.chunks),
                       skipped=ingested.skipped, warnings=ingested.warnings, timings=timings, stats=stats)


def _manifest(ingested: IngestResult, settings: Settings, timings: dict[str, float], stats: dict) -> dict:
    return {
        "kg_version": __version__,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": {k: settings.values[k] for k in (
            "embedding_model", "chunk_target_words", "chunk_max_words", "chunk_overlap_words")},
        "inputs": {d.doc: d.sha256 for d in ingested.documents},
        "counts": {
            "documents": len(ingested.documents),
            "chunks": len(ingested.chunks),
            "sections": sum(len(d.sections) for d in ingested.documents),
            "words": sum(len(d.text.split()) for d in ingested.documents),
        },
        "index": stats,
        "skipped": [{"path": s.path, "reason": s.reason} for s in ingested.skipped],
        "warnings": ingested.warnings,
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }
