"""Case reviews named in documents: who they are about, what kind of review, how far they have got.

Case reviews are named after an anonymised subject ("Child L", "Child GA & RA",
"Family P", "Adult B") or, for national and thematic reviews, by a title ("The
Myth of Invisible Men"). A subject name alone is not a review ("Child L and his
mother"); it becomes one when the text ties it to a review type:

* "Child L CSPR", "Child KL Rapid Review (CSPR underway)"      name, then type
* "Child Safeguarding Practice Review – Child A", "Rapid Review for Child GA & RA"
* "a local child safeguarding practice review entitled 'Child L'"
* a review grid row, "Case: Child L CSPR | Critical learning themes identified: …"
* national reviews: "the … Panel's review into safeguarding children with …",
  "The Myth of Invisible Men review", "a review entitled '…'".

Once a review is known, later mentions of its name in the same document (in any
case, e.g. headings "CHILD L: EVIDENCE OF …") tie passages to it; `ReviewIndex`
answers "which review is this passage about?" for the theme and action stages.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.documents import Document
from kg.extract.evidence import EvidenceLocator
from kg.extract.findings import ReviewFinding
from kg.extract.labels import LabelMatcher
from kg.extract.organisations import OrganisationIndex
from kg.extract.scheme import ReviewType
from kg.extract.sentences import Span, leads, paragraphs, sentences
from kg.namespaces import slugify

SUBJECTS = ("Child", "Children", "Baby", "Babies", "Infant", "Family", "Families", "Sibling", "Siblings", "Adult",
            "Young Person", "Person", "Mother", "Father")
_SUBJECT = "|".join(SUBJECTS + tuple(s.upper() for s in SUBJECTS))
_ID = r"[A-Z]{1,3}[0-9]{0,2}"
NAME = re.compile(rf"(?<![A-Za-z])(?P<subject>{_SUBJECT})[ \t]+(?P<id>{_ID}(?:[ \t]?(?:&|and|AND)[ \t]?{_ID})*)"
                  r"(?![A-Za-z0-9'’\-])")
# Identifiers that, after "Child", are the start of an ordinary phrase or a well-known acronym.
NOT_AN_ID = {"CP", "CIN", "CIC", "CLA", "LAC", "CPP", "IHA", "DA", "CSE", "CCE", "SEN", "HV", "GP", "SW", "CYP",
             "UK", "NHS", "TV", "ID", "IN", "OF", "ON", "TO", "AT", "BY", "OR", "THE", "FOR", "AND", "A&E", "I",
             "IT", "WAS", "IS", "AN", "NO", "MY"}
TYPE_PRECEDENCE = {"cspr": 6, "serious-case-review": 5, "safeguarding-adults-review": 5,
                   "domestic-homicide-review": 5, "national-review": 4, "learning-review": 3, "rapid-review": 2}
# Stages a review passes through; a later stage supersedes an earlier one when mentions are merged.
STATUS_PATTERNS: tuple[tuple[re.Pattern, str, int], ...] = (
    (re.compile(r"\bnot (?:been )?published|\bunpublished\b|\banonymous(?:ly)? publi", re.I), "not published", 4),
    (re.compile(r"\b(?:expect|hope|plan|intend)s? to publish|\bto be published|\bpublication (?:is )?expected", re.I),
     "publication expected", 2),
    (re.compile(r"(?<!not )(?<!be )\bpublished\b", re.I), "published", 5),
    (re.compile(r"\b(?:concluded|completed)\b", re.I), "concluded", 3),
    (re.compile(r"\b(?:underway|under way|in progress|ongoing)\b", re.I), "underway", 2),
    (re.compile(r"\b(?:commenced|started|initiated|began|commissioned)\b", re.I), "commenced", 1),
)
_TAKEN_FORWARD = re.compile(r"\b(?:taken forward|progressed|escalated|proceeding|proceeded)\s+(?:as|to|into)\s+"
                            r"(?:a|an)?\s*(?:local\s+)?", re.I)
_ENTITLED = re.compile(r"[ \t]*(?:(?:entitled|titled|called|named|known as)[ \t]+)?['‘\"“](?P<title>[^'’\"”\n]{2,150})['’\"”]")
# Between a review type and the subject's name: "Review – Child A", "Review (DHR) for Adult J".
_CONNECT_TYPE_TO_NAME = re.compile(r"[ \t]*(?:\([A-Z]{2,6}\)[ \t]*)?"
                                   r"(?:[-–—:]|\bfor\b|\binto\b|\bof\b|\bon\b|\bregarding\b|\bconcerning\b)?[ \t]*")
_PANEL_REVIEW = re.compile(r"\bPanel['’]s\s+(?:national\s+)?(?:thematic\s+)?review\s+(?:into|of|on)\s+"
                           r"(?P<title>[a-z][^.;:()\n]{10,150}?)(?=[.;:(\n]|,\s|$)")
_TITLE_WORD = r"[A-Z][A-Za-z'’\-]+"
_TITLED_REVIEW = re.compile(rf"(?P<title>(?:The[ ]+)?{_TITLE_WORD}(?:[ ]+(?:of|and|in|on|the|for|to|a|an|{_TITLE_WORD})){{1,10}})"
                            r"[ ]+review\b(?![ ]+[A-Z])")
_QUOTED_REVIEW = re.compile(r"['‘\"“](?P<title>[A-Z][^'’\"”\n]{4,120})['’\"”][ ]+(?:national[ ]+)?(?:review|report)\b")
_YEAR = re.compile(r"\b(?:[Ii]n|[Oo]ver|[Dd]uring|[Ss]ince|[Bb]y)\s+(?:(?:early|late|mid|the)\s+)?"
                   r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|December|"
                   r"Spring|Summer|Autumn|Winter)\s+)?(?P<year>(?:19|20)\d\d)\b")
_TABLE_LABEL = re.compile(r"\s*(?:Case|Review|Case review|Name)\s*:\s*", re.I)
_LEARNING_VERB = re.compile(r"\s+(?:focused|focussed|found|identified|highlighted|explored|examined|considered|"
                            r"recommended|concluded|showed|set out)\b")
_CO_REFERENCE = re.compile(r"\b(?:this|the|that)\s+(?:local\s+)?(?:review|CSPR|rapid review|learning review|SCR|case)\b",
                           re.I)
_FUTURE = re.compile(r"\b(?:will|expect\w*|hope\w*|plan\w*|due|to be|aim\w*|intend\w*)\b", re.I)
_NATIONAL_CONTEXT = re.compile(r"\bnational\b|\bPanel\b", re.I)


@dataclass
class ReviewMention:
    """One place a review is named."""

    review: str
    doc: str
    start: int
    end: int
    surface: str = ""
    type: str | None = None
    status: str | None = None
    status_rank: int = 0
    from_table: bool = False
    establishing: bool = False
    table_row: Span | None = None


@dataclass
class _Candidate:
    label: str
    kind: str  # "subject" (Child L) or "title" (a national or thematic review)
    mentions: list[ReviewMention] = field(default_factory=list)


def review_label(subject: str, identifier: str) -> str:
    """The human label: "CHILD GA AND RA" -> "Child GA & RA"."""
    subject = " ".join(w.capitalize() for w in subject.split())
    identifier = re.sub(r"\s*(?:&|and|AND)\s*", " & ", identifier.strip())
    return f"{subject} {identifier}"


class ReviewTypeMatcher:
    """Finds review-type phrases ("CSPR", "Rapid Review", "learning review") in text."""

    def __init__(self, review_types: Iterable[ReviewType]):
        self.types = {t.id: t for t in review_types}
        # Type names are common nouns ("a rapid review", "CHILD AS LEARNING REVIEW"): any case, acronyms aside.
        self.matcher = LabelMatcher(((t.id, label, label == t.label) for t in self.types.values()
                                     for label in [t.label, *t.alt_labels]), keep_capitals=False)

    def find(self, text: str, start: int = 0, end: int | None = None):
        hits = self.matcher.find(text, start, end)
        # "Child Safeguarding Practice Review Panel" is a body, not a review.
        return [h for h in hits if not re.match(r"[ \t]+Panel\b", text[h.end:h.end + 8])]

    def label(self, type_id: str) -> str:
        return self.types[type_id].label if type_id in self.types else type_id


def _is_review_name(match: re.Match) -> bool:
    """False for "Child CP …", "CHILD IN NEED": identifiers that are words or common acronyms."""
    identifiers = re.split(r"\s*(?:&|and|AND)\s*", match["id"])
    return not any(i in NOT_AN_ID for i in identifiers)


class ReviewIndex:
    """Which reviews a passage is about: by name in the sentence, in its paragraph's lead, or in its section headings."""

    def __init__(self, documents: Iterable[Document], reviews: list[ReviewFinding], locator: EvidenceLocator,
                 type_matcher: ReviewTypeMatcher, mentions: list[ReviewMention]):
        self.documents = {d.doc: d for d in documents}
        self.reviews = {r.id: r for r in reviews}
        self.locator = locator
        self.type_matcher = type_matcher
        self._mentions: dict[str, list[ReviewMention]] = defaultdict(list)
        for mention in mentions:
            if mention.review in self.reviews:
                self._mentions[mention.doc].append(mention)
        for doc_mentions in self._mentions.values():
            doc_mentions.sort(key=lambda m: m.start)
        self._patterns = {r.id: mention_pattern(r.label) for r in reviews}
        # Types each review is named with, gathered once (scanning every mention per question was O(n²) at scale).
        self._types: dict[str, set[str]] = defaultdict(set)
        for doc_mentions in self._mentions.values():
            for mention in doc_mentions:
                if mention.type:
                    self._types[mention.review].add(mention.type)

    def mentions(self, doc: str) -> list[ReviewMention]:
        """Every mention of a known review in a document, in text order."""
        return list(self._mentions.get(doc, []))

    def named_in(self, doc: str, start: int, end: int) -> list[str]:
        """Reviews named inside [start, end), in order of first mention."""
        return list(dict.fromkeys(m.review for m in self._mentions.get(doc, []) if start <= m.start < end))

    def named_in_text(self, doc: str, text: str) -> list[str]:
        """Reviews of a document named in a piece of text that is not part of it (a section title)."""
        found = []
        for review_id in {m.review for m in self._mentions.get(doc, [])}:
            match = self._patterns[review_id].search(text)
            if match:
                found.append((match.start(), review_id))
        return [r for _, r in sorted(found)]

    def without_names(self, doc: str, text: str) -> str:
        """Text with the document's review names blanked out ("CHILD L: …" -> " : …")."""
        for review_id in self.named_in_text(doc, text):
            text = self._patterns[review_id].sub(" ", text)
        return text

    def paragraph_of(self, doc: str, offset: int) -> Span:
        """The line (paragraph, bullet or row) holding the offset."""
        text = self.documents[doc].text
        start = text.rfind("\n", 0, offset) + 1
        end = text.find("\n", offset)
        return Span(start, len(text) if end < 0 else end)

    def lead_reviews(self, doc: str, paragraph: Span) -> list[str]:
        """Reviews named in the inline lead(s) of a paragraph ("Child SS CSPR: The Partnership has …")."""
        text = self.documents[doc].text
        found: list[str] = []
        for lead in leads(text, paragraph):
            found.extend(self.named_in(doc, lead.start, lead.end))
        return list(dict.fromkeys(found))

    def section_reviews(self, doc: str, offset: int) -> list[str]:
        """Reviews named in the headings above the offset, nearest heading first."""
        for title in reversed(self.locator.section_path(doc, offset)):
            named = self.named_in_text(doc, title)
            if named:
                return named
        return []

    def scope(self, doc: str, span: Span) -> tuple[list[str], str]:
        """The reviews a sentence is about, and how that was decided.

        A sentence naming a review is about it ("sentence"); "the review also found …" is
        about the review named last earlier in its paragraph ("coreference"); otherwise the
        paragraph's inline lead ("lead"), then the nearest heading naming reviews ("section"),
        decide. When several reviews are in scope and the sentence says "this CSPR", only
        those of that type are kept. No review in scope gives ([], "").
        """
        text = self.documents[doc].text
        named = self.named_in(doc, span.start, span.end)
        if named:
            return named, "sentence"
        paragraph = self.paragraph_of(doc, span.start)
        if _CO_REFERENCE.search(text, span.start, span.end):
            # "The review also identified …": the review named last, earlier in the same paragraph.
            earlier = [m for m in self._mentions.get(doc, []) if paragraph.start <= m.start < span.start]
            if earlier:
                return [earlier[-1].review], "coreference"
        in_scope, how = self.lead_reviews(doc, paragraph), "lead"
        if not in_scope:
            in_scope, how = self.section_reviews(doc, span.start), "section"
        if len(in_scope) > 1:
            types = {h.key for h in self.type_matcher.find(text, span.start, span.end)}
            typed = [r for r in in_scope if types & self._types_seen(r)]
            if typed and len(typed) < len(in_scope):
                in_scope = typed
        return in_scope, how if in_scope else ""

    def _types_seen(self, review_id: str) -> set[str]:
        review = self.reviews[review_id]
        seen = {review.type} if review.type else set()
        return seen | self._types.get(review_id, set())


