"""Organisations and services named in documents: gazetteer matches plus bodies the gazetteer lacks.

Gazetteer matching uses kg/extract/labels.py (acronyms case-sensitive, names with
their capitals). Bodies that are not in the gazetteer are detected three ways, each
deliberately narrow so ordinary capitalised phrases are not taken for organisations:

* acronym definitions, "Full Name (ACR)", when the acronym spells the name's
  initials and the name ends in an organisational noun (Trust, Partnership, Team…);
* names ending in an organisational noun ("Brent Safeguarding Children Partnership",
  "Essex County Council") with at least one distinctive (non-generic) word;
* names listed after a contracting or partnership cue ("partnership arrangements …
  with MAC UK, Growing Against Violence and Art Against Knives").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from kg.documents import Document
from kg.extract.evidence import EvidenceLocator
from kg.extract.findings import OrganisationFinding
from kg.extract.labels import LabelHit, LabelMatcher, is_acronym, normalise, shared_matcher
from kg.extract.rules import load_rules
from kg.extract.scheme import GazetteerEntry
from kg.namespaces import slugify
from kg.text import line_at

RULES = load_rules("organisations")
# Nouns that end the name of a body (not of a plan, programme or document).
ORG_HEADS = tuple(RULES.terms("org_heads"))
UNIT_HEADS = set(RULES.terms("unit_heads"))
PLACE_HEADS = tuple(RULES.terms("place_heads"))
ROLE_WORDS = set(RULES.terms("role_words"))
DOCUMENT_WORDS = set(RULES.terms("document_words"))
_MONTHS = set(RULES.terms("months"))
GENERIC_WORDS = {w for rule in RULES.rules("generic_words") for w in rule.pattern.split("|")}
CATEGORIES = [(rule.value, re.compile(rule.pattern)) for rule in RULES.rules("categories")]
_APPOSITIVE = RULES.pattern("appositives", flags=0)
_PLACE_SERVICES = RULES.pattern("place_services", flags=0)
_OWNED_UNIT = RULES.pattern("owned_units", flags=0)
_REVERSE_APPOSITIVE = RULES.pattern("reverse_appositives", flags=0)
# Proper names before an appositive: up to five capitalised words ("Safe Harbour Quillington").
_PROPER_RUN = re.compile(r"(?:(?<=[\s(\"“‘])|^)(?P<name>[A-Z][A-Za-z'’\-]+(?:[ \t]+(?:of|and|&|for)?[ \t]*[A-Z][A-Za-z'’\-]+){0,4})(?=[ \t]*[,(])")
_NAME_WORD = r"(?:[A-Z][A-Za-z0-9'’\-]*)"
_CONNECTOR = r"(?:of|for|and|&)"
_NAME_RUN = rf"{_NAME_WORD}(?:[ ]+(?:{_NAME_WORD}|[0-9]+|{_CONNECTOR}(?=[ ]+[A-Z0-9])))*"
_ACRONYM_DEFINITION = re.compile(rf"(?P<name>{_NAME_RUN})[ ]+\((?P<acronym>[A-Z][A-Za-z0-9&\-]{{1,11}})\)")
_HEADED_NAME = re.compile(rf"(?<![A-Za-z0-9'’\-])(?P<name>{_NAME_RUN}[ ]+(?:{'|'.join(ORG_HEADS)}))(?![A-Za-z0-9'’\-])"
                          r"(?![ ]+(?:Manager|Leader|Lead|Member|Chair|Officer|Director)s?\b)")
_PARTNERSHIP_CUE = RULES.pattern("partnership_cues", flags=0)
_LISTED_NAME = re.compile(r"(?:[A-Z][A-Za-z'’]*(?:-[A-Z][A-Za-z]*)?|[A-Z]{2,}(?:-[A-Z]{2,})?)"
                          r"(?:[ ]+(?:[A-Z][A-Za-z'’]*(?:-[A-Z][A-Za-z]*)?|[A-Z]{2,}|(?:of|for|&|the)(?=[ ]+[A-Z])))*")
_LEADING_DETERMINERS = set(RULES.terms("leading_words"))


@dataclass(frozen=True)
class OrganisationMention:
    """Where an organisation is named: document offsets and the id it resolves to."""

    doc: str
    start: int
    end: int
    org: str


class OrganisationIndex:
    """Organisation mentions by document, for finding who owns an action and resolving "the Trust"."""

    def __init__(self, mentions: Iterable[OrganisationMention], organisations: Iterable[OrganisationFinding]):
        self.organisations = {o.id: o for o in organisations}
        self._by_doc: dict[str, list[OrganisationMention]] = defaultdict(list)
        for mention in mentions:
            self._by_doc[mention.doc].append(mention)
        for doc_mentions in self._by_doc.values():
            doc_mentions.sort(key=lambda m: m.start)

    def mentions(self, doc: str, start: int = 0, end: int | None = None) -> list[OrganisationMention]:
        """Mentions inside [start, end) of a document, in text order."""
        end = 1 << 62 if end is None else end
        return [m for m in self._by_doc.get(doc, []) if start <= m.start and m.end <= end]

    def orgs_in(self, doc: str, start: int, end: int) -> list[str]:
        """Distinct organisation ids named inside [start, end), in order of first mention."""
        return list(dict.fromkeys(m.org for m in self.mentions(doc, start, end)))

    def most_mentioned(self, doc: str, label_pattern: str) -> str | None:
        """The organisation, among those whose label matches `label_pattern`, named most often in the document."""
        pattern = re.compile(label_pattern)
        counts = Counter(m.org for m in self._by_doc.get(doc, [])
                         if m.org in self.organisations and pattern.search(self.organisations[m.org].label))
        return counts.most_common(1)[0][0] if counts else None

    def last_before(self, doc: str, offset: int, label_pattern: str, since: int = 0) -> str | None:
        """The last organisation before `offset` (and after `since`) whose label matches `label_pattern`."""
        pattern = re.compile(label_pattern)
        for mention in reversed(self._by_doc.get(doc, [])):
            if mention.end <= offset and mention.start >= since and mention.org in self.organisations \
                    and pattern.search(self.organisations[mention.org].label):
                return mention.org
        return None


def category_of(name: str) -> str | None:
    """The category a body's name suggests (health, police, local authority …), or None."""
    return next((category for category, pattern in CATEGORIES if pattern.search(name)), None)


