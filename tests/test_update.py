"""kg add / kg remove: incremental, idempotent, clean replacement, bad input refused, crash-safe, locked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.build import build_knowledge_base
from kg.config import load_settings
from kg.index.segments import open_segments
from kg.kb import KnowledgeBase, writer_lock
from kg.query.search import Searcher
from kg.query.sparql import SparqlService

from conftest import CORPUS, DATA, build_from, working_copy
from server import running_server

SMALL = ["001_6586b5ec950e0cc1.txt", "002_fb9ccec1ca702fdd.txt"]
REVIEW_V1 = """# Learning review: Child Q

Northshire Safeguarding Children Partnership published a local child safeguarding practice review
entitled 'Child Q' in March 2024. Learning themes: information sharing and professional curiosity.

## Evidence of putting learning into practice

The Partnership has introduced the Zephyr escalation protocol for all health visitors, and GP practices
have developed a new information sharing form as a result of learning from the Child Q review.
"""
REVIEW_V2 = REVIEW_V1.replace("Zephyr", "Quasar")


def run_kg(*args, env=None):
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def small_kb_built(tmp_path_factory):
    """A knowledge base of two real documents and its corpus folder, built once for the module."""
    return build_from(tmp_path_factory.mktemp("small"), [CORPUS / name for name in SMALL])


@pytest.fixture()
def small_kb(small_kb_built, tmp_path):
    """A fresh copy of the two-document knowledge base, its corpus folder alongside, for one test to change."""
    return working_copy(small_kb_built, tmp_path)


def graph_count(settings, query: str) -> int:
    service = SparqlService(settings.kb, settings)
    try:
        return int(service.run(query).rows[0][0])
    finally:
        service.close()


def snapshot(settings) -> dict:
    kb = KnowledgeBase(settings.kb)
    counts = {
        "documents": len(kb.documents()),
        "chunks": kb.chunk_count(),
        "vectors": open_segments(kb.path).size,  # live vectors in every segment
        "triples": kb.manifest["graph"]["triples"],
        "version": kb.version.name,
    }
    kb.close()
    return counts


def test_add_then_add_again_changes_nothing(small_kb, tmp_path):
    new = tmp_path / "child-q.md"
    new.write_text(REVIEW_V1, encoding="utf-8")
    from kg.update import add_documents

    assert add_documents([new], small_kb).added == ["child-q.md"]  # the library call; the CLI's words below
    before = snapshot(small_kb)
    assert before["documents"] == 3 and before["vectors"] == before["chunks"]
    second = run_kg("add", str(new), "--kb", small_kb.kb, "--corpus", small_kb.corpus)
    assert second.returncode == 0 and "unchanged child-q.md" in second.stdout
    assert snapshot(small_kb) == before  # not even a new version
    assert (Path(small_kb.corpus) / "child-q.md").read_text(encoding="utf-8") == REVIEW_V1


def test_added_document_is_searchable_and_in_the_graph(small_kb, tmp_path):
    new = tmp_path / "child-q.md"
    new.write_text(REVIEW_V1, encoding="utf-8")
    report = run_kg("add", str(new), "--title", "Child Q learning review", "--date", "2024-03-01",
                    "--kb", small_kb.kb, "--corpus", small_kb.corpus)
    assert report.returncode == 0, report.stderr
    kb = KnowledgeBase(small_kb.kb)
    assert kb.document_info("child-q.md").title == "Child Q learning review"
    assert kb.document_info("child-q.md").date == "2024-03-01"
    results = Searcher(kb, small_kb).search("Zephyr escalation protocol", k=3)
    assert results[0].doc == "child-q.md"
    assert graph_count(small_kb, 'SELECT (COUNT(*) AS ?n) WHERE { ?r a kg:CaseReview ; skos:prefLabel "Child Q" }') == 1
    # The metadata went into the corpus manifest, so a rebuild keeps it.
    assert "Child Q learning review" in (Path(small_kb.corpus) / "manifest.csv").read_text(encoding="utf-8")
    stats = run_kg("stats", "--kb", small_kb.kb)
    chunks = kb.document_info("child-q.md").chunks
    expected = f"changed in place: {chunks} chunk{'s' if chunks > 1 else ''} in the delta segment, 0 removed chunks"
    assert expected in " ".join(stats.stdout.split()), stats.stdout


def test_changed_file_replaces_its_old_version_cleanly(small_kb, tmp_path):
    path = tmp_path / "child-q.md"
    path.write_text(REVIEW_V1, encoding="utf-8")
    from kg.update import add_documents

    assert add_documents([path], small_kb).added == ["child-q.md"]
    path.write_text(REVIEW_V2, encoding="utf-8")
    replaced = run_kg("add", str(path), "--kb", small_kb.kb, "--corpus", small_kb.corpus)
    assert "replaced child-q.md" in replaced.stdout
    after = snapshot(small_kb)
    # No orphans: the same counts as a fresh build of the same documents.
    fresh = load_settings(kb=str(tmp_path / "fresh"), corpus=small_kb.corpus)
    build_knowledge_base(small_kb.corpus, fresh)
    assert {k: v for k, v in after.items() if k != "version"} == \
        {k: v for k, v in snapshot(fresh).items() if k != "version"}
    kb = KnowledgeBase(small_kb.kb)
    assert not any("Zephyr" in c.text for c in kb.iter_chunks())
    assert graph_count(small_kb, 'SELECT (COUNT(*) AS ?n) WHERE { ?c kg:text ?t FILTER(CONTAINS(?t, "Zephyr")) }') == 0
    assert graph_count(small_kb, 'SELECT (COUNT(*) AS ?n) WHERE { ?q oa:exact ?t FILTER(CONTAINS(?t, "Zephyr")) }') == 0
    assert graph_count(small_kb, 'SELECT (COUNT(*) AS ?n) WHERE { ?c kg:text ?t FILTER(CONTAINS(?t, "Quasar")) }') >= 1


def test_remove_leaves_no_trace_and_keeps_the_file_aside(small_kb):
    target = "002_fb9ccec1ca702fdd.txt"
    proc = run_kg("remove", target, "--kb", small_kb.kb, "--corpus", small_kb.corpus)
    assert proc.returncode == 0, proc.stderr
    counts = snapshot(small_kb)
    assert counts["documents"] == 1 and counts["vectors"] == counts["chunks"]
    kb = KnowledgeBase(small_kb.kb)
    assert all(c.doc != target for c in kb.iter_chunks())
    assert graph_count(small_kb, f'SELECT (COUNT(*) AS ?n) WHERE {{ ?d kg:fileName "{target}" }}') == 0
    assert graph_count(small_kb, 'SELECT (COUNT(*) AS ?n) WHERE { ?t oa:hasSource ?d . '
                                 'FILTER NOT EXISTS { ?d a kg:Document } }') == 0
    assert not (Path(small_kb.corpus) / target).exists()
    assert (Path(small_kb.corpus) / ".removed" / target).is_file()
    unknown = run_kg("remove", "no-such.pdf", "--kb", small_kb.kb, "--corpus", small_kb.corpus)
    assert unknown.returncode == 1 and "no-such.pdf: no document with this id" in unknown.stderr
    last = run_kg("remove", "001_6586b5ec950e0cc1.txt", "--kb", small_kb.kb, "--corpus", small_kb.corpus)
    assert last.returncode == 1 and "empty" in last.stderr


def make_encrypted_pdf(path: Path) -> None:
    from pypdf import PdfWriter
    from reportlab.pdfgen import canvas

    plain = path.with_suffix(".plain.pdf")
    pdf = canvas.Canvas(str(plain))
    pdf.drawString(72, 720, "A confidential review.")
    pdf.save()
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="secret", owner_password="owner")
    with path.open("wb") as handle:
        writer.write(handle)
    plain.unlink()


def test_bad_files_each_get_one_line_and_the_rest_are_added(small_kb, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "empty.txt").write_bytes(b"")
    (batch / "junk.pdf").write_bytes(os.urandom(4096))
    make_encrypted_pdf(batch / "locked.pdf")
    (batch / "broken.docx").write_bytes(b"PK\x03\x04" + os.urandom(500))
    with (batch / "huge.txt").open("wb") as handle:
        for _ in range(50):
            handle.write(b"safeguarding " * 80_000 + b"\n")  # ~50 MB
    (batch / "latin1 notes ‘v2’ – é.txt").write_bytes(
        "Renée's review: the café meeting agreed an escalation protocol.".encode("cp1252"))
    (batch / "-leading-dash.md").write_text("# Child R\n\nThe Partnership launched a new bruising protocol.\n",
                                            encoding="utf-8")
    (batch / "script and sparql.txt").write_text(
        "Notes quoting <script>alert('x')</script> and DROP ALL; SELECT * WHERE { ?s ?p ?o } verbatim.",
        encoding="utf-8")
    proc = run_kg("add", str(batch), "--kb", small_kb.kb, "--corpus", small_kb.corpus)
    assert proc.returncode == 1
    refused = [line for line in proc.stderr.splitlines() if line.startswith("refused:")]
    reasons = {Path(line.split(": ", 2)[1]).name: line.split(": ", 2)[2] for line in refused}
    assert set(reasons) == {"empty.txt", "junk.pdf", "locked.pdf", "broken.docx", "huge.txt"}
    assert "empty" in reasons["empty.txt"]
    assert "not a PDF" in reasons["junk.pdf"] or "corrupt" in reasons["junk.pdf"]
    assert "encrypted" in reasons["locked.pdf"]
    assert "Word document" in reasons["broken.docx"]
    assert "over the 20 MB limit" in reasons["huge.txt"]
    assert "read as Windows-1252" in proc.stderr
    kb = KnowledgeBase(small_kb.kb)
    docs = {d.doc for d in kb.documents()}
    assert {"latin1 notes ‘v2’ – é.txt", "-leading-dash.md", "script and sparql.txt"} <= docs
    assert "Renée's review" in kb.document("latin1 notes ‘v2’ – é.txt").text
    text = kb.document("script and sparql.txt").text
    assert "<script>alert('x')</script>" in text and "DROP ALL;" in text
    # The SPARQL-looking text is data: the graph still answers and still holds everything.
    assert graph_count(small_kb, "SELECT (COUNT(*) AS ?n) WHERE { ?d a kg:Document }") == len(docs)


def _run_and_kill_when(args: list[str], marker: str | None, delay: float = 0.0) -> int:
    """Start `kg …`, SIGKILL it once `marker` appears on stderr (or after `delay` with no marker)."""
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", *args], stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True)
    if marker is None:
        time.sleep(delay)
    else:
        for line in process.stderr:
            if marker in line:
                time.sleep(delay)
                break
    process.send_signal(signal.SIGKILL)
    return process.wait()


@pytest.mark.parametrize("marker, delay", [
    (None, 1.5),                                # while starting up and reading
    ("Embedding chunks", 0.0),                  # while encoding
    ("Extracting reviews", 0.0),                # while extracting
    ("Writing the knowledge graph", 0.3),       # while writing the graph, close to publishing
])
def test_a_killed_add_leaves_the_previous_knowledge_base_intact(small_kb, tmp_path, marker, delay):
    before = snapshot(small_kb)
    new = tmp_path / "child-q.md"
    new.write_text(REVIEW_V1 * 30, encoding="utf-8")  # long enough to be caught mid-way
    code = _run_and_kill_when(["add", str(new), "--kb", small_kb.kb, "--corpus", small_kb.corpus], marker, delay)
    after = snapshot(small_kb)
    if after["version"] != before["version"]:
        # Killed after publishing: then the new version must be complete.
        assert after["documents"] == 3 and after["vectors"] == after["chunks"]
    else:
        assert code == -signal.SIGKILL
        assert after == before
    kb = KnowledgeBase(small_kb.kb)
    assert Searcher(kb, small_kb).search("family services quarterly update", k=1)
    # The next writer cleans up and succeeds.
    retry = run_kg("add", str(new), "--kb", small_kb.kb, "--corpus", small_kb.corpus)
    assert retry.returncode == 0, retry.stderr
    assert not list((Path(small_kb.kb) / "versions").glob("*.partial"))


def test_a_second_writer_is_refused_while_one_holds_the_lock(small_kb, tmp_path):
    new = tmp_path / "child-q.md"
    new.write_text(REVIEW_V1, encoding="utf-8")
    with writer_lock(Path(small_kb.kb)):
        proc = run_kg("add", str(new), "--kb", small_kb.kb, "--corpus", small_kb.corpus)
    assert proc.returncode == 1 and "another kg process is writing" in proc.stderr
    assert snapshot(small_kb)["documents"] == 2


def test_serve_keeps_answering_during_an_add_and_picks_up_the_new_version(small_kb, tmp_path):
    new = tmp_path / "child-q.md"
    new.write_text(REVIEW_V1, encoding="utf-8")

    def search(base: str, q: str) -> list[dict]:
        with urllib.request.urlopen(f"{base}/api/search?{urllib.parse.urlencode({'q': q, 'k': 3})}", timeout=30) as r:
            return json.loads(r.read())["results"]

    with running_server(small_kb.kb) as base:
        assert search(base, "Zephyr escalation protocol")[0]["doc"] != "child-q.md"
        statuses: list[int] = []
        done = threading.Event()

        def poll():
            while not done.is_set():
                with urllib.request.urlopen(f"{base}/api/search?q=quarterly+update&k=2", timeout=30) as r:
                    statuses.append(r.status)
                time.sleep(0.2)

        poller = threading.Thread(target=poll)
        poller.start()
        proc = run_kg("add", str(new), "--kb", small_kb.kb, "--corpus", small_kb.corpus)
        done.set()
        poller.join()
        assert proc.returncode == 0, proc.stderr
        assert statuses and set(statuses) == {200}
        assert search(base, "Zephyr escalation protocol")[0]["doc"] == "child-q.md"
        with urllib.request.urlopen(base + "/sparql?" + urllib.parse.urlencode(
                {"query": 'ASK { ?r skos:prefLabel "Child Q" }'}), timeout=30) as r:
            assert json.loads(r.read())["boolean"] is True
        # The added report downloads as it was read; an unknown document is a plain 404.
        with urllib.request.urlopen(f"{base}/documents/child-q.md/original", timeout=30) as r:
            assert r.read() == REVIEW_V1.encode("utf-8")
            assert 'filename="child-q.md"' in r.headers["content-disposition"]
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{base}/documents/no-such.pdf/original", timeout=30)
        assert missing.value.code == 404 and b"no such document" in missing.value.read()


def test_northshire_report_adds_into_the_barnet_knowledge_base(small_kb):
    proc = run_kg("add", str(DATA / "northshire_cspr_summary.md"), "--kb", small_kb.kb, "--corpus", small_kb.corpus)
    assert proc.returncode == 0, proc.stderr
    assert graph_count(small_kb, "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a kg:Action ; kg:respondsTo ?r }") >= 3


def _limit_file_size() -> None:  # runs in the child: writes past 20 kB fail with EFBIG, as a full disk fails them
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # an in-place add writes little


def test_a_write_that_fails_midway_is_one_line_and_the_previous_version_stays_live(small_kb, tmp_path):
    before = snapshot(small_kb)
    new = tmp_path / "child-q.md"
    new.write_text(REVIEW_V1, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "add", str(new), "--kb", small_kb.kb, "--no-copy"],
                          capture_output=True, text=True, preexec_fn=_limit_file_size)
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "the previous version is still live" in errors[0], proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert snapshot(small_kb) == before
    assert not [p for p in (Path(small_kb.kb) / "versions").iterdir() if p.name.endswith(".partial")]


def test_a_knowledge_base_that_cannot_be_written_is_one_line(small_kb, tmp_path):
    before = snapshot(small_kb)
    lock = Path(small_kb.kb) / "write.lock"
    lock.unlink(missing_ok=True)
    lock.mkdir()  # the lock file cannot be created: as on a read-only share
    new = tmp_path / "child-q.md"
    new.write_text(REVIEW_V1, encoding="utf-8")
    proc = run_kg("add", str(new), "--kb", small_kb.kb, "--no-copy")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "cannot write to the knowledge base" in proc.stderr and "nothing was changed" in proc.stderr
    assert snapshot(small_kb) == before


def test_add_to_a_missing_knowledge_base_creates_nothing_and_a_missing_file_is_reported_once(small_kb, tmp_path):
    new = tmp_path / "child-q.md"
    new.write_text(REVIEW_V1, encoding="utf-8")
    missing = tmp_path / "no-such-kb"
    proc = run_kg("add", str(new), "--kb", str(missing), "--no-copy")
    assert proc.returncode == 1 and "no knowledge base at" in proc.stderr and "kg build" in proc.stderr
    assert not missing.exists()
    proc = run_kg("add", str(tmp_path / "nowhere.pdf"), "--kb", small_kb.kb, "--no-copy")
    assert proc.returncode == 1 and proc.stderr.count("nowhere.pdf") == 1


def test_originals_are_kept_as_read_and_go_once_no_kept_version_needs_them(small_kb, tmp_path):
    from kg.kb import ORIGINALS
    from kg.update import add_documents, remove_documents

    kb = KnowledgeBase(small_kb.kb)
    assert kb.original(SMALL[0]).read_bytes() == (CORPUS / SMALL[0]).read_bytes()
    assert kb.original(SMALL[0]).parent.name == ORIGINALS  # kept with the knowledge base, not the corpus folder
    kb.close()
    new = tmp_path / "child-q.md"
    new.write_text(REVIEW_V1, encoding="utf-8")
    add_documents([new], small_kb)
    first = KnowledgeBase(small_kb.kb).original("child-q.md")
    assert first.read_text(encoding="utf-8") == REVIEW_V1
    new.write_text(REVIEW_V2, encoding="utf-8")
    add_documents([new], small_kb)  # replaced: the new file is what downloads now
    assert KnowledgeBase(small_kb.kb).original("child-q.md").read_text(encoding="utf-8") == REVIEW_V2
    assert first.exists()  # the previous version a server may still be reading keeps its original
    remove_documents([SMALL[1]], small_kb)
    remove_documents(["child-q.md"], small_kb)
    assert not first.exists()  # no kept version lists the first file any more
    assert KnowledgeBase(small_kb.kb).original("child-q.md") is None