def mention_pattern(label: str) -> re.Pattern:
    """Finds a known review by its label in any case: "CHILD KL CSPR AND …" names "Child KL"."""
    words = label.split()
    if words[0] in SUBJECTS and len(words) > 1:
        identifier = r"[ \t]*(?:&|and|AND)[ \t]*".join(re.escape(w) for w in " ".join(words[1:]).split(" & "))
        return re.compile(rf"(?<![A-Za-z])(?i:{re.escape(words[0])})[ \t]+{identifier}(?![A-Za-z0-9'’\-])")
    return re.compile(r"(?<![A-Za-z])" + re.escape(label).replace("\\ ", r"\s+") + r"(?![A-Za-z])", re.I)


def find_reviews(documents: Iterable[Document], review_types: list[ReviewType],
                 locator: EvidenceLocator) -> tuple[list[ReviewFinding], ReviewIndex]:
    """Every case review the documents name, with type, status, year and evidence.

    Args:
        documents: cleaned documents.
        review_types: the review-type concepts (kg/ontology/themes.ttl).
        locator: turns offsets into Evidence.

    Returns:
        The reviews, mentions of one review merged into one finding, and an index that
        tells later stages which review a passage is about.
    """
    documents = list(documents)
    type_matcher = ReviewTypeMatcher(review_types)
    candidates: dict[str, _Candidate] = {}
    all_mentions: list[ReviewMention] = []
    for document in documents:
        found = _establishing_mentions(document, type_matcher)
        for label, kind, mention in found:
            candidate = candidates.setdefault(mention.review, _Candidate(label=label, kind=kind))
            candidate.mentions.append(mention)
        all_mentions.extend(m for _, _, m in found)
        known = {m.review: candidates[m.review].label for _, _, m in found}
        # Only this document's mentions can collide with its later ones (all of them made this O(n²) at scale).
        all_mentions.extend(_later_mentions(document, known, [m for _, _, m in found]))

    index_mentions = [m for m in all_mentions if m.review in candidates]
    texts = {d.doc: d.text for d in documents}  # once, not once per review (O(reviews × documents) at scale)
    reviews = [_merge(review_id, candidate, type_matcher, texts, locator)
               for review_id, candidate in candidates.items()]
    index = ReviewIndex(documents, reviews, locator, type_matcher, index_mentions)
    by_id = {r.id: r for r in reviews}  # once, not once per document (O(reviews × documents) at scale)
    for document in documents:
        _add_statuses(document, index, by_id, type_matcher, locator)
    for review in reviews:
        review.evidence.sort(key=lambda e: (e.doc, e.start))
    return sorted(reviews, key=lambda r: r.id), index


