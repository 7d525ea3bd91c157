"""Actions taken in response to learning from reviews: protocols, forms, training, audits, posts, panels.

An action here is something a report says was done (or is being done) because of
what a *review* taught: it must sit where the report accounts for a review's
learning and be tied to that review. Concretely a sentence is considered when

* it is about a review (named in it, in its paragraph's lead or in a heading above
  it, see `ReviewIndex.scope`), or sits in a theme's "putting learning into
  practice" section when that theme's section cites a review; and
* it is in a "putting learning into practice"-style section, or itself says the
  work follows from learning ("as a result of learning from …", "Presentation on
  learning from the Child L CSPR").

It is then scored on what a reader recognises as an action: an action verb
(developed, introduced, audited, appointed …), an artefact (protocol, form,
training, panel …), an owner named as its subject, being a bullet of such a list;
and marked down for what is not an action: case-study narrative, outcome and
feedback statements ("this helped …"), restatements of the learning itself, list
introductions. Theme-level activity with no review behind it (an FGM awareness
campaign) is not emitted: it answers a priority, not learning from a review.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from kg.documents import Document
from kg.extract.evidence import EvidenceLocator
from kg.extract.findings import ActionFinding, Theme
from kg.extract.labels import LabelMatcher
from kg.extract.organisations import OrganisationIndex
from kg.extract.reviews import ReviewIndex
from kg.extract.sentences import Span, after_lead, is_bullet, leads, sentences
from kg.extract.themes import LEARNING_STATEMENT, theme_matcher
from kg.namespaces import slugify

# Sections where a report accounts for what was done with learning.
PRACTICE_SECTION = re.compile(r"putting learning into practice|learning into practice|evidence of (?:impact|learning)"
                              r"|actions? taken|impact of (?:the )?learning|what (?:we|has been) (?:have )?(?:done|changed)"
                              r"|early-stage findings and actions|changes? (?:to|in) practice", re.I)
# A sentence that ties work to a review's learning wherever it appears.
LEARNING_LINK = re.compile(r"\b(?:as a (?:direct )?result of (?:the )?learning|learning (?:from|taken from)|"
                           r"direct (?:learning|result of learning)|in response to (?:the )?(?:learning|review|findings)|"
                           r"following (?:the|this) (?:review|CSPR))\b", re.I)
ACTION_VERB = re.compile(
    r"\b(?:developed|developing|introduced|launched|launching|published|revised|revising|updated|updating|embedded|"
    r"disseminated|disseminating|circulated|delivered|delivering|deliver|appointed|established|adopted|audited|"
    r"implemented|piloted|agreed|held|rolled out|rolling out|recruited|created|produced|completed|undertook|"
    r"undertaken|carried out|provided|commissioned|set up|strengthened|changed|added|trained|linked|redesigned|"
    r"refreshed|issued|secured|scheduled|offered|promoted|extended|integrated|re-integrate|co-produced|designed|"
    r"co-developed|hosted|presented|made available|made accessible|reviewed|include[sd]?|ensure[sd]?|use|uses|"
    r"attended|engaged|working with|worked with|committed to|in place|is live|now live|will|are to|is to|"
    r"exploration underway|contacted|commenced|recommend|recommended|supports|asks?|asked|now \w+)\b", re.I)
STRONG_VERB = re.compile(
    r"\b(?:developed|introduced|launched|published|revised|revising|updated|updating|embedded|disseminated|"
    r"circulated|delivered|appointed|established|adopted|audited|implemented|piloted|agreed|held|rolled out|"
    r"recruited|created|produced|undertook|undertaken|carried out|commissioned|set up|redesigned|refreshed|issued|"
    r"scheduled|co-produced|co-developed|hosted|re-integrate|made available|made accessible|completed|promoted|"
    r"disseminating|attended)\b", re.I)
ARTEFACT = re.compile(
    r"\b(?:protocols?|procedures?|forms?|templates?|proformas?|training|webinars?|sessions?|workshops?|briefings?|"
    r"presentations?|induction|courses?|e-?learning|polic(?:y|ies)|strateg(?:y|ies)|standards|statements?|"
    r"toolkits?|leaflets?|guidance|documents?|audits?|dip sampling|panels?|meetings?|forums?|hotline|process(?:es)?|"
    r"process maps?|systems?|records?|EPR|pathways?|roles?|posts?|lead|workers?|officers?|nurses?|Head of|"
    r"campaigns?|programmes?|app|alerts?|checklists?|tools?|dashboards?|database|model|framework|offer|consent|"
    r"pilot|notification|grey list|flyers?|posters?|newsletters?|supervision|assessment|level \d safeguarding)\b",
    re.I)
# Statements of results, feedback and case histories rather than things done (looked for in the opening words).
OUTCOME = re.compile(r"\b(?:helped|showed|shows|showing|has shown|demonstrated|evidenced|feedback|resulted in|led to|"
                     r"has led|reported an increase|highlighted|was arrested|were made aware|found that|the view)\b",
                     re.I)
NARRATIVE = re.compile(r"\b(?:she|he|her|his|him|mum|dad|toddler|grandad|grandmother|aunt|"
                       r"(?:the|their|her|his) (?:mother|father|baby|child)|a child under|a family (?:subject|receiving))\b"
                       r"|\b(?i:case stud(?:y|ies))\b")
# Sentences that elaborate on the previous one, or say they are not part of the response.
ELABORATION_START = re.compile(r"(?:Specifically|In particular|For example|For instance|Separately|That is)\b")
# "This ensures …", "It is …": a sentence describing what went before, not a new action.
ANAPHORIC_START = re.compile(r"(?:This|These|It|That|Those|Such)\s+(?:\S+\s+){0,2}?(?:is|was|are|were|ensures?|"
                             r"means|helps?|helped|showed|shows|provides|supports|allows|enables|will|has|had|can|"
                             r"aims?|sets out)\b")
# The review itself as the subject: its process or status, not a response to it.
REVIEW_PROCESS = re.compile(r"(?:^(?:The|This|One)\s+(?:local\s+)?(?:review|CSPR|rapid review|learning review)\b)|"
                            r"\breview panel\b|"
                            r"\b(?:this|the)\s+(?:local\s+)?(?:CSPR|review)\s+(?:was|has been|is)\s+(?:not\s+)?"
                            r"(?:published|commenced|concluded|taken forward)|\btaken forward as\b", re.I)
RESPONSE = re.compile(r"\b(?:as a (?:direct )?result|as a consequence|consequently|following (?:this|the review))\b",
                      re.I)
OWNER_WORDS = re.compile(r"\b(?:Partnership|Partners?|partners|[Cc]olleagues|Trust|practice|GPs?|Police|team|service|"
                         r"CSC|Health Partners)\b")
DISCOURSE_START = re.compile(r"(?:Furthermore|In addition|Additionally|Consequently|Further still|Since then|"
                             r"Subsequently|Moreover|Also|Equally|Separately|As a result(?: of this (?:learning )?"
                             r"(?:activity|work))?|As a consequence)\s*,?\s*", re.I)
OWNER_LEAD = re.compile(r"(?:For\s+)?(?:our\s+)?(?:critical\s+)?(?:Partners|partners|Colleagues|colleagues)\s+"
                        r"(?:at|in|from|across)\s+(?:the\s+)?")
KIND_RULES: tuple[tuple[str, re.Pattern], ...] = (
    ("form", re.compile(r"\b(?:forms?|templates?|proformas?|checklists?)\b", re.I)),
    ("protocol", re.compile(r"\b(?:protocols?|procedures?|pathways?|process maps?|threshold document|continuum)\b", re.I)),
    ("audit", re.compile(r"\b(?:audit(?:s|ed)?|dip sampl\w*|reviewed \d+)\b", re.I)),
    ("training", re.compile(r"\b(?:training|webinars?|workshops?|sessions?|presentations?|briefings?|induction|"
                            r"courses?|e-?learning|symposium)\b", re.I)),
    ("policy", re.compile(r"\b(?:polic(?:y|ies)|strateg(?:y|ies)|standards|statements?|charter|framework)\b", re.I)),
    ("role", re.compile(r"\b(?:appointed|recruited|lead administrative|worker|officer|Head of|nurse|post)\b", re.I)),
    ("system", re.compile(r"\b(?:systems?|EPR|records?|CP-IS|database|hotline|app|alerts?|dashboard|grey list|"
                          r"notification)\b", re.I)),
    ("meeting", re.compile(r"\b(?:panels?|meetings?|forums?|groups?|conferences?)\b", re.I)),
    ("guidance", re.compile(r"\b(?:guidance|leaflets?|toolkits?|flyers?|posters?|newsletters?|resources?)\b", re.I)),
)
SCORE_THRESHOLD = 3


@dataclass
class _Candidate:
    doc: str
    span: Span
    reviews: list[str]
    how: str
    score: int
    reasons: list[str]


def find_actions(documents: Iterable[Document], review_index: ReviewIndex, organisations: OrganisationIndex,
                 themes: list[Theme], locator: EvidenceLocator) -> list[ActionFinding]:
    """Actions taken in response to review learning, each tied to its reviews, themes and owners.

    Args:
        documents: cleaned documents.
        review_index: which review a passage is about (kg/extract/reviews.py).
        organisations: organisation mentions (kg/extract/organisations.py).
        themes: the theme scheme.
        locator: turns offsets into Evidence.
    """
    matcher = theme_matcher(themes)
    actions: list[ActionFinding] = []
    for document in documents:
        text = document.text
        case_study_lines = _case_study_lines(text)
        practice_starts = _practice_section_starts(document, review_index)
        found: list[tuple[int, _Candidate]] = []
        for position, sentence in enumerate(sentences(text)):
            candidate = _candidate(document, sentence, review_index, organisations, matcher, case_study_lines,
                                   practice_starts)
            if candidate is None or candidate.score < SCORE_THRESHOLD:
                continue
            previous = found[-1] if found else None
            if previous and _continues(document, previous[1], previous[0], candidate, position, organisations,
                                       review_index):
                previous[1].span = Span(previous[1].span.start, candidate.span.end)
                previous[1].score = max(previous[1].score, candidate.score)
                previous[1].reasons.append("continued in the next sentence")
                found[-1] = (position, previous[1])
                continue
            found.append((position, candidate))
        actions.extend(_action(document, c, review_index, organisations, matcher, locator) for _, c in found)
    return actions


def _artefacts(text: str) -> set[str]:
    """The artefact nouns of a sentence, singular and lower-case ("audits" -> "audit")."""
    return {re.sub(r"(?:e?s)$", "", m.group(0).lower()) if m.group(0).lower() not in {"process", "supervision"}
            else m.group(0).lower() for m in ARTEFACT.finditer(text)} - {"lead", "assessment", "process", "offer"}


def _continues(document: Document, earlier: _Candidate, earlier_position: int, later: _Candidate,
               later_position: int, organisations: OrganisationIndex, index: ReviewIndex) -> bool:
    """Whether `later` goes on describing the action `earlier` states (same thing, no new owner).

    "S4H undertook an extensive audit of 600+ cases." + "During June and July 2023, a 99%
    confidence audit was carried out." is one audit; bullet items are always separate actions.
    """
    text = document.text
    if later_position - earlier_position > 2 or earlier.reviews != later.reviews:
        return False
    if is_bullet(text, earlier.span) or is_bullet(text, later.span):
        return False
    between = text[earlier.span.end:later.span.start]
    if between.count("\n\n") > 1 or index.locator.section_at(document.doc, earlier.span.start) is not \
            index.locator.section_at(document.doc, later.span.start):
        return False
    shared = _artefacts(text[earlier.span.start:earlier.span.end]) & _artefacts(text[later.span.start:later.span.end])
    new_owners = set(organisations.orgs_in(document.doc, later.span.start, later.span.end)) - \
        set(organisations.orgs_in(document.doc, earlier.span.start, earlier.span.end))
    return bool(shared) and not new_owners


def _candidate(document: Document, sentence: Span, index: ReviewIndex, organisations: OrganisationIndex,
               matcher: LabelMatcher, case_study_lines: set[int],
               practice_starts: dict[str, int]) -> _Candidate | None:
    text = document.text
    if " | " in text[sentence.start:sentence.end]:
        return None  # table rows list learning, not what was done
    body_span = after_lead(text, sentence)
    if body_span.end - body_span.start < 15:
        return None  # a heading on its own
    body = text[body_span.start:body_span.end]
    reviews, how = index.scope(document.doc, sentence)
    if not reviews:
        reviews, how = _reviews_of_theme_section(document, sentence.start, index, matcher), "theme-section"
    if not reviews:
        return None
    linked = bool(LEARNING_LINK.search(body)) and how == "sentence"
    if not (linked or _in_practice_zone(document, sentence, reviews, how, index, practice_starts)):
        return None

    score, reasons = 0, []

    def mark(points: int, reason: str) -> None:
        nonlocal score
        score += points
        reasons.append(reason)

    opening = " ".join(body.split()[:15])
    if STRONG_VERB.search(body):
        mark(2, "action verb")
    elif ACTION_VERB.search(body):
        mark(1, "verb")
    if ARTEFACT.search(body):
        mark(1, "artefact")
    if is_bullet(text, sentence):
        mark(1, "bullet")
    if linked or RESPONSE.search(body):
        mark(1, "response to learning")
    if re.search(r"\b(?:new|now|since|revised|updated)\b", body, re.I):
        mark(1, "change")
    if organisations.orgs_in(document.doc, body_span.start, body_span.end) or OWNER_WORDS.search(body):
        mark(1, "owner")
    if ANAPHORIC_START.match(body):
        mark(-2, "refers back")
    if ELABORATION_START.match(body):
        mark(-2, "elaborates")
    if REVIEW_PROCESS.search(body):
        mark(-2, "about the review itself")
    if OUTCOME.search(opening):
        mark(-2, "outcome")
    if NARRATIVE.search(opening) or text.rfind("\n", 0, sentence.start) + 1 in case_study_lines:
        mark(-2, "narrative")
    if LEARNING_STATEMENT.search(body) and not STRONG_VERB.search(body):
        mark(-2, "states learning")
    if body.rstrip().endswith(":"):
        mark(-2, "introduces a list")
    if body.lstrip().startswith(("“", "\"", "‘")):
        mark(-3, "quotation")
    if len(body.split()) > 80:
        mark(-1, "long")
    return _Candidate(document.doc, body_span, reviews, how, score, reasons)


def _practice_section_starts(document: Document, index: ReviewIndex) -> dict[str, int]:
    """Where each review's first "putting learning into practice" heading or lead appears in a document."""
    text = document.text
    starts: dict[str, int] = {}
    headings = [(s.start, s.title) for s in document.sections]
    headings += [(lead.start, text[lead.start:lead.end]) for line in re.finditer(r"[^\n]+", text)
                 for lead in leads(text, Span(line.start(), line.end()))]
    for start, title in sorted(headings):
        if PRACTICE_SECTION.search(title):
            for review_id in index.named_in_text(document.doc, title):
                starts.setdefault(review_id, start)
    return starts


