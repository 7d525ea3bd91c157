"""Write a version as its parent changed by some documents: the cost is what the documents cost.

`kg add` and `kg remove` (kg/update.py) come here. The parent's files are shared (hard links, Oxigraph's
backup) and only the change is applied to each part:

    corpus.sqlite   shared, with the change in a delta beside it (kg/sqlite_layers.py): the changed
                    documents' rows gone and the new ones inserted (rows of kept chunks never change)
    indexes         the base segment shared, the delta rebuilt, removed rows listed (kg/index/segments.py)
    findings        shared with a delta likewise; only the new documents are extracted, the removed documents'
                    rows deleted and the new findings joined to the entities they name (kg/findings_store.py)
    graph           the triples of the entities the documents touch, before and after, deleted and inserted
                    (kg/graph/delta.py), and the corpus-wide tallies that changed
    summaries       the kept tallies behind the theme table, grid and years, with the rows the documents
                    affect recounted

An added document is extracted on its own: a review it names only through another document's name for it, or
an organisation recognised only from the wording of others, can differ from what a full `kg build` finds.
A build re-extracts everything together. The version is published atomically like a build's.

The SQLite deltas fold back into one file each when the index segments merge, so they stay a small fraction of
the corpus. What still grows with the corpus is the lookups by document and entity (benchmarks/RESULTS.md,
scale-change).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from kg import __version__, sqlite_layers
from kg.build import BuildReport, cached_similarity
from kg.config import Settings
from kg.documents import Chunk, Document, SkippedFile
from kg.extract import extract_findings
from kg.extract.findings import Findings, collection_paused
from kg.extract.tallies import summarise, tally_difference
from kg.findings_store import FINDINGS_STORE, FindingsStore
from kg.graph.build import GraphContext, chunk_links, tally_triples
from kg.graph.delta import apply_graph_change, graph_change
from kg.graph.layers import fold_entity_layer
from kg.graph.oxigraph_backend import STORE_DIR
from kg.index import cache_path, indexed_text
from kg.index.embed import EmbeddingCache, Embedder, embed_with_cache
from kg.index.segments import rows_used, update_segments
from kg.kb import (KnowledgeBase, change_corpus, findings_for_change, keep_originals, new_version, read_chunk_texts,
                   read_findings, read_summaries, reading, write_chunk_links, write_json, write_summaries)
from kg.progress import Progress

# Manifest settings that must match for a version to be changed in place rather than rebuilt.
_SAME_SETTINGS = ("embedding_model", "chunk_target_words", "chunk_max_words", "chunk_overlap_words",
                  "theme_similarity", "review_theme_similarity")


def why_not_in_place(kb: KnowledgeBase, settings: Settings) -> str | None:
    """Why the live version cannot be changed in place (then the change rebuilds from stored chunks), or None."""
    if kb.manifest.get("kg_version") != __version__:
        return f"it was built by kg {kb.manifest.get('kg_version')}"
    built = kb.manifest.get("settings", {})
    changed = [k for k in _SAME_SETTINGS if str(built.get(k)) != str(settings.values[k])]
    if changed:
        return f"settings changed since it was built ({', '.join(changed)})"
    if not all((kb.path / name).exists() for name in ("vectors.npy", "dense", "bm25", STORE_DIR, FINDINGS_STORE)):
        return "it lacks files an in-place change needs"
    return None


def write_change(kb: KnowledgeBase, removed: set[str], documents: list[Document], chunks: list[Chunk],
                 settings: Settings, progress: Progress, sources: dict[str, Path] | None = None,
                 skipped: list[SkippedFile] | None = None, warnings: list[str] | None = None) -> BuildReport:
    """Publish a new version: `kb`'s live version without `removed` documents and with `documents` added.

    A document both removed and added is replaced. The caller holds the writer lock and has checked
    `why_not_in_place`.
    """
    root, parent = kb.root, kb.path
    timings: dict[str, float] = {}
    changed = set(removed) | {d.doc for d in documents}
    with new_version(root) as version, collection_paused():  # one bounded job over every finding
        t = time.perf_counter()
        old_docs = [d for d in (kb.document(doc) for doc in sorted(removed)) if d is not None]
        old_chunks = [c for d in old_docs for c in kb.iter_chunks(d.doc)]
        removed_rows, added_rows = change_corpus(parent, version, removed, documents, chunks, rows_used(parent))
        keep_originals(root, documents, sources or {})
        timings["store"] = time.perf_counter() - t

        t = time.perf_counter()
        vectors, encoded = np.zeros((0, 0), dtype=np.float32), 0
        if chunks:
            embedder = Embedder(settings.embedding_model, settings.embedding_batch_size)
            cache = EmbeddingCache(cache_path(settings))
            try:
                vectors, encoded = embed_with_cache(embedder, [indexed_text(c) for c in chunks], cache,
                                                    progress=progress.track)
            finally:
                cache.close()
        timings["embed"] = time.perf_counter() - t

        progress.note("Updating the indexes")
        segments = update_segments(
            parent, version, np.asarray(removed_rows, dtype=np.int64), np.asarray(added_rows, dtype=np.int64),
            vectors, lambda rows: read_chunk_texts(version, rows), settings.ann_index, settings.ann_threshold,
            float(settings.index_merge_fraction), int(settings.index_merge_min),
            ef_search=settings.hnsw_ef_search, nprobe=settings.ivf_nprobe, rerank=settings.ivf_rerank)
        timings["index"] = segments.seconds

        progress.note("Extracting reviews, themes, actions and organisations from the new documents")
        t = time.perf_counter()
        added = None
        if documents:
            added = extract_findings(documents, chunks, similarity=cached_similarity(settings, chunks, vectors),
                                     settings=settings)
        dates = _document_dates(version)
        # A parent whose findings cannot be read is reported by name (the reason says when the disk is full).
        with reading(parent / FINDINGS_STORE), FindingsStore(parent / FINDINGS_STORE) as before, \
                findings_for_change(parent, version) as after:
            touched = before.touched(changed)
            dropped = after.apply_change(changed, added, dates)
            touched = after.touched(changed, touched)
            was, now = before.part(touched), after.part(touched)
            timings["extract"] = time.perf_counter() - t

            progress.note("Updating the knowledge graph")
            t = time.perf_counter()
            change = graph_change((was, GraphContext(*before.context(was))), (now, GraphContext(*after.context(now))),
                                  (old_docs, old_chunks), (documents, chunks),
                                  lambda doc: getattr(kb.document(doc), "text", None))
            kept = read_summaries(parent) or summarise(read_findings(parent), _document_dates(parent))
            themes, reviews, orgs = _affected(was, now, dropped)
            summaries = after.resummarise(kept, themes, reviews, orgs,
                                          before.mention_cells(changed) | after.mention_cells(changed),
                                          before.review_theme_sets(reviews))
            change.replace(*(tally_triples(s) for s in tally_difference(kept, summaries)))
            counts = _moved_counts(kb.manifest.get("graph", {}), before.counts(touched), after.counts(touched)) \
                or after.counts()
        previous_triples = int(kb.manifest.get("graph", {}).get("triples", 0))
        triples = apply_graph_change(parent, version, change, previous_triples)
        remote = None
        if settings.graph_store == "remote":  # the shared store follows: the change alone, or the whole graph
            from kg.graph.remote_backend import push_graph_change

            remote = push_graph_change(settings, version, change.deleted, change.inserted, previous_triples)
        rows = {c.chunk_id: r for c, r in zip(chunks, added_rows)}
        write_chunk_links(version, [(rows[cid], kind, ident) for cid, kind, ident in chunk_links(now) if cid in rows])
        write_summaries(version, summaries)
        timings["graph"] = time.perf_counter() - t
        if segments.merged:  # the SQLite deltas and the entity layer's fold back when the index segments do
            t = time.perf_counter()
            for name in ("corpus.sqlite", FINDINGS_STORE):
                sqlite_layers.fold(version / name)
            fold_entity_layer(version)
            timings["fold"] = time.perf_counter() - t

        stats = {"encoded": encoded, "dense_index": segments.dense_kind, "triples": triples, **counts}
        manifest = _manifest(kb, version, removed, documents, settings, timings, stats, skipped or [],
                             warnings or [])
        manifest["update"] = {"in_place": True, "parent": parent.name, "merged": segments.merged,
                              "delta_rows": segments.delta_rows, "deleted_rows": segments.deleted_rows,
                              "triples_deleted": len(change.deleted), "triples_inserted": len(change.inserted),
                              **({"remote_store": remote} if remote else {})}
        write_json(version / "manifest.json", manifest)
        counts = manifest["counts"]
    return BuildReport(version=root, documents=counts["documents"], chunks=counts["chunks"],
                       skipped=list(skipped or []), warnings=list(warnings or []), timings=timings, stats=stats)


def _document_dates(version: Path) -> dict[str, str | None]:
    db = sqlite_layers.connect(version / "corpus.sqlite")
    try:
        return dict(db.execute("SELECT doc, date FROM documents").fetchall())
    finally:
        db.close()


def _moved_counts(parent: dict, was: dict[str, int], now: dict[str, int]) -> dict[str, int] | None:
    """The parent's finding counts moved by what the change touched (None when the parent recorded none)."""
    if not all(isinstance(parent.get(k), int) for k in was):
        return None
    return {k: parent[k] - was[k] + now[k] for k in was}


