"""Learning themes: passage mentions (labels and embeddings) and the themes each review raised."""

from __future__ import annotations


import numpy as np
import pytest

from conftest import extraction_stages
from kg.extract.evidence import EvidenceLocator
from kg.extract.scheme import load_scheme
from kg.extract.themes import find_theme_mentions, link_review_themes, theme_matcher



def _review_themes(documents, chunks):
    stages = extraction_stages(documents, chunks)
    links = link_review_themes(documents, stages.reviews, stages.review_index, stages.scheme.themes, stages.locator)
    labels = {r.id: r.label for r in stages.reviews}
    out: dict[str, dict] = {}
    for link in links:
        out.setdefault(labels[link.review], {})[link.theme] = link
    return out


@pytest.fixture(scope="module")
def corpus_links(ingested):
    return _review_themes(ingested.documents, ingested.chunks)


@pytest.fixture(scope="session")
def embedder():
    """The packaged sentence-transformers model, loaded once for the session."""
    from kg.index.embed import Embedder

    model = Embedder()
    model.encode(["warm up"])
    return model


def test_a_reviews_themes_include_what_its_grid_row_lists(corpus_links):
    assert {"information-sharing", "thresholds", "housing-homelessness"} <= set(corpus_links["Child L"])
    assert {"suicide-self-harm", "information-sharing", "think-family", "intersectionality-race"} \
        <= set(corpus_links["Child A"])
    assert {"extra-familial-harm", "housing-homelessness", "adultification", "think-family",
            "intersectionality-race"} <= set(corpus_links["Child SS"])
    assert "table" in corpus_links["Child L"]["thresholds"].method


def test_learning_stated_in_prose_and_headings_links_too(corpus_links):
    # "BRUISING PROTOCOLS: The review identified …" and "key learning focused upon … do not attend …"
    assert "bruising-non-mobile" in corpus_links["Child L"]
    assert "was-not-brought" in corpus_links["Child L"]
    assert "unborn-pre-birth" in corpus_links["Child L"]
    # "Further learning … centers upon how health assessments for looked after children …"
    assert "lac-health-assessments" in corpus_links["Child SS"]
    # The lead paragraph names Child KL and Child GA & RA together: both get its themes.
    assert {"thresholds", "information-sharing", "was-not-brought"} <= set(corpus_links["Child KL"])
    assert {"thresholds", "information-sharing"} <= set(corpus_links["Child GA & RA"])


def test_a_national_review_takes_the_theme_of_the_section_citing_it(corpus_links):
    assert {"safer-sleeping", "information-sharing"} <= set(corpus_links["The Myth of Invisible Men"])


def test_a_sentence_carrying_on_a_learning_statement_links_its_themes_too(corpus_links):
    # "The review also identified … information sharing … Furthermore, additional causal links to domestic abuse"
    link = corpus_links["The Myth of Invisible Men"]["domestic-abuse"]
    assert link.evidence[0].quote.startswith("Furthermore")


def test_links_are_precise(corpus_links):
    # Reviews raise a handful of themes, each with evidence that names it.
    for review, themes in corpus_links.items():
        assert len(themes) <= 8, (review, sorted(themes))
        for link in themes.values():
            assert link.evidence and link.method != "embedding" and 0 < link.confidence <= 1
    assert "thresholds" not in corpus_links["Child A"]  # a neighbouring paragraph's themes do not leak


def test_label_mentions_are_chunk_level_with_sentence_evidence(ingested):
    scheme = load_scheme()
    locator = EvidenceLocator(ingested.documents, ingested.chunks)
    mentions = find_theme_mentions(ingested.documents, ingested.chunks, scheme.themes, locator)
    assert {m.method for m in mentions} == {"label", "alt-label"}
    sharing = [m for m in mentions if m.theme == "information-sharing"]
    assert len({m.evidence.chunk_id for m in sharing}) >= 10
    matcher = theme_matcher(scheme.themes)
    for mention in mentions:
        assert mention.theme in matcher.keys_in(mention.evidence.quote), mention  # the quote names the theme


def test_embedding_mentions_use_the_similarity_function_and_threshold(northshire):
    document, chunks = northshire
    scheme = load_scheme()
    target = next(i for i, t in enumerate(scheme.themes) if t.id == "online-safety")

    def similarity(texts, others):
        scores = np.zeros((len(texts), len(others)), dtype=np.float32)
        scores[0, target] = 0.9  # only the first chunk resembles "online safety"
        scores[1, target] = 0.4  # below the threshold
        return scores

    mentions = find_theme_mentions([document], chunks, scheme.themes, EvidenceLocator([document], chunks),
                                   similarity=similarity, threshold=0.55)
    embedded = [m for m in mentions if m.method == "embedding"]
    assert [(m.theme, m.score, m.evidence.chunk_id) for m in embedded] == [("online-safety", 0.9, chunks[0].chunk_id)]


def test_real_embedder_finds_a_theme_by_meaning(northshire, embedder):
    document, chunks = northshire
    scheme = load_scheme()
    mentions = find_theme_mentions([document], chunks, scheme.themes, EvidenceLocator([document], chunks),
                                   similarity=embedder.similarity, threshold=0.45)
    embedded = [m for m in mentions if m.method == "embedding"]
    assert embedded and all(m.score >= 0.45 for m in embedded)
    labelled = {(m.evidence.chunk_id, m.theme) for m in mentions if m.method != "embedding"}
    assert not {(m.evidence.chunk_id, m.theme) for m in embedded} & labelled


def test_generalisation_document_review_themes(northshire):
    document, chunks = northshire
    links = _review_themes([document], chunks)
    assert {"bruising-non-mobile", "information-sharing", "fathers-male-carers"} <= set(links["Child M"])
    assert {"neglect", "was-not-brought", "professional-curiosity"} <= set(links["Family P"])
    assert {"transitions-to-adulthood", "suicide-self-harm"} <= set(links["Adult R"])