def gazetteer_matcher(gazetteer: Iterable[GazetteerEntry]) -> LabelMatcher:
    """A matcher over every gazetteer label, alternative label and acronym."""
    return shared_matcher((e.id, label, label == e.label) for e in gazetteer for label in [e.label, *e.alt_labels])


def find_organisations(documents: Iterable[Document], gazetteer: list[GazetteerEntry],
                       locator: EvidenceLocator) -> tuple[list[OrganisationFinding], OrganisationIndex]:
    """Every organisation named in the documents, each mention with its evidence.

    Args:
        documents: cleaned documents.
        gazetteer: known organisations (kg/ontology/organisations.ttl).
        locator: turns offsets into Evidence.

    Returns:
        The organisations found (gazetteer ones first, then detected ones, which have
        `in_gazetteer=False`), and an index of their mentions for later stages.
    """
    documents = list(documents)
    entries = {e.id: e for e in gazetteer}
    matcher = gazetteer_matcher(gazetteer)
    known_names = {normalise(label): e.id for e in gazetteer for label in [e.label, *e.alt_labels]}
    mentions: list[OrganisationMention] = []
    gazetteer_hits: dict[str, list[LabelHit]] = {}
    for document in documents:
        hits = matcher.find(document.text)
        gazetteer_hits[document.doc] = hits
        mentions.extend(_resolve_local_acronyms(document.doc, document.text, hits))

    detected = _detect_unlisted(documents, gazetteer_hits, known_names)
    detected_matcher = LabelMatcher((d.id, label, label == d.label)
                                    for d in detected.values() for label in [d.label, d.acronym, *d.alt_labels]
                                    if label)
    # Grouped by document once: filtering and removing in the whole list per document was O(n²) at scale.
    live: dict[str, list[OrganisationMention]] = defaultdict(list)
    for mention in mentions:
        live[mention.doc].append(mention)
    for document in documents:
        doc_mentions = list(live[document.doc])
        for hit in detected_matcher.find(document.text):
            inside = [m for m in doc_mentions if hit.start <= m.start and m.end <= hit.end]
            crossing = [m for m in doc_mentions if m.start < hit.end and hit.start < m.end and m not in inside]
            if crossing or any((m.start, m.end) == (hit.start, hit.end) for m in inside):
                continue
            # The detected name is longer than the gazetteer names inside it: it is what the text names.
            for mention in inside:
                live[document.doc].remove(mention)
            live[document.doc].append(OrganisationMention(document.doc, hit.start, hit.end, hit.key))
    mentions = [m for doc_mentions in live.values() for m in doc_mentions]

    by_org: dict[str, list[OrganisationMention]] = defaultdict(list)
    for mention in sorted(mentions, key=lambda m: (m.doc, m.start)):
        by_org[mention.org].append(mention)
    findings: list[OrganisationFinding] = []
    wanted = set(by_org)
    wanted |= {entries[o].parent for o in by_org if o in entries and entries[o].parent in entries}
    for org_id in sorted(wanted & set(entries)):
        entry = entries[org_id]
        acronym = entry.acronym
        findings.append(OrganisationFinding(
            id=org_id, label=entry.label, acronym=acronym, alt_labels=[a for a in entry.alt_labels if a != acronym],
            kind=entry.kind, parent=entry.parent, category=entry.category or category_of(entry.label), in_gazetteer=True,
            mentions=[locator.evidence(m.doc, m.start, m.end) for m in by_org.get(org_id, [])],
            method="gazetteer", confidence=0.95))
    for org_id, finding in sorted(detected.items()):
        finding.mentions = [locator.evidence(m.doc, m.start, m.end) for m in by_org.get(org_id, [])]
        if finding.mentions:
            findings.append(finding)
    return findings, OrganisationIndex(mentions, findings)