def _in_practice_zone(document: Document, sentence: Span, reviews: list[str], how: str, index: ReviewIndex,
                      practice_starts: dict[str, int]) -> bool:
    """Whether the passage that tied the sentence to its reviews is where the report shows learning put into practice.

    That is a "putting learning into practice" heading or lead for those reviews, or any later
    passage about them ("CHILD L CONTINUED: …" after "CHILD L: EVIDENCE OF PUTTING LEARNING …").
    """
    if how == "theme-section":
        return True
    if any(practice_starts.get(r, 1 << 62) <= sentence.start for r in reviews):
        if how in ("lead", "section"):
            return True
        # Named in the sentence or referred to: the section around it must be about the same review.
        return bool(set(reviews) & set(index.section_reviews(document.doc, sentence.start)))
    return False


def _case_study_lines(text: str) -> set[int]:
    """Start offsets of lines that tell a case study (after "… case study below:" or "Case study: …")."""
    starts: set[int] = set()
    lines = list(re.finditer(r"[^\n]+", text))
    for i, line in enumerate(lines):
        content = line.group(0)
        if re.match(r"\s*Case stud(?:y|ies)\b", content, re.I):
            starts.add(line.start())
        if re.search(r"case stud(?:y|ies)[^.]{0,40}(?:below|as follows)\s*:?\s*$", content, re.I) and i + 1 < len(lines):
            starts.add(lines[i + 1].start())
    return starts


