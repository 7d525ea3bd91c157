"""Case reviews named in documents: who they are about, what kind of review, how far they have got.

Reviews are named the way the national repository and partnerships name them (the cues
are data, in kg/ontology/rules/reviews.toml, each with its source):

* an anonymised subject: "Child L", "Baby A", "Family P", "Sibling Group C", "Mr D",
  "Child GA & RA" (= "Child GA and RA"), "The Z Family";
* a pseudonym or reference tied to a review type: "SAR Jo", "Safeguarding Adults Review –
  Bernard", "DHR into the death of 'Maya'", "James – Safeguarding Adult Review",
  "Concise Child Practice Review BGRSB 1/2024";
* a title: quoted ("'Still waters': a thematic review of …"), the national Panel's
  ("the Panel's review into …"), or unquoted before a learning verb ("The Myth of
  Invisible Men review found …");
* a repository heading, "2023 – Valemouth – Baby A";
* no name at all, described by its subject: "a learning review on neglect was published"
  becomes the review "Neglect learning review".

A subject name alone is not a review ("Child L and his mother"); it becomes one when the
text ties it to a review: a type next to it, a review grid row, "the Child T review".
Once a review is known, its later mentions in the same document (in any case) tie
passages to it; `ReviewIndex` answers "which review is this passage about?" for the theme
and action stages, falling back to the review a whole document is about (a briefing, an
executive summary).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.documents import Document
from kg.extract.evidence import EvidenceLocator
from kg.extract.findings import ReviewFinding
from kg.extract.labels import LabelMatcher, normalise, shared_matcher
from kg.extract.organisations import OrganisationIndex, lowercase_vocabulary, word_key
from kg.extract.rules import load_rules
from kg.extract.scheme import ReviewType
from kg.text import Span, is_table_row, leads, line_at, paragraphs, sentences
from kg.namespaces import slugify

RULES = load_rules("reviews")
SUBJECTS = tuple(RULES.terms("subjects"))
NOT_AN_ID = set(RULES.terms("not_an_identifier"))
NOT_A_NAME = set(RULES.terms("not_a_name"))
_SUBJECT = "|".join(sorted({re.escape(s) for s in SUBJECTS} | {re.escape(s.upper()) for s in SUBJECTS}, key=len,
                           reverse=True))
_ID = r"[A-Z]{1,3}[0-9]{0,2}"
_ID_JOIN = r"[ \t]?(?:&|and|AND)[ \t]?"
NAME = re.compile(rf"(?<![A-Za-z])(?P<subject>{_SUBJECT})[ \t]+(?P<id>{_ID}(?:{_ID_JOIN}{_ID})*)"
                  r"(?![A-Za-z0-9\-]|['’](?!s\b))")
_THE_FAMILY = re.compile(r"(?<![A-Za-z])(?P<the>[Tt]he)[ \t]+(?P<id>[A-Z]{1,2})[ \t]+(?P<subject>Family)(?![A-Za-z])")
_PERSON = r"(?:[A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?|[A-Z]{2,3})"
_PERSONS = rf"{_PERSON}(?:[ \t]+(?:and|&)[ \t]+{_PERSON})?"
PSEUDONYM = re.compile(rf"(?P<name>{_PERSONS})(?![A-Za-z0-9'’\-])")
_TITLE_RUN = re.compile(r"(?P<name>[A-Z][A-Za-z'’\-]+(?:[ \t]+(?:(?:on|of|and|in|the|for|to|a|an|at|&)[ \t]+)?"
                        r"[A-Z][A-Za-z'’\-]+){1,6})")
# A quoted name or title; an apostrophe inside a word ("Nobody's") does not close a single quote.
_QUOTED = re.compile(r"(?:“(?P<q1>[^”\n]{1,150})”|\"(?P<q2>[^\"\n]{1,150})\"|[‘'](?P<q3>(?:[^'’\n]|['’](?=[A-Za-z])){1,150})['’](?![A-Za-z]))")


def _quoted(match: re.Match, prefix: str = "q") -> str:
    """The text inside the quotes of a _QUOTED (or quoted-title) match."""
    return next(v for v in (match[f"{prefix}1"], match[f"{prefix}2"], match[f"{prefix}3"]) if v is not None)
_TYPE_TO_NAME = RULES.patterns("type_to_name")
_NAME_TO_TYPE = RULES.pattern("name_to_type", flags=0)
_GENERIC_REVIEW = RULES.pattern("generic_review_words")
_GENERIC_THEN_NAME = RULES.patterns("generic_review_then_name", flags=0)
_INTRODUCED_NAME = RULES.pattern("introduced_name", flags=0)
_REPOSITORY_HEADING = RULES.pattern("repository_heading", flags=re.M)
_REFERENCE_ID = RULES.pattern("reference_identifiers", flags=0)
_QUOTED_TITLE = RULES.pattern("quoted_title_then_type")
_NATIONAL_TITLE = RULES.pattern("national_title", flags=0)
_UNNAMED = RULES.pattern("unnamed_review")
_UNNAMED_HAPPENED = RULES.pattern("unnamed_review_happened")
STATUS_PATTERNS = [(pattern, rule.value, rule.rank) for pattern, rule in RULES.patterns("status")]
_YEAR_BASIS = [(pattern, rule.value, rule.rank) for pattern, rule in RULES.patterns("year_basis")]
_YEAR = RULES.pattern("year", flags=0)
_FUTURE = RULES.pattern("future")
_TAKEN_FORWARD = RULES.pattern("taken_forward")
_CO_REFERENCE = RULES.pattern("co_reference")
_RESPONSE_START = RULES.pattern("response_start")
_NATIONAL_CONTEXT = RULES.pattern("national_context", flags=0)
_LEARNING_VERB = RULES.pattern("learning_verb", flags=0)
_NOT_A_TITLE = RULES.pattern("not_a_title", flags=0)
_PUBLISHED_BY = RULES.pattern("published_by")
OWNER_BY_TYPE = {rule.extra.get("type", ""): rule.pattern for rule in RULES.rules("owners")}
_TITLE_WORD = r"[A-Z][A-Za-z'’\-]+"
_TITLED_REVIEW = re.compile(rf"(?P<title>(?:The[ ]+)?{_TITLE_WORD}(?:[ ]+(?:of|and|in|on|the|for|to|a|an|{_TITLE_WORD})){{1,10}})"
                            r"[ ]+review\b(?![ ]+[A-Z])")
_TABLE_LABEL = re.compile(r"\s*(?:Case|Review|Case review|Name)\s*:\s*", re.I)
# Review types are compared by how specific they are: a rapid review taken forward as a CSPR is a CSPR.
TYPE_PRECEDENCE = {"cspr": 6, "serious-case-review": 5, "safeguarding-adults-review": 5,
                   "domestic-homicide-review": 5, "child-practice-review": 5, "adult-practice-review": 5,
                   "national-review": 4, "triennial-analysis": 4, "thematic-review": 3, "learning-review": 3,
                   "rapid-review": 2}
_ACRONYM_TYPES = re.compile(r"^(?:[A-Z]{2,6}|Discretionary SAR|Thematic SAR)$")


@dataclass
class ReviewMention:
    """One place a review is named."""

    review: str  # the review's key until reviews are merged, then its id
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
    area: str | None = None
    year: int | None = None
    year_basis: str | None = None
    taken_forward_as: str | None = None


@dataclass
class _NamedReview:
    label: str
    kind: str  # "subject", "pseudonym", "title" or "unnamed"
    mentions: list[ReviewMention] = field(default_factory=list)


def review_label(subject: str, identifier: str) -> str:
    """The human label: "CHILD GA AND RA" -> "Child GA & RA", "Children A, B and C" -> "Children A, B & C"."""
    subject = " ".join(w if w in {"Mr", "Mrs", "Ms", "Miss"} else w.capitalize() for w in subject.split())
    identifier = re.sub(r"\s*(?:&|\band\b|\bAND\b)\s*", " & ", identifier.strip())
    identifier = re.sub(r"\s*,\s*", ", ", identifier)
    return f"{subject} {identifier}"


def review_key(label: str) -> str:
    """How labels are compared when mentions are merged: case, "&"/"and", quotes and spacing ignored."""
    return normalise(label.replace("‘", "'").replace("’", "'").strip("'\" "))


class ReviewTypeMatcher:
    """Finds review-type phrases ("CSPR", "Rapid Review", "learning review") in text."""

    def __init__(self, review_types: Iterable[ReviewType]):
        self.types = {t.id: t for t in review_types}
        # Type names are common nouns ("a rapid review", "CHILD AS LEARNING REVIEW"): any case, acronyms aside.
        self.matcher = shared_matcher(((t.id, label, label == t.label) for t in self.types.values()
                                     for label in [t.label, *t.alt_labels]), keep_capitals=False)

    def find(self, text: str, start: int = 0, end: int | None = None):
        hits = self.matcher.find(text, start, end)
        # "Child Safeguarding Practice Review Panel", "SAR Group", "Rapid Review Meeting": bodies and meetings.
        return [h for h in hits if not re.match(r"[ \t]+(?:Panel|Group|Sub-?group|Subgroup|Committee|Meeting|"
                                                r"Process|Criteria|Framework|Policy|Protocol|Procedures?|Referral|"
                                                r"Notification|Coordinator|Co-ordinator|Manager|Lead)s?\b",
                                                text[h.end:h.end + 16], re.I)]

    def label(self, type_id: str) -> str:
        return self.types[type_id].label if type_id in self.types else type_id


def _is_review_name(match: re.Match) -> bool:
    """False for "Child CP …", "CHILD IN NEED": identifiers that are words or common acronyms."""
    identifiers = re.split(r"\s*(?:&|and|AND|,)\s*", match["id"])
    return not any(i in NOT_AN_ID for i in identifiers if i)


def _proper_name(name: str, lowercase_words: set[str], quoted: bool = False) -> bool:
    """Whether a capitalised phrase next to a review type is a pseudonym or title, not an ordinary word."""
    words = re.findall(r"[A-Za-z][A-Za-z'’\-]*", name)
    if not words or len(words) > 8 or (name.isupper() and len(name.replace(" ", "")) > 3):
        return False  # a heading in capitals ("CSPR: EVIDENCE OF …") is not a name
    capitalised = [w for w in words if w[0].isupper()]
    if not capitalised or any(w in NOT_A_NAME for w in capitalised if not quoted or len(words) == 1):
        return False
    if quoted:
        return True
    # A name the documents also write in lower case is an ordinary word ("Neglect", "Learning").
    return any(word_key(w) not in lowercase_words or w.isupper() for w in capitalised)


class ReviewIndex:
    """Which reviews a passage is about: by name in the sentence, its paragraph's lead, its headings, its document."""

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
        self._patterns = {r.id: mention_pattern(r.label) for r in reviews if r.method != "unnamed"}
        # Types each review is named with, gathered once (scanning every mention per question was O(n²) at scale).
        self._types: dict[str, set[str]] = defaultdict(set)
        for doc_mentions in self._mentions.values():
            for mention in doc_mentions:
                if mention.type:
                    self._types[mention.review].add(mention.type)
        self._document_review = {doc: _document_review(self.documents[doc], doc_mentions, self.reviews)
                                 for doc, doc_mentions in self._mentions.items() if doc in self.documents}

    def mentions(self, doc: str) -> list[ReviewMention]:
        """Every mention of a known review in a document, in text order."""
        return list(self._mentions.get(doc, []))

    def document_review(self, doc: str) -> str | None:
        """The review a whole document is about (its title or opening names it), if there is one."""
        return self._document_review.get(doc)

    def named_in(self, doc: str, start: int, end: int) -> list[str]:
        """Reviews named inside [start, end), in order of first mention."""
        return list(dict.fromkeys(m.review for m in self._mentions.get(doc, []) if start <= m.start < end))

    def named_in_text(self, doc: str, text: str) -> list[str]:
        """Reviews of a document named in a piece of text that is not part of it (a section title)."""
        found = []
        for review_id in {m.review for m in self._mentions.get(doc, [])}:
            pattern = self._patterns.get(review_id)
            match = pattern.search(text) if pattern else None
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
        return line_at(self.documents[doc].text, offset)

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
        then the review the whole document is about ("document") decide. When several
        reviews are in scope and the sentence says "this CSPR", only those of that type are
        kept. No review in scope gives ([], "").
        """
        text = self.documents[doc].text
        named = self.named_in(doc, span.start, span.end)
        if named:
            return named, "sentence"
        paragraph = self.paragraph_of(doc, span.start)
        if _CO_REFERENCE.search(text, span.start, span.end) or _RESPONSE_START.match(text, span.start, span.end):
            # "The review also identified …", "In response, …": the review named last, earlier in the paragraph.
            earlier = [m for m in self._mentions.get(doc, []) if paragraph.start <= m.start < span.start]
            if earlier:
                return [earlier[-1].review], "coreference"
        in_scope, how = self.lead_reviews(doc, paragraph), "lead"
        if not in_scope:
            in_scope, how = self.section_reviews(doc, span.start), "section"
        if not in_scope:
            # A heading that says "the review" ("The review identified four learning themes") goes on about
            # the review named last before it.
            section = self.locator.section_at(doc, span.start)
            if section is not None and _CO_REFERENCE.search(section.title):
                earlier = [m for m in self._mentions.get(doc, []) if section.start - 3000 <= m.start < section.start]
                if earlier:
                    in_scope, how = [earlier[-1].review], "coreference"
        if not in_scope and self.document_review(doc):
            in_scope, how = [self.document_review(doc)], "document"
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


def _document_review(document: Document, mentions: list[ReviewMention], reviews: dict[str, ReviewFinding]) -> str | None:
    """The one review a document is about: named in its title or first heading, or the only one it names."""
    named = Counter(m.review for m in mentions)
    if not named:
        return None
    opening = [s.title for s in document.sections if s.start < max(400, len(document.text) // 10)][:5]
    established = {m.review for m in mentions if m.establishing}
    # A listing or annual report that names many reviews is about none of them in particular.
    candidates = ([document.title or ""], [document.title or ""] + opening) if len(established) <= 2 \
        else ([document.title or ""],)
    for texts in candidates:
        in_text = {r for r in named if r in reviews and reviews[r].method != "unnamed"
                   and any(mention_pattern(reviews[r].label).search(t) for t in texts)}
        if len(in_text) == 1:
            return in_text.pop()
    if len(named) == 1:
        (review_id, count), = named.items()
        if count >= 3 and any(m.start < len(document.text) // 5 for m in mentions):
            return review_id
    return None


def mention_pattern(label: str) -> re.Pattern:
    """Finds a known review by its label in any case: "CHILD KL CSPR AND …" names "Child KL"."""
    words = label.split()
    if words[0] in SUBJECTS and len(words) > 1 and re.fullmatch(rf"{_ID}(?:\s*(?:&|,)\s*{_ID})*", " ".join(words[1:])):
        parts = re.split(r"\s*(?:&|,)\s*", " ".join(words[1:]))
        identifier = r"[ \t]*(?:&|and|AND|,)[ \t]*".join(re.escape(p) for p in parts)
        return re.compile(rf"(?<![A-Za-z])(?i:{re.escape(words[0])})[ \t]+{identifier}(?![A-Za-z0-9'’\-])")
    parts = []
    for piece in re.split(r"(\s+|&|['’])", label):
        if not piece:
            continue
        parts.append(r"\s+" if piece.isspace() else r"(?:&|and)" if piece == "&" else "['’]" if piece in "'’"
                     else re.escape(piece))
    return re.compile(r"(?<![A-Za-z])" + "".join(parts) + r"(?![A-Za-z])", re.I)


def find_reviews(documents: Iterable[Document], review_types: list[ReviewType],
                 locator: EvidenceLocator, themes=None) -> tuple[list[ReviewFinding], ReviewIndex]:
    """Every case review the documents name, with type, status, year and evidence.

    Args:
        documents: cleaned documents.
        review_types: the review-type concepts (kg/ontology/themes.ttl).
        locator: turns offsets into Evidence.
        themes: the theme scheme; an unnamed review with no stated subject is labelled by the one
            theme its sentence names ("a learning review … neglect" -> "Neglect learning review").

    Returns:
        The reviews, mentions of one review merged into one finding, and an index that
        tells later stages which review a passage is about.
    """
    documents = list(documents)
    type_matcher = ReviewTypeMatcher(review_types)
    lowercase = lowercase_vocabulary(documents)
    theme_labels = _theme_labels(themes)
    named: dict[str, _NamedReview] = {}
    all_mentions: list[ReviewMention] = []
    for document in documents:
        found = _establishing_mentions(document, type_matcher, lowercase, theme_labels)
        for label, kind, mention in found:
            review = named.setdefault(mention.review, _NamedReview(label=label, kind=kind))
            review.mentions.append(mention)
            if kind == "subject" and review.kind != "subject":
                review.kind, review.label = kind, label
        all_mentions.extend(m for _, _, m in found)
        known = {m.review: named[m.review] for _, _, m in found}
        # Only this document's mentions can collide with its later ones (all of them made this O(n²) at scale).
        all_mentions.extend(_later_mentions(document, known, [m for _, _, m in found]))

    texts = {d.doc: d.text for d in documents}  # once, not once per review (O(reviews × documents) at scale)
    reviews = []
    for key, review in named.items():
        for review_id, finding, mentions in _split_by_area(key, review):
            reviews.append(_review_from_mentions(review_id, review, finding, mentions, type_matcher, texts, locator))
            for mention in mentions:
                mention.review = review_id
    # Later mentions carry the review's key: the review established in the same document, else the main one.
    establishing = {m for r in named.values() for m in map(id, r.mentions)}
    label_of = {r.id: r.label for r in reviews}
    by_doc_key = {(m.doc, review_key(label_of[m.review])): m.review for r in named.values() for m in r.mentions}
    by_key = {key: slugify(review.label) for key, review in named.items()}
    for mention in all_mentions:
        if id(mention) not in establishing:
            mention.review = by_doc_key.get((mention.doc, mention.review), by_key.get(mention.review, mention.review))
    ids = {r.id for r in reviews}
    index_mentions = [m for m in all_mentions if m.review in ids]
    index = ReviewIndex(documents, reviews, locator, type_matcher, index_mentions)
    by_id = {r.id: r for r in reviews}  # once, not once per document (O(reviews × documents) at scale)
    for document in documents:
        _add_statuses(document, index, by_id, type_matcher, locator)
    for review in reviews:
        review.evidence.sort(key=lambda e: (e.doc, e.start))
    return sorted(reviews, key=lambda r: r.id), index


def _theme_labels(themes) -> tuple[LabelMatcher, dict[str, str]] | None:
    """A matcher over theme labels and the labels by id, for naming unnamed reviews by their theme."""
    if not themes:
        return None
    return (shared_matcher(((t.id, label, label == t.label) for t in themes for label in [t.label, *t.alt_labels]),
                         keep_capitals=False), {t.id: t.label for t in themes})


def _establishing_mentions(document: Document, type_matcher: ReviewTypeMatcher, lowercase: set[str],
                           theme_labels) -> list[tuple[str, str, ReviewMention]]:
    """Mentions that make a name a review (name + type, table rows, titles, headings, unnamed reviews)."""
    text = document.text
    out: list[tuple[str, str, ReviewMention]] = []
    type_hits = type_matcher.find(text)
    hits_by_start = {h.start: h for h in type_hits}
    taken: list[tuple[int, int]] = []

    def add(label: str, kind: str, type_id: str | None, start: int, end: int, **extra) -> None:
        surface = extra.pop("surface", " ".join(text[start:end].split()))
        mention = ReviewMention(review=review_key(label), doc=document.doc, start=start, end=end, surface=surface,
                                type=type_id, establishing=True, **extra)
        out.append((label, kind, mention))
        taken.append((start, end))

    def subject_mention(match: re.Match, type_id: str | None, start: int, end: int, **extra) -> None:
        if not _is_review_name(match):
            return
        if match["subject"].isupper() and type_id is None and not extra.get("from_table"):
            return
        add(review_label(match["subject"], match["id"]), "subject", type_id, start, end, **extra)

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
        type_id = max(main_types, key=lambda t: TYPE_PRECEDENCE.get(t, 0)) if types else None
        # "Child KL Rapid Review (CSPR underway)": a rapid review, taken forward as a CSPR.
        later = [t for t in status_types if TYPE_PRECEDENCE.get(t, 0) > TYPE_PRECEDENCE.get(type_id or "", 0)]
        mention_start = label_prefix.end() if label_prefix else cell.start
        mention_end = cell.start + status_match.start() if status_match else cell.end
        subject_mention(name, type_id, mention_start, mention_end, from_table=True, status=status_value(status),
                        status_rank=_status_rank(status_value(status)), table_row=line,
                        taken_forward_as=later[0] if later else None)

    # Repository headings: "2023 – Valemouth – Baby A" names a review, whatever form the name takes.
    for heading in _REPOSITORY_HEADING.finditer(text):
        name_text = heading["name"].strip(" '‘’\"“”")
        start = heading.start("name") + heading["name"].find(name_text[:1])
        # The entry runs to the next repository heading; its first review type is the review's type.
        following = _REPOSITORY_HEADING.search(text, heading.end())
        entry_end = min(following.start() if following else len(text), heading.end() + 3000)
        entry_types = [h.key for h in type_hits if heading.end() <= h.start < entry_end]
        type_id = entry_types[0] if entry_types else None
        inner = NAME.fullmatch(name_text)
        # The repository lists published reviews, under the year they were published.
        extra = dict(area=heading["area"].strip(), year=int(heading["year"]), year_basis="published",
                     status="published", status_rank=_status_rank("published"))
        if inner and _is_review_name(inner):
            add(review_label(inner["subject"], inner["id"]), "subject", type_id, start, start + len(name_text), **extra)
        elif name_text and not type_matcher.find(name_text) and len(name_text.split()) <= 12:
            add(name_text, "pseudonym" if len(name_text.split()) <= 3 else "title", type_id, start,
                start + len(name_text), **extra)

    # A heading that is a subject's name alone ("## Baby H") in a document or section about reviews of a type
    # ("Learning from rapid reviews"): the review of that type.
    for section in document.sections:
        name = NAME.fullmatch(section.title.strip(" :.-–"))
        if not name or not _is_review_name(name):
            continue
        around = [document.title or "", *section.path[:-1]]
        types = [h.key for title in around for h in type_matcher.find(title)]
        types += [h.key for h in type_hits if section.start <= h.start < min(section.end, section.start + 600)]
        if types:
            start = text.find(section.title, section.start)
            if start >= 0:
                subject_mention(name, types[0], start + name.start(), start + name.end())
    for name in NAME.finditer(text):
        # "Child L CSPR", "Child KL Rapid Review", "Adult K – Safeguarding Adults Review": the type after the name.
        gap = _NAME_TO_TYPE.match(text, name.end()) or re.match(r"[ \t]*\(?", text[name.end():name.end() + 3])
        offset = name.end() + (gap.end() - (name.end() if gap.re is _NAME_TO_TYPE else 0))
        hit = hits_by_start.get(offset if gap.re is _NAME_TO_TYPE else name.end() + gap.end())
        if hit:
            subject_mention(name, hit.key, name.start(), hit.end)
        elif _GENERIC_REVIEW.match(text, name.end()) and _is_review_name(name) and not name["subject"].isupper():
            # "the Child T review", "Baby A's learning review": a review even though its type is not said.
            generic = _GENERIC_REVIEW.match(text, name.end())
            subject_mention(name, None, name.start(), generic.end())
    for match in _THE_FAMILY.finditer(text):
        after = re.match(r"[ \t]*(?:[-–—:][ \t]*)?", text[match.end():match.end() + 4])
        hit = hits_by_start.get(match.end() + after.end())
        before = [h for h in type_hits if 0 <= match.start() - h.end <= 4]
        if hit or before:
            add(f"The {match['id']} Family", "subject", (hit or before[-1]).key, match.start(), match.end())

    aliases: dict[str, str] = {}
    for hit in type_hits:
        _after_type(text, hit, lowercase, add, subject_mention, taken, aliases)
    _untyped_names(text, type_hits, lowercase, add, subject_mention, taken)
    _names_before_type(text, type_hits, lowercase, add, taken)

    for match in _QUOTED_TITLE.finditer(text):
        title = " ".join(_quoted(match, "t").split()).strip(" ,.:")
        if any(s <= match.start() < e for s, e in taken) or NAME.fullmatch(title):
            continue
        national = bool(_NATIONAL_CONTEXT.search(text, match.start(), min(len(text), match.end() + 40)))
        types = [h.key for h in type_hits if match.start() < h.start <= match.end()]
        type_id = types[0] if types else ("national-review" if national else "learning-review")
        add(title, "title", type_id, match.start(), match.end(), surface=title)
    for match in _NATIONAL_TITLE.finditer(text):
        title = match["title"].strip()
        if any(s <= match.start() < e or s <= match.start("title") < e for s, e in taken):
            continue
        add(title[0].upper() + title[1:], "title", "national-review", match.start(), match.end(), surface=title)
    for match in _TITLED_REVIEW.finditer(text):
        title = match["title"].strip()
        if not _plausible_title(title, type_matcher) or _in_table_row(text, match.start()) \
                or any(s <= match.start() < e for s, e in taken):
            continue
        national = bool(_NATIONAL_CONTEXT.search(_paragraph_text(text, match.start())))
        # An unquoted title needs a sign that it is a review of practice, not a review of a contract.
        if not national and not _LEARNING_VERB.match(text, match.end()):
            continue
        add(title, "title", "national-review" if national else "learning-review", match.start(), match.end(),
            surface=title)
    _unnamed_reviews(document, type_matcher, theme_labels, add, taken)
    # A reference the document also gives with the subject's name ("BGRSB 1/2024 (Child Y)") is that review.
    labels = {mention.review: label for label, _, mention in out}
    for i, (label, kind, mention) in enumerate(out):
        if mention.review in aliases and aliases[mention.review] in labels:
            mention.review = aliases[mention.review]
            out[i] = (labels[mention.review], "subject", mention)
    return out


def _after_type(text: str, hit, lowercase: set[str], add, subject_mention, taken, aliases: dict[str, str]) -> None:
    """Names that follow a review type: "Review – Child A", "SAR Jo", "DHR into the death of 'Maya'", "CPR BGRSB 1/2024"."""
    surface = text[hit.start:hit.end]
    # "Domestic Homicide Review (DHR) for Adult J": the acronym in brackets belongs to the type.
    bracket = re.match(r"[ \t]*\([A-Z]{2,6}\)", text[hit.end:hit.end + 12])
    after = hit.end + (bracket.end() if bracket else 0)
    for connector_pattern, connector_rule in _TYPE_TO_NAME:
        connector = connector_pattern.match(text, after)
        if connector is None or connector.end() - after > 40:
            continue
        position = connector.end()
        plain_space = not text[after:position].strip()
        name = NAME.match(text, position)
        if name:
            subject_mention(name, hit.key, hit.start, name.end())
            return
        quoted = _QUOTED.match(text, position)
        if quoted:
            value = " ".join(_quoted(quoted).split()).strip(" ,.:")
            inner = NAME.fullmatch(value)
            if inner:
                subject_mention(inner, hit.key, hit.start, quoted.end(), surface="")
            elif _proper_name(value, lowercase, quoted=True):
                kind = "pseudonym" if len(value.split()) <= 3 else "title"
                add(value, kind, hit.key, hit.start, quoted.end(), surface=value)
            return
        reference = _REFERENCE_ID.match(text, position)
        if reference:
            # "Concise Child Practice Review BGRSB 1/2024 (Child Y)": the subject's name is the label.
            also = re.match(r"[ \t]*\([ \t]*", text[reference.end():reference.end() + 4])
            inner = NAME.match(text, reference.end() + also.end()) if also else None
            if inner and _is_review_name(inner):
                subject_mention(inner, hit.key, hit.start, inner.end(), surface=reference.group(0))
                aliases[review_key(reference.group(0))] = review_key(review_label(inner["subject"], inner["id"]))
            else:
                add(reference.group(0), "pseudonym", hit.key, hit.start, reference.end(), surface=reference.group(0))
            return
        if plain_space and not _ACRONYM_TYPES.match(surface):
            continue  # "Safeguarding Adults Review Bernard" is rare; "Learning Review Group" is common
        acronym_for = _ACRONYM_TYPES.match(surface) and re.match(r"[ \t]+(?:for|into|of|about|concerning)[ \t]+$",
                                                                 text[after:position])
        if not plain_space and not re.search(r"[-–—:(]", text[after:position]) and not connector_rule.extra.get("death") \
                and not acronym_for:
            continue  # a pseudonym needs quotes, a dash, "into the death of" or an acronym type ("the LCSPR for Jayden")
        pseudonym = PSEUDONYM.match(text, position)
        if pseudonym and not re.match(r"[ \t]+(?:[A-Z][a-z]|[A-Z]{2})", text[pseudonym.end():pseudonym.end() + 3]) \
                and _proper_name(pseudonym["name"], lowercase):
            add(pseudonym["name"], "pseudonym", hit.key, hit.start, pseudonym.end(), surface=pseudonym["name"])
            return
        run = _TITLE_RUN.match(text, position)
        if run and not plain_space and _proper_name(run["name"], lowercase) and not _NOT_A_TITLE.search(run["name"]):
            add(run["name"], "title", hit.key, hit.start, run.end(), surface=run["name"])
            return


def _untyped_names(text: str, type_hits, lowercase: set[str], add, subject_mention, taken) -> None:
    """Names tied to a review without a type beside them.

    "the Board's earlier review concerning Adult N", "Review into the death of 'Rosa'" (the type,
    when the sentence or the document gives one, is settled when mentions merge), and "a rapid
    review was held after a baby, referred to as Baby T, was admitted".
    """
    for pattern, rule in _GENERIC_THEN_NAME:
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for s, e in taken):
                continue
            if rule.extra.get("reference"):
                reference = _REFERENCE_ID.match(text, match.end())
                if reference:
                    add(reference.group(0), "pseudonym", None, match.start(), reference.end(), surface=reference.group(0))
                continue
            name = NAME.match(text, match.end())
            if name:
                subject_mention(name, None, match.start(), name.end())
                continue
            quoted = _QUOTED.match(text, match.end())
            pseudonym = PSEUDONYM.match(text, match.end()) if rule.extra.get("death") else None
            value = _quoted(quoted) if quoted else (pseudonym["name"] if pseudonym else "")
            if value and len(value.split()) <= 3 and _proper_name(value, lowercase, quoted=bool(quoted)):
                end = quoted.end() if quoted else pseudonym.end()
                add(value, "pseudonym", None, match.start(), end, surface=value)
    for match in _INTRODUCED_NAME.finditer(text):
        line_start = line_at(text, match.start()).start
        sentence_start = max(line_start, text.rfind(". ", line_start, match.start()) + 1)
        typed = [h for h in type_hits if sentence_start <= h.start < match.start()]
        if not typed:
            continue
        name = NAME.match(text, match.end())
        if name:
            subject_mention(name, typed[-1].key, match.start(), name.end())


def _names_before_type(text: str, type_hits, lowercase: set[str], add, taken) -> None:
    """Pseudonyms before a type: "James – Safeguarding Adult Review", "the Bernard SAR"."""
    for hit in type_hits:
        if any(s <= hit.start < e for s, e in taken):
            continue
        before = text[max(0, hit.start - 60):hit.start]
        dashed = re.search(rf"(?:^|\n|[.;]\s+|\bthe\s+)(?:\d+(?:\.\d+)*\.?[ \t]+)?(?P<name>{_PERSONS})[ \t]*[-–—:][ \t]*$",
                           before)
        spaced = re.search(rf"\bthe[ \t]+(?P<name>{_PERSONS})[ \t]+$", before)
        match = dashed or (spaced if _ACRONYM_TYPES.match(text[hit.start:hit.end]) else None)
        if not match or NAME.fullmatch(match["name"]) or not _proper_name(match["name"], lowercase):
            continue
        start = hit.start - len(before) + match.start("name")
        add(match["name"], "pseudonym", hit.key, start, hit.end, surface=match["name"])


def _unnamed_reviews(document: Document, type_matcher: ReviewTypeMatcher, theme_labels, add, taken) -> None:
    """Reviews with no name, described by their subject: "a learning review on neglect was published"."""
    text = document.text
    for sentence in sentences(text):
        if " | " in text[sentence.start:sentence.end]:
            continue
        for match in _UNNAMED.finditer(text, sentence.start, sentence.end):
            if any(s < match.end() and match.start() < e for s, e in taken):
                continue
            body = text[sentence.start:sentence.end]
            if not _UNNAMED_HAPPENED.search(body) or _FUTURE.search(text, match.start(), match.start() + 60) \
                    and not re.search(r"\b(?:published|completed|undertaken|conducted)\b", body):
                continue
            subject = (match["subject"] or "").strip(" ,")
            if subject and (NAME.search(subject) or re.search("['‘’\"“”]", subject) or len(subject.split()) > 9):
                continue  # a named or titled review, found by the patterns above
            if subject:
                subject = re.sub(r"^(?:the|a|an|how|what|whether)\s+", "", subject, flags=re.I)
                subject = re.sub(r"\s+(?:of|on|in|for|and|at|the|who|which)$", "", subject)
            elif theme_labels:
                matcher, labels = theme_labels
                named = matcher.keys_in(text, sentence.start, sentence.end)
                if len(named) != 1:
                    continue
                subject = labels[named[0]]
            if not subject or len(subject) < 3:
                continue
            review_type = " ".join(match["type"].split())
            type_hits = type_matcher.find(review_type)
            type_id = type_hits[-1].key if type_hits else "learning-review"
            # Labelled by subject and the plain name of its type: "Neglect learning review"; the words
            # as written ("a multi-agency learning review on neglect") stay as an alternative label.
            label = f"{subject[0].upper()}{subject[1:]} {type_matcher.label(type_id).lower()}"
            add(label, "unnamed", type_id, match.start(), match.end(),
                surface=f"{review_type} on {subject}" if match["subject"] else "")


def _split_by_area(key: str, review: _NamedReview) -> list[tuple[str, str, list[ReviewMention]]]:
    """One review per area when two areas each have a review of the same name ("Child A" in two places)."""
    by_area: dict[str | None, list[ReviewMention]] = defaultdict(list)
    for mention in review.mentions:
        by_area[_area_key(mention.area)].append(mention)
    areas = [a for a in by_area if a]
    base = slugify(review.label)
    if len(areas) <= 1:
        return [(base, review.label, review.mentions)]
    largest = max(areas, key=lambda a: len(by_area[a]))
    out = []
    for area in areas:
        mentions = by_area[area] + (by_area[None] if area == largest else [])
        out.append((base if area == largest else slugify(f"{review.label} {area}"), review.label, mentions))
    return out


def _area_key(area: str | None) -> str | None:
    return normalise(area) if area else None


def _in_table_row(text: str, offset: int) -> bool:
    return is_table_row(text, line_at(text, offset))


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
    return not (type_matcher.find(title) or _NOT_A_TITLE.search(title))


def _later_mentions(document: Document, known: dict[str, _NamedReview],
                    existing: list[ReviewMention]) -> list[ReviewMention]:
    """Other mentions of the document's reviews by name (any case), for deciding what passages are about."""
    taken = {(m.doc, m.start) for m in existing}
    out = []
    for key, review in known.items():
        if review.kind == "unnamed":
            continue
        for match in mention_pattern(review.label).finditer(document.text):
            if (document.doc, match.start()) not in taken:
                out.append(ReviewMention(review=key, doc=document.doc, start=match.start(), end=match.end(),
                                         surface=match.group(0)))
    return out


