"""Score kg against a gold set: search rankings, ask evidence and extraction findings.

A gold set is a JSON file in the development schema (`benchmarks/gold/dev.json` is the one
kg ships): `documents`, `reviews` (each with its themes and actions), `themes`,
`organisations`, `queries` (questions with the exact passages that answer them) and,
optionally, top-level `actions` (theme-level activity with no review behind it).
A partnership can write one for its own reports and questions and run `kg eval --gold FILE`.

The metrics are those of the gold set's reference scorer (`benchmarks/gold/reference_score.py`,
kept beside the gold): on a gold file without top-level `actions` both give the same numbers
(tests/test_evaluate.py checks). A passage is relevant to a gold quote when it comes from the
same document and holds the quote (case, punctuation and spacing ignored) or shares a run of
at least 60% of it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from kg.errors import KgError

MODES = ("search", "ask", "extraction")


def norm(text: str) -> str:
    """Lower case, "&" as "and", punctuation as single spaces."""
    text = text.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def same_doc(result_doc: str, gold_file: str) -> bool:
    """Whether a result's document is the gold passage's file (by name, stem or prefix)."""
    a, b = Path(str(result_doc)).name, Path(gold_file).name
    return a == b or Path(a).stem == Path(b).stem or b.startswith(a) or a.startswith(Path(b).stem)


def holds(text: str, quote: str) -> bool:
    """Whether `text` holds the quote, or a run of at least 60% of it."""
    t, q = norm(text), norm(quote)
    if not q:
        return False
    if q in t:
        return True
    match = SequenceMatcher(None, t, q, autojunk=False).find_longest_match(0, len(t), 0, len(q))
    return match.size >= 0.6 * len(q)


def relevant(result: dict, passage: dict) -> bool:
    return same_doc(result.get("doc", ""), passage["file"]) and holds(result.get("text", ""), passage["quote"])


def rank_metrics(results: Sequence[dict], passages: Sequence[dict]) -> dict[str, float]:
    """Recall@5, Recall@10, nDCG@10 and MRR of one ranked list against its gold passages."""
    found: set[int] = set()
    gains = []
    for result in results[:10]:
        hit = next((i for i, p in enumerate(passages) if i not in found and relevant(result, p)), None)
        gains.append(1 if hit is not None else 0)
        if hit is not None:
            found.add(hit)
    first = next((i for i, r in enumerate(results) if any(relevant(r, p) for p in passages)), None)
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(passages), 10)))

    def recall(k: int) -> float:
        return sum(any(relevant(r, p) for r in results[:k]) for p in passages) / len(passages)

    return {"recall@5": recall(5), "recall@10": recall(10), "ndcg@10": dcg / ideal if ideal else 0.0,
            "mrr": 1 / (first + 1) if first is not None else 0.0}


def score_search(runs: Iterable[dict], gold: dict, field_name: str = "results") -> dict[str, Any]:
    """Mean ranking metrics over the gold queries; `runs` are `kg search --json` lines."""
    by_question = {norm(r.get("query") or r.get("question", "")): r for r in runs}
    rows, missing = [], 0
    for query in gold.get("queries", []):
        run = by_question.get(norm(query["q"]))
        if run is None:
            missing += 1
            run = {}
        rows.append(rank_metrics(run.get(field_name) or [], query["relevant"]))
    n = len(rows) or 1
    scores: dict[str, Any] = {k: sum(r[k] for r in rows) / n for k in ("recall@5", "recall@10", "ndcg@10", "mrr")}
    scores.update(queries=len(rows), missing=missing)
    return scores


def score_ask(runs: Iterable[dict], gold: dict) -> dict[str, Any]:
    """Share of gold questions whose top-5 answer evidence holds a gold passage."""
    by_question = {norm(r.get("question") or r.get("query", "")): r for r in runs}
    queries = gold.get("queries", [])
    hits = 0
    for query in queries:
        evidence = (by_question.get(norm(query["q"])) or {}).get("evidence") or []
        hits += any(relevant(e, p) for e in evidence[:5] for p in query["relevant"])
    return {"evidence_hit@5": hits / (len(queries) or 1), "questions": len(queries)}


def prf(tp_predicted: int, predicted: int, tp_gold: int, gold: int) -> dict[str, float | int]:
    p = tp_predicted / predicted if predicted else 0.0
    r = tp_gold / gold if gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "predicted": predicted,
            "gold": gold}


def review_key(label: str) -> str:
    """How review labels are compared: "Child GA and RA" and "GA & RA" are the same review."""
    return norm(label).replace("child ", "").replace(" and ", " ").strip()


def _labels(item: dict) -> set[str]:
    names = [item.get("label", ""), item.get("acronym") or "", *(item.get("alt_labels") or [])]
    return {norm(n) for n in names if n and norm(n)}


def _theme_to_gold(predicted_themes: list[dict], gold_themes: list[dict]):
    gold_sets = {t["id"]: _labels(t) | {norm(t["id"].replace("-", " "))} for t in gold_themes}
    predicted_sets = {norm(t["label"]): _labels(t) for t in predicted_themes}

    def to_gold(label: str) -> str | None:
        names = predicted_sets.get(norm(label), {norm(label)})
        return next((gid for gid, gold_names in gold_sets.items() if names & gold_names), None)

    return to_gold


def gold_actions(gold: dict) -> list[dict]:
    """Every gold action: those under reviews, then theme-level ones (top-level `actions`)."""
    nested = [a for r in gold.get("reviews", []) for a in r.get("actions", [])]
    return nested + list(gold.get("actions", []))


def score_extraction(found: dict, gold: dict) -> dict[str, dict]:
    """Precision, recall and F1 of reviews, review→theme links, actions and organisations.

    Args:
        found: `kg export --format findings` JSON.
        gold: the gold set.
    """
    gold_reviews = {review_key(r["label"]): r for r in gold.get("reviews", [])}
    known = set(gold_reviews) | {review_key(x) for x in gold.get("other_reviews", [])}
    predicted = {review_key(r["label"]) for r in found.get("reviews", [])}
    matched = predicted & set(gold_reviews)
    reviews = prf(len(matched), len(matched) + len(predicted - known), len(matched), len(gold_reviews))

    to_gold = _theme_to_gold(found.get("themes", []), gold.get("themes", []))
    gold_pairs = {(review_key(r["label"]), t) for r in gold.get("reviews", []) for t in r.get("themes", [])}
    predicted_pairs = {(review_key(p["review"]), to_gold(p["theme"]) or "?" + norm(p["theme"]))
                       for p in found.get("review_themes", []) if review_key(p["review"]) in gold_reviews}
    shared = len(predicted_pairs & gold_pairs)
    links = prf(shared, len(predicted_pairs), shared, len(gold_pairs))

    wanted = gold_actions(gold)
    actions_found = [a for a in found.get("actions", [])
                     if not a.get("reviews") or any(review_key(x) in gold_reviews for x in a["reviews"])]
    tp_gold = sum(any(_action_matches(p, g) for p in actions_found) for g in wanted)
    tp_predicted = sum(any(_action_matches(p, g) for g in wanted) for p in actions_found)
    actions = prf(tp_predicted, len(actions_found), tp_gold, len(wanted))

    predicted_orgs = [_labels(o) for o in found.get("organisations", [])]
    gold_orgs = [_labels(o) for o in gold.get("organisations", [])]
    organisations = prf(sum(any(p & g for g in gold_orgs) for p in predicted_orgs), len(predicted_orgs),
                        sum(any(p & g for p in predicted_orgs) for g in gold_orgs), len(gold_orgs))
    return {"reviews": reviews, "review_themes": links, "actions": actions, "organisations": organisations}


def _action_matches(predicted: dict, gold_action: dict) -> bool:
    text = " ".join(filter(None, [predicted.get("quote"), predicted.get("text")]))
    return same_doc(predicted.get("doc", gold_action["file"]), gold_action["file"]) and (
        holds(text, gold_action["quote"]) or holds(gold_action["quote"], predicted.get("quote") or ""))


def extraction_details(found: dict, gold: dict) -> dict[str, Any]:
    """What the headline scores do not show: review types, years and statuses, action owners, misses.

    Review types are compared loosely ("CSPR" = "Child Safeguarding Practice Review"), owners by
    any shared organisation label.
    """
    gold_reviews = {review_key(r["label"]): r for r in gold.get("reviews", [])}
    predicted = {review_key(r["label"]): r for r in found.get("reviews", [])}
    both = [k for k in gold_reviews if k in predicted]
    typed = [k for k in both if gold_reviews[k].get("type")]
    type_right = sum(_same_type(predicted[k].get("type"), gold_reviews[k]["type"]) for k in typed)
    dated = [k for k in both if gold_reviews[k].get("year")]
    year_right = sum(predicted[k].get("year") == gold_reviews[k]["year"] for k in dated)

    organisations = {o["id"]: _labels(o) for o in gold.get("organisations", [])}
    found_names = {o["label"]: _labels(o) for o in found.get("organisations", [])}
    wanted = gold_actions(gold)
    owned = [g for g in wanted if g.get("partners")]
    owner_right = 0
    for action in owned:
        matches = [p for p in found.get("actions", []) if _action_matches(p, action)]
        gold_names = set().union(*(organisations.get(o, {norm(o)}) for o in action["partners"]))
        owner_right += any(gold_names & set().union(*(found_names.get(o, {norm(o)}) for o in p.get("organisations", [])),
                                                     set()) for p in matches)
    missed_actions = [g["quote"] for g in wanted
                      if not any(_action_matches(p, g) for p in found.get("actions", []))]
    known = set(gold_reviews) | {review_key(x) for x in gold.get("other_reviews", [])}
    return {
        "review_types": {"right": type_right, "of": len(typed)},
        "review_years": {"right": year_right, "of": len(dated)},
        "action_owners": {"right": owner_right, "of": len(owned)},
        "missed_reviews": sorted(gold_reviews[k]["label"] for k in set(gold_reviews) - set(predicted)),
        "extra_reviews": sorted(predicted[k]["label"] for k in set(predicted) - known),
        "missed_actions": missed_actions,
    }


_TYPE_WORDS = {
    "cspr": "child safeguarding practice review", "lcspr": "child safeguarding practice review",
    "scr": "serious case review", "sar": "safeguarding adults review", "dhr": "domestic homicide review",
    "thematic review": "learning review", "extended child practice review": "child practice review",
}


def _same_type(predicted: str | None, gold_type: str) -> bool:
    def canonical(value: str) -> str:
        value = norm(value.replace("-", " "))
        value = _TYPE_WORDS.get(value, value)
        return value.replace("safeguarding adult review", "safeguarding adults review")

    return bool(predicted) and canonical(predicted) == canonical(gold_type)


def restrict_to_documents(found: dict, files: Sequence[str]) -> dict:
    """Findings from the gold set's documents only, so a knowledge base holding other documents can be scored too.

    With no documents listed, everything is kept.
    """
    if not files:
        return found
    wanted = set(files)

    def named_in(item: dict) -> bool:
        return bool(wanted & set(item.get("documents") or [item.get("doc")]))

    reviews = [r for r in found.get("reviews", []) if named_in(r)]
    kept = {r["label"] for r in reviews}
    return {**found, "reviews": reviews,
            "review_themes": [rt for rt in found.get("review_themes", []) if rt["review"] in kept],
            "actions": [a for a in found.get("actions", []) if a.get("doc") in wanted],
            "organisations": [o for o in found.get("organisations", []) if named_in(o)]}


@dataclass
class EvalReport:
    """Scores of one knowledge base against one gold set."""

    gold: str
    scores: dict[str, dict] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"gold": self.gold, "scores": self.scores, "details": self.details}


def load_gold(path: str | Path) -> dict:
    """A gold set, or a KgError saying why it cannot be used."""
    path = Path(path)
    try:
        gold = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KgError(f"cannot read gold set {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KgError(f"gold set {path} is not JSON: {exc}") from None
    if not isinstance(gold, dict) or not any(k in gold for k in ("queries", "reviews", "organisations")):
        raise KgError(f"gold set {path} has none of queries, reviews, organisations (see benchmarks/gold/dev.json)")
    return gold


def evaluate(kb, gold_path: str | Path, modes: Sequence[str] = MODES, settings=None, k: int = 10) -> EvalReport:
    """Run kg's search, ask and extraction against a gold set and score them.

    Args:
        kb: an open KnowledgeBase.
        gold_path: the gold set (development schema).
        modes: any of "search", "ask", "extraction".
        settings: search and ask settings (default: loaded).
        k: results per search query.
    """
    from kg.query.ask import Asker
    from kg.query.search import Searcher

    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise KgError(f"unknown evaluation mode {unknown[0]!r}: use {', '.join(MODES)}")
    gold = load_gold(gold_path)
    report = EvalReport(gold=str(gold_path))
    questions = [q["q"] for q in gold.get("queries", [])]
    searcher = Searcher(kb, settings) if questions and {"search", "ask"} & set(modes) else None
    if "search" in modes and questions:
        for mode in ("hybrid", "bm25", "dense"):
            results = searcher.search_many(questions, k, mode)
            runs = [{"query": q, "results": [] if isinstance(r, Exception) else [x.to_dict() for x in r]}
                    for q, r in zip(questions, results)]
            report.scores[f"search_{mode}"] = score_search(runs, gold)
    if "ask" in modes and questions:
        asker = Asker(kb, settings, searcher=searcher)
        runs = [asker.ask(q).to_dict() for q in questions]
        report.scores["ask"] = score_ask(runs, gold)
    if "extraction" in modes and gold.get("reviews") is not None:
        found = restrict_to_documents(kb.findings().to_export(), [d["file"] for d in gold.get("documents", [])])
        report.scores.update(score_extraction(found, gold))
        report.details = extraction_details(found, gold)
    return report