def _establishing_mentions(document: Document, type_matcher: ReviewTypeMatcher) -> list[tuple[str, str, ReviewMention]]:
    """Mentions that make a name a review (name + type, table rows, titles)."""
    text = document.text
    out: list[tuple[str, str, ReviewMention]] = []
    type_hits = type_matcher.find(text)
    hits_by_start = {h.start: h for h in type_hits}

    def subject_mention(match: re.Match, type_id: str | None, start: int, end: int, **extra) -> None:
        if not _is_review_name(match):
            return
        if match["subject"].isupper() and type_id is None and not extra.get("from_table"):
            return
        label = review_label(match["subject"], match["id"])
        surface = extra.pop("surface", " ".join(text[start:end].split()))
        mention = ReviewMention(review=slugify(label), doc=document.doc, start=start, end=end,
                                surface=surface, type=type_id, establishing=True, **extra)
        out.append((label, "subject", mention))

    # Table rows: the first cell names the case, the others hold its learning themes.
    for line in paragraphs(text):
        if " | " not in text[line.start:line.end]:
            continue
        cell_end = text.find(" | ", line.start, line.end)
        cell = Span(line.start, cell_end)
        label_prefix = _TABLE_LABEL.match(text, cell.start, cell.end)
        name = NAME.search(text, cell.start, cell.end)
        if not name:
            continue
        types = [h for h in type_hits if cell.start <= h.start < cell.end]
        if not types and not label_prefix:
            continue
        status_match = re.search(r"\(([^()]{2,60})\)", text[cell.start:cell.end])
        status = status_match[1].strip() if status_match else None
        status_types = [h.key for h in types if status_match and h.start >= cell.start + status_match.start()]
        main_types = [h.key for h in types if h.key not in status_types] or status_types
        type_id = max(main_types + status_types, key=lambda t: TYPE_PRECEDENCE.get(t, 0)) if types else None
        mention_start = label_prefix.end() if label_prefix else cell.start
        mention_end = cell.start + status_match.start() if status_match else cell.end
        subject_mention(name, type_id, mention_start, mention_end, from_table=True, status=status,
                        status_rank=_status_rank(status) if status else 0, table_row=line)

    for name in NAME.finditer(text):
        # "Child L CSPR", "Child KL Rapid Review": the type straight after the name.
        after = re.match(r"[ \t]*\(?", text[name.end():name.end() + 3])
        hit = hits_by_start.get(name.end() + (after.end() if after else 0))
        if hit:
            subject_mention(name, hit.key, name.start(), hit.end)
    for hit in type_hits:
        # "Child Safeguarding Practice Review – Child A", "Rapid Review for Child GA & RA".
        connector = _CONNECT_TYPE_TO_NAME.match(text, hit.end)
        name = NAME.match(text, connector.end()) if connector else None
        if name and connector.end() - hit.end <= 20:
            subject_mention(name, hit.key, hit.start, name.end())
            continue
        entitled = _ENTITLED.match(text, hit.end)
        if entitled:
            title = entitled["title"].strip()
            inner = NAME.fullmatch(title)
            if inner:
                subject_mention(inner, hit.key, hit.start, entitled.end(), surface="")
            else:
                out.append(_title_mention(document, title, hit.key, hit.start, entitled.end()))

    for match in _PANEL_REVIEW.finditer(text):
        title = match["title"].strip()
        title = title[0].upper() + title[1:]
        out.append(_title_mention(document, title, "national-review", match.start(), match.end()))
    for pattern in (_TITLED_REVIEW, _QUOTED_REVIEW):
        for match in pattern.finditer(text):
            title = match["title"].strip()
            if not _plausible_title(title, type_matcher) or _in_table_row(text, match.start()):
                continue
            national = bool(_NATIONAL_CONTEXT.search(_paragraph_text(text, match.start())))
            # An unquoted title needs a sign that it is a review of practice, not a review of a contract.
            if pattern is _TITLED_REVIEW and not national and not _LEARNING_VERB.match(text, match.end()):
                continue
            review_type = "national-review" if national else "learning-review"
            out.append(_title_mention(document, title, review_type, match.start(), match.end()))
    return out