def _acronym_letters(acronym: str) -> str:
    letters = re.sub(r"[^A-Za-z0-9]", "", acronym)
    if len(letters) > 2 and letters.endswith("s") and letters[:-1].isupper():
        letters = letters[:-1]  # "CSPRs", "QAOs": a plural acronym
    return letters.lower()


def _name_for_acronym(name: str, acronym: str) -> str | None:
    """The shortest tail of `name` that the acronym abbreviates ("UK, Growing … Art Against Knives" -> "Art Against Knives")."""
    words = name.split()
    target = _acronym_letters(acronym)
    for size in range(1, len(words) + 1):
        tail = words[-size:]
        if not (tail[0][0].isupper() or tail[0][0].isdigit()):
            continue
        if spells(target, tail):
            return " ".join(tail)
    return None


def spells(letters: str, words: list[str]) -> bool:
    """Whether an acronym's letters abbreviate the words.

    Each capitalised word gives its initial (each part of a hyphenated word may); a word
    in capitals may give all its letters or none ("Northshire and Bay NHS Foundation Trust"
    is NBFT, "Royal Free London NHS Foundation Trust" is RFLNHSFT); little words may give
    their initial or nothing.
    """
    parts: list[str] = []
    for word in words:
        parts.extend(p for p in re.split(r"[-‐]", word) if p)

    def options(word: str) -> list[str]:
        clean = re.sub(r"[^A-Za-z0-9&]", "", word)
        if not clean or clean == "&":
            return [""]
        if clean.lower() in {"and", "of", "for", "the", "in", "on", "to"}:
            return ["", clean[0].lower()]
        if clean.isupper() and len(clean) > 1:
            return [clean.lower(), clean[0].lower(), ""]
        if clean[0].isupper() or clean[0].isdigit():
            return [clean[0].lower()]
        return [""]

    def walk(i: int, j: int) -> bool:
        if i == len(parts):
            return j == len(letters)
        return any(letters.startswith(option, j) and walk(i + 1, j + len(option)) for option in options(parts[i]))

    return bool(letters) and walk(0, 0)


