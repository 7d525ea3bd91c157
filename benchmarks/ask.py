"""ask() and the SPARQL endpoint: evidence quality on the dev questions, theme coverage, and latency.

    python benchmarks/ask.py       # builds a knowledge base, prints the tables, updates benchmarks/RESULTS.md

Scores come from the gold set's own scorer (kg's scorer (kg/evaluate.py) ask). A theme
question "names every gold review" when the answer text contains the label of each
dev review that the gold set links to the question's theme.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from common import GOLD, ROOT, machine, markdown_table, p50, percentile, scorer, write_section

from kg.build import build_knowledge_base
from kg.config import load_settings
from kg.kb import KnowledgeBase
from kg.query.ask import Asker
from kg.query.sparql import example_queries

sys.path.insert(0, str(ROOT / "tests"))
from server import running_server  # noqa: E402  (the tests' own way of starting `kg serve`)


def gold_theme_of(question: str, gold: dict, score) -> str | None:
    """The gold theme a theme question is about: the one whose label or alternative label it contains."""
    text = f" {score.norm(question)} "
    for theme in gold["themes"]:
        for name in [theme["label"], theme["id"].replace("-", " "), *theme.get("alt_labels", [])]:
            if len(score.norm(name)) > 2 and f" {score.norm(name)} " in text:
                return theme["id"]
    return None


def main() -> int:
    gold = json.loads((GOLD / "dev.json").read_text(encoding="utf-8"))
    score = scorer()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(kb=str(Path(folder) / "kb"))
        build_knowledge_base(ROOT / "corpus", settings)
        kb = KnowledgeBase(settings.kb)
        asker = Asker(kb, settings)
        asker.ask("warm up")
        runs, latencies = [], []
        for query in gold["queries"]:
            start = time.perf_counter()
            answer = asker.ask(query["q"])
            latencies.append(time.perf_counter() - start)
            runs.append(answer.to_dict())
        for _ in range(2):
            for query in gold["queries"]:
                start = time.perf_counter()
                asker.ask(query["q"])
                latencies.append(time.perf_counter() - start)
        hit = score.score_ask(runs, gold)["evidence_hit@5"]

        theme_rows, named = [], 0
        theme_questions = [q for q in gold["queries"] if q["kind"] == "theme"]
        for query, run in zip(gold["queries"], runs):
            if query["kind"] != "theme":
                continue
            theme = gold_theme_of(query["q"], gold, score)
            expected = sorted(r["label"] for r in gold["reviews"] if theme and theme in r["themes"])
            missing = [label for label in expected if label not in run["answer"]]
            named += not missing
            theme_rows.append([query["q"][:70], theme or "—", ", ".join(expected) or "—", ", ".join(missing) or "none"])

        http_rows = []
        with running_server(settings.kb) as base:
            for example in example_queries():
                url = base + "/sparql?" + urllib.parse.urlencode({"query": example.text})
                times = []
                for _ in range(6):
                    start = time.perf_counter()
                    with urllib.request.urlopen(urllib.request.Request(
                            url, headers={"Accept": "application/sparql-results+json"})) as response:
                        rows = len(json.loads(response.read())["results"]["bindings"])
                    times.append(time.perf_counter() - start)
                http_rows.append([example.name, rows, f"{p50(times[1:]) * 1000:.1f}", f"{times[0] * 1000:.1f}"])

    summary = markdown_table(["measure", "value", "target"], [
        ["dev questions with a gold passage in the top-5 evidence", f"{hit:.3f}", "≥ 0.85"],
        ["theme questions naming every gold review for the theme", f"{named}/{len(theme_questions)} = "
                                                                   f"{named / len(theme_questions):.3f}", "≥ 0.80"],
        ["ask latency warm p50 / p95 (ms)", f"{p50(latencies) * 1000:.0f} / {percentile(latencies, 95) * 1000:.0f}",
         "p50 ≤ 300"],
        ["questions", len(gold["queries"]), ""],
    ])
    themes = markdown_table(["theme question", "gold theme", "gold reviews", "missing from the answer"], theme_rows)
    http = markdown_table(["example query over HTTP", "rows", "warm p50 ms", "first call ms"], http_rows)
    print(summary, themes, http, sep="\n\n")
    write_section("ask", f"""## Ask and SPARQL over HTTP (benchmarks/ask.py)

{len(gold['queries'])} dev questions, evidence scored with `kg's scorer (kg/evaluate.py) ask`. Machine: {machine()}.
Run: `python benchmarks/ask.py`.

{summary}

{themes}

SPARQL example queries through `kg serve` (`GET /sparql`, JSON results):

{http}
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