def _in_table_row(text: str, offset: int) -> bool:
    line_start = text.rfind("\n", 0, offset) + 1
    line_end = text.find("\n", offset)
    return " | " in text[line_start:line_end if line_end >= 0 else len(text)]


def _paragraph_text(text: str, offset: int) -> str:
    start = text.rfind("\n\n", 0, offset) + 2 if text.rfind("\n\n", 0, offset) >= 0 else 0
    end = text.find("\n\n", offset)
    return text[start:end if end >= 0 else len(text)]


def _plausible_title(title: str, type_matcher: ReviewTypeMatcher) -> bool:
    """A title of at least two capitalised words that is not itself a review type, organisation or subject name."""
    words = title.split()
    capitalised = [w for w in words if w[0].isupper() and w.lower() not in {"the", "a", "an"}]
    if len(capitalised) < 2 or title.isupper() or NAME.search(title):
        return False
    if type_matcher.find(title) or re.search(r"\b(?:Panel|Partnership|Board|Council|Group|Team|Service|Annual|"
                                             r"Report|Practice|Safeguarding|Committee|Police|Government)\b", title):
        return False
    return True


def _title_mention(document: Document, title: str, type_id: str, start: int, end: int) -> tuple[str, str, ReviewMention]:
    title = " ".join(title.split())
    mention = ReviewMention(review=slugify(title), doc=document.doc, start=start, end=end, surface=title,
                            type=type_id, establishing=True)
    return title, "title", mention