def status_value(phrase: str | None) -> str | None:
    """The controlled status a phrase states ("CSPR underway" -> "in progress"), or None."""
    if not phrase:
        return None
    for pattern, value, _ in STATUS_PATTERNS:
        if pattern.search(phrase):
            return value
    return None


STATUS_RANK = {value: rank for _, value, rank in STATUS_PATTERNS}


def _status_rank(status: str | None) -> int:
    """How far a (controlled) status is along: commissioned 1 … published 5."""
    return STATUS_RANK.get(status or "", 0)


def _review_from_mentions(review_id: str, named: _NamedReview, label: str, mentions: list[ReviewMention],
           type_matcher: ReviewTypeMatcher, texts: dict[str, str], locator: EvidenceLocator) -> ReviewFinding:
    """One finding from all establishing mentions of a review: the most specific type, the furthest status."""
    mentions = sorted(mentions, key=lambda m: (m.doc, m.start))
    # A review grid states a review's type deliberately; elsewhere the most specific type named wins.
    types = [m.type for m in mentions if m.type and m.from_table] or [m.type for m in mentions if m.type]
    review_type = max(types, key=lambda t: TYPE_PRECEDENCE.get(t, 0)) if types else None
    if review_type is None:
        review_type = _document_type(type_matcher, texts[mentions[0].doc])
    forward = [m.taken_forward_as for m in mentions if m.taken_forward_as]
    statuses = [(m.status_rank, 1 if m.from_table else 0, m.start, m.status) for m in mentions if m.status]
    status = max(statuses)[3] if statuses else None
    # Headings shout ("Child AS LEARNING REVIEW"); their surfaces make poor alternative labels.
    alt_labels = list(dict.fromkeys(
        m.surface for m in mentions
        if m.surface and m.surface.lower() != label.lower() and not re.search(r"\b[A-Z]{5,}\b", m.surface)))
    evidence = [locator.evidence(m.doc, *_evidence_span(texts[m.doc], m)) for m in mentions]
    by_table = any(m.from_table for m in mentions)
    confidence = {"subject": 0.95 if by_table or len(mentions) > 1 else 0.85, "pseudonym": 0.8, "title": 0.8,
                  "unnamed": 0.65}[named.kind]
    dated = [m for m in mentions if m.year]
    areas = [m.area for m in mentions if m.area]
    method = "table" if by_table else {"subject": "pattern", "pseudonym": "pseudonym", "title": "title",
                                       "unnamed": "unnamed"}[named.kind]
    return ReviewFinding(id=review_id, label=label, type=review_type, status=status,
                         year=dated[0].year if dated else None, year_basis=dated[0].year_basis if dated else None,
                         area=areas[0] if areas else None, taken_forward_as=forward[0] if forward else None,
                         alt_labels=alt_labels, evidence=_dedupe(evidence),
                         method=method, confidence=confidence)