def _local_acronyms(text: str, hits: list[LabelHit]) -> dict[str, str]:
    """Acronyms a document defines for gazetteer organisations: "Barnet Youth Justice Service (YJS)" -> YJS."""
    local = {}
    for hit in hits:
        match = re.match(r"\s*\((?P<acronym>[A-Z][A-Za-z0-9&\-]{1,11})\)", text[hit.end:hit.end + 16])
        if match and spells(_acronym_letters(match["acronym"]), text[hit.start:hit.end].replace(",", " ").split()):
            local[match["acronym"]] = hit.key
    return local


def _resolve_local_acronyms(doc: str, text: str, hits: list[LabelHit]) -> list[OrganisationMention]:
    """Mentions for the gazetteer hits, with acronyms the document defines for itself resolved its way.

    After "Barnet Youth Justice Service (YJS)", a bare "YJS" in that document is the local
    service rather than the generic service type.
    """
    local = _local_acronyms(text, hits)
    mentions = [OrganisationMention(doc, h.start, h.end, local.get(text[h.start:h.end], h.key)) for h in hits]
    for acronym, org in local.items():
        for match in re.finditer(rf"(?<![A-Za-z0-9]){re.escape(acronym)}(?![A-Za-z0-9])", text):
            if not any(h.start < match.end() and match.start() < h.end for h in hits):
                mentions.append(OrganisationMention(doc, match.start(), match.end(), org))
    return mentions


def _clean_name(name: str) -> str:
    """Drop leading determiners, dates and prepositions ("Over Spring 2023 the …") and a trailing possessive."""
    words = name.split()
    while words and (words[0] in _LEADING_DETERMINERS or words[0] in _MONTHS or words[0][0].isdigit()
                     or words[0].lower() in {"and", "of", "for", "the", "&"}):
        words = words[1:]
    while words and words[-1].lower() in {"and", "of", "for", "the", "&"}:
        words = words[:-1]
    return re.sub(r"['’]s$", "", " ".join(words).strip(" ,"))


def word_key(word: str) -> str:
    """A word as the lower-case vocabulary holds it: \"Barnet's\" -> \"barnets\"."""
    return re.sub(r"['’]s$", "s", word.lower()).replace("'", "").replace("’", "")


def lowercase_vocabulary(documents: Iterable[Document]) -> set[str]:
    """Words the documents use in lower case: a capitalised word never seen this way is probably a proper name."""
    vocabulary: set[str] = set()
    for document in documents:
        # Not the parts of e-mail and web addresses ("safeguarding@stannerby.gov.uk" is no use of "stannerby").
        vocabulary.update(re.findall(r"(?<![A-Za-z@./])[a-z][a-z'’\-]+(?![A-Za-z@/]|\.[a-z])", document.text))
    return {word_key(w) for w in vocabulary}


def _looks_like_body(name: str, common_words: set[str], defined: bool = False) -> bool:
    """Whether a capitalised phrase names a body rather than a post, a document or a generic description.

    Args:
        name: the phrase.
        common_words: words the corpus uses in lower case.
        defined: the text introduced the phrase with an acronym of its own, a sign it is a name.
    """
    words = re.findall(r"[A-Za-z0-9'’&\-]+", name)
    if len(words) < 2 or name.isupper():
        return False
    if any(w in ROLE_WORDS or w in DOCUMENT_WORDS for w in words):
        return False
    if defined:
        return True
    distinctive = [w for w in words if any(part not in GENERIC_WORDS for part in word_key(w).split("-") if part)]
    proper = [w for w in distinctive if is_acronym(w) or (w[0].isupper() and word_key(w) not in common_words)]
    return bool(proper) or (len(words) >= 3 and len(distinctive) >= 2)


def _has_proper_word(name: str, common_words: set[str]) -> bool:
    return any(is_acronym(w) or (w[0].isupper() and word_key(w) not in common_words
                                 and word_key(w) not in GENERIC_WORDS)
               for w in re.findall(r"[A-Za-z0-9'’&\-]+", name))


def _is_portfolio(text: str, start: int) -> bool:
    """True for the remit in a job title: "Cabinet Member for Resources & Effective Council"."""
    return bool(re.search(r"\b(?:Member|Head|Director|Lead|Leader|Manager|Officer|Chair|Minister)s? (?:for|of|[-–:])\s*$",
                          text[max(0, start - 40):start]))


