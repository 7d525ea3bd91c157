"""Learning themes: which passages speak of a theme, and which themes each review raised.

Passage-level mentions come from the theme's labels (method "label" or
"alt-label") and, when a similarity function is given, from embedding
similarity between the chunk and the theme's label and definition (method
"embedding", with the score kept).

Review-to-theme links are stricter, because a review "raising" a theme is a
claim a manager will act on. A link needs a theme label in one of the places a
report states a review's learning:

* the review's row in a review grid ("Critical learning themes identified: • …");
* a learning statement about the review ("This CSPR identified some critical
  learning themes upon: …", "Within this CSPR, key learning focused upon …");
* a heading or inline lead inside the review's own sections
  ("CHILD L: EVIDENCE OF … > BRUISING PROTOCOLS");
* the heading of the section that cites a national review, and the review's title;
* a sentence of the review's findings or learning section that names the theme;
* when a similarity function is given, an item of a list of learning ("Learning themes include:
  …; hearing directly from children during call-outs; …") that names no theme by any label, by
  its closeness in meaning to a theme (method "meaning"). Whole findings sentences compared this
  way added wrong links and found no missing one, so only such short items are compared.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from kg.documents import Chunk, Document
from kg.extract.evidence import EvidenceLocator
from kg.extract.findings import Evidence, ReviewFinding, ReviewTheme, Theme, ThemeMention
from kg.extract.labels import LabelHit, LabelMatcher, shared_matcher
from kg.extract.reviews import ReviewIndex
from kg.extract.rules import load_rules
from kg.text import Span, leads, list_lead_in, paragraphs, sentences, trim

Similarity = Callable[[Sequence[str], Sequence[str]], np.ndarray]

RULES = load_rules("themes")
# Phrases that say a sentence states what a review learned.
LEARNING_STATEMENT = RULES.pattern("learning_statements")
LEARNING_CONTINUATION = RULES.pattern("learning_continuations")
LEARNING_HEADING = RULES.pattern("learning_headings")
NOT_LEARNING_HEADING = RULES.pattern("not_learning_headings")
# Heading text that frames a section rather than naming a theme.
_BOILERPLATE = RULES.pattern("boilerplate")

CONFIDENCE = {"table": 0.9, "learning-statement": 0.8, "learning-section": 0.75, "heading": 0.75, "section": 0.7,
              "title": 0.7, "meaning": 0.6}


def theme_matcher(themes: Iterable[Theme]) -> LabelMatcher:
    """A matcher over every theme's preferred and alternative labels."""
    return shared_matcher(((t.id, label, label == t.label) for t in themes for label in [t.label, *t.alt_labels]),
                        keep_capitals=False)


def theme_text(theme: Theme) -> str:
    """What a passage is compared with for embedding similarity: the label, then the definition."""
    return f"{theme.label}. {theme.definition}" if theme.definition else theme.label


def find_theme_mentions(documents: Iterable[Document], chunks: Sequence[Chunk], themes: list[Theme],
                        locator: EvidenceLocator, similarity: Similarity | None = None,
                        threshold: float | None = None, max_per_chunk: int = 3) -> list[ThemeMention]:
    """Chunk-level theme mentions by label and, optionally, by embedding similarity.

    Args:
        documents: cleaned documents (for offsets and sentences).
        chunks: the chunks to tag.
        themes: the theme scheme.
        locator: turns offsets into Evidence.
        similarity: `similarity(texts, others)` returning a cosine matrix (e.g. `Embedder().similarity`);
            when None, only labels are used.
        threshold: lowest similarity that counts as a mention (setting `theme_similarity`; 0.6 if None).
        max_per_chunk: most embedding mentions kept per chunk (the best scoring).
    """
    texts = {d.doc: d.text for d in documents}
    matcher = theme_matcher(themes)
    mentions: list[ThemeMention] = []
    labelled: set[tuple[str, str]] = set()
    for chunk in chunks:
        text = texts[chunk.doc]
        first: dict[str, LabelHit] = {}
        for hit in matcher.find(text, chunk.start, chunk.end):
            # One mention per theme and chunk: the first preferred-label hit, else the first hit.
            if hit.key not in first or (hit.pref and not first[hit.key].pref):
                first[hit.key] = hit
        for theme_id, hit in first.items():
            span = _sentence_around(text, chunk, hit)
            mentions.append(ThemeMention(theme=theme_id, evidence=locator.evidence(chunk.doc, span.start, span.end),
                                         method="label" if hit.pref else "alt-label",
                                         confidence=0.9 if hit.pref else 0.8))
            labelled.add((chunk.chunk_id, theme_id))
    if similarity is not None and chunks:
        threshold = 0.6 if threshold is None else threshold
        scores = np.asarray(similarity([c.embedding_text() for c in chunks], [theme_text(t) for t in themes]))
        for row, chunk in enumerate(chunks):
            best = np.argsort(-scores[row])[:max_per_chunk]
            for column in best:
                score = float(scores[row, column])
                theme_id = themes[column].id
                if score < threshold or (chunk.chunk_id, theme_id) in labelled:
                    continue
                mentions.append(ThemeMention(theme=theme_id,
                                             evidence=locator.evidence(chunk.doc, chunk.start, chunk.end),
                                             method="embedding", confidence=round(min(0.75, score), 3),
                                             score=round(score, 4)))
    return mentions


