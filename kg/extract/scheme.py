"""The editable knowledge extraction looks for: learning themes, review types and the organisation gazetteer.

All three are read from SKOS / W3C org Turtle files in kg/ontology, so a user can
add a theme, a synonym or a local organisation without touching code.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from kg.extract.findings import Theme
from kg.extract.labels import is_acronym
from kg.namespaces import KG, ORG, ORGV, REVIEW_TYPE, THEME

ONTOLOGY_DIR = Path(__file__).resolve().parents[1] / "ontology"
THEMES_FILE = ONTOLOGY_DIR / "themes.ttl"
ORGANISATIONS_FILE = ONTOLOGY_DIR / "organisations.ttl"
NATIONAL_GAZETTEER_FILE = ONTOLOGY_DIR / "gazetteer-national.ttl"
GAZETTEER_FILES = (ORGANISATIONS_FILE, NATIONAL_GAZETTEER_FILE)


@dataclass
class ReviewType:
    """A kind of review (a concept of the review-type scheme)."""

    id: str
    label: str
    alt_labels: list[str] = field(default_factory=list)
    definition: str = ""


@dataclass
class GazetteerEntry:
    """An organisation or service the gazetteer knows."""

    id: str
    label: str
    alt_labels: list[str] = field(default_factory=list)
    kind: str = "organisation"  # organisation or unit
    parent: str | None = None
    category: str | None = None  # health, police, local authority, education, voluntary, national, partnership …
    source: str = ""  # where the entry comes from

    @property
    def acronym(self) -> str | None:
        """The alternative label that best abbreviates the name ("RFLNHSFT" for the Royal Free trust), if any."""
        # An acronym is made only of acronym words: "NCL ICB" qualifies, "Barnet CCG" does not.
        candidates = [a for a in self.alt_labels if all(is_acronym(w) or len(w) == 1 for w in a.split())]
        if not candidates:
            return None
        initials = "".join(w if w.isupper() else w[0] for w in re.findall(r"[A-Za-z0-9]+", self.label)
                           if w[0].isupper() or w[0].isdigit())

        def fit(acronym: str) -> tuple[float, int, int]:
            letters = re.sub(r"[^A-Za-z0-9]", "", acronym)
            common = _common_subsequence(letters, initials)
            return common / len(letters), common, -len(acronym)

        return max(candidates, key=fit)


@dataclass
class Scheme:
    """Everything extraction matches against."""

    themes: list[Theme]
    review_types: list[ReviewType]
    gazetteer: list[GazetteerEntry]


def _common_subsequence(a: str, b: str) -> int:
    """Length of the longest common subsequence of two short strings."""
    row = [0] * (len(b) + 1)
    for char in a:
        previous = 0
        for j, other in enumerate(b):
            previous, row[j + 1] = row[j + 1], previous + 1 if char == other else max(row[j + 1], row[j])
    return row[-1]


def _local_id(iri: URIRef, namespace) -> str | None:
    text = str(iri)
    return text[len(str(namespace)):] if text.startswith(str(namespace)) else None


def _literals(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    return sorted({str(o) for o in graph.objects(subject, predicate)}, key=lambda s: (s.lower(), s))


def _parse(path: Path) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


def load_themes(path: str | Path = THEMES_FILE) -> list[Theme]:
    """The learning themes of a SKOS file: concepts whose IRI is in the theme namespace."""
    graph = _parse(Path(path))
    themes: dict[str, Theme] = {}
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        theme_id = _local_id(concept, THEME)
        if not theme_id:
            continue
        label = graph.value(concept, SKOS.prefLabel)
        themes[theme_id] = Theme(id=theme_id, label=str(label) if label else theme_id,
                                 alt_labels=_literals(graph, concept, SKOS.altLabel),
                                 definition=str(graph.value(concept, SKOS.definition) or ""),
                                 examples=_literals(graph, concept, SKOS.example))
    for theme_id, theme in themes.items():
        concept = THEME[theme_id]
        broader = {_local_id(o, THEME) for o in graph.objects(concept, SKOS.broader)}
        broader |= {_local_id(s, THEME) for s in graph.subjects(SKOS.narrower, concept)}
        theme.broader = sorted(b for b in broader if b in themes)
    return sorted(themes.values(), key=lambda t: t.id)


def load_review_types(path: str | Path = THEMES_FILE) -> list[ReviewType]:
    """The review types of a SKOS file: concepts whose IRI is in the review-type namespace."""
    graph = _parse(Path(path))
    types = []
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        type_id = _local_id(concept, REVIEW_TYPE)
        if not type_id:
            continue
        label = graph.value(concept, SKOS.prefLabel)
        types.append(ReviewType(id=type_id, label=str(label) if label else type_id,
                                alt_labels=_literals(graph, concept, SKOS.altLabel),
                                definition=str(graph.value(concept, SKOS.definition) or "")))
    return sorted(types, key=lambda t: t.id)


def load_gazetteer(path: str | Path | tuple[str | Path, ...] = GAZETTEER_FILES) -> list[GazetteerEntry]:
    """The organisations (org:Organization) and units (org:OrganizationalUnit) of one or more Turtle files."""
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    graph = Graph()
    for file in paths:
        graph.parse(Path(file), format="turtle")
    entries = []
    for kind, cls in (("organisation", ORGV.Organization), ("unit", ORGV.OrganizationalUnit)):
        for subject in graph.subjects(RDF.type, cls):
            org_id = _local_id(subject, ORG)
            if not org_id:
                continue
            label = graph.value(subject, SKOS.prefLabel)
            parent = graph.value(subject, ORGV.unitOf)
            category = graph.value(subject, KG.category)
            entries.append(GazetteerEntry(id=org_id, label=str(label) if label else org_id,
                                          alt_labels=_literals(graph, subject, SKOS.altLabel), kind=kind,
                                          parent=_local_id(parent, ORG) if parent is not None else None,
                                          category=str(category) if category else None,
                                          source=str(graph.value(subject, DCTERMS.source) or "")))
    return sorted(entries, key=lambda e: e.id)


@lru_cache(maxsize=8)
def _cached_scheme(themes_path: str, organisations_paths: tuple[str, ...]) -> Scheme:
    return Scheme(themes=load_themes(themes_path), review_types=load_review_types(themes_path),
                  gazetteer=load_gazetteer(organisations_paths))


def load_scheme(themes_path: str | Path = THEMES_FILE,
                organisations_path: str | Path | tuple[str | Path, ...] = GAZETTEER_FILES) -> Scheme:
    """Themes, review types and gazetteer from the ontology files (parsed once per process).

    Args:
        themes_path: the SKOS file with the theme and review-type schemes.
        organisations_path: the gazetteer file, or several (default: the local and the national gazetteer).
    """
    paths = (organisations_path,) if isinstance(organisations_path, (str, Path)) else tuple(organisations_path)
    # Callers may edit what they get back; hand out a copy so the cache stays clean.
    return copy.deepcopy(_cached_scheme(str(themes_path), tuple(str(p) for p in paths)))
