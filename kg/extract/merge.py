"""Findings changed by document: drop what some documents said, join what new documents say.

An in-place add extracts only the new documents (kg/update.py) and joins their findings to the live ones;
a removal drops every piece of evidence that came from the removed documents. Entities named in several
documents (a review, an organisation, a review's theme) are joined by id: their evidence is pooled, the
attributes already known are kept and missing ones are filled from the new document.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.extract.findings import Evidence, Findings

_REVIEW_ATTRIBUTES = ("type", "status", "partnership", "area", "taken_forward_as")


def without_documents(findings: Findings, docs: Iterable[str]) -> Findings:
    """The findings with every piece of evidence from `docs` dropped; a finding left with none is dropped.

    An organisation no document names any more stays while it is the parent of one that is named (as a build
    of the remaining documents would keep it).
    """
    docs = set(docs)
    if not docs:
        return findings
    out = Findings(themes=findings.themes)
    for review in findings.reviews:
        evidence = [e for e in review.evidence if e.doc not in docs]
        if evidence:
            out.reviews.append(_with(review, evidence=evidence) if len(evidence) < len(review.evidence) else review)
    kept_orgs = []
    for org in findings.organisations:
        mentions = [e for e in org.mentions if e.doc not in docs]
        kept_orgs.append(_with(org, mentions=mentions) if len(mentions) < len(org.mentions) else org)
    parents = {o.parent for o in kept_orgs if o.mentions and o.parent}
    out.organisations = [o for o in kept_orgs if o.mentions or o.id in parents]
    out.theme_mentions = [m for m in findings.theme_mentions if m.evidence.doc not in docs]
    for link in findings.review_themes:
        evidence = [e for e in link.evidence if e.doc not in docs]
        if evidence:
            out.review_themes.append(_with(link, evidence=evidence) if len(evidence) < len(link.evidence) else link)
    out.actions = [a for a in findings.actions if a.evidence.doc not in docs]
    return out


def join_findings(base: Findings, added: Findings) -> Findings:
    """`base` with the findings of other documents joined in (neither argument is changed)."""
    return Findings(
        themes=base.themes or added.themes,
        reviews=_join_by(base.reviews, added.reviews, lambda r: r.id, _fill_review),
        organisations=_join_by(base.organisations, added.organisations, lambda o: o.id, _fill_organisation),
        theme_mentions=base.theme_mentions + added.theme_mentions,
        review_themes=_join_by(base.review_themes, added.review_themes, lambda r: (r.review, r.theme),
                               lambda known, new: setattr(known, "evidence", _pool(known.evidence, new.evidence))),
        actions=base.actions + added.actions)


def _join_by(known: list, added: list, key, fill) -> list:
    """`known` with `added` joined: a new key is appended; a known one is copied and `fill(copy, new)` updates it."""
    out = list(known)
    at = {key(item): i for i, item in enumerate(out)}
    for item in added:
        i = at.get(key(item))
        if i is None:
            at[key(item)] = len(out)
            out.append(item)
        else:
            out[i] = copy.copy(out[i])
            fill(out[i], item)
    return out


def _fill_review(known, review) -> None:
    known.evidence = _pool(known.evidence, review.evidence)
    known.alt_labels = list(dict.fromkeys([*known.alt_labels, *review.alt_labels]))
    for name in _REVIEW_ATTRIBUTES:
        if getattr(known, name) is None:
            setattr(known, name, getattr(review, name))
    if known.year is None and review.year is not None:
        known.year, known.year_basis = review.year, review.year_basis


def _fill_organisation(known, org) -> None:
    known.mentions = _pool(known.mentions, org.mentions)
    known.alt_labels = list(dict.fromkeys([*known.alt_labels, *org.alt_labels]))
    for name in ("acronym", "category", "parent"):
        if getattr(known, name) is None:
            setattr(known, name, getattr(org, name))


def _pool(first: list[Evidence], second: list[Evidence]) -> list[Evidence]:
    seen = {(e.doc, e.start, e.end) for e in first}
    return first + [e for e in second if (e.doc, e.start, e.end) not in seen]


def _with(item, **changes):
    new = copy.copy(item)
    for name, value in changes.items():
        setattr(new, name, value)
    return new


@dataclass
class Touched:
    """The entities some documents give evidence for: what a change to those documents can alter."""

    docs: set[str] = field(default_factory=set)
    reviews: set[str] = field(default_factory=set)
    organisations: set[str] = field(default_factory=set)
    review_themes: set[tuple[str, str]] = field(default_factory=set)

    def add(self, findings: Findings, docs: Iterable[str]) -> "Touched":
        docs = set(docs)
        self.docs |= docs
        self.reviews |= {r.id for r in findings.reviews if any(e.doc in docs for e in r.evidence)}
        self.organisations |= {o.id for o in findings.organisations if any(e.doc in docs for e in o.mentions)}
        self.organisations |= {o.parent for o in findings.organisations if o.id in self.organisations and o.parent}
        self.review_themes |= {(r.review, r.theme) for r in findings.review_themes
                               if any(e.doc in docs for e in r.evidence)}
        for action in findings.actions:  # an owner never mentioned appears in the graph through its action
            if action.evidence.doc in docs:
                self.organisations |= set(action.organisations)
        # Whether an organisation is in the graph decides the links to it: its units' and reviews' ownership.
        self.organisations |= {o.id for o in findings.organisations if o.parent in self.organisations}
        self.reviews |= {r.id for r in findings.reviews if r.partnership in self.organisations}
        return self

    def restrict(self, findings: Findings) -> Findings:
        """Only the touched entities (with all their evidence) and the findings that lie in the touched documents."""
        return Findings(
            themes=[], reviews=[r for r in findings.reviews if r.id in self.reviews],
            organisations=[o for o in findings.organisations if o.id in self.organisations],
            theme_mentions=[m for m in findings.theme_mentions if m.evidence.doc in self.docs],
            review_themes=[r for r in findings.review_themes if (r.review, r.theme) in self.review_themes],
            actions=[a for a in findings.actions if a.evidence.doc in self.docs])
