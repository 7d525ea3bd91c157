"""Theme tallies, gaps, recurring themes, the theme × review grid and theme profiles: the one place they are computed.

The CLI (`kg stats`), the UI (Themes and Graph pages), ask() and the HTTP API all call these, so
a count or a gap means the same everywhere. A gap is learning without a recorded action: a theme
a review raised that no action taken answers (a recommendation alone does not close it).

Where ask() composes a cited answer to a question, a profile lists the facts themselves — the
theme's definition, the reviews that raised it, the actions that answer it with their owners,
and the passages that speak of it — each with its evidence, so an interface can show and cite them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kg.extract.findings import ActionFinding, Evidence, Findings, ReviewFinding, Theme, ThemeMention
from kg.extract.scheme import load_scheme
from kg.graph.analytics import connected_partners, findings_network, neighbourhood, theme_cooccurrence

__all__ = ["ThemeSummary", "theme_summary", "ThemeReviewMatrix", "theme_review_matrix", "recurring_themes",
           "theme_gaps", "ThemeProfile", "theme_profile", "findings_network", "neighbourhood", "theme_cooccurrence",
           "connected_partners", "is_action_taken", "ThemesByYear", "themes_by_year", "ReviewProfile", "review_profile"]


def is_action_taken(action: ActionFinding) -> bool:
    """Something done, as opposed to a recommendation (what a review asked for)."""
    return action.kind != "recommendation"


def _is_gap(reviews: int, actions_taken: int) -> bool:
    """Learning without a recorded action: raised by a review, answered by no action taken."""
    return reviews > 0 and actions_taken == 0


@dataclass
class ThemeSummary:
    """One learning theme's counts: reviews raising it, passages speaking of it, actions and recommendations."""

    id: str
    label: str
    reviews: int
    passages: int
    actions: int  # actions taken that address it
    recommendations: int = 0

    @property
    def gap(self) -> bool:
        return _is_gap(self.reviews, self.actions)


def theme_summary(findings: Findings) -> list[ThemeSummary]:
    """Every theme that comes up anywhere, with its counts; most-raised first.

    Returns:
        One ThemeSummary per theme raised by a review, mentioned in a passage or answered by an action,
        ordered by reviews, then actions, then passages (descending), then label.
    """
    labels = {t.id: t.label for t in findings.themes}
    reviews: dict[str, set[str]] = {}
    for link in findings.review_themes:
        reviews.setdefault(link.theme, set()).add(link.review)
    passages = Counter(m.theme for m in findings.theme_mentions)
    actions = Counter(t for a in findings.actions if is_action_taken(a) for t in set(a.themes))
    recommendations = Counter(t for a in findings.actions if not is_action_taken(a) for t in set(a.themes))
    ids = set(reviews) | set(passages) | set(actions) | set(recommendations)
    rows = [ThemeSummary(t, labels.get(t, t), len(reviews.get(t, ())), passages.get(t, 0), actions.get(t, 0),
                         recommendations.get(t, 0)) for t in ids]
    return sorted(rows, key=lambda r: (-r.reviews, -r.actions, -r.passages, r.label.lower()))


def recurring_themes(findings: Findings) -> list[tuple[str, list]]:
    """Themes raised by more than one review, with their review→theme links, most reviews first."""
    by_theme: dict[str, list] = {}
    for link in findings.review_themes:
        by_theme.setdefault(link.theme, []).append(link)
    recurring = [(t, links) for t, links in by_theme.items() if len({link.review for link in links}) > 1]
    return sorted(recurring, key=lambda x: (-len({link.review for link in x[1]}), x[0]))


def theme_gaps(findings: Findings) -> list[tuple[str, list]]:
    """Themes with learning but no recorded action taken, with the review→theme links that raised them."""
    answered = {t for a in findings.actions if is_action_taken(a) for t in a.themes}
    gaps: dict[str, list] = {}
    for link in findings.review_themes:
        if link.theme not in answered:
            gaps.setdefault(link.theme, []).append(link)
    return sorted(gaps.items(), key=lambda x: (-len({link.review for link in x[1]}), x[0]))


