"""The cue lists and scoring tables extraction uses, read from TOML files in kg/ontology/rules/.

Each file holds named lists of entries. An entry is a phrase (`text`) or a regular
expression (`regex`), with the note of where it comes from (`source`) and, where a list
needs them, a value, a rank or a weight. Keeping them as data lets a partnership read,
audit and extend what kg looks for without touching code:

    rules = load_rules("actions")
    rules.pattern("action_verbs")          # one compiled alternation of the list
    rules.terms("subjects")                # the phrases, as written
    rules.weights("scores")                # {"action verb": 2, ...}
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from kg.errors import ConfigError

RULES_DIR = Path(__file__).resolve().parents[1] / "ontology" / "rules"


@dataclass(frozen=True)
class Rule:
    """One cue: a phrase or a regular expression, with where it comes from."""

    pattern: str  # a regular expression (phrases are escaped on load)
    source: str
    text: str = ""  # the phrase as written, for phrase entries
    value: str = ""
    rank: int = 0
    weight: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def phrase_pattern(text: str) -> str:
    """A phrase as a regular expression: whole words, any run of spaces or hyphens between them."""
    words = [re.escape(w) for w in re.split(r"[\s\-‐]+", text.strip()) if w]
    body = r"[\s\-‐]+".join(words)
    start = r"(?<![A-Za-z0-9])" if text[:1].isalnum() else ""
    end = r"(?![A-Za-z0-9])" if text[-1:].isalnum() else ""
    return start + body + end


class RuleSet:
    """The named lists of one rules file."""

    def __init__(self, name: str, lists: dict[str, list[Rule]]):
        self.name = name
        self.lists = lists
        self._compiled: dict[tuple[str, int], re.Pattern] = {}

    def rules(self, key: str) -> list[Rule]:
        try:
            return self.lists[key]
        except KeyError:
            raise ConfigError(f"rules file {self.name}.toml has no list {key!r}") from None

    def terms(self, key: str) -> list[str]:
        """The phrases of a list, as written."""
        return [r.text for r in self.rules(key) if r.text]

    def pattern(self, key: str, flags: int = re.I) -> re.Pattern:
        """One compiled alternation of every entry in a list (longest phrases first)."""
        cache_key = (key, flags)
        if cache_key not in self._compiled:
            parts = sorted((r.pattern for r in self.rules(key)), key=len, reverse=True)
            self._compiled[cache_key] = re.compile("|".join(f"(?:{p})" for p in parts), flags)
        return self._compiled[cache_key]

    def patterns(self, key: str, flags: int = re.I) -> list[tuple[re.Pattern, Rule]]:
        """Each entry of a list compiled on its own, with its rule (for lists whose entries carry values)."""
        return [(re.compile(r.pattern, flags), r) for r in self.rules(key)]

    def weights(self, key: str) -> dict[str, float]:
        """A scoring table: each entry's `value` (the feature name) to its weight."""
        return {r.value: r.weight for r in self.rules(key)}


def _rule(entry: Any, where: str) -> Rule:
    if not isinstance(entry, dict) or not entry.get("source"):
        raise ConfigError(f"{where}: every entry needs a `source` saying where it comes from")
    if "regex" in entry:
        pattern, text = entry["regex"], ""
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: bad regular expression {pattern!r}: {exc}") from None
    elif "text" in entry:
        text = str(entry["text"])
        pattern = phrase_pattern(text)
    elif "value" in entry:
        text, pattern = "", ""
    else:
        raise ConfigError(f"{where}: an entry needs `text`, `regex` or `value`")
    known = {"regex", "text", "source", "value", "rank", "weight"}
    return Rule(pattern=pattern, source=str(entry["source"]), text=text, value=str(entry.get("value", "")),
                rank=int(entry.get("rank", 0)), weight=float(entry.get("weight", 0.0)),
                extra={k: v for k, v in entry.items() if k not in known})


@lru_cache(maxsize=16)
def _load(path: str) -> RuleSet:
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read rules file {file}: {exc}") from None
    lists = {}
    for key, entries in data.items():
        if not isinstance(entries, list):
            continue
        lists[key] = [_rule(e, f"{file.name} [{key}] entry {i + 1}") for i, e in enumerate(entries)]
    return RuleSet(file.stem, lists)


def load_rules(name: str, folder: str | Path | None = None) -> RuleSet:
    """The rules file `name`.toml (default folder: kg/ontology/rules); parsed once per process."""
    return _load(str(Path(folder or RULES_DIR) / f"{name}.toml"))