def _affected(was: Findings, now: Findings, dropped: set[str]) -> tuple[set[str], set[str], set[str]]:
    """The themes, reviews and organisations whose tallies a change may alter: those the changed documents speak
    of, before and after, and the organisations it dropped."""
    themes, reviews, orgs = set(), set(), set(dropped)
    for part in (was, now):
        themes |= {link.theme for link in part.review_themes} | {m.theme for m in part.theme_mentions} \
            | {t for a in part.actions for t in a.themes}
        reviews |= {r.id for r in part.reviews} | {link.review for link in part.review_themes}
        orgs |= {o.id for o in part.organisations} | {o for a in part.actions for o in a.organisations}
    return themes, reviews, orgs


def _manifest(kb: KnowledgeBase, version: Path, removed: set[str], documents: list[Document], settings: Settings,
              timings: dict[str, float], stats: dict, skipped: list[SkippedFile], warnings: list[str]) -> dict:
    inputs = {doc: sha for doc, sha in kb.manifest.get("inputs", {}).items() if doc not in removed}
    inputs.update({d.doc: d.sha256 for d in documents})
    db = sqlite_layers.connect(version / "corpus.sqlite")
    try:
        docs, sections, words = db.execute(
            "SELECT COUNT(*), COALESCE(SUM(section_count), 0), COALESCE(SUM(words), 0) FROM documents").fetchone()
        chunks = sqlite_layers.count(db, "chunks")
    finally:
        db.close()
    return {
        "kg_version": __version__,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": kb.manifest.get("settings", {}),
        "inputs": dict(sorted(inputs.items())),
        "counts": {"documents": docs, "chunks": chunks, "sections": sections, "words": words},
        "index": {k: stats[k] for k in ("encoded", "dense_index")},
        "graph": {k: v for k, v in stats.items() if k not in ("encoded", "dense_index")},
        "skipped": [{"path": s.path, "reason": s.reason} for s in skipped],
        "warnings": warnings,
        "timings": {k: round(v, 3) for k, v in timings.items()},
    }
