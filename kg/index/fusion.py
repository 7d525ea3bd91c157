"""Hybrid ranking: weighted reciprocal-rank fusion of the dense and lexical legs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def reciprocal_rank_fusion(rankings: Mapping[str, Sequence[int]], k: int = 60,
                           weights: Mapping[str, float] | None = None) -> list[tuple[int, float, dict[str, int]]]:
    """Fuse ranked row lists.

    Args:
        rankings: leg name -> rows, best first.
        k: the RRF constant (larger flattens the difference between ranks).
        weights: leg name -> weight (default 1 each).

    Returns:
        (row, fused score, {leg: 1-based rank}) best first; ties keep the first leg's order.
    """
    weights = weights or {}
    scores: dict[int, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    order: dict[int, int] = {}
    for leg, rows in rankings.items():
        w = weights.get(leg, 1.0)
        for rank, row in enumerate(rows, start=1):
            row = int(row)
            scores[row] = scores.get(row, 0.0) + w / (k + rank)
            ranks.setdefault(row, {})[leg] = rank
            order.setdefault(row, len(order))
    fused = sorted(scores, key=lambda r: (-scores[r], order[r]))
    return [(row, scores[row], ranks[row]) for row in fused]


def zscore_fusion(scores: Mapping[str, Mapping[int, float]], weights: Mapping[str, float] | None = None
                  ) -> list[tuple[int, float, dict[str, int]]]:
    """Fuse legs by their standardised scores, so a leg's confidence (not just its order) counts.

    Each leg's candidate scores are turned into z-scores (mean 0, sd 1 over that leg's
    candidates); a row a leg did not return gets that leg's lowest z-score. The fused
    score is the weighted sum.

    Args:
        scores: leg name -> {row: raw score} for that leg's candidates.
        weights: leg name -> weight (default 1 each).

    Returns:
        (row, fused score, {leg: 1-based rank}) best first.
    """
    weights = weights or {}
    normalised: dict[str, dict[int, float]] = {}
    floors: dict[str, float] = {}
    ranks: dict[int, dict[str, int]] = {}
    for leg, leg_scores in scores.items():
        if not leg_scores:
            continue
        values = list(leg_scores.values())
        mean = sum(values) / len(values)
        sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5 or 1.0
        normalised[leg] = {row: (v - mean) / sd for row, v in leg_scores.items()}
        floors[leg] = min(normalised[leg].values())
        for rank, row in enumerate(sorted(leg_scores, key=lambda r: -leg_scores[r]), start=1):
            ranks.setdefault(row, {})[leg] = rank
    fused = {row: sum(weights.get(leg, 1.0) * normalised[leg].get(row, floors[leg]) for leg in normalised)
             for row in ranks}
    order = sorted(fused, key=lambda r: (-fused[r], min(ranks[r].values())))
    return [(row, fused[row], ranks[row]) for row in order]
