"""IRIs: the kg ontology namespace, the namespaces of things kg mints, and standard prefixes."""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/safeguarding-kg/"
KG = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
THEME = Namespace(BASE + "id/theme/")
REVIEW_TYPE = Namespace(BASE + "id/review-type/")
REVIEW = Namespace(BASE + "id/review/")
ORG = Namespace(BASE + "id/org/")
ACTION = Namespace(BASE + "id/action/")
DOC = Namespace(BASE + "id/doc/")
CHUNK = Namespace(BASE + "id/chunk/")
EVIDENCE = Namespace(BASE + "id/evidence/")
ORGV = Namespace("http://www.w3.org/ns/org#")
OA = Namespace("http://www.w3.org/ns/oa#")

PREFIXES: dict[str, str] = {
    "kg": str(KG),
    "theme": str(THEME),
    "reviewtype": str(REVIEW_TYPE),
    "review": str(REVIEW),
    "org": str(ORGV),
    "orgid": str(ORG),
    "action": str(ACTION),
    "doc": str(DOC),
    "chunk": str(CHUNK),
    "ev": str(EVIDENCE),
    "oa": str(OA),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
}


def slugify(text: str, max_length: int = 80) -> str:
    """A readable, stable IRI segment: "Child GA & RA" -> "child-ga-ra"."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"&", " ", text)
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:max_length].rstrip("-") or "item"