def _sentence_around(text: str, chunk: Chunk, hit: LabelHit) -> Span:
    for sentence in sentences(text, chunk.start, chunk.end):
        if sentence.start <= hit.start and hit.end <= sentence.end:
            return sentence
    return Span(hit.start, hit.end)


@dataclass
class _Link:
    review: str
    theme: str
    method: str
    evidence: Evidence


def link_review_themes(documents: Iterable[Document], reviews: list[ReviewFinding], index: ReviewIndex,
                       themes: list[Theme], locator: EvidenceLocator, similarity: Similarity | None = None,
                       threshold: float = 0.5) -> list[ReviewTheme]:
    """The themes each review raised, from its grid row, learning statements, findings, headings and title.

    Args:
        documents: cleaned documents.
        reviews: the reviews found (kg/extract/reviews.py).
        index: which review a passage is about.
        themes: the theme scheme.
        locator: turns offsets into Evidence.
        similarity: when given, an item of a list of learning that names no theme by any label
            ("hearing directly from children during call-outs") is linked to the theme closest in
            meaning to it, if the similarity reaches `threshold`.
        threshold: lowest similarity for such a link (setting `review_theme_similarity`).
    """
    documents = list(documents)
    matcher = theme_matcher(themes)
    links: list[_Link] = []
    unlabelled: list[tuple[list[str], Evidence]] = []
    for document in documents:
        links.extend(_from_table_rows(document, index, matcher, locator, unlabelled))
        links.extend(_from_learning_statements(document, index, matcher, locator, unlabelled))
        links.extend(_from_learning_sections(document, index, matcher, locator, unlabelled))
        links.extend(_from_headings(document, index, matcher, locator))
        links.extend(_from_citing_sections(document, index, matcher, locator))
    for review in reviews:
        if review.method == "title":
            for hit in matcher.find(review.label):
                links.append(_Link(review.id, hit.key, "title", review.evidence[0]))
    if similarity is not None and unlabelled:
        links.extend(_by_meaning(unlabelled, themes, similarity, threshold))
    return _links_by_review_theme(links)


def _by_meaning(unlabelled: list[tuple[list[str], Evidence]], themes: list[Theme], similarity: Similarity,
                threshold: float) -> list[_Link]:
    """Items of learning that say what a review learned in their own words, linked by meaning."""
    scores = np.asarray(similarity([e.quote for _, e in unlabelled], [theme_text(t) for t in themes]))
    out = []
    for row, (reviews, evidence) in enumerate(unlabelled):
        best = int(np.argmax(scores[row]))
        if float(scores[row, best]) >= threshold:
            out.extend(_Link(review_id, themes[best].id, "meaning", evidence) for review_id in reviews)
    return out


def _learning_items(text: str, span: Span) -> list[Span]:
    """The items a learning statement lists: after its colon, split at semicolons ("include: a; b; c")."""
    colon = text.find(":", span.start, span.end)
    start = colon + 1 if colon >= 0 else span.start
    items = []
    for part in re.finditer(r"[^;]+", text[start:span.end]):
        item = trim(text, start + part.start(), start + part.end())
        if len(text[item.start:item.end].split()) >= 3:
            items.append(item)
    return items