@dataclass
class ThemeReviewMatrix:
    """Which reviews raised which themes: `counts[i][j]` evidence passages linking theme i to review j (0: none)."""

    themes: list[tuple[str, str]]  # (id, label), most-raised first
    reviews: list[tuple[str, str, int | None]]  # (id, label, year), by year where known, then label
    counts: list[list[int]]


def theme_review_matrix(findings: Findings) -> ThemeReviewMatrix:
    """The theme × review grid behind a heatmap, reviews in date order where their year is known.

    Returns:
        Themes raised by at least one review (rows) against the reviews that raised any theme (columns).
    """
    labels = {t.id: t.label for t in findings.themes}
    review_by_id = {r.id: r for r in findings.reviews}
    cells: dict[tuple[str, str], int] = {}
    for link in findings.review_themes:
        cells[(link.theme, link.review)] = cells.get((link.theme, link.review), 0) + max(1, len(link.evidence))
    raised = Counter(theme for theme, _ in cells)
    theme_ids = sorted(raised, key=lambda t: (-raised[t], labels.get(t, t).lower()))
    review_ids = {review for _, review in cells}

    def review_key(review_id: str) -> tuple:
        review = review_by_id.get(review_id)
        year = review.year if review else None
        # Unknown years go last rather than being guessed from the reporting document's date.
        return (year is None, year or 0, (review.label if review else review_id).lower())

    ordered = sorted(review_ids, key=review_key)
    return ThemeReviewMatrix(
        themes=[(t, labels.get(t, t)) for t in theme_ids],
        reviews=[(r, review_by_id[r].label if r in review_by_id else r,
                  review_by_id[r].year if r in review_by_id else None) for r in ordered],
        counts=[[cells.get((t, r), 0) for r in ordered] for t in theme_ids])


@dataclass
class ThemesByYear:
    """How often each theme is spoken of in the documents of each year: passages[theme][year]; undated documents
    are counted under "undated"; `example` holds one passage per (theme, year) to cite."""

    years: list[str]
    passages: dict[str, Counter]
    example: dict[tuple[str, str], Evidence]

    def rows(self, labels: dict[str, str]) -> list[tuple[str, Counter]]:
        """(theme id, passages by year), the themes most spoken of first, then by label (`labels`: id -> label)."""
        return sorted(self.passages.items(), key=lambda tc: (-sum(tc[1].values()), labels.get(tc[0], tc[0])))


def themes_by_year(findings: Findings, dates: dict[str, str | None]) -> ThemesByYear:
    """Theme mentions counted by the year of their document (`dates`: document id -> ISO date or None)."""
    passages: dict[str, Counter] = {}
    example: dict[tuple[str, str], Evidence] = {}
    seen: set[tuple[str, str]] = set()
    for mention in findings.theme_mentions:
        evidence = mention.evidence
        passage = evidence.chunk_id or f"{evidence.doc}@{evidence.start}"
        if (mention.theme, passage) in seen:  # a passage counts once per theme, as in example query 14
            continue
        seen.add((mention.theme, passage))
        year = (dates.get(evidence.doc) or "")[:4] or "undated"
        passages.setdefault(mention.theme, Counter())[year] += 1
        example.setdefault((mention.theme, year), evidence)
    years = sorted({y for counts in passages.values() for y in counts}, key=lambda y: (y == "undated", y))
    return ThemesByYear(years, passages, example)


@dataclass
class RaisedBy:
    """A review that raised the theme, with the passages that say so (strongest first)."""

    review: ReviewFinding
    evidence: list[Evidence]
    type_label: str = ""  # the review type's label, e.g. "Child Safeguarding Practice Review"


@dataclass
class OwnedAction:
    """An action answering the theme, with the labels of the organisations that own it."""

    action: ActionFinding
    owners: list[str]
    reviews: list[str]


@dataclass
class ThemeProfile:
    theme: Theme
    raised_by: list[RaisedBy] = field(default_factory=list)
    actions: list[OwnedAction] = field(default_factory=list)
    passages: list[ThemeMention] = field(default_factory=list)

    @property
    def gap(self) -> bool:
        return _is_gap(len(self.raised_by), sum(1 for a in self.actions if is_action_taken(a.action)))


