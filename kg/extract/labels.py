"""Finding labels (theme names, organisation names, acronyms) in text, with exact offsets.

A label becomes one regular expression. The rules are the ones stated at the
top of kg/ontology/themes.ttl and organisations.ttl, so a user editing those
files can predict what will match:

* a label with two or more capitals in one word ("CSE", "NCL ICB", "CP-IS") is
  an acronym: it matches case-sensitively, as whole words;
* in any other organisation name, capitalised words must be capitalised in the
  text (so the service "Early Help" is not found in "early help assessments"),
  while lower-case words match in any case; theme labels, written in sentence
  case, match in any case;
* light normalisation on both: hyphens, spaces, slashes and quote marks between
  words are interchangeable ("information-sharing", "'front door'"), "&" equals
  "and", a plural ending is optional, "do/does/did" and "was/were" are one word.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?|&")
# Between two words of a label: any run of spaces, hyphens, dashes, slashes, quotes
# or commas (possibly none, so "multiagency" matches "multi-agency"), never a line break.
_GAP = r"[ \t\-‐–—/'‘’\"“”,]*"
_EQUIVALENT_WORDS = {
    "and": r"(?:and|&)",
    "&": r"(?:and|&)",
    "did": r"(?:did|do|does)",
    "do": r"(?:did|do|does)",
    "does": r"(?:did|do|does)",
    "was": r"(?:was|were)",
    "were": r"(?:was|were)",
}


_WORD_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9&]{1,3}")


def _first_word_variants(word: str) -> set[str]:
    """Spellings the first word of a label may take in text ("did" also "do", "and" also "&")."""
    variants = {word}
    equivalent = _EQUIVALENT_WORDS.get(word)
    if equivalent:
        variants |= set(re.findall(r"[a-z&]+", equivalent))
    return variants


def is_acronym(label: str) -> bool:
    """True when some word of the label has two or more capitals (or capitals and digits): "NCL ICB", "S4H"."""
    for word in re.findall(r"[A-Za-z0-9'’\-]+", label):
        capitals = sum(c.isupper() for c in word)
        if capitals >= 2 or (capitals and any(c.isdigit() for c in word)):
            return True
    return False


def normalise(text: str) -> str:
    """Lower-case, "&" as "and", punctuation as single spaces: for comparing labels, not for offsets."""
    text = text.lower().replace("&", " and ").replace("’", "'")
    text = re.sub(r"'s\b", "s", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _word_pattern(word: str, case_sensitive: bool, keep_capitals: bool = True) -> str:
    lower = word.lower()
    if lower in _EQUIVALENT_WORDS:
        return _EQUIVALENT_WORDS[lower]
    if "'" in word or "’" in word:
        base, tail = re.split(r"['’]", word, maxsplit=1)
        body = re.escape(base) + "['’]?" + re.escape(tail)
    elif word.isalpha() and len(word) >= 3 and not (case_sensitive and word.isupper()):
        # Optional plural: "protocol" matches "protocols", "injury" matches "injuries".
        if lower.endswith("y") and lower[-2:-1] not in "aeiou":
            body = re.escape(word[:-1]) + "(?:y|ies)"
        elif lower.endswith(("s", "x", "sh", "ch")):
            body = re.escape(word) + "(?:es)?"
        else:
            body = re.escape(word) + "s?"
    else:
        body = re.escape(word)
    if case_sensitive:
        return body
    if keep_capitals and word[0].isupper():
        # A capitalised word must stay capitalised; the rest of it may be in any case ("EARLY HELP").
        return re.escape(word[0]) + "(?i:" + body[len(re.escape(word[0])):] + ")"
    return "(?i:" + body + ")"


def label_pattern(label: str, keep_capitals: bool = True) -> str:
    """The regular expression (as text) that finds `label` in running text.

    Args:
        label: a name, phrase or acronym.
        keep_capitals: capitalised words of a name must be capitalised in the text (right for
            organisation names; theme labels are written in sentence case and match in any case).
    """
    words = _TOKEN.findall(label)
    if not words:
        raise ValueError(f"label {label!r} has no words")
    case_sensitive = is_acronym(label)
    body = _GAP.join(_word_pattern(w, case_sensitive, keep_capitals) for w in words)
    return r"(?<![A-Za-z0-9])" + body + r"(?![A-Za-z0-9])"


@dataclass(frozen=True)
class LabelHit:
    """One place where a label was found."""

    start: int
    end: int
    key: str  # what the label names: a theme or organisation id
    label: str  # the label as written in the scheme
    pref: bool  # True for a preferred label, False for an alternative label or acronym


class LabelMatcher:
    """Finds any of many labels in text; each label belongs to a key (theme id, organisation id).

    Args:
        labels: (key, label, is_preferred) triples.
        keep_capitals: see `label_pattern`.
    """

    def __init__(self, labels: Iterable[tuple[str, str, bool]], keep_capitals: bool = True):
        self._entries: list[tuple[str, str, bool]] = []
        self._keep_capitals = keep_capitals
        self._patterns: dict[int, re.Pattern] = {}  # compiled on first use: most labels never meet their first word
        self._cache: dict[str, tuple[list[LabelHit], list[int]]] = {}
        self._by_prefix: dict[str, list[int]] = {}
        seen: set[tuple[str, str]] = set()
        for key, label, pref in labels:
            label = label.strip()
            if not label or (key, label) in seen or not _TOKEN.search(label):
                continue
            seen.add((key, label))
            self._entries.append((key, label, pref))
            first = _TOKEN.search(label).group(0).lower()
            for variant in _first_word_variants(first):
                self._by_prefix.setdefault(variant[:3], []).append(len(self._entries) - 1)

    def __len__(self) -> int:
        return len(self._entries)

    def _pattern(self, index: int) -> re.Pattern:
        pattern = self._patterns.get(index)
        if pattern is None:
            pattern = self._patterns[index] = re.compile(label_pattern(self._entries[index][1], self._keep_capitals))
        return pattern

    def find_all(self, text: str, start: int = 0, end: int | None = None) -> list[LabelHit]:
        """Every hit in text[start:end], overlapping ones included, in text order."""
        end = len(text) if end is None else end
        hits, starts = self._all_hits(text)
        first = bisect.bisect_left(starts, start)
        return [h for h in hits[first:bisect.bisect_left(starts, end)] if h.end <= end]

    def _all_hits(self, text: str) -> tuple[list[LabelHit], list[int]]:
        # Stages ask about many small spans of the same few documents: scan each text once.
        cached = self._cache.get(text)
        if cached is None:
            hits = []
            # Try only the labels whose first word starts like the word at hand (a few per word, not all).
            for word in _WORD_START.finditer(text):
                lowered = word.group(0).lower()
                for prefix in {lowered[:3], lowered[:2], lowered[:1]}:
                    for index in self._by_prefix.get(prefix, ()):
                        match = self._pattern(index).match(text, word.start())
                        if match:
                            key, label, pref = self._entries[index]
                            hits.append(LabelHit(match.start(), match.end(), key, label, pref))
            hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
            cached = (hits, [h.start for h in hits])
            if len(self._cache) >= 4096:
                self._cache.clear()
            self._cache[text] = cached
        return cached

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[LabelHit]:
        """Hits in text[start:end] with overlaps resolved: the longest label wins ("NCL ICB" over "ICB")."""
        return list(_longest_first(self.find_all(text, start, end)))

    def keys_in(self, text: str, start: int = 0, end: int | None = None) -> list[str]:
        """The distinct keys found, in order of first appearance."""
        return list(dict.fromkeys(h.key for h in self.find(text, start, end)))


def _longest_first(hits: list[LabelHit]) -> Iterator[LabelHit]:
    taken: list[LabelHit] = []
    for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
        if any(hit.start < t.end and t.start < hit.end for t in taken):
            continue
        taken.append(hit)
    yield from sorted(taken, key=lambda h: h.start)


@lru_cache(maxsize=16)
def _shared_matcher(labels: tuple[tuple[str, str, bool], ...], keep_capitals: bool) -> LabelMatcher:
    return LabelMatcher(labels, keep_capitals)


def shared_matcher(labels: Iterable[tuple[str, str, bool]], keep_capitals: bool = True) -> LabelMatcher:
    """A LabelMatcher built once per process for the same labels: compiling a national gazetteer's
    few thousand patterns takes seconds, and every extraction, question and test would repeat it."""
    return _shared_matcher(tuple(labels), keep_capitals)