def _reviews_of_theme_section(document: Document, offset: int, index: ReviewIndex, matcher: LabelMatcher) -> list[str]:
    """Reviews cited under a theme's heading, for the same theme's "putting learning into practice" section.

    "Safer Sleeping: … The Myth of Invisible Men review focused on …" is answered by
    "SAFER SLEEPING: EVIDENCE OF PUTTING LEARNING INTO PRACTICE …" further on.
    """
    section = index.locator.section_at(document.doc, offset)
    if section is None or not PRACTICE_SECTION.search(section.title):
        return []
    section_themes = set(matcher.keys_in(PRACTICE_SECTION.split(section.title)[0]))
    if not section_themes:
        return []
    for earlier in sorted((s for s in document.sections if s.start < section.start), key=lambda s: -s.start):
        if PRACTICE_SECTION.search(earlier.title):
            continue
        if section_themes & set(matcher.keys_in(earlier.title)):
            return index.named_in(document.doc, earlier.start, earlier.end)
    return []


def _action(document: Document, candidate: _Candidate, index: ReviewIndex, organisations: OrganisationIndex,
            matcher: LabelMatcher, locator: EvidenceLocator) -> ActionFinding:
    text = document.text
    span = candidate.span
    quote = text[span.start:span.end]
    evidence = locator.evidence(document.doc, span.start, span.end)
    kind = next((name for name, pattern in KIND_RULES if pattern.search(quote)), "other")
    themes = matcher.keys_in(text, span.start, span.end)
    themes += [t for t in _heading_themes(document, span.start, index, matcher) if t not in themes]
    year = re.search(r"\b(20\d\d)\b", quote)
    digest = hashlib.sha1(f"{document.doc}\n{' '.join(quote.split())}".encode()).hexdigest()[:8]
    description = action_text(quote)
    confidence = min(0.95, 0.45 + 0.1 * candidate.score) - (0.1 if candidate.how == "theme-section" else 0.0)
    return ActionFinding(
        id=f"{slugify(' '.join(description.split()[:6]), 48)}-{digest}", text=description, evidence=evidence,
        kind=kind, reviews=candidate.reviews, themes=themes,
        organisations=_owners(document, span, organisations), year=int(year[1]) if year else None,
        method=f"rules ({', '.join(candidate.reasons)}; review by {candidate.how})",
        confidence=round(max(0.3, confidence), 2))


