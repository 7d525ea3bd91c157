"""What a question is about: themes, reviews and organisations named in it, by label, alias or acronym.

Used two ways: search expands a query with the other names of what it mentions
("front door" → MASH, Multi-Agency Safeguarding Hub), and ask() turns a question
into the graph entities it should report on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from kg.extract.findings import Findings
from kg.extract.labels import LabelMatcher, is_acronym
from kg.extract.scheme import GazetteerEntry, load_scheme


@dataclass
class Resolved:
    """Entities found in a text: id -> the words that named them."""

    themes: dict[str, str] = field(default_factory=dict)
    reviews: dict[str, str] = field(default_factory=dict)
    organisations: dict[str, str] = field(default_factory=dict)


def _query_labels(label: str) -> bool:
    """Labels worth matching in a user's words: not one- or two-letter acronyms ("DA", "AS")."""
    letters = re.sub(r"[^A-Za-z0-9]", "", label)
    return len(letters) >= 3


@lru_cache(maxsize=1)
def question_organisation_matcher() -> tuple[LabelMatcher, dict[str, GazetteerEntry]]:
    """Organisation names and acronyms, matched whatever their case (users type "mash", "the royal free")."""
    entries = {e.id: e for e in load_scheme().gazetteer}
    labels = [(e.id, label, label == e.label) for e in entries.values() for label in [e.label, *e.alt_labels]
              if _query_labels(label)]
    # "the front door" is also "front door" in a question ("Barnet's front door").
    labels += [(key, label[4:], False) for key, label, _ in labels if label.lower().startswith("the ") and len(label) > 8]
    # People type acronyms in lower case ("mash", "cdop"); four letters or more is distinctive enough.
    labels += [(key, label.lower(), False) for key, label, _ in labels
               if is_acronym(label) and len(re.sub(r"[^A-Za-z]", "", label)) >= 4]
    return LabelMatcher(labels, keep_capitals=False), entries


def organisation_names(text: str) -> dict[str, str]:
    """Gazetteer organisations named in a text: id -> the words used."""
    matcher, _ = question_organisation_matcher()
    found: dict[str, str] = {}
    for hit in matcher.find(text):
        found.setdefault(hit.key, text[hit.start:hit.end])
    return found


def expand_query(query: str) -> str:
    """The query plus the other names of the organisations it mentions (for the lexical leg)."""
    found = organisation_names(query)
    if not found:
        return query
    _, entries = question_organisation_matcher()
    extra: list[str] = []
    for org_id, words in found.items():
        entry = entries[org_id]
        # An acronym brings in the name; a name brings in the acronyms. More would drown the question's own words.
        acronyms = [a for a in entry.alt_labels if is_acronym(a)]
        used_acronym = words.lower() in {a.lower() for a in acronyms}
        names = [entry.label] if used_acronym else acronyms or [entry.label]
        for name in names:
            if name.lower() not in query.lower() and name not in extra:
                extra.append(name)
    return f"{query} {' '.join(extra)}" if extra else query


_MATCHERS: dict[int, tuple[Findings, LabelMatcher, LabelMatcher]] = {}


def _findings_matchers(findings: Findings) -> tuple[LabelMatcher, LabelMatcher]:
    """Theme and review matchers for one set of findings, built once."""
    cached = _MATCHERS.get(id(findings))
    if cached is None or cached[0] is not findings:
        themes = LabelMatcher([(t.id, label, label == t.label) for t in findings.themes
                               for label in [t.label, *t.alt_labels] if _query_labels(label) or label.isupper()],
                              keep_capitals=False)
        reviews = LabelMatcher([(r.id, label, label == r.label) for r in findings.reviews
                                for label in [r.label, *r.alt_labels]], keep_capitals=True)
        cached = _MATCHERS[id(findings)] = (findings, themes, reviews)
    return cached[1], cached[2]


def resolve_in_findings(text: str, findings: Findings) -> Resolved:
    """Themes, reviews and organisations of a knowledge base named in a text (labels, aliases, acronyms)."""
    resolved = Resolved()
    themes, reviews = _findings_matchers(findings)
    for hit in themes.find(text):
        resolved.themes.setdefault(hit.key, text[hit.start:hit.end])
    for hit in reviews.find(text):
        resolved.reviews.setdefault(hit.key, text[hit.start:hit.end])
    present = {o.id for o in findings.organisations if o.mentions}
    for org_id, words in organisation_names(text).items():
        if org_id in present:
            resolved.organisations[org_id] = words
    return resolved
