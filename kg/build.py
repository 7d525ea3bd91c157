"""Build a knowledge base from a corpus folder, atomically: ingest → index → extract → graph."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kg import __version__
from kg.config import Settings, load_settings
from kg.documents import Chunk, Document, SkippedFile
from kg.errors import BuildError
from kg.extract import extract_findings
from kg.extract.findings import Findings
from kg.extract.tallies import summarise
from kg.graph import write_store
from kg.graph.build import NTriplesSink, build_graph, chunk_links
from kg.index import build_indexes, cache_path
from kg.index.embed import EmbeddingCache, Embedder, embed_with_cache
from kg.ingest import IngestResult, ingest_corpus
from kg.kb import (keep_originals, new_version, write_chunk_links, write_corpus, write_findings, write_json,
                   write_summaries, writer_lock)
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


def cached_similarity(settings: Settings, chunks: Sequence[Chunk] | None = None,
                      chunk_vectors: np.ndarray | None = None):
    """`similarity(texts, others)` for extraction, reusing (and filling) the embedding cache.

    Args:
        settings: the embedding model and cache folder.
        chunks: the build's chunks, with `chunk_vectors` (rows aligned): when `texts` are exactly these
            chunks' embedding texts, their vectors are used as they are instead of read back from the cache.
        chunk_vectors: the vectors just written for `chunks` (e.g. vectors.npy memory-mapped).
    """
    embedder = Embedder(settings.embedding_model, settings.embedding_batch_size)

    def similarity(texts: Sequence[str], others: Sequence[str]) -> np.ndarray:
        cache = EmbeddingCache(cache_path(settings))
        try:
            # Reading a million chunk vectors back from SQLite took minutes and a second copy in memory.
            if chunk_vectors is not None and chunks is not None and len(texts) == len(chunks) \
                    and all(t == c.embedding_text() for t, c in zip(texts, chunks)):
                left = chunk_vectors
            else:
                left, _ = embed_with_cache(embedder, list(texts), cache)
            right, _ = embed_with_cache(embedder, list(others), cache)
        finally:
            cache.close()
        return left @ right.T

    return similarity


def write_graph_stage(version: Path, documents: Sequence[Document], chunks: Sequence[Chunk], findings: Findings,
                      timings: dict[str, float], settings: Settings) -> dict[str, int]:
    """Write the findings (JSON Lines), the Oxigraph store and the chunk links of one version."""
    t = time.perf_counter()
    # Streamed to a file and bulk-loaded, so graph size is bounded by disk, not memory.
    ntriples = version / "graph.nt"
    sink = NTriplesSink(ntriples)
    summaries = summarise(findings, {d.doc: d.date for d in documents})
    try:
        build_graph(documents, chunks, findings, sink=sink, summaries=summaries)
    finally:
        sink.close()
    triples = write_store(version, ntriples)
    if settings.graph_store == "remote":
        from kg.graph.remote_backend import RemoteBackend

        RemoteBackend.from_settings(settings).push(ntriples)  # a failed push fails the build: nothing published
    ntriples.unlink()
    rows = {c.chunk_id: i for i, c in enumerate(chunks)}
    write_chunk_links(version, [(rows[cid], kind, ident) for cid, kind, ident in chunk_links(findings) if cid in rows])
    write_findings(version, findings, {d.doc: d.date for d in documents})
    write_summaries(version, summaries)
    timings["graph"] = time.perf_counter() - t
    return {"triples": triples, "reviews": len(findings.reviews), "actions": len(findings.actions),
            "review_themes": len(findings.review_themes), "theme_mentions": len(findings.theme_mentions),
            "organisations": sum(1 for o in findings.organisations if o.mentions)}


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
    with writer_lock(root):
        t = time.perf_counter()
        ingested = ingest_corpus(corpus, settings, progress=lambda files: progress.track(files, "Reading documents"))
        timings = {"ingest": time.perf_counter() - t}
        if not ingested.documents:
            reasons = "; ".join(f"{s.path}: {s.reason}" for s in ingested.skipped) or f"no files in {corpus}"
            raise BuildError(f"no document could be read ({reasons}); the knowledge base is unchanged")
        return write_version(root, ingested, settings, progress, timings)


def write_version(root: Path, ingested: IngestResult, settings: Settings, progress: Progress,
                  timings: dict[str, float] | None = None, vectors: np.ndarray | None = None) -> BuildReport:
    """Write a complete new version from documents and chunks, and publish it.

    Embeddings come from the cache where the text is unchanged, so only new text is encoded;
    indexes, findings and the graph are derived afresh, so nothing of a replaced or removed
    document can linger. The caller holds the writer lock.

    Args:
        vectors: precomputed chunk vectors (rows aligned with `ingested.chunks`) used instead of
            embedding, e.g. by the scale benchmark, where encoding a million chunks would take a day.
    """
    timings = dict(timings or {})
    with new_version(root) as version:
        t = time.perf_counter()
        write_corpus(version, ingested.documents, ingested.chunks)
        keep_originals(root, ingested.documents, ingested.sources)
        timings["store"] = time.perf_counter() - t
        index = build_indexes(version, ingested.chunks, settings, progress, vectors=vectors)  # vectors: scale benchmark hook
        vectors = None  # the rows are in vectors.npy now; do not hold them through extraction
        timings.update(embed=index.seconds_embed, index=index.seconds_dense + index.seconds_lexical)
        progress.note("Extracting reviews, themes, actions and organisations")
        t = time.perf_counter()
        # The chunk vectors just written, memory-mapped: extraction's theme similarity needs no cache read-back.
        chunk_vectors = np.load(version / "vectors.npy", mmap_mode="r")
        similarity = cached_similarity(settings, ingested.chunks, chunk_vectors)
        findings = extract_findings(ingested.documents, ingested.chunks, similarity=similarity, settings=settings)
        timings["extract"] = time.perf_counter() - t
        progress.note("Writing the knowledge graph")
        stats: dict[str, object] = {"encoded": index.encoded, "dense_index": index.dense_kind}
        stats.update(write_graph_stage(version, ingested.documents, ingested.chunks, findings, timings, settings))
        write_json(version / "manifest.json", _manifest(ingested, settings, timings, stats))
    return BuildReport(version=root, documents=len(ingested.documents), chunks=len(ingested.chunks),
                       skipped=ingested.skipped, warnings=ingested.warnings, timings=timings, stats=stats)


def _manifest(ingested: IngestResult, settings: Settings, timings: dict[str, float], stats: dict) -> dict:
    return {
        "kg_version": __version__,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": {k: settings.values[k] for k in (
            "embedding_model", "chunk_target_words", "chunk_max_words", "chunk_overlap_words", "theme_similarity",
            "review_theme_similarity")},
        "inputs": {d.doc: d.sha256 for d in ingested.documents},
        "counts": {
            "documents": len(ingested.documents),
            "chunks": len(ingested.chunks),
            "sections": sum(len(d.sections) for d in ingested.documents),
            "words": sum(len(d.text.split()) for d in ingested.documents),
        },
        "index": {k: stats[k] for k in ("encoded", "dense_index")},
        "graph": {k: v for k, v in stats.items() if k not in ("encoded", "dense_index")},
        "skipped": [{"path": s.path, "reason": s.reason} for s in ingested.skipped],
        "warnings": ingested.warnings,
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }
