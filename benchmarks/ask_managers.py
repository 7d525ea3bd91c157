"""ask() on questions in managers' own words (benchmarks/gold/ask-managers.json): themes described without
their label or misspelt, kinds of partner, time and recurrence, named reviews, and off-topic questions.

    python benchmarks/ask_managers.py            # builds a knowledge base from corpus/, prints, updates RESULTS.md
    python benchmarks/ask_managers.py --kb DIR   # scores an existing knowledge base built from corpus/

The `calibration` questions choose ask_found_similarity (the sweep is printed); the `test` questions are
scored at the chosen setting. The reviews a theme question should name are the dev gold's reviews raising it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from common import GOLD, ROOT, machine, markdown_table, p50, percentile, write_section

from kg.build import build_knowledge_base
from kg.config import load_settings
from kg.kb import KnowledgeBase
from kg.query.ask import Asker

# The held-out sets, each written by a separate author who saw neither the wording rules nor the earlier sets.
HELDOUT_SUFFIXES = ("", "-2", "-3", "-4", "-5", "-6", "-7", "-8")
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
THRESHOLDS = (0.25, 0.30, 0.35, 0.40, 0.45, 0.50)


def score(asker: Asker, questions: list[dict]) -> tuple[dict, list[list], list[float]]:
    tallies: dict[str, list[int]] = {}
    misses, latencies = [], []

    def tally(name: str, ok: bool) -> None:
        tallies.setdefault(name, [0, 0])
        tallies[name][0] += ok
        tallies[name][1] += 1

    for question in questions:
        start = time.perf_counter()
        answer = asker.ask(question["q"]) if question["q"].strip("?!. ") else None
        latencies.append(time.perf_counter() - start)
        found = bool(answer and answer.found)
        kind = question["kind"]
        tally("off-topic answered found: false" if kind == "off-topic" else "on-topic answered found: false",
              found is False)
        problems = []
        if found != question["found"]:
            problems.append(f"found={found}")
        if "theme" in question:
            resolved = {t["id"] for t in answer.themes} if answer else set()
            tally(f"{kind} questions resolved to the right theme", question["theme"] in resolved)
            tally("paraphrased and misspelt questions resolved to the right theme", question["theme"] in resolved)
            if question["theme"] not in resolved:
                problems.append(f"themes={sorted(resolved) or '-'}")
        gold_reviews = question.get("reviews", [])
        for label in gold_reviews:
            named = bool(answer) and label in answer.answer
            tally("gold reviews named in answers", named)
            if not named:
                problems.append(f"missing {label}")
        if "category" in question:
            ok = bool(answer) and question["category"] in answer.categories
            tally("partner-kind questions resolved to the kind", ok)
            if not ok:
                problems.append(f"categories={answer.categories if answer else '-'}")
        if "intent" in question:
            ok = bool(answer) and question["intent"] in answer.intents
            tally("time and recurrence questions recognised", ok)
            if not ok:
                problems.append(f"intents={answer.intents if answer else '-'}")
        if problems:
            misses.append([question["q"][:70], kind, "; ".join(problems)[:120]])
    rates = {name: (hits, total) for name, (hits, total) in tallies.items()}
    return rates, misses, latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", help="an existing knowledge base built from corpus/")
    args = parser.parse_args()
    gold = json.loads((GOLD / "ask-managers.json").read_text(encoding="utf-8"))
    heldout_sets = [json.loads(path.read_text(encoding="utf-8"))["questions"]
                    for path in (GOLD / f"ask-managers-heldout{suffix}.json" for suffix in HELDOUT_SUFFIXES)
                    if path.exists()]
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(kb=args.kb or str(Path(folder) / "kb"))
        if not args.kb:
            build_knowledge_base(ROOT / "corpus", settings)
        kb = KnowledgeBase(settings.kb)
        calibration = [q for q in gold["questions"] if q["split"] == "calibration"]
        test = [q for q in gold["questions"] if q["split"] == "test"]
        sweep = []
        for threshold in THRESHOLDS:
            asker = Asker(kb, settings.replace(ask_found_similarity=threshold))
            rates, _, _ = score(asker, calibration)
            off, on = rates["off-topic answered found: false"], rates["on-topic answered found: false"]
            sweep.append([threshold, f"{off[0]}/{off[1]}", f"{on[0]}/{on[1]}"])
        asker = Asker(kb, settings)
        asker.ask("warm up")
        rates, misses, latencies = score(asker, test)
        held = [score(asker, questions)[:2] for questions in heldout_sets]
        for _ in range(2):
            latencies += score(asker, test)[2]
    targets = {"gold reviews named in answers": "≥ 0.90", "off-topic answered found: false": "≥ 0.90",
               "on-topic answered found: false": "≤ 0.05",
               "paraphrased and misspelt questions resolved to the right theme": "≥ 0.85"}
    def rate(table: dict, name: str) -> str:
        if name not in table:
            return "—"
        hits, total = table[name]
        return f"{hits}/{total} = {hits / total:.2f}"

    names = sorted(set(rates).union(*(set(r) for r, _ in held)), key=lambda n: (n not in targets, n))
    rows = [[name, rate(rates, name), *(rate(r, name) for r, _ in held), targets.get(name, "")] for name in names]
    rows.append(["ask latency warm p50 / p95 (ms)",
                 f"{p50(latencies) * 1000:.0f} / {percentile(latencies, 95) * 1000:.0f}", *("" for _ in held),
                 "p50 ≤ 300"])
    summary = markdown_table(["measure", f"test ({len(test)})",
                              *(f"held out, {ORDINALS[i]} ({len(q)})" for i, q in enumerate(heldout_sets)),
                              "target"], rows)
    for i, (_, held_misses) in enumerate(held):
        misses += [[q, f"{kind} (held out, {ORDINALS[i]})", what] for q, kind, what in held_misses]
    calibration_table = markdown_table(["ask_found_similarity", "off-topic found: false", "on-topic found: false"],
                                       sweep)
    missed = markdown_table(["question", "kind", "what went wrong"], misses or [["—", "—", "none"]])
    print(summary, calibration_table, missed, sep="\n\n")
    write_section("ask-managers", f"""## Ask in managers' own words (benchmarks/ask_managers.py)

{len(test)} test questions written for this benchmark (benchmarks/gold/ask-managers.json; not the dev
questions), on the knowledge base built from corpus/ (in-sample documents, out-of-sample wording).
ask_found_similarity = {settings.ask_found_similarity} was chosen on the {len(calibration)} calibration
questions (below), not on the test questions. The question rules (kg/ontology/rules/questions.toml) and the
way a question's subject is compared with themes were revised after reading misses on the test questions, so
these figures are in-sample for the wording rules; hidden checks on other questions are the out-of-sample
measure. The first held-out set (benchmarks/gold/ask-managers-heldout.json) was written by a separate author
who did not see the wording rules, the themes' example phrasings or the first set; its first score (reviews
0.70, off-topic found: false 0.60, on-topic found: false 0.10, themes 0.71, intents 1/3) was read, and the
kinds of miss it showed (short misspellings, everyday intent wording, off-topic questions sharing only common
words with the reports) were then fixed in general ways, so its column is no longer out-of-sample. The second
held-out set (benchmarks/gold/ask-managers-heldout-2.json, 40 questions, another separate author under the same
rules) was first scored after those fixes (reviews 0.68, off-topic found: false 0.90, on-topic found: false 0.07,
themes 0.65). The third (benchmarks/gold/ask-managers-heldout-3.json, 45 questions, an author who saw neither the
code, the wording rules, the theme definitions nor the other sets) was first scored before any change made after
reading it: reviews 0.75, off-topic found: false 0.90, on-topic found: false 0.09, themes 0.74. Its misses were
then read, and what changed after them (the passages' vote on a question's theme, ask_theme_vote_weight =
{settings.ask_theme_vote_weight}, chosen on the test and first two held-out sets: 0 named fewer gold reviews and themes
there, 0.2 answered more off-topic questions; fuzzy theme names only where a word is misspelt; more wordings of
gaps and years; the safeguarding partnership as a kind of partner) makes the first three held-out columns
in-sample. The fourth (benchmarks/gold/ask-managers-heldout-4.json, 45 questions, written blind like the third) was first
scored with none of the changes made after reading it: reviews 0.85, off-topic found: false 0.90, on-topic found:
false 0.03, themes 0.87. The fifth (47 questions, blind) was first scored after one change made on reading the
fourth (a negated auxiliary before "done" asks for gaps): reviews 0.64, off-topic found: false 0.70, on-topic
found: false 0.16, themes 0.67. After reading it: a misspelt theme is found beside one named exactly, two themes
when their scores are within ask_theme_margin, the area's name no longer names a partner, and more wordings of gaps,
recurrence and kinds of partner. The sixth (46, blind) was then first scored: reviews 0.82, off-topic found: false
0.70, on-topic found: false 0.08, themes 0.78. After reading it: a request to use a service ("how do I apply",
"visiting hours", "my dad") is answered found: false, a kind of partner asked about review learning gets what those
partners did, and richer theme examples; ask_theme_vote_weight = {settings.ask_theme_vote_weight} and
ask_theme_margin = {settings.ask_theme_margin} were chosen on the test and first six held-out sets. The seventh
(47, blind) was then first scored: reviews 0.76, off-topic found: false 0.90, on-topic found: false 0.00, themes
0.79, partner kinds 5/7, time 6/6. After reading it: a theme named in passing
("the carer's story") gives way to (and is answered after) the theme the whole question means when that scores
higher, and more wordings
of police roles, joint arrangements and term dates. The eighth (47, blind) was then first scored, with nothing
changed after reading it, so its column is out-of-sample — the latest such measure: reviews 0.83, off-topic found:
false 1.00, on-topic found: false 0.00, themes 0.88, partner kinds 7/7, time 5/6.
(Each blind author used the dev gold's ids; four ids were renamed to the knowledge base's ids for the same themes
before scoring, with no other change.) ask_found_coverage = {settings.ask_found_coverage} was chosen on the
calibration and test questions (every value from 0.4 to 0.7 scored the same there). Machine: {machine()}. Run: `python benchmarks/ask_managers.py`.

{summary}

Calibration sweep (calibration questions only):

{calibration_table}

Test questions not answered as the gold expects:

{missed}
""")
    return 0


if __name__ == "__main__":
    sys.exit(main())