def _later_mentions(document: Document, known: dict[str, str], existing: list[ReviewMention]) -> list[ReviewMention]:
    """Other mentions of the document's reviews by name (any case), for deciding what passages are about."""
    taken = {(m.doc, m.start) for m in existing}
    out = []
    for review_id, label in known.items():
        for match in mention_pattern(label).finditer(document.text):
            if (document.doc, match.start()) not in taken:
                out.append(ReviewMention(review=review_id, doc=document.doc, start=match.start(), end=match.end(),
                                         surface=match.group(0)))
    return out


def _status_rank(status: str) -> int:
    for pattern, _, rank in STATUS_PATTERNS:
        if pattern.search(status):
            return rank
    return 1


def _merge(review_id: str, candidate: _Candidate, type_matcher: ReviewTypeMatcher, texts: dict[str, str],
           locator: EvidenceLocator) -> ReviewFinding:
    """One finding from all establishing mentions of a review: the most specific type, the latest status."""
    mentions = sorted(candidate.mentions, key=lambda m: (m.doc, m.start))
    types = [m.type for m in mentions if m.type]
    if any(m.status for m in mentions):
        types += [h.key for m in mentions if m.status for h in type_matcher.find(m.status)]
    review_type = max(types, key=lambda t: TYPE_PRECEDENCE.get(t, 0)) if types else None
    statuses = [(m.status_rank, 1 if m.from_table else 0, m.start, m.status) for m in mentions if m.status]
    status = max(statuses)[3] if statuses else None
    # Headings shout ("Child AS LEARNING REVIEW"); their surfaces make poor alternative labels.
    alt_labels = list(dict.fromkeys(
        m.surface for m in mentions
        if m.surface and m.surface.lower() != candidate.label.lower() and not re.search(r"\b[A-Z]{5,}\b", m.surface)))
    evidence = [locator.evidence(m.doc, *_evidence_span(texts[m.doc], m)) for m in mentions]
    by_table = any(m.from_table for m in mentions)
    confidence = 0.95 if by_table or len(mentions) > 1 else 0.85
    if candidate.kind == "title":
        confidence = 0.8
    return ReviewFinding(id=review_id, label=candidate.label, type=review_type, status=status,
                         alt_labels=alt_labels, evidence=_dedupe(evidence),
                         method="table" if by_table else ("title" if candidate.kind == "title" else "pattern"),
                         confidence=confidence)