def _document_type(type_matcher: ReviewTypeMatcher, text: str) -> str | None:
    """The review type a document's opening names ("Domestic Homicide Review … into the death of Rosa"), if one."""
    named = {h.key for h in type_matcher.find(text, 0, min(len(text), 1500))}
    return named.pop() if len(named) == 1 else None


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
    line = line_at(text, mention.start)
    for sentence in sentences(text, line.start, line.end):
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
    years: dict[str, tuple[int, int, str]] = {}
    for sentence in sentences(text):
        body = text[sentence.start:sentence.end]
        type_hits = type_matcher.find(text, sentence.start, sentence.end)
        names_review = bool(type_hits) or re.search(r"\breview\b", body, re.I)
        in_scope, how = index.scope(document.doc, sentence)
        if not in_scope:
            continue
        if how not in ("sentence", "document", "section") and not _CO_REFERENCE.search(body) and not type_hits:
            continue
        if how in ("document", "section") and not names_review:
            continue
        for review_id in in_scope:
            review = by_id[review_id]
            if review_id not in current and review.status:
                current[review_id] = (_status_rank(review.status), 1, review.status)
            forward = _TAKEN_FORWARD.search(body)
            if forward:
                upgraded = [h.key for h in type_hits if h.start >= sentence.start + forward.end() - 1]
                if upgraded and TYPE_PRECEDENCE.get(upgraded[0], 0) > TYPE_PRECEDENCE.get(review.type or "", 0):
                    review.taken_forward_as = upgraded[0]
                    _record(current, review_id, 2, "in progress")
            anchors = [h.start - sentence.start for h in type_hits] + \
                [m.start() for m in re.finditer(r"\breview\b", body, re.I)] + \
                [m.start - sentence.start for m in index.mentions(document.doc)
                 if m.review == review_id and sentence.start <= m.start < sentence.end]
            for pattern, status, rank in STATUS_PATTERNS:
                # The stage word must be said of the review: close to its name or type ("… this CSPR was not published").
                if any(abs(m.start() - a) <= 60 for m in pattern.finditer(body) for a in anchors):
                    _record(current, review_id, rank, status)
                    evidence = locator.evidence(document.doc, sentence.start, sentence.end)
                    if all((e.doc, e.start) != (evidence.doc, evidence.start) for e in review.evidence):
                        review.evidence.append(evidence)
                    break
            _record_year(years, review_id, body, anchors)
    for review_id, (_, _, status) in current.items():
        by_id[review_id].status = status
    for review_id, (_, year, basis) in years.items():
        review = by_id[review_id]
        if review.year is None or (review.year_basis != "published" and basis == "published"):
            review.year, review.year_basis = year, basis