def _from_table_rows(document: Document, index: ReviewIndex, matcher: LabelMatcher,
                     locator: EvidenceLocator, unlabelled: list | None = None) -> list[_Link]:
    """Themes listed in a review's row of a review grid, each bullet its own evidence.

    A row belongs to the reviews its first cell names ("Case: Child L CSPR", "Jayden"); items of its
    other cells that name no theme go to `unlabelled`, for linking by meaning.
    """
    text = document.text
    out = []
    for line in paragraphs(text):
        if " | " not in text[line.start:line.end]:
            continue
        first_cell_end = text.find(" | ", line.start, line.end)
        reviews = index.named_in(document.doc, line.start, first_cell_end)
        if not reviews:
            continue
        for item in _row_items(text, Span(first_cell_end + 3, line.end)):
            theme_ids = matcher.keys_in(text, item.start, item.end)
            evidence = locator.evidence(document.doc, item.start, item.end)
            out.extend(_Link(review_id, theme_id, "table", evidence) for review_id in reviews for theme_id in theme_ids)
            if not theme_ids and unlabelled is not None and len(evidence.quote.split()) >= 3:
                unlabelled.append((reviews, evidence))
    return out


def _row_items(text: str, span: Span) -> list[Span]:
    """The bullet items of a table row's cells ("Critical learning themes identified: • a • b")."""
    items = []
    for cell in re.finditer(r"[^|]+", text[span.start:span.end]):
        cell_start = span.start + cell.start()
        for part in re.finditer(r"[^•;]+", cell.group(0)):
            start, end = cell_start + part.start(), cell_start + part.end()
            while start < end and (text[start].isspace() or text[start] in ".,-–"):
                start += 1
            while end > start and (text[end - 1].isspace() or text[end - 1] in ".,"):
                end -= 1
            if end > start:
                items.append(Span(start, end))
    return items


def _from_learning_statements(document: Document, index: ReviewIndex, matcher: LabelMatcher,
                              locator: EvidenceLocator, unlabelled: list | None = None) -> list[_Link]:
    """Themes named in a sentence that states what a review learned; its items naming none go to `unlabelled`."""
    text = document.text
    out = []
    previous: tuple[Span, list[str]] | None = None  # the last learning statement and its reviews
    for sentence in sentences(text):
        if " | " in text[sentence.start:sentence.end]:
            continue  # table rows are read by _from_table_rows
        carries_on = (previous is not None and "\n\n" not in text[previous[0].end:sentence.start]
                      and LEARNING_CONTINUATION.match(text[sentence.start:sentence.end]) is not None)
        if not LEARNING_STATEMENT.search(text, sentence.start, sentence.end) and not carries_on:
            previous = None
            continue
        in_scope, _ = index.scope(document.doc, sentence)
        if not in_scope and carries_on:
            in_scope = previous[1]
        previous = (sentence, in_scope) if in_scope else None
        if not in_scope:
            continue
        theme_ids = matcher.keys_in(text, sentence.start, sentence.end)
        if theme_ids:
            evidence = locator.evidence(document.doc, sentence.start, sentence.end)
            out.extend(_Link(review_id, theme_id, "learning-statement", evidence)
                       for review_id in in_scope for theme_id in theme_ids)
        if unlabelled is not None:
            unlabelled.extend((in_scope, locator.evidence(document.doc, item.start, item.end))
                              for item in _learning_items(text, sentence)
                              if not matcher.keys_in(text, item.start, item.end))
    return out


def learning_zone(document: Document, index: ReviewIndex, offset: int) -> bool:
    """Whether the offset sits in a section or paragraph that sets out what a review found ("Findings / Learning")."""
    text = document.text
    titles = [text[lead.start:lead.end] for lead in reversed(leads(text, index.paragraph_of(document.doc, offset)))]
    titles += list(reversed(index.locator.section_path(document.doc, offset)))
    for title in titles:
        if NOT_LEARNING_HEADING.search(title):
            return False
        if LEARNING_HEADING.search(index.without_names(document.doc, title)):
            return True
    return False


def _from_learning_sections(document: Document, index: ReviewIndex, matcher: LabelMatcher,
                            locator: EvidenceLocator, unlabelled: list | None = None) -> list[_Link]:
    """Themes named in the findings or learning section of a review (its own document, or its entry).

    Items of a list of learning that name no theme go to `unlabelled`, for linking by meaning.
    """
    text = document.text
    out = []
    for sentence in sentences(text):
        if " | " in text[sentence.start:sentence.end]:
            continue
        lead_in = list_lead_in(text, sentence)
        # Only a lead-in whose own last sentence says it lists learning ("… identified four learning themes:").
        lead_in = sentences(text, lead_in.start, lead_in.end)[-1] if lead_in is not None else None
        listed = lead_in is not None and LEARNING_STATEMENT.search(text, lead_in.start, lead_in.end)
        if listed:
            # An item of a list of learning ("The review identified four learning themes: • …").
            in_scope, how = index.scope(document.doc, lead_in)
        elif learning_zone(document, index, sentence.start):
            in_scope, how = index.scope(document.doc, sentence)
            if how == "coreference":
                continue
        else:
            continue
        if not in_scope:
            continue
        theme_ids = matcher.keys_in(text, sentence.start, sentence.end)
        evidence = locator.evidence(document.doc, sentence.start, sentence.end)
        if theme_ids:
            out.extend(_Link(review_id, theme_id, "learning-section", evidence)
                       for review_id in in_scope for theme_id in theme_ids)
        elif listed and unlabelled is not None:
            unlabelled.append((in_scope, evidence))
    return out


