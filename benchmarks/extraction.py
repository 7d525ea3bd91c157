"""Extraction quality and speed: reviews, review→theme links, actions and organisations against the gold set.

Ingests corpus/, runs `extract_findings` with the real embedding model's similarity,
writes the findings JSON to a temporary file and scores it with the gold set's own
scorer (`kg's scorer (kg/evaluate.py) extraction FILE --json`); there is no second scorer.

    python benchmarks/extraction.py                    # prints the tables, updates benchmarks/RESULTS.md
    python benchmarks/extraction.py --no-embeddings    # labels only (seconds, not minutes)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from common import GOLD, ROOT, machine, markdown_table, peak_rss_mb, timer, write_section

from kg.config import load_settings
from kg.extract import extract_findings
from kg.ingest import ingest_corpus

CORPUS = ROOT / "corpus"
TARGETS = {
    "reviews": "P ≥ 0.95, R ≥ 0.95",
    "review_themes": "P ≥ 0.85, R ≥ 0.80",
    "actions": "P ≥ 0.70, R ≥ 0.75",
    "organisations": "R ≥ 0.90",
}


def score_findings(export: dict, gold: Path) -> dict:
    """Run the gold scorer on a findings JSON, exactly as a user would."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "findings.json"
        path.write_text(json.dumps(export), encoding="utf-8")
        result = subprocess.run([sys.executable, str(EVAL / "score.py"), "extraction", str(path), "--json",
                                 "--gold", str(gold)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-embeddings", action="store_true", help="theme mentions from labels only")
    parser.add_argument("--theme-threshold", type=float, default=None,
                        help="similarity threshold for embedding theme mentions (default: setting theme_similarity)")
    parser.add_argument("--gold", default=str(GOLD / "dev.json"))
    args = parser.parse_args(argv)

    settings = load_settings()
    threshold = args.theme_threshold if args.theme_threshold is not None else float(settings.theme_similarity)
    times: dict[str, float] = {}
    with timer(times, "ingest"):
        corpus = ingest_corpus(CORPUS, settings)
    similarity = None
    if not args.no_embeddings:
        from kg.index.embed import Embedder

        embedder = Embedder(settings.embedding_model, int(settings.embedding_batch_size))
        with timer(times, "model load"):
            embedder.encode(["warm up"])
        similarity = embedder.similarity
    with timer(times, "extraction"):
        findings = extract_findings(corpus.documents, corpus.chunks, similarity=similarity,
                                    theme_threshold=threshold)
    scores = score_findings(findings.to_export(), Path(args.gold))

    quality = markdown_table(
        ["kind", "P", "R", "F1", "predicted", "gold", "target"],
        [[kind, s["precision"], s["recall"], s["f1"], s["predicted"], s["gold"], TARGETS.get(kind, "")]
         for kind, s in scores.items()])
    methods = Counter(m.method for m in findings.theme_mentions)
    counts = markdown_table(["measure", "value"], [
        ["documents / chunks", f"{len(corpus.documents)} / {len(corpus.chunks)}"],
        ["reviews", len(findings.reviews)],
        ["review→theme links", len(findings.review_themes)],
        ["actions", len(findings.actions)],
        ["organisations (in gazetteer / detected)",
         f"{sum(o.in_gazetteer for o in findings.organisations if o.mentions)} / "
         f"{sum(not o.in_gazetteer for o in findings.organisations)}"],
        ["theme mentions (label / alt-label / embedding)",
         f"{methods['label']} / {methods['alt-label']} / {methods['embedding']}"],
        ["theme similarity threshold", "not used" if similarity is None else f"{threshold:.2f}"],
        ["ingest (s)", round(times["ingest"], 2)],
        ["model load (s)", round(times.get("model load", 0.0), 2)],
        ["extraction incl. embedding chunks (s)", round(times["extraction"], 2)],
        ["peak RSS (MB)", round(peak_rss_mb())],
    ])
    print(quality)
    print()
    print(counts)
    if not args.no_embeddings and args.theme_threshold is None:
        write_section("extraction", "\n".join([
            "## Extraction (benchmarks/extraction.py)",
            "",
            f"Gold: `{Path(args.gold).name}`, scored with `kg's scorer (kg/evaluate.py) extraction`. "
            f"Embeddings: {'off' if similarity is None else settings.embedding_model}. Machine: {machine()}. "
            "Run: `python benchmarks/extraction.py`.",
            "",
            quality,
            "",
            counts,
        ]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