def action_text(sentence: str) -> str:
    """A short description of the action: the sentence without discourse openers, cut at its first clause."""
    text = " ".join(sentence.split()).lstrip("•-–● ")
    opener = DISCOURSE_START.match(text)
    if opener:
        text = text[opener.end():]
    words = text.split()
    if len(words) > 12:
        cut = re.search(r"(?:;|\s[–—]\s(?=[a-z])|,? which\b|,? so that\b|\sin order to\b|,? to ensure\b|\. )", text[40:])
        if cut:
            text = text[:40 + cut.start()]
    words = text.split()
    if len(words) > 30:
        text = " ".join(words[:30]) + "…"
    text = text.rstrip(" .,:;")
    return text[:1].upper() + text[1:]


def _heading_themes(document: Document, offset: int, index: ReviewIndex, matcher: LabelMatcher) -> list[str]:
    """Themes in the innermost heading and the paragraph's inline leads ("INFORMATION SHARING PROTOCOLS:")."""
    text = document.text
    found: list[str] = []
    section = index.locator.section_at(document.doc, offset)
    titles = [section.title] if section else []
    titles += [text[s.start:s.end] for s in leads(text, index.paragraph_of(document.doc, offset))]
    for title in titles:
        title = index.without_names(document.doc, PRACTICE_SECTION.sub(" ", title))
        found += [k for k in matcher.keys_in(title) if k not in found]
    return found


