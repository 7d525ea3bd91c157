"""Bad input gets a clear reason naming the file, and the rest of the corpus still builds."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from kg.build import build_knowledge_base
from kg.config import load_settings
from kg.errors import BuildError, IngestError
from kg.ingest import ingest_corpus
from kg.ingest.readers import read_document
from kg.kb import KnowledgeBase

from conftest import CORPUS

BAD_FILES = {
    "empty.txt": (b"", "empty file"),
    "junk.txt": (bytes(range(256)) * 40, "binary content"),
    "notes.xyz": (b"some text", "unsupported file type '.xyz'"),
    "legacy.doc": (b"\xd0\xcf\x11\xe0 old word", "save it as .docx"),
    "fake.pdf": (b"this is not a pdf at all", "not a PDF"),
    "broken.docx": (b"PK\x03\x04 truncated zip", "Word document"),
    "blank.md": (b"   \n\n\t \n", "no text"),
}


@pytest.fixture()
def mixed_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "002_fb9ccec1ca702fdd.txt", corpus)
    for name, (data, _) in BAD_FILES.items():
        (corpus / name).write_bytes(data)
    return corpus


def test_each_bad_file_is_skipped_with_its_reason(mixed_corpus):
    result = ingest_corpus(mixed_corpus)
    assert [d.doc for d in result.documents] == ["002_fb9ccec1ca702fdd.txt"]
    reasons = {s.path: s.reason for s in result.skipped}
    assert set(reasons) == set(BAD_FILES)
    for name, (_, expected) in BAD_FILES.items():
        assert expected in reasons[name], (name, reasons[name])


def test_windows_1252_text_is_read_with_a_warning(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes("Children\u2019s services \u2013 an update on safeguarding.".encode("cp1252"))
    raw = read_document(path)
    assert "Children’s services – an update" in raw.text
    assert "not UTF-8" in raw.warnings[0] and "legacy.txt" in raw.warnings[0]


def test_oversized_file_is_refused_not_truncated(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"word " * 300_000)
    with pytest.raises(IngestError, match=r"huge.txt: 1.5 MB is over the 1 MB limit"):
        read_document(path, max_bytes=1_000_000)


def test_cli_build_reports_skips_and_exits_non_zero(mixed_corpus, tmp_path):
    kb = tmp_path / "kb"
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "build", "--corpus", str(mixed_corpus), "--kb", str(kb)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "skipped: empty.txt: empty file (0 bytes)" in proc.stderr
    assert "skipped: notes.xyz: unsupported file type" in proc.stderr
    stats = subprocess.run([sys.executable, "-m", "kg.cli", "stats", "--kb", str(kb)], capture_output=True, text=True)
    assert stats.returncode == 0
    assert "002_fb9ccec1ca702fdd.txt" in stats.stdout
    assert "skipped 7 file(s)" in stats.stdout and "junk.txt: binary content" in stats.stdout


def test_build_with_nothing_readable_leaves_previous_kb_intact(tmp_path, mixed_corpus):
    settings = load_settings(kb=str(tmp_path / "kb"))
    build_knowledge_base(mixed_corpus, settings)
    before = KnowledgeBase(settings.kb)
    bad_only = tmp_path / "bad"
    bad_only.mkdir()
    (bad_only / "empty.txt").write_bytes(b"")
    with pytest.raises(BuildError, match="empty.txt: empty file"):
        build_knowledge_base(bad_only, settings)
    after = KnowledgeBase(settings.kb)
    assert after.version == before.version
    assert [d.doc for d in after.documents()] == ["002_fb9ccec1ca702fdd.txt"]


def test_failure_mid_build_leaves_previous_kb_intact(tmp_path, mixed_corpus, monkeypatch):
    settings = load_settings(kb=str(tmp_path / "kb"))
    build_knowledge_base(mixed_corpus, settings)
    version = KnowledgeBase(settings.kb).version

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("kg.build.write_corpus", explode)
    with pytest.raises(BuildError, match="disk full.*the previous version is still live"):
        build_knowledge_base(CORPUS, settings)
    kb = KnowledgeBase(settings.kb)
    assert kb.version == version and kb.chunk_count() > 0
    leftovers = [p.name for p in (tmp_path / "kb" / "versions").iterdir() if p.name.endswith(".partial")]
    assert leftovers == []