def _record_year(years: dict[str, tuple[int, int, str]], review_id: str, body: str, anchors: list[int]) -> None:
    """The year a sentence gives for a review, and what it is the year of (published, incident …)."""
    for match in _YEAR.finditer(body):
        if _FUTURE.search(body, max(0, match.start() - 40), match.start()):
            continue  # the year a review will report is not a date it reached
        for pattern, basis, rank in _YEAR_BASIS:
            cue = [m for m in pattern.finditer(body) if abs(m.start() - match.start()) <= 80]
            if cue and (anchors and min(abs(a - match.start()) for a in anchors) <= 200):
                previous = years.get(review_id)
                if previous is None or rank > previous[0]:
                    years[review_id] = (rank, int(match["year"]), basis)
                break


def assign_partnerships(reviews: list[ReviewFinding], organisations: OrganisationIndex,
                        documents: Iterable[Document] = ()) -> None:
    """Set each review's owning body: the one its report says published it, or the partnership it names most.

    A review in a repository listing belongs to its entry's area: a partnership whose name holds the
    area's name, when the documents name one.
    """
    texts = {d.doc: d.text for d in documents}
    for review in reviews:
        if not review.evidence:
            continue
        pattern = OWNER_BY_TYPE.get(review.type or "", OWNER_BY_TYPE[""])
        doc = review.evidence[0].doc
        owner = None
        for evidence in review.evidence:
            text = texts.get(evidence.doc, "")
            by = _PUBLISHED_BY.search(text, evidence.start, evidence.end) if text else None
            if by:
                named = organisations.orgs_in(evidence.doc, by.end(), min(evidence.end + 120, by.end() + 120))
                owner = next((o for o in named if re.search(pattern, organisations.organisations[o].label)), None)
                if owner:
                    break
        if owner is None and review.area:
            owner = organisations.most_mentioned(doc, rf"{re.escape(review.area)}.*(?:{pattern})")
        if owner is None and not review.area:
            owner = organisations.most_mentioned(doc, pattern)
        review.partnership = owner


def _record(current: dict[str, tuple[int, int, str]], review_id: str, rank: int, status: str) -> bool:
    """Keep the furthest stage; a table's wording wins over prose for the same stage."""
    previous = current.get(review_id)
    if previous is None or rank > previous[0]:
        current[review_id] = (rank, 0, status)
        return True
    return False
