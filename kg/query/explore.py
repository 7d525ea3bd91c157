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
from kg.extract.tallies import (ThemeReviewMatrix, ThemesByYear, ThemeSummary, _is_gap, is_action_taken,
                                recurring_themes, theme_gaps, theme_review_matrix, theme_summary, themes_by_year)
from kg.graph.analytics import connected_partners, findings_network, neighbourhood, theme_cooccurrence

__all__ = ["ThemeSummary", "theme_summary", "ThemeReviewMatrix", "theme_review_matrix", "recurring_themes",
           "theme_gaps", "ThemeProfile", "theme_profile", "findings_network", "neighbourhood", "theme_cooccurrence",
           "connected_partners", "is_action_taken", "ThemesByYear", "themes_by_year", "ReviewProfile", "review_profile"]


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
