"""ask(): a short, cited answer to a manager's question, assembled from the graph and the best passages.

Extractive by construction: every sentence of an answer is either a fact of
the graph (a review raised a theme, an action answers it, an organisation owns
it), stated with the passage that supports it, or a quotation of a passage.
Each sentence carries citation markers [n] that point at `evidence[n-1]`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from kg.config import Settings, load_settings
from kg.documents import Passage
from kg.errors import QueryError
from kg.extract.findings import ActionFinding, Evidence, Findings
from kg.extract.scheme import load_scheme
from kg.index.tokenize import tokenize
from kg.kb import KnowledgeBase
from kg.query.explore import recurring_themes, theme_gaps, themes_by_year
from kg.query.resolve import Resolved, resolve_in_findings
from kg.query.search import (Searcher, SearchFilters, SearchResult, check_filters, filter_documents, open_searcher,
                             reviews_of_types, validate_query)
from kg.query.understand import (fuzzy_theme_names, has_subject, narrower_themes, partner_categories,
                                 question_intents, service_request, speaks_of_learning, subject_text,
                                 without_generic_words)
from kg.text import sentence_spans

# Words of organisation names that say what kind of body it is rather than which one.
_GENERIC_NAME_WORDS = {
    "service", "services", "trust", "nhs", "partnership", "board", "council", "london", "children", "child",
    "children's", "safeguarding", "foundation", "team", "group", "the", "and", "of", "for", "care", "health",
    "social", "panel", "hub", "agency", "local", "authority", "national", "review", "practice", "family", "families",
    "early", "help", "community", "school", "schools", "what", "works", "action", "learning", "education", "young",
    "people", "adult", "adults", "integrated", "commissioning", "clinical", "office", "department", "centre",
}
_COMMON_WORDS = {"how", "what", "which", "who", "where", "when", "why", "is", "are", "has", "have", "did", "does"}
# Kinds of service people name in lower case and mean their local one.
SERVICE_NOUNS = {"police", "probation", "hospital", "camhs", "mash", "lado", "cdop", "ofsted", "gps", "gp"}
# A word in the names of this many organisations or more is not distinctive of one of them.
_SHARED_NAME_WORD = 3
MAX_ACTIONS = 5
MAX_PASSAGES = 4


@dataclass
class AnswerEvidence(Passage):
    """A cited passage: a search result plus the exact quote(s) that support the answer."""

    score: float
    title: str = ""
    date: str | None = None
    quotes: list[dict] = field(default_factory=list)  # {"quote", "start", "end"} offsets into the document
    source: str = "search"  # "search" or "graph"


@dataclass
class Answer:
    question: str
    answer: str
    themes: list[dict] = field(default_factory=list)
    reviews: list[dict] = field(default_factory=list)
    organisations: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    evidence: list[AnswerEvidence] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    found: bool = True  # False: nothing in the knowledge base answers the question (the answer says so)
    categories: list[str] = field(default_factory=list)  # kinds of partner named ("health partners" -> health)

    def to_dict(self) -> dict:
        return asdict(self)


def whole_action_text(action: ActionFinding) -> str:
    """An action in whole sentences: the extracted text, or the sentence it came from when that text was cut."""
    if action.text.endswith("…") and action.evidence.quote:
        return " ".join(action.evidence.quote.split()).lstrip("•-–●* ")
    return action.text


def short_title(title: str, limit: int = 60) -> str:
    """A document title short enough to cite inline: up to a bracket, comma or `limit` characters."""
    short = re.split(r"\s[(–—]|, (?=\d)", title)[0].strip()
    if len(short) > limit:
        short = short[:limit].rsplit(" ", 1)[0] + "…"
    return short


class _Citations:
    """Evidence collected while composing; one item per chunk, markers renumbered by relevance at the end."""

    def __init__(self, asker: "Asker", ranks: dict[str, int], results: dict[str, SearchResult]):
        self.asker = asker
        self.ranks = ranks
        self.results = results
        self.items: list[AnswerEvidence] = []
        self.by_chunk: dict[str, int] = {}

    def cite_evidence(self, evidence: Evidence) -> str:
        chunk_id = evidence.chunk_id or self.asker.chunk_for(evidence)
        index = self._item(chunk_id, "graph")
        if index is None:
            return ""
        item = self.items[index]
        quote = {"quote": evidence.quote, "start": evidence.start, "end": evidence.end}
        if quote not in item.quotes:
            item.quotes.append(quote)
        return f"{{{{{index}}}}}"

    def cite_result(self, result: SearchResult, quote: tuple[int, int] | None = None) -> str:
        index = self._item(result.chunk_id, "search", result)
        if index is None:
            return ""
        if quote:
            item = self.items[index]
            entry = {"quote": self.asker.document_text(result.doc)[quote[0]:quote[1]], "start": quote[0], "end": quote[1]}
            if entry not in item.quotes:
                item.quotes.append(entry)
        return f"{{{{{index}}}}}"

    def _item(self, chunk_id: str | None, source: str, result: SearchResult | None = None) -> int | None:
        if not chunk_id:
            return None
        if chunk_id in self.by_chunk:
            return self.by_chunk[chunk_id]
        result = result or self.results.get(chunk_id)
        chunk = None if result else self.asker.kb.chunk(chunk_id)
        if result is None and chunk is None:
            return None
        info = self.asker.kb.document_info(result.doc if result else chunk.doc)
        base = result or chunk
        self.items.append(AnswerEvidence(
            doc=base.doc, chunk_id=chunk_id, text=base.text, start=base.start, end=base.end, section=list(base.section),
            score=float(result.score) if result else 0.0, title=info.title if info else base.doc,
            date=info.date if info else None, source=source))
        self.by_chunk[chunk_id] = len(self.items) - 1
        return len(self.items) - 1

    def finish(self, text: str) -> tuple[str, list[AnswerEvidence]]:
        """Order evidence by relevance to the question and renumber the markers in the text."""
        order = sorted(range(len(self.items)),
                       key=lambda i: (self.ranks.get(self.items[i].chunk_id, 10_000), i))
        new_number = {old: new + 1 for new, old in enumerate(order)}

        def renumber(match: re.Match) -> str:
            numbers = sorted({new_number[int(n)] for n in re.findall(r"\{\{(\d+)\}\}", match.group(0))})
            return "".join(f"[{n}]" for n in numbers)

        text = re.sub(r"(?:\s*\{\{\d+\}\})+", lambda m: " " + renumber(m), text)
        return text, [self.items[i] for i in order]


class Asker:
    """Answers questions about one knowledge base (findings and search loaded once)."""

    def __init__(self, kb: KnowledgeBase, settings: Settings | None = None, searcher: Searcher | None = None,
                 findings: Findings | None = None):
        self.kb = kb
        self.settings = settings or load_settings()
        self.searcher = searcher or Searcher(kb, self.settings)
        self.findings: Findings = findings if findings is not None else kb.findings()
        self.theme_labels = {t.id: t.label for t in self.findings.themes}
        self.review_by_id = {r.id: r for r in self.findings.reviews}
        self.org_by_id = {o.id: o for o in self.findings.organisations if o.mentions}
        self.review_type_labels = {t.id: t.label for t in load_scheme().review_types}
        self._texts: dict[str, str] = {}
        self._org_words: dict[str, list] = {}
        for org in self.org_by_id.values():
            for word in {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’]+", org.label)} - _GENERIC_NAME_WORDS:
                if len(word) >= 3:
                    self._org_words.setdefault(word, []).append(org)
        self._theme_vectors: tuple[list[str], np.ndarray] | None = None
        self._known_words: frozenset[str] | None = None
        self._mentions_by_theme: dict[str, list] | None = None
        self._themes_by_chunk: dict[str, set[str]] | None = None
        self._lock = threading.Lock()

    # ---- helpers ---------------------------------------------------------------------------------

    def document_text(self, doc: str) -> str:
        if doc not in self._texts:
            document = self.kb.document(doc)
            self._texts[doc] = document.text if document else ""
        return self._texts[doc]

    def chunk_for(self, evidence: Evidence) -> str | None:
        for chunk in self.kb.iter_chunks(evidence.doc):
            if chunk.start <= evidence.start and evidence.end <= chunk.end:
                return chunk.chunk_id
        return None

    def known_words(self) -> frozenset[str]:
        """Ordinary words (the embedding model's vocabulary), which a typing slip is not; read once."""
        if self._known_words is None:
            self._known_words = self.searcher.embedder.known_words()
        return self._known_words

    def theme_vectors(self) -> tuple[list[str], np.ndarray]:
        """One vector per theme name (labels and alternative labels), for matching a question's wording."""
        with self._lock:
            if self._theme_vectors is None:
                ids, texts = [], []
                # Managers' phrasings come from the scheme as installed (a knowledge base built before they were
                # written still gets them).
                examples = {t.id: t.examples for t in load_scheme().themes}
                for theme in self.findings.themes:
                    # Its names, what it means and how people ask about it: a question may describe a theme
                    # without naming it.
                    for name in [theme.label, *theme.alt_labels, theme.definition, *examples.get(theme.id, [])]:
                        if name:
                            ids.append(theme.id)
                            texts.append(name)
                self._theme_vectors = (ids, self.searcher.embedder.encode(texts))
            return self._theme_vectors

    def theme_scores(self, question_vector: np.ndarray) -> dict[str, float]:
        """Each theme's closest name, definition or example to the question (cosine)."""
        ids, vectors = self.theme_vectors()
        scores = vectors @ question_vector.ravel()
        best: dict[str, float] = {}
        for theme_id, score in zip(ids, scores):
            best[theme_id] = max(best.get(theme_id, -1.0), float(score))
        return best

    def closest_themes(self, question_vector: np.ndarray, n: int = 3) -> list[tuple[str, float]]:
        return sorted(self.theme_scores(question_vector).items(), key=lambda kv: -kv[1])[:n]

    def closest_theme_labels(self, question_vector: np.ndarray) -> list[str]:
        """The three themes closest to a question, by label: what an answer that found nothing offers instead."""
        return [self.theme_labels[t] for t, _ in self.closest_themes(question_vector, 3)]

    def passage_theme_votes(self, results: list[SearchResult]) -> dict[str, float]:
        """How strongly the best passages for a question speak of each theme: the themes mentioned in each of the
        first `ask_theme_vote_passages` results, weighted by 1/rank, as a share of the most a theme could get."""
        with self._lock:
            if self._themes_by_chunk is None:
                by_chunk: dict[str, set[str]] = {}
                for mention in self.findings.theme_mentions:
                    by_chunk.setdefault(mention.evidence.chunk_id or "", set()).add(mention.theme)
                self._themes_by_chunk = by_chunk
        top = results[:int(self.settings.ask_theme_vote_passages)]
        most = sum(1 / (rank + 1) for rank in range(len(top))) or 1.0
        votes: dict[str, float] = {}
        for rank, result in enumerate(top):
            for theme_id in self._themes_by_chunk.get(result.chunk_id, ()):
                votes[theme_id] = votes.get(theme_id, 0.0) + 1 / (rank + 1) / most
        return votes

    def resolve(self, question: str, question_vector: np.ndarray,
                results: list[SearchResult] | None = None) -> Resolved:
        resolved = resolve_in_findings(question, self.findings)
        if not resolved.reviews and question == question.lower():
            # Typed all in lower case ("what happened after child a"): review names are read as if capitalised.
            resolved.reviews.update(resolve_in_findings(question.title(), self.findings).reviews)
        # Spelt nearly right ("infomation shareing"), beside any theme named exactly ("male carers" and
        # "domestic voilence" in one question).
        resolved.themes.update(fuzzy_theme_names(question, self.findings, already=set(resolved.themes),
                                                 known_words=self.known_words()))
        # By meaning: "passing on what they knew" is information sharing. Two themes when they are as close. A
        # question that names a theme in passing ("the carer's story", "should have been escalated") still gets the
        # theme its whole meaning is closest to, when that one scores above every theme it names. Compared on what
        # the question is about, without the partners it names ("health partners" is not health assessments) or the
        # words that say what it asks for.
        named = dict(resolved.themes)
        self._resolve_organisation_words(question, resolved)
        topic = subject_text(question, [*resolved.organisations.values(), *partner_categories(question).values()])
        if not has_subject(topic):
            return resolved
        # The topic as asked and without its generic words ("agency"), each theme scored by the closer one:
        # "another agency's decision" is about challenging a decision more than about agencies.
        topics = list(dict.fromkeys([" ".join(topic.split()), " ".join(without_generic_words(topic).split())]))
        best: dict[str, float] = {}
        for text in topics:
            scores = self.theme_scores(self.searcher.embedder.encode_query(text))
            for theme_id in [*sorted(scores, key=scores.get, reverse=True)[:8], *(t for t in named if t in scores)]:
                best[theme_id] = max(best.get(theme_id, -1.0), scores[theme_id])
        # What the documents' own passages for the question speak of breaks near-ties between neighbouring
        # themes ("marks on a baby who cannot roll over": bruising, not health assessments).
        votes = self.passage_theme_votes(results or [])
        weight = float(self.settings.ask_theme_vote_weight)
        scored = {t: score + weight * votes.get(t, 0.0) for t, score in best.items()}
        ranked = sorted(scored.items(), key=lambda kv: -kv[1])[:2]
        floor = max((scored.get(t, -1.0) for t in named), default=-1.0)
        for theme_id, score in ranked[:2 if not named else 1]:
            if theme_id in named or score < float(self.settings.ask_theme_similarity) or score <= floor:
                continue
            if score >= ranked[0][1] - float(self.settings.ask_theme_margin):
                resolved.themes[theme_id] = f"(meaning, {best[theme_id]:.2f}; passages, {votes.get(theme_id, 0):.2f})"
        if named and len(resolved.themes) > len(named):  # what the question means comes before a name in passing
            resolved.themes = {**{t: w for t, w in resolved.themes.items() if t not in named}, **named}
        return resolved

    def _resolve_organisation_words(self, question: str, resolved: Resolved) -> None:
        """"police", "the Royal Free": one distinctive word of an organisation's name can name it.

        A word counts when the question capitalises it (a name: "Royal", "Whittington") or it is a kind of
        service people name in lower case ("police", "probation"); the organisation mentioned most wins.
        """
        for match in re.finditer(r"[A-Za-z][A-Za-z'’]+", question):
            word = match.group(0)
            lowered = word.lower()
            if lowered not in self._org_words:
                continue
            named = word[0].isupper() and match.start() > 0 and lowered not in _COMMON_WORDS
            if not (named or lowered in SERVICE_NOUNS):
                continue
            if lowered not in SERVICE_NOUNS and len(self._org_words[lowered]) >= _SHARED_NAME_WORD:
                continue  # a word in many partners' names (the area's name: "Barnet") names none of them
            best = max(self._org_words[lowered], key=lambda o: len(o.mentions))
            if best.id not in resolved.organisations:
                resolved.organisations[best.id] = word

    # ---- facts -----------------------------------------------------------------------------------

    def mentions_of(self, theme_id: str) -> list:
        """Passages that speak of a theme, in extraction order (indexed once: scanning every mention per
        question took a noticeable part of a second at a million chunks)."""
        if self._mentions_by_theme is None:
            by_theme: dict[str, list] = {}
            for mention in self.findings.theme_mentions:
                by_theme.setdefault(mention.theme, []).append(mention)
            self._mentions_by_theme = by_theme
        return self._mentions_by_theme.get(theme_id, [])

    def reviews_raising(self, theme_id: str) -> list[tuple[str, list[Evidence]]]:
        return [(link.review, link.evidence) for link in self.findings.review_themes if link.theme == theme_id]

    def actions_for(self, theme: str | None = None, review: str | None = None,
                    organisation: str | None = None) -> list[ActionFinding]:
        return [a for a in self.findings.actions
                if (theme is None or theme in a.themes) and (review is None or review in a.reviews)
                and (organisation is None or organisation in a.organisations)]

    def _review_name(self, review_id: str) -> str:
        review = self.review_by_id.get(review_id)
        return review.label if review else review_id

    def _org_names(self, ids: list[str]) -> str:
        return ", ".join(self.org_by_id[o].label for o in ids if o in self.org_by_id)

    # ---- composing ---------------------------------------------------------------------------------

    def ask(self, question: str, filters: SearchFilters | None = None) -> Answer:
        """Answer a question with cited sentences (see module docstring).

        Args:
            question: the manager's words.
            filters: only documents of a date range, publisher or list, and reviews of those years or types:
                the passages searched and the graph's facts (reviews, actions, mentions) alike.

        Raises:
            QueryError: empty or over-long question, or a filter that could only give nothing by mistake.
        """
        question = validate_query(question, self.settings.max_query_chars)
        if filters is not None and filters.active():
            check_filters(filters, self.kb)
            return self._within(filters)._answer(question, filters)
        return self._answer(question, None)

    def _within(self, filters: SearchFilters) -> "Asker":
        """An asker over the findings the filters allow, sharing this one's search and theme vectors."""
        docs = filter_documents(filters, self.kb)
        dates = {d.doc: d.date or "" for d in self.kb.documents()}
        low, high = filters.date_from or "", (filters.date_to or "9999") + "\uffff"

        def doc_ok(doc: str) -> bool:
            return (docs is None or doc in docs) and (not (filters.date_from or filters.date_to)
                                                      or low <= dates.get(doc, "") <= high)

        types = set(reviews_of_types(filters.review_types, self.findings)) if filters.review_types else None

        def review_ok(review) -> bool:
            if types is not None and review.id not in types:
                return False
            if review.year and (filters.date_from or filters.date_to):
                return low[:4] <= str(review.year) <= high[:4]
            return any(doc_ok(e.doc) for e in review.evidence) or not review.evidence
        reviews = [r for r in self.findings.reviews if review_ok(r) and (filters.reviews is None or r.id in filters.reviews)]
        kept = {r.id for r in reviews}
        findings = Findings(
            reviews=reviews, themes=self.findings.themes, organisations=self.findings.organisations,
            review_themes=[link for link in self.findings.review_themes if link.review in kept],
            theme_mentions=[m for m in self.findings.theme_mentions if doc_ok(m.evidence.doc)],
            actions=[a for a in self.findings.actions if doc_ok(a.evidence.doc)
                     and (types is None or any(r in kept for r in a.reviews))])
        view = Asker(self.kb, self.settings, self.searcher, findings)
        view._theme_vectors = self.theme_vectors()
        view._known_words = self.known_words()
        return view

    def _answer(self, question: str, filters: SearchFilters | None) -> Answer:
        vector = self.searcher.embedder.encode_query(question)
        results = self.searcher.search(question, k=60, filters=filters, query_vector=vector)
        ranks = {r.chunk_id: i for i, r in enumerate(results)}
        cite = _Citations(self, ranks, {r.chunk_id: r for r in results})
        resolved = self.resolve(question, vector, results)
        intents = question_intents(question)
        categories = partner_categories(question)
        request = service_request(question) if not resolved.reviews else None
        if request:
            # "how do I apply for a blue badge for my dad": a service's own pages answer that, not review learning,
            # even when a theme's name ("carers") is in it.
            close = self.closest_theme_labels(vector)
            text = (f"This reads as a request to use a service (“{request}”), not a question about learning from "
                    "safeguarding reviews, which is what the knowledge base holds; the service's own pages or "
                    "contact centre will answer it. If you are worried that someone is being harmed or neglected, "
                    "contact your local safeguarding team (in an emergency, call 999). The closest themes are "
                    f"{', '.join(close)}.")
            return Answer(question=question, answer=text, intents=intents, suggestions=close, found=False,
                          categories=list(categories))
        sentences: list[str] = []
        actions_shown: list[ActionFinding] = []

        for theme_id in list(resolved.themes)[:2]:
            sentences += self._theme_sentences(theme_id, intents, cite, actions_shown, ranks)
        for review_id in list(resolved.reviews)[:2]:
            sentences += self._review_sentences(review_id, intents, cite, actions_shown, ranks)
        # A kind of partner asked about what it did, or about review learning ("has any of our learning gone up to
        # national bodies?"), gets every partner of that kind and what each did.
        by_category = bool(categories) and not resolved.themes and not resolved.reviews \
            and bool({"actions", "owners"} & set(intents) or speaks_of_learning(question))
        for org_id in list(resolved.organisations)[:2]:
            # What an organisation has done, when asked; "which agencies are part of the MASH" wants passages.
            if by_category and self.org_by_id[org_id].category in categories:
                continue  # told below, with every partner of its kind
            if not resolved.themes and not resolved.reviews and "actions" in intents:
                sentences += self._organisation_sentences(org_id, cite, actions_shown, ranks)
        if by_category:
            sentences += self._category_sentences(categories, cite, actions_shown, ranks)
        if "recurring" in intents:
            sentences += self._recurring_sentences(cite)
        if "gaps" in intents:
            sentences += self._gap_sentences(cite)
        if "years" in intents:
            sentences += self._year_sentences(cite)

        suggestions: list[str] = []
        found = bool(sentences) or self._passages_answer(question, vector, results, resolved, categories)
        if not found:
            close = self.closest_theme_labels(vector)
            text = ("Nothing in the knowledge base answers this question: no learning theme, review or organisation "
                    f"matches it, and no passage speaks to it. The closest themes are {', '.join(close)}.")
            return Answer(question=question, answer=text, intents=intents, suggestions=close, found=False,
                          categories=list(categories))
        # Quote the best passages too: all of them when the graph had nothing to say, fewer when it did.
        limit = MAX_PASSAGES if len(sentences) < 2 else 2
        wanted = set(tokenize(question))
        quoted, quoted_texts = 0, set()
        for result in results[:MAX_PASSAGES + 4]:
            if quoted >= limit:
                break
            if len(wanted & set(tokenize(result.text))) < min(2, len(wanted)):
                continue  # retrieved for meaning alone: not worth quoting as an answer
            if result.chunk_id in cite.by_chunk and cite.items[cite.by_chunk[result.chunk_id]].source == "graph":
                continue  # already cited for a fact
            span = self._best_sentence(question, result)
            if span is None:
                continue
            text = self.document_text(result.doc)[span[0]:span[1]]
            if " ".join(text.split()) in quoted_texts:
                continue  # the same sentence in an overlapping passage: quoted once
            quoted_texts.add(" ".join(text.split()))
            where = f"{short_title(result.title)}{', ' + result.date[:4] if result.date else ''}"
            sentences.append(f"“{text}” ({where}) {cite.cite_result(result, span)}")
            quoted += 1
        if not resolved.themes and not resolved.reviews and not resolved.organisations and not by_category:
            close = self.closest_theme_labels(vector)
            suggestions = close
            if {"where", "actions"} & set(intents) and not {"recurring", "gaps", "years"} & set(intents):
                sentences.insert(0, "No learning theme, review or organisation in the knowledge base matches the "
                                    f"question's wording; the closest themes are {', '.join(close)}. "
                                    "The passages below are the closest matches in the documents.")
        if not sentences:
            sentences = ["Nothing in the knowledge base answers this question."]
        text, evidence = cite.finish(" ".join(s.strip() for s in sentences if s.strip()))
        return Answer(
            question=question, answer=text, intents=intents, evidence=evidence, suggestions=suggestions,
            categories=list(categories),
            themes=[{"id": t, "label": self.theme_labels.get(t, t), "matched": w} for t, w in resolved.themes.items()],
            reviews=[{"id": r, "label": self._review_name(r), "type": getattr(self.review_by_id.get(r), "type", None),
                      "status": getattr(self.review_by_id.get(r), "status", None), "matched": w}
                     for r, w in resolved.reviews.items()],
            organisations=[{"id": o, "label": self.org_by_id[o].label, "matched": w}
                           for o, w in resolved.organisations.items() if o in self.org_by_id],
            actions=[{"id": a.id, "text": whole_action_text(a), "kind": a.kind,
                      "reviews": [self._review_name(r) for r in a.reviews],
                      "themes": [self.theme_labels.get(t, t) for t in a.themes],
                      "organisations": [self.org_by_id[o].label for o in a.organisations if o in self.org_by_id]}
                     for a in actions_shown])

    def _passages_answer(self, question: str, vector: np.ndarray, results: list[SearchResult], resolved: Resolved,
                         categories: dict[str, str]) -> bool:
        """Whether the best passages speak to a question the graph could not answer: close in meaning (cosine >=
        setting ask_found_similarity) and sharing two of the words it is about (one, if it has one). Partners'
        names are not what a question is about ("best pizza in Barnet") unless they are all it has."""
        _, scores = self.searcher.indexes.dense_search(vector, 1)
        if not len(scores) or float(scores[0]) < float(self.settings.ask_found_similarity):
            return False
        names = [*resolved.organisations.values(), *categories.values()]
        wanted = set(tokenize(subject_text(question, names))) or set(tokenize(" ".join(names)))
        if not wanted:
            return False
        # A passage speaks to the question when it shares two of its words and most of what is particular to
        # it: its words weighted by rarity ("staff" and "council" are everywhere; "parking" is not).
        rarity = self.searcher.indexes.rarity(sorted(wanted))
        total = sum(rarity.values()) or 1.0
        need = float(self.settings.ask_found_coverage)
        for result in results[:5]:
            shared = wanted & set(tokenize(result.text))
            if len(shared) >= min(2, len(wanted)) and sum(rarity[t] for t in shared) / total >= need:
                return True
        return False

    def _ranked_actions(self, actions: list[ActionFinding], ranks: dict[str, int]) -> list[ActionFinding]:
        return sorted(actions, key=lambda a: (ranks.get(a.evidence.chunk_id or "", 10_000), -a.confidence))

    def _action_clause(self, action: ActionFinding, cite: _Citations, with_review: bool = True) -> str:
        owners = self._org_names(action.organisations)
        reviews = ", ".join(self._review_name(r) for r in action.reviews) if with_review else ""
        detail = "; ".join(x for x in (owners, f"after {reviews}" if reviews else "") if x)
        text = whole_action_text(action).rstrip(".").strip()
        return f"{text}{f' ({detail})' if detail else ''} {cite.cite_evidence(action.evidence)}"

    def _theme_sentences(self, theme_id: str, intents: list[str], cite: _Citations,
                         shown: list[ActionFinding], ranks: dict[str, int]) -> list[str]:
        label = self.theme_labels.get(theme_id, theme_id)
        out: list[str] = []
        raising = self.reviews_raising(theme_id)
        seen = {review_id for review_id, _ in raising}
        for narrower in narrower_themes(self.findings, theme_id):  # "domestic abuse" includes coercive control
            for review_id, evidence in self.reviews_raising(narrower):
                if review_id not in seen:
                    seen.add(review_id)
                    raising.append((review_id, evidence))
        if raising:
            parts = []
            for review_id, evidence in raising:
                review = self.review_by_id.get(review_id)
                facts = self._review_facts(review)
                kind = f" ({facts})" if facts else ""
                # The first evidence is the strongest statement of the link (a review's own list of themes).
                parts.append(f"{self._review_name(review_id)}{kind} {cite.cite_evidence(evidence[0])}")
            out.append(f"{label} was raised as a learning theme by {len(raising)} "
                       f"review{'s' if len(raising) != 1 else ''}: {'; '.join(parts)}.")
        else:
            mentions = self.mentions_of(theme_id)
            if mentions:
                docs = sorted({m.evidence.doc for m in mentions})
                best = min(mentions, key=lambda m: ranks.get(m.evidence.chunk_id or "", 10_000))
                out.append(f"{label} is not recorded as a learning theme of any review, but {len(mentions)} passage"
                           f"{'s' if len(mentions) != 1 else ''} in {len(docs)} document{'s' if len(docs) != 1 else ''} "
                           f"speak of it, for example {cite.cite_evidence(best.evidence)}.")
            else:
                out.append(f"{label} does not come up in the documents of this knowledge base.")
        if "actions" in intents or not intents or "where" in intents:
            actions = self._ranked_actions(self.actions_for(theme=theme_id), ranks)
            if actions:
                clauses = [self._action_clause(a, cite) for a in actions[:MAX_ACTIONS]]
                _add_new(shown, actions)  # every one in the answer's list of actions
                more = (f" ({len(actions) - MAX_ACTIONS} more recorded, all in the list of actions)"
                        if len(actions) > MAX_ACTIONS else "")
                out.append(f"Actions recorded in response to {label.lower()}{more}: {'; '.join(clauses)}.")
            elif raising:
                out.append(f"No action answering {label.lower()} is recorded: a gap between learning and practice.")
        return out

    def _review_sentences(self, review_id: str, intents: list[str], cite: _Citations,
                          shown: list[ActionFinding], ranks: dict[str, int]) -> list[str]:
        review = self.review_by_id.get(review_id)
        if review is None or not review.evidence:
            return []
        out = []
        best = min(review.evidence, key=lambda e: ranks.get(e.chunk_id or "", 10_000))
        status = f" (status: {review.status})" if review.status else ""
        type_label = self.review_type_labels.get(review.type or "", "review")
        out.append(f"{review.label} is a {type_label}{status} {cite.cite_evidence(best)}.")
        links = [link for link in self.findings.review_themes if link.review == review_id]
        if links:
            parts = [f"{self.theme_labels.get(link.theme, link.theme).lower()} "
                     f"{cite.cite_evidence(min(link.evidence, key=lambda e: ranks.get(e.chunk_id or '', 10_000)))}"
                     for link in links]
            out.append(f"Its learning themes: {'; '.join(parts)}.")
        actions = self._ranked_actions(self.actions_for(review=review_id), ranks)
        if actions:
            clauses = [self._action_clause(a, cite, with_review=False) for a in actions[:MAX_ACTIONS]]
            _add_new(shown, actions[:MAX_ACTIONS])
            more = f" ({len(actions) - MAX_ACTIONS} more recorded)" if len(actions) > MAX_ACTIONS else ""
            out.append(f"What changed after it{more}: {'; '.join(clauses)}.")
        return out

    def _organisation_sentences(self, org_id: str, cite: _Citations, shown: list[ActionFinding],
                                ranks: dict[str, int]) -> list[str]:
        org = self.org_by_id[org_id]
        actions = self._ranked_actions(self.actions_for(organisation=org_id), ranks)
        if actions:
            clauses = [self._action_clause(a, cite) for a in actions[:MAX_ACTIONS]]
            _add_new(shown, actions[:MAX_ACTIONS])
            return [f"{org.label} owns {len(actions)} recorded action{'s' if len(actions) != 1 else ''} "
                    f"taken in response to reviews: {'; '.join(clauses)}."]
        best = min(org.mentions, key=lambda e: ranks.get(e.chunk_id or "", 10_000))
        return [f"No recorded action is owned by {org.label}; the documents mention it {len(org.mentions)} "
                f"time{'s' if len(org.mentions) != 1 else ''} {cite.cite_evidence(best)}."]

    def _review_facts(self, review) -> str:
        """"LCSPR, 2023, published": a review's type, year and status where known."""
        if review is None:
            return ""
        kind = self.review_type_labels.get(review.type or "", "") if getattr(review, "type", None) else ""
        return ", ".join(str(x) for x in (kind, review.year, review.status) if x)

    def _category_sentences(self, categories: dict[str, str], cite: _Citations, shown: list[ActionFinding],
                            ranks: dict[str, int]) -> list[str]:
        """What every partner of the named kinds has done ("health partners": each health body), by owner."""
        out = []
        for category, words in categories.items():
            owners = [o for o in self.org_by_id.values() if o.category == category]
            by_owner = [(o, self._ranked_actions(self.actions_for(organisation=o.id), ranks)) for o in owners]
            by_owner = sorted([(o, a) for o, a in by_owner if a], key=lambda oa: (-len(oa[1]), oa[0].label))
            if not by_owner:
                out.append(f"No recorded action is owned by a {category} partner ({words}).")
                continue
            total = len({a.id for _, actions in by_owner for a in actions})
            for org, actions in by_owner:
                _add_new(shown, actions)
                clauses = "; ".join(self._action_clause(a, cite, with_review=True) for a in actions[:3])
                more = f" (and {len(actions) - 3} more in the list of actions)" if len(actions) > 3 else ""
                out.append(f"{org.label} owns {len(actions)} of the {total} recorded actions of {category} partners "
                           f"({words}): {clauses}{more}.")
        return out

    def _recurring_sentences(self, cite: _Citations) -> list[str]:
        recurring = recurring_themes(self.findings)
        if not recurring:
            return ["No learning theme is recorded for more than one review."]
        parts = []
        for theme_id, links in recurring[:6]:
            reviews = sorted({self._review_name(link.review) for link in links})
            parts.append(f"{self.theme_labels.get(theme_id, theme_id)} ({len(reviews)} reviews: {', '.join(reviews)}) "
                         f"{cite.cite_evidence(links[0].evidence[0])}")
        return [f"Themes that recur across reviews: {'; '.join(parts)}."]

    def _gap_sentences(self, cite: _Citations) -> list[str]:
        gaps = theme_gaps(self.findings)
        if not gaps:
            return ["Every learning theme raised by a review has at least one recorded action."]
        parts = [f"{self.theme_labels.get(t, t)} (raised by {', '.join(sorted({self._review_name(l.review) for l in links}))}) "
                 f"{cite.cite_evidence(links[0].evidence[0])}" for t, links in gaps]
        return [f"Themes with learning but no recorded action: {'; '.join(parts)}."]

    def _year_sentences(self, cite: _Citations) -> list[str]:
        grid = themes_by_year(self.findings, {d.doc: d.date for d in self.kb.documents()})
        out = []
        for year in grid.years:
            if year == "undated":
                continue
            top = sorted(((counts[year], t) for t, counts in grid.passages.items() if counts[year]),
                         key=lambda nt: (-nt[0], nt[1]))[:3]
            parts = [f"{self.theme_labels.get(t, t).lower()} ({n} passages) {cite.cite_evidence(grid.example[(t, year)])}"
                     for n, t in top]
            out.append(f"In the {year} documents the themes most spoken of are {'; '.join(parts)}.")
        return out

    def _best_sentence(self, question: str, result: SearchResult) -> tuple[int, int] | None:
        """The sentence of a passage that shares most words with the question (document offsets)."""
        wanted = set(tokenize(question))
        best, best_score = None, -1.0
        for sentence in sentence_spans(result.text):
            start, end = result.start + sentence.start, result.start + sentence.end
            words = tokenize(self.document_text(result.doc)[start:end])
            if len(words) < 4:
                continue
            score = len(wanted & set(words)) + 0.01 * min(len(words), 30)
            if score > best_score:
                best, best_score = (start, end), score
        if best and best[1] - best[0] > 400:
            text = self.document_text(result.doc)[best[0]:best[1]]
            cut = text.rfind(" ", 0, 380)
            best = (best[0], best[0] + (cut if cut > 0 else 380))
        return best


def _add_new(shown: list[ActionFinding], actions: Iterable[ActionFinding]) -> None:
    """Append to `shown` the actions it does not hold yet, by id (comparing whole findings against a list was
    quadratic: minutes for a theme with thousands of actions in a national corpus)."""
    ids = {a.id for a in shown}
    for action in actions:
        if action.id not in ids:
            ids.add(action.id)
            shown.append(action)


_ASKERS: dict[str, Asker] = {}
_ASKERS_LOCK = threading.Lock()


def open_asker(kb_path: str | Path | None = None, settings: Settings | None = None) -> Asker:
    """A cached Asker for the live version of a knowledge base (reopened after a new version is published)."""
    settings = settings or load_settings()
    searcher = open_searcher(kb_path, settings)
    key = str(searcher.kb.root.resolve())
    with _ASKERS_LOCK:
        asker = _ASKERS.get(key)
        if asker is None or asker.searcher is not searcher:
            asker = Asker(searcher.kb, settings, searcher)
            _ASKERS[key] = asker
        return asker


def ask(question: str, kb: str | Path | None = None, settings: Settings | None = None) -> Answer:
    """Answer a question about the knowledge base (see `Asker.ask`)."""
    return open_asker(kb, settings).ask(question)


__all__ = ["Answer", "AnswerEvidence", "Asker", "ask", "open_asker", "QueryError"]