def theme_profile(findings: Findings, theme_id: str) -> ThemeProfile | None:
    """The reviews, actions and passages of one theme.

    Args:
        findings: the knowledge base's extraction findings (`KnowledgeBase.findings()`).
        theme_id: the theme's id, e.g. "information-sharing".

    Returns:
        The profile, or None when the scheme has no such theme. Reviews are in year order (unknown last),
        actions by confidence, passages by confidence (label matches before embedding matches), one per quote.
    """
    theme = next((t for t in findings.themes if t.id == theme_id), None)
    if theme is None:
        return None
    reviews = {r.id: r for r in findings.reviews}
    orgs = {o.id: o.label for o in findings.organisations}
    types = {t.id: t.label for t in load_scheme().review_types}
    raised = []
    for link in findings.review_themes:
        if link.theme == theme_id:
            review = reviews.get(link.review) or ReviewFinding(link.review, link.review, None)
            raised.append(RaisedBy(review, link.evidence, types.get(review.type or "", "")))
    raised.sort(key=lambda r: (r.review.year is None, r.review.year or 0, r.review.label.lower()))
    actions = [OwnedAction(a, [orgs.get(o, o) for o in a.organisations],
                           [reviews[r].label if r in reviews else r for r in a.reviews])
               for a in findings.actions if theme_id in a.themes]
    actions.sort(key=lambda a: -a.action.confidence)
    passages: list[ThemeMention] = []
    seen: set[tuple[str, int, int]] = set()
    for mention in sorted((m for m in findings.theme_mentions if m.theme == theme_id),
                          key=lambda m: (-m.confidence, m.evidence.doc, m.evidence.start)):
        span = (mention.evidence.doc, mention.evidence.start, mention.evidence.end)
        if span not in seen:  # overlapping chunks repeat a sentence; one passage per quote is enough
            seen.add(span)
            passages.append(mention)
    return ThemeProfile(theme, raised, actions, passages)


@dataclass
class ReviewProfile:
    """One review's page: what it is, the themes it raised, what it recommended and what was done after it."""

    review: ReviewFinding
    type_label: str = ""
    partnership: str = ""  # the partnership's label
    themes: list[tuple[Theme, list[Evidence]]] = field(default_factory=list)
    recommendations: list[OwnedAction] = field(default_factory=list)
    actions_taken: list[OwnedAction] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # ids of the documents that speak of it, most mentions first


def review_profile(findings: Findings, review_id: str) -> ReviewProfile | None:
    """A review's facts, themes, recommendations and actions taken (each with owners), and its documents.

    Returns:
        The profile, or None when no review has this id. Themes in scheme order of strength (most evidence
        first); recommendations in their numbered order; actions by confidence.
    """
    review = next((r for r in findings.reviews if r.id == review_id), None)
    if review is None:
        return None
    orgs = {o.id: o.label for o in findings.organisations}
    themes = {t.id: t for t in findings.themes}
    reviews = {r.id: r.label for r in findings.reviews}
    types = {t.id: t.label for t in load_scheme().review_types}
    raised = [(themes[link.theme], link.evidence) for link in findings.review_themes
              if link.review == review_id and link.theme in themes]
    raised.sort(key=lambda te: (-len(te[1]), te[0].label.lower()))
    recommendations, taken = [], []
    mentions: Counter = Counter(e.doc for e in review.evidence)
    for action in findings.actions:
        if review_id not in action.reviews:
            continue
        owned = OwnedAction(action, [orgs.get(o, o) for o in action.organisations],
                            [reviews.get(r, r) for r in action.reviews])
        (taken if is_action_taken(action) else recommendations).append(owned)
        mentions[action.evidence.doc] += 1
    for _, evidence in raised:
        mentions.update(e.doc for e in evidence)
    recommendations.sort(key=lambda a: (_number_order(a.action.number), a.action.evidence.doc,
                                        a.action.evidence.start))
    taken.sort(key=lambda a: (-a.action.confidence, a.action.evidence.doc, a.action.evidence.start))
    return ReviewProfile(review, types.get(review.type or "", ""), orgs.get(review.partnership or "", ""),
                         raised, recommendations, taken, [doc for doc, _ in mentions.most_common()])


def _number_order(number: str | None) -> tuple:
    """Recommendation numbers in reading order: "2" before "10", "R2" before "R10", unnumbered last."""
    digits = "".join(ch for ch in (number or "") if ch.isdigit())
    return (number is None, int(digits) if digits else 0, number or "")
