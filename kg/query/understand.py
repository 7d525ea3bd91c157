"""Understanding a manager's question in their own words: what it asks for (intents), which kinds of partner it
names ("health partners"), and which themes it names despite typing slips ("infomation shareing").

The wordings live in kg/ontology/rules/questions.toml; theme names come from the knowledge base's scheme.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from kg.extract.findings import Findings
from kg.extract.rules import load_rules

INTENT_NAMES = ("actions", "where", "recurring", "gaps", "years", "owners")
# Theme names shorter than this are too easily one slip away from an ordinary word ("FGM", "LADO").
MIN_FUZZY_NAME = 8
FUZZY_SCORE = 88
# A one-word name of 5-7 letters ("neglect", "carers") matches a word one slip away (a letter added, dropped,
# changed or two swapped) with the same first letter — only when that word is not itself an ordinary word
# ("careers" is a word; "negelct" is not).
MIN_SHORT_NAME = 5


@lru_cache(maxsize=1)
def _intent_patterns() -> dict[str, re.Pattern]:
    rules = load_rules("questions")
    return {name: rules.pattern(f"intent_{name}") for name in INTENT_NAMES}


def question_intents(question: str) -> list[str]:
    """What the question asks for, in INTENT_NAMES order: actions, where, recurring, gaps, years, owners."""
    return [name for name, pattern in _intent_patterns().items() if pattern.search(question)]


def topic_text(question: str) -> str:
    """The question without the words that say what it asks for ("where does … appear", "what was done about"),
    leaving what it is about."""
    for pattern in _intent_patterns().values():
        question = pattern.sub(" ", question)
    return question


def subject_text(question: str, names: list[str]) -> str:
    """What a question is about: without its intent words and without the partners' names it uses (`names`)."""
    topic = topic_text(question)
    for words in names:
        topic = re.sub(re.escape(words), " ", topic, flags=re.I)
    return topic


@lru_cache(maxsize=1)
def _generic_words() -> frozenset[str]:
    return frozenset(w.lower() for w in load_rules("questions").terms("generic_words"))


def without_generic_words(topic: str) -> str:
    """The topic without generic words ("agency", "review"): what is compared with themes' meaning."""
    words = _generic_words()
    return re.sub(r"[A-Za-z]+", lambda m: " " if m.group(0).lower() in words else m.group(0), topic)


def has_subject(topic: str) -> bool:
    """Whether what is left of a question (see `topic_text`) still names a subject: a word of three letters or more
    that is not a stop word or one of the generic words of kg/ontology/rules/questions.toml."""
    from kg.index.tokenize import tokenize

    generic = {t for w in _generic_words() for t in tokenize(w)}
    return any(len(t) >= 3 and t not in generic for t in tokenize(topic))


@lru_cache(maxsize=1)
def _service_patterns() -> tuple[re.Pattern, re.Pattern]:
    rules = load_rules("questions")
    return rules.pattern("service_requests"), rules.pattern("learning_words")


def service_request(question: str) -> str | None:
    """The words that make a question a request to use a service ("how do I apply for", "visiting hours",
    "my dad"), when it does not also speak of reviews or their learning; else None."""
    request, _ = _service_patterns()
    match = request.search(question)
    return match.group(0) if match and not speaks_of_learning(question) else None


def speaks_of_learning(question: str) -> bool:
    """Whether a question speaks of reviews or their learning ("lessons", "recommendations", "findings")."""
    return bool(_service_patterns()[1].search(question))


@lru_cache(maxsize=1)
def _category_patterns() -> list[tuple[re.Pattern, str]]:
    return [(pattern, rule.value) for pattern, rule in load_rules("questions").patterns("partner_categories")]


def partner_categories(question: str) -> dict[str, str]:
    """Kinds of partner the question names in general: gazetteer category -> the words used."""
    found: dict[str, str] = {}
    for pattern, category in _category_patterns():
        match = pattern.search(question)
        if match:
            found.setdefault(category, match.group(0))
    return found


def _word_windows(text: str, size: int) -> list[tuple[str, int, int]]:
    words = list(re.finditer(r"[A-Za-z][A-Za-z'’-]*", text))
    return [(text[words[i].start():words[i + size - 1].end()], words[i].start(), words[i + size - 1].end())
            for i in range(len(words) - size + 1)]


def fuzzy_theme_names(question: str, findings: Findings, already: set[str] = frozenset(),
                      known_words: frozenset[str] = frozenset()) -> dict[str, str]:
    """Themes whose label or alternative label the question spells nearly right: id -> the words used.

    Each name is compared with the question's runs of as many words (rapidfuzz ratio, case-folded) that hold a
    word outside `known_words` (a slip; a run of ordinary words is a different phrase, not a misspelling). One-word
    names of MIN_SHORT_NAME to MIN_FUZZY_NAME - 1 letters match a word one slip away that is not in
    `known_words` (ordinary words); without that list, and below MIN_SHORT_NAME, names must be spelt right
    (they are matched exactly elsewhere).
    """
    names: dict[int, list[tuple[str, str]]] = {}
    short: list[tuple[str, str]] = []
    for theme in findings.themes:
        for name in [theme.label, *theme.alt_labels]:
            if len(name) >= MIN_FUZZY_NAME:
                names.setdefault(len(name.split()), []).append((name.lower(), theme.id))
            elif len(name) >= MIN_SHORT_NAME and name.isalpha():
                short.append((name.lower(), theme.id))
    found: dict[str, tuple[str, float]] = {}
    if known_words:
        for word in re.findall(r"[A-Za-z]+", question):
            lower = word.lower()
            if len(lower) < MIN_SHORT_NAME or lower in known_words:
                continue
            for name, theme_id in short:
                if theme_id not in already and lower[0] == name[0] and OSA.distance(lower, name) == 1:
                    found.setdefault(theme_id, (word, 90.0))
    for size, candidates in names.items():
        choices = [name for name, _ in candidates]
        for words, _, _ in _word_windows(question, size):
            if known_words and all(len(w) <= 2 or w.lower() in known_words for w in re.findall(r"[A-Za-z]+", words)):
                continue  # every word spelt as an ordinary word: not a slip ("a health" is not "LAC health")
            best = process.extractOne(words.lower(), choices, scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE)
            if best is None:
                continue
            theme_id = candidates[best[2]][1]
            if theme_id in already:
                continue
            if theme_id not in found or best[1] > found[theme_id][1]:
                found[theme_id] = (words, best[1])
    return {theme_id: words for theme_id, (words, _) in sorted(found.items(), key=lambda kv: -kv[1][1])}


def narrower_themes(findings: Findings, theme_id: str) -> list[str]:
    """Themes under a theme (skos:broader pointing at it), all levels down."""
    children: dict[str, list[str]] = {}
    for theme in findings.themes:
        for parent in theme.broader:
            children.setdefault(parent, []).append(theme.id)
    out, todo = [], list(children.get(theme_id, []))
    while todo:
        child = todo.pop(0)
        if child not in out and child != theme_id:
            out.append(child)
            todo.extend(children.get(child, []))
    return out