def _owners(document: Document, span: Span, organisations: OrganisationIndex) -> list[str]:
    """Organisations that own an action: named in the sentence, referred to ("Police Partners", "the Trust"),
    or named at the head of its paragraph ("For Partners at the RFLNHSFT …")."""
    text = document.text
    doc = document.doc
    owners = organisations.orgs_in(doc, span.start, span.end)
    body = text[span.start:span.end]
    references = (
        (r"\b[Pp]olice\b", r"\bPolice\b|\bConstabulary\b"),
        (r"\b(?:the|The|our|Our) Partnership\b|\bPartnership (?:has|have|is|delivered)\b",
         r"Safeguarding (?:Children(?:'s)? )?(?:Partnership|Board)"),
        (r"\b(?:the|The) ICB\b", r"Integrated Care Board"),
        (r"\b(?:the|The) (?:Council|Local Authority)\b", r"\bBorough\b|\bCouncil\b"),
    )
    for pattern, label in references:
        if re.search(pattern, body):
            org = organisations.most_mentioned(doc, label)
            if org and org not in owners:
                owners.append(org)
    if re.search(r"\b(?:the|The) Trust\b", body):
        # "The Trust has …": the trust named last in the same section.
        org = organisations.last_before(doc, span.start, r"\bTrust\b", since=_section_start(document, span.start))
        if org and org not in owners:
            owners.append(org)
    if not owners:
        paragraph_start = text.rfind("\n", 0, span.start) + 1
        lead = OWNER_LEAD.match(text, paragraph_start)
        if lead:
            owners = organisations.orgs_in(doc, lead.end(), lead.end() + 80)[:1]
    return owners


def _section_start(document: Document, offset: int) -> int:
    """Start of the innermost section holding the offset (0 when there is none)."""
    best = 0
    for section in document.sections:
        if section.start <= offset < section.end:
            best = max(best, section.start)
    return best
