"""What extraction finds: plain dataclasses, each finding carrying its evidence.

These are the contract between kg/extract (which produces them) and kg/graph
(which turns them into RDF) and `kg export --format findings` (which the gold
set's scorer reads). Ids are slugs (`child-l`, `information-sharing`, `rflnhsft`)
that become the last segment of stable IRIs.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from typing import IO, Any


@dataclass
class Evidence:
    """An exact passage: `document.text[start:end] == quote`."""

    doc: str
    start: int
    end: int
    quote: str
    chunk_id: str | None = None
    section: list[str] = field(default_factory=list)


@dataclass
class Theme:
    """A learning theme of the SKOS scheme (kg/ontology/themes.ttl)."""

    id: str
    label: str
    alt_labels: list[str] = field(default_factory=list)
    definition: str = ""
    broader: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # managers' phrasings (skos:example), for ask only


@dataclass
class ReviewFinding:
    """A case review named in the corpus.

    `type` is a review-type concept id (cspr, rapid-review, serious-case-review,
    learning-review, thematic-review, safeguarding-adults-review, domestic-homicide-review,
    child-practice-review, national-review, …); `status` is one of commissioned, in progress,
    completed, published, not published; `year_basis` says what `year` is the year of
    (published, completed, commissioned or incident), as the text states it.
    """

    id: str
    label: str
    type: str | None
    status: str | None = None
    year: int | None = None
    year_basis: str | None = None
    partnership: str | None = None  # organisation id
    area: str | None = None  # the area a repository listing files it under
    taken_forward_as: str | None = None  # a later review type ("a rapid review taken forward as a CSPR")
    alt_labels: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    method: str = ""
    confidence: float = 0.0


@dataclass
class ThemeMention:
    """A passage that speaks of a theme (chunk level)."""

    theme: str
    evidence: Evidence
    method: str  # "label", "alt-label" or "embedding"
    confidence: float
    score: float | None = None  # embedding similarity, when that was the method


@dataclass
class ReviewTheme:
    """A learning theme a review raised."""

    review: str
    theme: str
    evidence: list[Evidence]
    method: str
    confidence: float


@dataclass
class ActionFinding:
    """What a review asked for (a recommendation) or what was done in response to learning (an action taken).

    Recommendations and actions taken are kept apart; an action taken `responds_to` the
    recommendations it answers when the text links them ("R2", "in response to recommendation 2").
    Theme-level activity (an awareness campaign) is an action taken with themes and no reviews.
    """

    id: str
    text: str  # a short description (the action clause)
    evidence: Evidence  # the sentence, list item or table row that states it
    kind: str = "action taken"  # "recommendation" or "action taken"
    category: str = "other"  # protocol, form, training, policy, audit, role, meeting, guidance, system, other
    reviews: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)  # owners
    year: int | None = None
    date: str | None = None  # due or completion date, as the text gives it
    status: str | None = None  # completed, in progress, not started, overdue … (action plans)
    number: str | None = None  # a recommendation's number ("3", "R2")
    responds_to: list[str] = field(default_factory=list)  # ids of recommendations an action answers
    method: str = ""
    confidence: float = 0.0


@dataclass
class OrganisationFinding:
    """An organisation or service, from the gazetteer or detected in the text."""

    id: str
    label: str
    acronym: str | None = None
    alt_labels: list[str] = field(default_factory=list)
    kind: str = "organisation"  # organisation or unit (a service or team within one)
    parent: str | None = None
    category: str | None = None  # health, police, local authority, education, voluntary, national, partnership …
    in_gazetteer: bool = True
    mentions: list[Evidence] = field(default_factory=list)
    method: str = ""
    confidence: float = 0.0


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of findings are made or tallied: its passes over every
    live finding doubled the time to read them (4.5 s to 2.3 s for the findings of 100K chunks) and made tallying
    them five times slower. Findings hold no reference cycles, so nothing waits on the collector meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def owners_first_actions(findings: "Findings") -> dict[str, ActionFinding]:
    """Each organisation an action names as owner, with the first such action (its passage is the evidence of
    an organisation no document names otherwise)."""
    first: dict[str, ActionFinding] = {}
    for action in findings.actions:
        for org in action.organisations:
            first.setdefault(org, action)
    return first


def _evidence(d: dict | None) -> Evidence | None:
    return Evidence(**d) if d else None


@dataclass
class Findings:
    reviews: list[ReviewFinding] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    theme_mentions: list[ThemeMention] = field(default_factory=list)
    review_themes: list[ReviewTheme] = field(default_factory=list)
    actions: list[ActionFinding] = field(default_factory=list)
    organisations: list[OrganisationFinding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Everything, for saving in the knowledge base (`from_dict` reads it back)."""
        return asdict(self)

    def write_jsonl(self, handle: IO[str]) -> None:
        """Write every finding as one JSON line, `[kind, fields]` (`read_jsonl` reads them back).

        One finding at a time: no dict copy of all findings (GBs at a million chunks) is ever held, and a
        reader parses line by line, so a server loading a large knowledge base keeps answering meanwhile
        (one `json.loads` of the whole file would hold the interpreter for tens of seconds).
        """
        for part in fields(self):
            for item in getattr(self, part.name):
                handle.write(json.dumps([part.name, asdict(item)], ensure_ascii=False))
                handle.write("\n")

    @classmethod
    def read_jsonl(cls, handle: IO[str]) -> "Findings":
        findings = cls()
        with collection_paused():
            for line in handle:
                if line.strip():
                    kind, data = json.loads(line)
                    getattr(findings, kind).append(_FROM_DICT[kind](data))
        return findings

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Findings":
        return cls(**{kind: [_FROM_DICT[kind](item) for item in data.get(kind, [])] for kind in _FROM_DICT})

    def to_export(self) -> dict[str, Any]:
        """The `kg export --format findings` JSON (DESIGN.md), with human labels."""
        reviews = {r.id: r.label for r in self.reviews}
        themes = {t.id: t.label for t in self.themes}
        orgs = {o.id: o.label for o in self.organisations}
        used_themes = {rt.theme for rt in self.review_themes} | {t for a in self.actions for t in a.themes} \
            | {m.theme for m in self.theme_mentions}
        return {
            "reviews": [{"label": r.label, "type": r.type, "status": r.status, "year": r.year,
                         "year_basis": r.year_basis, "partnership": orgs.get(r.partnership, r.partnership),
                         "area": r.area, "taken_forward_as": r.taken_forward_as, "alt_labels": r.alt_labels, "documents": _documents(r.evidence),
                         "evidence": [asdict(e) for e in r.evidence]} for r in self.reviews],
            "themes": [{"label": t.label, "alt_labels": t.alt_labels} for t in self.themes if t.id in used_themes],
            "review_themes": [{"review": reviews.get(rt.review, rt.review), "theme": themes.get(rt.theme, rt.theme),
                               "method": rt.method, "confidence": rt.confidence,
                               "evidence": [asdict(e) for e in rt.evidence]} for rt in self.review_themes],
            "actions": [{"text": a.text, "quote": a.evidence.quote, "doc": a.evidence.doc, "kind": a.kind,
                         "category": a.category, "status": a.status, "date": a.date, "number": a.number,
                         "responds_to": a.responds_to,
                         "reviews": [reviews.get(r, r) for r in a.reviews],
                         "themes": [themes.get(t, t) for t in a.themes],
                         "organisations": [orgs.get(o, o) for o in a.organisations],
                         "confidence": a.confidence, "evidence": asdict(a.evidence)} for a in self.actions],
            "organisations": [{"label": o.label, "alt_labels": [x for x in [o.acronym, *o.alt_labels] if x],
                               "category": o.category, "in_gazetteer": o.in_gazetteer, "mentions": len(o.mentions),
                               "documents": _documents(o.mentions)}
                              for o in self.organisations if o.mentions],
        }


def _documents(evidence: list[Evidence]) -> list[str]:
    """The documents a list of evidence comes from, in order of first appearance."""
    return list(dict.fromkeys(e.doc for e in evidence))


# How each kind of finding is rebuilt from its saved dict (nested evidence becomes Evidence again).
_FROM_DICT: dict[str, Any] = {
    "reviews": lambda r: ReviewFinding(**{**r, "evidence": [Evidence(**e) for e in r["evidence"]]}),
    "themes": lambda t: Theme(**t),
    "theme_mentions": lambda m: ThemeMention(**{**m, "evidence": _evidence(m["evidence"])}),
    "review_themes": lambda rt: ReviewTheme(**{**rt, "evidence": [Evidence(**e) for e in rt["evidence"]]}),
    "actions": lambda a: ActionFinding(**{**a, "evidence": _evidence(a["evidence"])}),
    "organisations": lambda o: OrganisationFinding(**{**o, "mentions": [Evidence(**e) for e in o["mentions"]]}),
}
