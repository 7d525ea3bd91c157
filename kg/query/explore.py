"""explore(): everything the knowledge base records about one learning theme, for browsing rather than asking.

Where ask() composes a cited answer to a question, a profile lists the facts
themselves — the theme's definition, the reviews that raised it, the actions
that answer it with their owners, and the passages that speak of it — each with
its evidence, so an interface can show and cite them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kg.extract.findings import ActionFinding, Evidence, Findings, ReviewFinding, Theme, ThemeMention
from kg.extract.scheme import load_scheme


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
        """Raised by a review but answered by no recorded action."""
        return bool(self.raised_by) and not self.actions


def theme_profile(findings: Findings, theme_id: str) -> ThemeProfile | None:
    """The reviews, actions and passages of one theme.

    Args:
        findings: the knowledge base's extraction findings (`kg.query.findings.load_findings`).
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