def _dedupe(evidence):
    seen, out = set(), []
    for item in evidence:
        key = (item.doc, item.start, item.end)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _evidence_span(text: str, mention: ReviewMention) -> tuple[int, int]:
    """The sentence (or table row) that names the review, cut to about 400 characters around the name."""
    if mention.table_row is not None:
        return mention.table_row.start, mention.table_row.end
    line_start = text.rfind("\n", 0, mention.start) + 1
    line_end = text.find("\n", mention.start)
    line_end = len(text) if line_end < 0 else line_end
    for sentence in sentences(text, line_start, line_end):
        if sentence.start <= mention.start < sentence.end:
            if sentence.end - sentence.start <= 400:
                return sentence.start, sentence.end
            start = max(sentence.start, text.rfind(" ", sentence.start, max(sentence.start, mention.start - 150)) + 1)
            end = text.find(" ", min(sentence.end, mention.end + 200), sentence.end)
            return start, end if end > 0 else sentence.end
    return mention.start, mention.end


def _add_statuses(document: Document, index: ReviewIndex, by_id: dict[str, ReviewFinding],
                  type_matcher: ReviewTypeMatcher, locator: EvidenceLocator) -> None:
    """Status, year and a type upgrade ("taken forward as a local CSPR") from sentences about a review."""
    text = document.text
    # Filled only for the reviews this document speaks of (all reviews per document was O(n²) at scale);
    # the others' statuses would only be written back unchanged.
    current: dict[str, tuple[int, int, str]] = {}
    for sentence in sentences(text):
        body = text[sentence.start:sentence.end]
        type_hits = type_matcher.find(text, sentence.start, sentence.end)
        names_review = bool(type_hits) or re.search(r"\breview\b", body, re.I)
        if not names_review:
            continue
        in_scope, how = index.scope(document.doc, sentence)
        if not in_scope:
            continue
        if how != "sentence" and not _CO_REFERENCE.search(body) and not type_hits:
            continue
        for review_id in in_scope:
            review = by_id[review_id]
            if review_id not in current and review.status:
                current[review_id] = (_status_rank(review.status), 1, review.status)
            forward = _TAKEN_FORWARD.search(body)
            if forward:
                upgraded = [h.key for h in type_hits if h.start >= sentence.start + forward.end() - 1]
                if upgraded and TYPE_PRECEDENCE.get(upgraded[0], 0) > TYPE_PRECEDENCE.get(review.type or "", 0):
                    review.type = upgraded[0]
                    _record(current, review_id, 2, f"taken forward as {type_matcher.label(upgraded[0])}")
            anchors = [h.start - sentence.start for h in type_hits] + \
                [m.start() for m in re.finditer(r"\breview\b", body, re.I)]
            for pattern, status, rank in STATUS_PATTERNS:
                # The stage word must be said of the review: close to its name or type ("… this CSPR was not published").
                if any(abs(m.start() - a) <= 60 for m in pattern.finditer(body) for a in anchors):
                    _record(current, review_id, rank, status)
                    year = _YEAR.search(body)
                    # The year a review was started, concluded or published, not when it will report.
                    if year and rank in (1, 3, 5) and review.year is None \
                            and not _FUTURE.search(body, max(0, year.start() - 30), year.start()):
                        review.year = int(year["year"])
                    evidence = locator.evidence(document.doc, sentence.start, sentence.end)
                    if all((e.doc, e.start) != (evidence.doc, evidence.start) for e in review.evidence):
                        review.evidence.append(evidence)
                    break
    for review_id, (_, _, status) in current.items():
        by_id[review_id].status = status


# Which kind of body owns which kind of review, as a pattern over organisation labels.
OWNER_BY_TYPE = {
    "national-review": r"Practice Review Panel",
    "safeguarding-adults-review": r"Safeguarding Adults (?:Board|Partnership)",
    "domestic-homicide-review": r"Community Safety Partnership|Safer Communities Partnership",
}
DEFAULT_OWNER = r"Safeguarding (?:Children(?:'s)? )?(?:Partnership|Board)"


def assign_partnerships(reviews: list[ReviewFinding], organisations: OrganisationIndex) -> None:
    """Set each review's owning body: the partnership (or board, or the national panel) its report names most."""
    for review in reviews:
        if not review.evidence:
            continue
        pattern = OWNER_BY_TYPE.get(review.type or "", DEFAULT_OWNER)
        review.partnership = organisations.most_mentioned(review.evidence[0].doc, pattern)


def _record(current: dict[str, tuple[int, int, str]], review_id: str, rank: int, status: str) -> bool:
    """Keep the furthest stage; a table's wording wins over prose for the same stage."""
    previous = current.get(review_id)
    if previous is None or rank > previous[0]:
        current[review_id] = (rank, 0, status)
        return True
    return False
