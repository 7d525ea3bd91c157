"""The theme × review heatmap as a picture (a PNG download for board papers; the page shows an HTML grid).

Each function draws on its own matplotlib Figure (no pyplot state, no display needed) and
writes a PNG, so the UI can draw once per knowledge-base version and serve the file afterwards.
"""

from __future__ import annotations

import textwrap
import threading
from pathlib import Path

from kg.query.explore import ThemeReviewMatrix

GAP_COLOUR = "#b91c1c"
_FONT = {"family": "DejaVu Sans"}  # bundled with matplotlib: the same look on every machine, nothing fetched
_DRAWING = threading.Lock()  # matplotlib is not thread-safe, and the server answers several requests at once


def _wrap(text: str, width: int, lines: int) -> str:
    """Text wrapped to `width` columns and at most `lines` lines (the last one ends with … when cut)."""
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def heatmap_png(matrix: ThemeReviewMatrix, gaps: set[str], path: Path) -> Path:
    """Draw which reviews raised which themes.

    Args:
        matrix: the grid from `kg.query.explore.theme_review_matrix`.
        gaps: ids of themes with learning but no recorded action (their labels are drawn in red).
        path: where to write the PNG.

    Returns:
        `path`.
    """
    with _DRAWING:
        _draw_heatmap(matrix, gaps, path)
    return path


def _draw_heatmap(matrix: ThemeReviewMatrix, gaps: set[str], path: Path) -> None:
    rows, cols = len(matrix.themes), len(matrix.reviews)
    fig_w = 4.2 + 1.05 * max(cols, 3)
    fig_h = 1.9 + 0.36 * max(rows, 3)
    # Imported when first drawn: matplotlib adds most of a second to every server start.
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure

    fig = Figure(figsize=(fig_w, fig_h), dpi=110)
    ax = fig.subplots()
    if not rows or not cols:
        ax.axis("off")
        ax.text(0.5, 0.5, "No review has a recorded learning theme yet.", ha="center", va="center", fontsize=12)
        fig.savefig(path, format="png", facecolor="white")
        return
    colours = LinearSegmentedColormap.from_list("kg", ["#ffffff", "#bfdbfe", "#1d4ed8"])
    top = max(max(r) for r in matrix.counts) or 1
    ax.imshow(matrix.counts, cmap=colours, vmin=0, vmax=top, aspect="auto")
    for i, row in enumerate(matrix.counts):
        for j, value in enumerate(row):
            if value:
                ax.text(j, i, str(value), ha="center", va="center", fontsize=9,
                        color="white" if value > top * 0.6 else "#0f172a", **_FONT)
    ax.set_xticks(range(cols))
    ax.set_xticklabels([_wrap(label, 16, 3) + (f"\n({year})" if year else "") for _, label, year in matrix.reviews],
                       fontsize=9, **_FONT)
    ax.xaxis.tick_top()
    ax.set_yticks(range(rows))
    raised = [sum(1 for v in row if v) for row in matrix.counts]
    ax.set_yticklabels([f"{_wrap(label, 44, 1)}  ({n})" for (_, label), n in zip(matrix.themes, raised)],
                       fontsize=9.5, **_FONT)
    for tick, (theme_id, _) in zip(ax.get_yticklabels(), matrix.themes):
        if theme_id in gaps:
            tick.set_color(GAP_COLOUR)
            tick.set_fontweight("bold")
    ax.set_xticks([x - 0.5 for x in range(1, cols)], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, rows)], minor=True)
    ax.grid(which="minor", color="#e2e8f0", linewidth=1)
    ax.tick_params(which="both", length=0)
    for spine in ax.spines.values():
        spine.set_color("#cbd5e1")
    ax.set_title("Which case reviews raised which learning themes\n(reviews in date order where known; number = "
                 "supporting passages; (n) = reviews raising the theme)", fontsize=10.5, pad=12, loc="left",
                 color="#334155", **_FONT)
    if gaps & {t for t, _ in matrix.themes}:
        fig.text(0.01, 0.005, "Red: raised by a review but no recorded action (a gap between learning and practice)",
                 color=GAP_COLOUR, fontsize=9, **_FONT)
    fig.tight_layout()
    fig.savefig(path, format="png", facecolor="white")