def _split_conjoined(name: str) -> list[tuple[str, int]]:
    """Split "Health and Well-Being Board and Barnet Safeguarding Board" into both boards (with offsets in `name`)."""
    parts, position = [], 0
    for separator in re.finditer(r" (?:and|&) ", name):
        left = name[position:separator.start()]
        right = name[separator.end():]
        # "X Board and Y Board", or "St Aldric's Night Shelter and NHS Tarnleigh Integrated Care Board": a
        # list of two names, when the left is a body's name or the right opens a new one ("NHS …", "The …").
        if left.split() and (left.split()[-1] in ORG_HEADS or
                             (len(left.split()) >= 2 and re.match(r"(?:NHS|HM|The)\b", right))):
            parts.append((left, position))
            position = separator.end()
    parts.append((name[position:], position))
    return parts


def _detect_unlisted(documents: list[Document], gazetteer_hits: dict[str, list[LabelHit]],
                     known_names: dict[str, str]) -> dict[str, OrganisationFinding]:
    """Organisations named in the text that the gazetteer does not hold."""
    found: dict[str, OrganisationFinding] = {}
    common_words = lowercase_vocabulary(documents)

    def known(name: str) -> bool:
        key = normalise(name)
        bare = re.sub(r"^the |( ltd| limited| cic| plc)$", "", key)
        return key in known_names or bare in known_names or f"the {bare}" in known_names

    def add(name: str, acronym: str | None, method: str, confidence: float, alt: str | None = None) -> None:
        if not name or known(name) or (acronym and normalise(acronym) in known_names):
            return
        org_id = slugify(re.sub(r"['’]s\b", "", name))
        finding = found.get(org_id) or next(
            (f for f in found.values() if acronym and f.acronym == acronym), None)
        if finding is None:
            kind = "unit" if name.split()[-1] in UNIT_HEADS else "organisation"
            finding = found[org_id] = OrganisationFinding(
                id=org_id, label=name, acronym=acronym, kind=kind, category=category_of(name), in_gazetteer=False,
                method=method, confidence=confidence)
        elif acronym and not finding.acronym:
            finding.acronym = acronym
        if alt and alt not in finding.alt_labels:
            finding.alt_labels.append(alt)
        finding.confidence = max(finding.confidence, confidence)

    for document in documents:
        text = document.text
        covered = [(h.start, h.end) for h in gazetteer_hits[document.doc]]

        def overlaps_known(start: int, end: int) -> bool:
            overlapping = [(s, e) for s, e in covered if start < e and s < end]
            if not overlapping:
                return False
            if any(not (start <= s and e <= end) or (s, e) == (start, end) for s, e in overlapping):
                return True
            # A longer name around a gazetteer name is a body of its own when what it adds is
            # distinctive ("NHS Northshire and Bay Integrated Care Board"), not a list ("MASH and …")
            # or a generic word ("Police Child Abuse Investigation Team").
            rest, position = [], start
            for s, e in sorted(overlapping):
                rest.append(text[position:s])
                if re.match(r"\s*(?:and|&|,)\s", text[e:end] + " ") or re.search(r"\s(?:and|&)\s*$|,\s*$", text[start:s]):
                    return True
                position = e
            rest.append(text[position:end])
            added = re.findall(r"[A-Za-z][A-Za-z'’\-]*", " ".join(rest))
            return not any(word_key(w) not in GENERIC_WORDS for w in added)

        defined_acronyms: dict[str, str] = {}
        for match in _ACRONYM_DEFINITION.finditer(text):
            name = _name_for_acronym(match["name"], match["acronym"])
            if not name:
                continue
            name = _clean_name(name)
            start = match.start("name") + match["name"].rfind(name)
            if not name or overlaps_known(start, start + len(name)):
                continue
            words = name.split()
            headed = words[-1] in ORG_HEADS + PLACE_HEADS or any(
                w in ORG_HEADS and i > 0 and i + 1 < len(words) and words[i + 1] in {"for", "of"}
                for i, w in enumerate(words))
            defined_acronyms[name] = match["acronym"]
            if headed and _looks_like_body(name, common_words, defined=True):
                add(name, match["acronym"], "acronym-definition", 0.6)

        for match in _HEADED_NAME.finditer(text):
            if _inside_title(text, match.start()) or re.match(r"[ \t]+[A-Z]{1,3}\b(?![a-z])", text[match.end():match.end() + 5]):
                continue  # a heading, or a review's subject ("Sibling Group K")
            for part, offset in _split_conjoined(match["name"]):
                name = _clean_name(part)
                start = match.start("name") + offset + max(part.rfind(name), 0)
                if name and not overlaps_known(start, start + len(name)) and not _is_portfolio(text, start) \
                        and _looks_like_body(name, common_words):
                    add(name, defined_acronyms.get(name), "organisational-noun", 0.5)

        for cue in _REVERSE_APPOSITIVE.finditer(text):
            # "… provided by a local charity, Snug Start": the capitalised name after the appositive.
            named = re.match(r"[A-Z][A-Za-z'’\-]+(?:[ \t]+[A-Z][A-Za-z'’\-]+){0,4}", text[cue.end():cue.end() + 80])
            if named and len(named.group(0).split()) >= 2 and _has_proper_word(named.group(0), common_words) \
                    and not overlaps_known(cue.end(), cue.end() + named.end()):
                add(named.group(0), None, "appositive", 0.5)
        for match in _PROPER_RUN.finditer(text):
            if not _APPOSITIVE.match(text, match.end()):
                continue
            name = _clean_name(match["name"])
            start = match.start("name") + match["name"].rfind(name)
            if name and len(name.split()) >= 2 and not overlaps_known(start, start + len(name)) \
                    and _has_proper_word(name, common_words) and not any(w in ROLE_WORDS for w in name.split()):
                add(name, defined_acronyms.get(name), "appositive", 0.5)
        for match in _OWNED_UNIT.finditer(text):
            # "Rookhaven Borough Council's Housing Needs Service": a unit named after its owner.
            unit = match["unit"]
            start = match.start("unit")
            if not overlaps_known(start, start + len(unit)) and not _inside_title(text, match.start()):
                owner = _clean_name(match["owner"])
                if owner and _has_proper_word(owner, common_words):
                    add(f"{owner} {unit}", None, "owned-unit", 0.5, alt=unit)
        for match in _PLACE_SERVICES.finditer(text):
            name = " ".join(match["name"].split())
            if _has_proper_word(name.split()[0], common_words) and not _inside_title(text, match.start()) \
                    and match["name"].split()[0] not in _LEADING_DETERMINERS:
                add(name, None, "place-services", 0.5)
        for cue in _PARTNERSHIP_CUE.finditer(text):
            for name, start in _listed_names(text, cue.end()):
                name = _clean_name(name)
                acronym = defined_acronyms.get(name)
                if not name or overlaps_known(start, start + len(name)) or known(name):
                    continue
                # Only names that are plainly proper (an acronym, or a word never used in lower case) count here.
                if acronym or is_acronym(name.split()[0]) or (
                        _looks_like_body(name, common_words) and _has_proper_word(name, common_words)):
                    add(name, acronym, "partnership-cue", 0.4)
    return found


def _listed_names(text: str, position: int) -> list[tuple[str, int]]:
    """Proper names listed from `position`: "MAC UK, Growing Against Violence and Art Against Knives"."""
    names = []
    while True:
        match = _LISTED_NAME.match(text, position)
        if not match:
            return names
        name = match.group(0).strip()
        if name.split()[0] in _LEADING_DETERMINERS:
            return names
        names.append((name, match.start()))
        rest = re.match(r"\s*(?:\([^)]{1,20}\))?\s*(?:,\s*(?:and\s+)?|\s+and\s+)", text[match.end():match.end() + 40])
        if not rest:
            return names
        position = match.end() + rest.end()


def _inside_title(text: str, offset: int) -> bool:
    """True when the offset is in a line written in capitals (a heading): names there are shouted, not introduced."""
    line = line_at(text, offset)
    letters = [c for c in text[line.start:line.end] if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.8
