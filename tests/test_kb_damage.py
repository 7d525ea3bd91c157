"""A knowledge-base file cut short: every command says which file and that `kg build` repairs it, in one line,
and the JSON API answers with a JSON error, never a traceback or a bare 500."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from kg.kb import current_version

DAMAGEABLE = ["corpus.sqlite", "manifest.json", "findings.sqlite", "dense/dense.faiss", "bm25/params.index.json"]


@pytest.fixture(scope="module")
def damaged_copies(kb_settings, tmp_path_factory):
    """One copy of the corpus knowledge base per file, with that file cut to half its length."""
    copies = {}
    for name in DAMAGEABLE:
        root = tmp_path_factory.mktemp("damaged") / "kb"
        shutil.copytree(kb_settings.kb, root, ignore=shutil.ignore_patterns("cache", "write.lock"))
        target = current_version(root) / name
        with target.open("r+b") as handle:
            handle.truncate(target.stat().st_size // 2)
        copies[name] = root
    return copies


def run_kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, env=os.environ)


@pytest.mark.parametrize("name", DAMAGEABLE)
def test_search_names_the_damaged_file_in_one_line(damaged_copies, name):
    proc = run_kg("search", "information sharing", "--kb", str(damaged_copies[name]), "--mode",
                  "bm25" if name != "dense/dense.faiss" else "dense")
    if name == "findings.sqlite" and proc.returncode == 0:
        return  # search does not read the findings; `ask` and `stats` do (below)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    (line,) = [x for x in proc.stderr.splitlines() if x.strip()]
    shown = "bm25" if name.startswith("bm25/") else name  # the lexical index is one folder of files
    assert f"file {shown} is damaged or incomplete" in line and "kg build --kb" in line


@pytest.mark.parametrize("name", ["corpus.sqlite", "manifest.json", "findings.sqlite"])
def test_stats_and_ask_name_the_damaged_file(damaged_copies, name):
    for command in (("stats",), ("ask", "what was learned about information sharing?")):
        proc = run_kg(*command, "--kb", str(damaged_copies[name]))
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, (command, proc.stderr[-1500:])
        assert f"{name} is damaged or incomplete" in proc.stderr


def test_json_api_answers_a_damaged_knowledge_base_with_a_json_503(damaged_copies):
    from fastapi.testclient import TestClient

    from kg.config import load_settings
    from kg.server import create_app

    settings = load_settings(kb=str(damaged_copies["bm25/params.index.json"]))
    client = TestClient(create_app(settings, with_ui=False), base_url="http://127.0.0.1")
    response = client.get("/api/search", params={"q": "information sharing", "mode": "bm25"})
    assert response.status_code == 503
    assert "damaged or incomplete" in response.json()["error"]


def test_adding_to_a_knowledge_base_with_damaged_findings_names_the_file_and_keeps_the_live_version(
        damaged_copies, tmp_path):
    root = damaged_copies["findings.sqlite"]
    live = current_version(root)
    report = tmp_path / "new-review.md"
    report.write_text("# Learning review\n\nThe review found that information sharing between the GP and the "
                      "school was poor. The partnership has since updated its escalation policy.\n", encoding="utf-8")
    proc = run_kg("add", str(report), "--no-copy", "--kb", str(root))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-1500:]
    assert "findings.sqlite is damaged or incomplete" in proc.stderr
    assert current_version(root) == live
