"""kg eval: the project's own scorer agrees with the gold set's reference scorer, and runs from the CLI."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from conftest import GOLD, ROOT
from kg import evaluate


@pytest.fixture(scope="module")
def reference():
    """The gold set's reference scorer, kept beside the gold in benchmarks/gold/."""
    spec = importlib.util.spec_from_file_location("reference_score", GOLD / "reference_score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def findings_export(corpus_findings):
    return corpus_findings.to_export()


def test_extraction_scores_agree_with_the_reference(findings_export, gold, reference):
    ours = evaluate.score_extraction(findings_export, gold)
    theirs = reference.score_extraction(findings_export, gold)
    assert set(ours) == set(theirs)
    for kind in theirs:
        assert ours[kind] == pytest.approx(theirs[kind]), kind


def test_search_scores_agree_with_the_reference(ingested, gold, reference):
    # A ranking that is right for some queries and wrong for others: chunks holding the gold quote first,
    # for every other query reversed.
    runs = []
    for i, query in enumerate(gold["queries"]):
        quotes = [evaluate.norm(p["quote"]) for p in query["relevant"]]
        ranked = sorted(ingested.chunks[:400] + [c for c in ingested.chunks if any(
            q in evaluate.norm(c.text) for q in quotes)], key=lambda c: not any(q in evaluate.norm(c.text) for q in quotes))
        if i % 2:
            ranked.reverse()
        runs.append({"query": query["q"], "results": [{"doc": c.doc, "text": c.text} for c in ranked[:10]]})
    ours = evaluate.score_search(runs, gold)
    theirs = reference.score_search(runs, gold)
    assert ours == pytest.approx(theirs)
    assert 0.3 < ours["recall@10"] < 0.9, "the ranking mixes hits and misses, so agreement means something"
    ask_runs = [{"question": r["query"], "evidence": r["results"]} for r in runs]
    assert evaluate.score_ask(ask_runs, gold)["evidence_hit@5"] == pytest.approx(reference._hit_share(ask_runs, gold))


def test_theme_level_actions_count_when_the_gold_lists_them(findings_export, gold):
    extended = dict(gold, actions=[{"text": "x", "quote": "a sentence no document contains at all",
                                    "file": "004_46dafe67aed78039.txt"}])
    plain = evaluate.score_extraction(findings_export, gold)["actions"]
    with_extra = evaluate.score_extraction(findings_export, extended)["actions"]
    assert with_extra["gold"] == plain["gold"] + 1
    assert with_extra["recall"] < plain["recall"]


def test_a_bad_gold_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "gold.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(evaluate.KgError, match="not JSON"):
        evaluate.load_gold(bad)
    bad.write_text(json.dumps({"hello": 1}), encoding="utf-8")
    with pytest.raises(evaluate.KgError, match="none of queries"):
        evaluate.load_gold(bad)


def test_kg_eval_scores_a_built_knowledge_base(kb_settings):
    proc = subprocess.run([sys.executable, "-m", "kg.cli", "eval", "--gold", str(GOLD / "dev.json"),
                           "--mode", "extraction", "--json", "--kb", kb_settings.kb],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["scores"]["reviews"]["recall"] == 1.0
    assert report["scores"]["actions"]["recall"] >= 0.95
    assert report["details"]["review_types"]["of"] >= 4


def test_findings_are_scored_on_the_gold_sets_own_documents(findings_export):
    restricted = evaluate.restrict_to_documents(findings_export, ["004_46dafe67aed78039.txt"])
    assert restricted["reviews"] and all("004_46dafe67aed78039.txt" in r["documents"] for r in restricted["reviews"])
    assert all(a["doc"] == "004_46dafe67aed78039.txt" for a in restricted["actions"])
    assert evaluate.restrict_to_documents(findings_export, ["another-area.md"])["reviews"] == []
    assert evaluate.restrict_to_documents(findings_export, []) is findings_export