def _from_headings(document: Document, index: ReviewIndex, matcher: LabelMatcher,
                   locator: EvidenceLocator) -> list[_Link]:
    """Themes in the headings and inline leads of a review's own sections."""
    text = document.text
    out = []
    for section in document.sections:
        in_scope = index.section_reviews(document.doc, section.start)
        if not in_scope:
            continue
        heading = _heading_span(text, section.start, section.title)
        if heading is None:
            continue
        for theme_id in _heading_themes(text, heading, matcher, index, document.doc):
            evidence = locator.evidence(document.doc, heading.start, heading.end)
            out.extend(_Link(review_id, theme_id, "heading", evidence) for review_id in in_scope)
    for sentence in sentences(text):
        lead_spans = leads(text, sentence)
        if not lead_spans:
            continue
        in_scope, _ = index.scope(document.doc, sentence)
        for lead in lead_spans:
            for theme_id in _heading_themes(text, lead, matcher, index, document.doc):
                evidence = locator.evidence(document.doc, lead.start, lead.end)
                out.extend(_Link(review_id, theme_id, "heading", evidence) for review_id in in_scope)
    return out


def _heading_span(text: str, start: int, title: str) -> Span | None:
    position = text.find(title, start, start + len(title) + 8)
    return Span(position, position + len(title)) if position >= 0 else None


def _heading_themes(text: str, heading: Span, matcher: LabelMatcher, index: ReviewIndex, doc: str) -> list[str]:
    """Theme ids named in a heading, ignoring boilerplate and heading text that is a review's name."""
    blocked = [(m.start(), m.end()) for m in _BOILERPLATE.finditer(text, heading.start, heading.end)]
    blocked += [(m.start, m.end) for m in index.mentions(doc) if heading.start <= m.start < heading.end]
    return list(dict.fromkeys(h.key for h in matcher.find(text, heading.start, heading.end)
                              if not any(h.start < e and s < h.end for s, e in blocked)))


def _from_citing_sections(document: Document, index: ReviewIndex, matcher: LabelMatcher,
                          locator: EvidenceLocator) -> list[_Link]:
    """A review cited in running text under a theme heading ("Safer Sleeping: … The Myth of Invisible Men review …")."""
    text = document.text
    out = []
    for mention in index.mentions(document.doc):
        if not mention.establishing or mention.table_row is not None:
            continue
        section = locator.section_at(document.doc, mention.start)
        if section is None or index.named_in_text(document.doc, section.title):
            continue
        if mention.review in index.lead_reviews(document.doc, index.paragraph_of(document.doc, mention.start)):
            continue  # a paragraph led by the review's name starts its own topic, whatever heading it sits under
        heading = _heading_span(text, section.start, section.title)
        if heading is None or heading.start <= mention.start < heading.end:
            continue
        for theme_id in _heading_themes(text, heading, matcher, index, document.doc):
            out.append(_Link(mention.review, theme_id, "section", locator.evidence(document.doc, heading.start, heading.end)))
    return out


def _links_by_review_theme(links: list[_Link]) -> list[ReviewTheme]:
    merged: dict[tuple[str, str], ReviewTheme] = {}
    for link in links:
        key = (link.review, link.theme)
        confidence = CONFIDENCE[link.method]
        current = merged.get(key)
        if current is None:
            merged[key] = ReviewTheme(review=link.review, theme=link.theme, evidence=[link.evidence],
                                      method=link.method, confidence=confidence)
            continue
        if all((e.doc, e.start, e.end) != (link.evidence.doc, link.evidence.start, link.evidence.end)
               for e in current.evidence):
            current.evidence.append(link.evidence)
        if link.method not in current.method.split("+"):
            current.method = "+".join(sorted({*current.method.split("+"), link.method}))
        # Two independent places saying the same thing make the link more certain.
        current.confidence = round(min(0.98, max(current.confidence, confidence) + 0.05), 3)
    return sorted(merged.values(), key=lambda rt: (rt.review, rt.theme))
