"""Extraction: reviews, themes, actions and organisations from cleaned documents, each with its evidence.

Rules and one small embedding model only (no LLM, no network). The knowledge it
matches against (themes, review types, organisations) lives in kg/ontology as
editable SKOS / W3C org Turtle. Similarity, when wanted, is passed in as a
function so this package never touches the search index.

    from kg.extract import extract_findings
    from kg.index.embed import Embedder
    findings = extract_findings(result.documents, result.chunks, similarity=Embedder().similarity)
    findings.to_export()   # the `kg export --format findings` JSON
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kg.config import Settings
from kg.documents import Chunk, Document
from kg.extract.actions import find_actions
from kg.extract.evidence import EvidenceLocator
from kg.extract.findings import (ActionFinding, Evidence, Findings, OrganisationFinding, ReviewFinding, ReviewTheme,
                                 Theme, ThemeMention)
from kg.extract.organisations import find_organisations
from kg.extract.reviews import assign_partnerships, find_reviews
from kg.extract.scheme import (THEMES_FILE, GazetteerEntry, ReviewType, load_gazetteer, load_review_types,
                               load_scheme, load_themes)
from kg.extract.themes import Similarity, find_theme_mentions, link_review_themes

__all__ = [
    "ActionFinding", "Evidence", "Findings", "GazetteerEntry", "OrganisationFinding", "ReviewFinding", "ReviewTheme",
    "ReviewType", "Similarity", "Theme", "ThemeMention", "extract_findings", "load_gazetteer", "load_review_types",
    "load_scheme", "load_themes",
]


def extract_findings(documents: Sequence[Document], chunks: Sequence[Chunk], similarity: Similarity | None = None,
                     themes: Sequence[Theme] | str | Path | None = None,
                     gazetteer: Sequence[GazetteerEntry] | str | Path | None = None,
                     review_types: Sequence[ReviewType] | str | Path | None = None,
                     settings: Settings | None = None) -> Findings:
    """Everything extraction finds in a set of documents.

    Args:
        documents: cleaned documents (kg/ingest).
        chunks: their chunks; evidence points at the chunk that holds it.
        similarity: `similarity(texts, others) -> cosine matrix` (e.g. `Embedder().similarity`) for
            embedding-based theme mentions and items of learning that name no theme; None to use labels only.
        themes: the theme scheme, or a SKOS Turtle file with it (default kg/ontology/themes.ttl).
        gazetteer: known organisations, or Turtle file(s) (default: organisations.ttl and gazetteer-national.ttl).
        review_types: review-type concepts, or a SKOS Turtle file (default: from the themes file).
        settings: the similarity thresholds (`theme_similarity`, `review_theme_similarity`); defaults if None.

    Returns:
        Findings: reviews, themes, chunk-level theme mentions, review→theme links, actions and
        organisations, each with evidence whose quote is exactly `document.text[start:end]`.
    """
    settings = settings or Settings()
    theme_list = _themes(themes)
    type_list = _review_types(review_types, themes)
    entries = _gazetteer(gazetteer)

    locator = EvidenceLocator(documents, chunks)
    organisations, organisation_index = find_organisations(documents, entries, locator)
    reviews, review_index = find_reviews(documents, type_list, locator, theme_list)
    assign_partnerships(reviews, organisation_index, documents)
    mentions = find_theme_mentions(documents, chunks, theme_list, locator, similarity,
                                   float(settings.theme_similarity))
    review_themes = link_review_themes(documents, reviews, review_index, theme_list, locator, similarity,
                                       float(settings.review_theme_similarity))
    actions = find_actions(documents, review_index, organisation_index, theme_list, locator)
    return Findings(reviews=reviews, themes=list(theme_list), theme_mentions=mentions, review_themes=review_themes,
                    actions=actions, organisations=organisations)


def _themes(themes: Sequence[Theme] | str | Path | None) -> list[Theme]:
    if themes is None:
        return load_scheme().themes
    if isinstance(themes, (str, Path)):
        return load_themes(themes)
    return list(themes)


def _review_types(review_types: Sequence[ReviewType] | str | Path | None,
                  themes: Sequence[Theme] | str | Path | None) -> list[ReviewType]:
    if review_types is None:
        source = themes if isinstance(themes, (str, Path)) else THEMES_FILE
        types = load_review_types(source)
        return types or load_review_types(THEMES_FILE)
    if isinstance(review_types, (str, Path)):
        return load_review_types(review_types)
    return list(review_types)


def _gazetteer(gazetteer: Sequence[GazetteerEntry] | str | Path | None) -> list[GazetteerEntry]:
    if gazetteer is None:
        return load_scheme().gazetteer
    if isinstance(gazetteer, (str, Path)):
        return load_gazetteer(gazetteer)
    return list(gazetteer)
