"""`kg build` and `kg stats` on the real corpus."""

from __future__ import annotations

import json
import subprocess
import sys

from kg.kb import KnowledgeBase

from conftest import CORPUS


def test_build_writes_manifest_with_hashes_versions_and_counts(kb):
    manifest = kb.manifest
    assert manifest["kg_version"]
    assert set(manifest["inputs"]) == {p.name for p in CORPUS.glob("*.txt")}
    assert all(len(h) == 64 for h in manifest["inputs"].values())
    assert manifest["counts"]["documents"] == 5
    assert manifest["counts"]["chunks"] == kb.chunk_count() > 300
    assert manifest["skipped"] == []


def test_chunks_round_trip_through_the_store(kb, ingested):
    stored = list(kb.iter_chunks())
    assert [(c.chunk_id, c.start, c.end, c.section) for c in stored] == \
        [(c.chunk_id, c.start, c.end, c.section) for c in ingested.chunks]
    texts = {d.doc: kb.document(d.doc).text for d in kb.documents()}
    assert all(texts[c.doc][c.start:c.end] == c.text for c in stored), "every stored chunk is its document's slice"


def test_cli_build_and_stats(tmp_path):
    kb = tmp_path / "kb"
    build = subprocess.run([sys.executable, "-m", "kg.cli", "build", "--corpus", str(CORPUS), "--kb", str(kb)],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    assert "5 documents" in build.stdout
    stats = subprocess.run([sys.executable, "-m", "kg.cli", "stats", "--kb", str(kb)], capture_output=True, text=True)
    assert stats.returncode == 0
    for needle in ("004_46dafe67aed78039.txt", "2024-01-15", "meeting pack", "sections", "words", "skipped: none"):
        assert needle in stats.stdout
    manifest = json.loads((KnowledgeBase(kb).version / "manifest.json").read_text())
    assert f"chunks {manifest['counts']['chunks']:,}" in stats.stdout


def test_stats_without_a_kb_says_how_to_build_one(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "stats", "--kb", str(tmp_path / "none")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "no knowledge base" in proc.stderr and "kg build" in proc.stderr
