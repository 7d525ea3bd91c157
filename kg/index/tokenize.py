"""Tokens for BM25 that suit safeguarding reports.

Lower-cased and lightly stemmed (Snowball English), English stop words removed —
except that acronyms written in capitals (MASH, CP-IS, NCL ICB, "Child AS") are
kept whole and never treated as stop words, and hyphenated terms are indexed both
whole and in parts, so "multi-agency", "multi agency" and "CP-IS" all stay findable.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’&]*(?:[-/][A-Za-z0-9][A-Za-z0-9'’]*)*")
# Lucene's list plus the rest of the common English function words (NLTK's list) and question words.
_STOP = frozenset(STOPWORDS_EN) | frozenset("""
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
its itself them theirs themselves what which who whom whose this those am been being have has had having do does
did doing because until while about against between through during before after above below from up down out
off over under again further once here when where why how all any both each few more most other some nor only
own same so than too very can just should now also within upon whilst would could shall may might must ought
""".split())
_STEMMER = Stemmer.Stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and len(word) <= 10


_NAMED = re.compile(r"\b((?i:child|family|adult|baby|infant|sibling|young person|mother|father))\s+"
                    r"([A-Z]{1,3}(?:\s*(?:&|and)\s*[A-Z]{1,3})?)\b")


def tokenize(text: str) -> list[str]:
    """BM25 tokens of one text."""
    # Reviews are named for anonymised people ("Child A", "Family P", "Child GA & RA"): keep the name as one token.
    tokens: list[str] = ["".join(re.findall(r"[a-z]+", m.group(0).lower())) for m in _NAMED.finditer(text)]
    for match in _WORD.finditer(text):
        raw = match.group(0).replace("’", "'")
        if raw.endswith(("'s", "'S")):
            raw = raw[:-2]
        raw = raw.strip("'&")
        if not raw:
            continue
        if _is_acronym(raw):
            parts = re.split(r"[-/&]", raw)
            tokens.append("".join(parts).lower())  # "AS" in "Child AS" is a name, not the stop word "as"
            if len(parts) > 1:
                tokens.extend(p.lower() for p in parts if len(p) > 1)
            continue
        word = raw.lower()
        if word.endswith("n't"):
            continue
        parts = [p for p in re.split(r"[-/&]", word) if p]
        if len(parts) > 1:
            tokens.append("".join(parts))  # "multi-agency" also as "multiagency"
            tokens.extend(_stem(p) for p in parts if p not in _STOP)
            continue
        if word in _STOP or (len(word) == 1 and not word.isdigit()):
            continue
        tokens.append(_stem(word))
    return tokens


def tokenize_many(texts: list[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]
