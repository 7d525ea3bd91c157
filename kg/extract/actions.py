"""Recommendations and actions taken: what reviews asked for, and what partners did about learning.

Reports state them in a few recognisable forms (the cues are data, in
kg/ontology/rules/actions.toml, each with its source):

* numbered recommendation lists and "the review recommends / X should / must ensure";
* briefings' "what should practitioners do?" instructions;
* "putting learning into practice", "what has changed", "actions taken", "impact"
  passages in annual reports and review summaries;
* action-plan tables (action, owner, due date, status; a recommendation column or a
  "(Recommendation 2)" reference links an action to what it answers).

What a review asked for (kind "recommendation") is kept apart from what was done (kind
"action taken"). A passage counts when it is about a review (named in it, in its lead,
heading or document, see `ReviewIndex.scope`) or about a learning theme: theme-level
activity with no review behind it (an FGM awareness campaign) is an action that addresses
the theme. Each candidate is scored from a table of features (an action verb, an
artefact, an owner, being in an action section …, and against: case-study narrative,
outcome statements, questions, restating the learning); only documents about
safeguarding are read at all, so a planning report's "Recommendation: approve" is not
an action. Owners come from the sentence (a body named before its verb, not one cited
after "in line with guidance from"), an owner column, or a lead naming a partner.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg.documents import Document
from kg.extract.evidence import EvidenceLocator
from kg.extract.findings import ActionFinding, Theme
from kg.extract.labels import LabelMatcher
from kg.extract.organisations import OrganisationIndex
from kg.extract.reviews import ReviewIndex
from kg.extract.rules import load_rules
from kg.text import Span, after_lead, is_bullet, leads, line_at, list_lead_in, sentences
from kg.extract.themes import theme_matcher
from kg.namespaces import slugify

RULES = load_rules("actions")
RECOMMENDATION_HEADING = RULES.pattern("recommendation_headings")
ACTION_HEADING = RULES.pattern("action_headings")
EXCLUDED_HEADING = RULES.pattern("excluded_headings")
RECOMMENDATION_CUE = RULES.pattern("recommendation_cues")
MODAL = RULES.pattern("modal")
IMPERATIVE = RULES.pattern("imperative_verbs")
STRONG_VERB = RULES.pattern("strong_verbs")
ACTION_VERB = RULES.pattern("weak_verbs")
ARTEFACT = RULES.pattern("artefacts")
RESPONSE = RULES.pattern("response_links")
CHANGE = RULES.pattern("change_words")
OUTCOME = RULES.pattern("outcomes")
NARRATIVE = re.compile("|".join(f"(?:{r.pattern})" if r.extra.get("case") else f"(?i:{r.pattern})"
                                for r in RULES.rules("narrative")))
ELABORATION_START = RULES.pattern("elaboration_starts", flags=0)
ANAPHORIC_START = RULES.pattern("anaphoric_starts", flags=0)
REVIEW_PROCESS = RULES.pattern("review_process")
LEARNING_STATEMENT = RULES.pattern("learning_statements")
QUESTION = RULES.pattern("questions")
LIST_INTRODUCTION = RULES.pattern("list_introductions")
DISCOURSE_START = RULES.pattern("discourse_starts")
NOT_OWNER_BEFORE = RULES.pattern("not_owner_before")
OWNER_REFERENCES = [(re.compile(r.pattern, re.I), r.extra["label"]) for r in RULES.rules("owner_references")]
OWNER_LEAD = RULES.pattern("owner_leads", flags=0)
PASSIVE_AGENT = RULES.pattern("passive_agents")
TABLE_COLUMNS = {name: RULES.pattern(f"table_{name}") for name in ("action", "owner", "date", "status",
                                                                     "recommendation")}
RECOMMENDATION_REFERENCE = RULES.pattern("recommendation_reference")
DOMAIN_TERMS = RULES.pattern("domain_terms")
CATEGORIES = [(rule.value, re.compile(rule.pattern, re.I)) for rule in RULES.rules("categories")]
WEIGHTS = RULES.weights("scores")
THRESHOLD = WEIGHTS.pop("threshold")


@dataclass
class _Candidate:
    doc: str
    span: Span
    reviews: list[str]
    how: str
    kind: str
    score: float
    reasons: list[str]
    themes: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    number: str | None = None
    date: str | None = None
    status: str | None = None
    answers: list[str] = field(default_factory=list)  # recommendation numbers an action refers to


def about_safeguarding(document: Document, reviews_named: bool) -> bool:
    """Whether a document is about safeguarding at all: it names a review, or its vocabulary says so."""
    if reviews_named:
        return True
    words = max(1, len(document.text.split()))
    hits = sum(1 for _ in DOMAIN_TERMS.finditer(document.text))
    return hits >= 5 and hits * 1000 / words >= 2.0


def find_actions(documents: Iterable[Document], review_index: ReviewIndex, organisations: OrganisationIndex,
                 themes: list[Theme], locator: EvidenceLocator) -> list[ActionFinding]:
    """Recommendations and actions taken, each tied to its reviews, themes and owners.

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
        if not about_safeguarding(document, bool(review_index.mentions(document.doc))):
            continue
        reader = _DocumentReader(document, review_index, organisations, matcher)
        found = reader.table_actions() + reader.sentence_actions()
        found.sort(key=lambda c: c.span.start)
        document_actions = [_action(document, c, locator) for c in found]
        _link_responses(document_actions)
        actions.extend(document_actions)
    return _unique_ids(actions)


class _DocumentReader:
    """Everything about one document the action rules ask: zones, scopes, owners, themes."""

    def __init__(self, document: Document, index: ReviewIndex, organisations: OrganisationIndex,
                 matcher: LabelMatcher):
        self.document = document
        self.text = document.text
        self.doc = document.doc
        self.index = index
        self.organisations = organisations
        self.matcher = matcher
        self.practice_starts = self._practice_starts()

    def _practice_starts(self) -> dict[str, int]:
        """Where each review's first action heading or lead ("CHILD L: EVIDENCE OF PUTTING LEARNING …") appears."""
        text = self.text
        starts: dict[str, int] = {}
        headings = [(s.start, s.title) for s in self.document.sections]
        headings += [(lead.start, text[lead.start:lead.end]) for line in re.finditer(r"[^\n]+", text)
                     for lead in leads(text, Span(line.start(), line.end()))]
        for start, title in sorted(headings):
            if ACTION_HEADING.search(title):
                for review_id in self.index.named_in_text(self.doc, title):
                    starts.setdefault(review_id, start)
        return starts

    # ---- where a passage sits -------------------------------------------------------------

    def zone(self, sentence: Span) -> tuple[str | None, str]:
        """The kind of passage a sentence sits in ("recommendation", "action", "excluded" or None) and its title.

        The nearest inline lead decides first, then a list item's lead-in ("… the action plan is now
        80% complete. For example:"), then headings from the innermost out.
        """
        paragraph = self.index.paragraph_of(self.doc, sentence.start)
        titles = [self.text[lead.start:lead.end] for lead in reversed(leads(self.text, paragraph))]
        lead_in = list_lead_in(self.text, paragraph)
        if lead_in:
            titles.append(self.text[lead_in.start:lead_in.end])
        titles += list(reversed(self.index.locator.section_path(self.doc, sentence.start)))
        for title in titles:
            title_body = self.index.without_names(self.doc, title)
            if ACTION_HEADING.search(title_body):
                return "action", title
            if RECOMMENDATION_HEADING.search(title_body):
                return "recommendation", title
            if EXCLUDED_HEADING.search(title_body):
                return "excluded", title
        return None, ""

    def _theme_heading(self, sentence: Span) -> list[str]:
        """The themes the innermost heading above a sentence names, when it names one or two."""
        section = self.index.locator.section_at(self.doc, sentence.start)
        if section is None:
            return []
        named = self.matcher.keys_in(self.index.without_names(self.doc, section.title))
        return named if 0 < len(named) <= 2 else []

    def scope(self, sentence: Span) -> tuple[list[str], str]:
        reviews, how = self.index.scope(self.doc, sentence)
        if not reviews:
            reviews = self._reviews_of_theme_section(sentence.start)
            how = "theme-section" if reviews else ""
        return reviews, how

    def themes_of(self, span: Span) -> list[str]:
        """Themes named in the passage, then in its innermost heading and its paragraph's leads."""
        found = self.matcher.keys_in(self.text, span.start, span.end)
        section = self.index.locator.section_at(self.doc, span.start)
        titles = [section.title] if section else []
        titles += [self.text[s.start:s.end] for s in leads(self.text, self.index.paragraph_of(self.doc, span.start))]
        for title in titles:
            title = self.index.without_names(self.doc, ACTION_HEADING.sub(" ", RECOMMENDATION_HEADING.sub(" ", title)))
            found += [k for k in self.matcher.keys_in(title) if k not in found]
        return found

    def _reviews_of_theme_section(self, offset: int) -> list[str]:
        """Reviews cited under a theme's heading, for the same theme's "putting learning into practice" section.

        "Safer Sleeping: … The Myth of Invisible Men review focused on …" is answered by
        "SAFER SLEEPING: EVIDENCE OF PUTTING LEARNING INTO PRACTICE …" further on.
        """
        section = self.index.locator.section_at(self.doc, offset)
        if section is None or not ACTION_HEADING.search(section.title):
            return []
        section_themes = set(self.matcher.keys_in(ACTION_HEADING.split(section.title)[0]))
        if not section_themes:
            return []
        for earlier in sorted((s for s in self.document.sections if s.start < section.start), key=lambda s: -s.start):
            if ACTION_HEADING.search(earlier.title):
                continue
            if section_themes & set(self.matcher.keys_in(earlier.title)):
                return self.index.named_in(self.doc, earlier.start, earlier.end)
        return []

    # ---- sentences --------------------------------------------------------------------------

    def sentence_actions(self) -> list[_Candidate]:
        found: list[tuple[int, _Candidate]] = []
        case_study_lines = _case_study_lines(self.text)
        for position, sentence in enumerate(sentences(self.text)):
            candidate = self._candidate(sentence, case_study_lines)
            if candidate is None or candidate.score < THRESHOLD:
                continue
            previous = found[-1] if found else None
            if previous and self._continues(previous[1], previous[0], candidate, position):
                previous[1].span = Span(previous[1].span.start, candidate.span.end)
                previous[1].score = max(previous[1].score, candidate.score)
                previous[1].reasons.append("continued in the next sentence")
                found[-1] = (position, previous[1])
                continue
            found.append((position, candidate))
        return [c for _, c in found]

    def _candidate(self, sentence: Span, case_study_lines: set[int]) -> _Candidate | None:
        text = self.text
        if " | " in text[sentence.start:sentence.end]:
            return None  # table rows are read as tables
        body_span = after_lead(text, sentence)
        if body_span.end - body_span.start < 15:
            return None  # a heading on its own
        body = text[body_span.start:body_span.end]
        zone, zone_title = self.zone(sentence)
        if zone == "excluded":
            return None
        reviews, how = self.scope(sentence)
        if zone is None and how in ("lead", "section") and \
                any(self.practice_starts.get(r, len(text)) <= sentence.start for r in reviews):
            zone = "action"  # "CHILD L CONTINUED: …" after "CHILD L: EVIDENCE OF PUTTING LEARNING INTO PRACTICE"
        if reviews:
            themes = self.themes_of(body_span)
        elif zone == "action":
            # Theme-level activity: the theme is named in the passage or in the action section's own title
            # ("FGM: EVIDENCE OF PUTTING LEARNING INTO PRACTICE"), not merely somewhere above it.
            themes = self.matcher.keys_in(text, body_span.start, body_span.end) or \
                self.matcher.keys_in(self.index.without_names(self.doc, ACTION_HEADING.sub(" ", zone_title)))
        elif zone is None and self._theme_heading(sentence):
            # A section about one theme ("Financial abuse and scams: a partnership priority") reporting what a
            # named partner did: theme-level activity, if plainly done (checked below).
            themes = self._theme_heading(sentence)
            zone = "theme"
        else:
            return None  # theme-level activity is read only where a report accounts for what was done
        if not reviews and not themes:
            return None
        recommendation_cue = bool(RECOMMENDATION_CUE.search(body))
        linked = bool(RESPONSE.search(body))
        if zone is None and not recommendation_cue and not (linked and how in ("sentence", "coreference")):
            return None

        score, reasons = 0.0, []

        def mark(feature: str) -> None:
            nonlocal score
            score += WEIGHTS[feature]
            reasons.append(feature)

        opening = " ".join(body.split()[:15])
        strong = bool(STRONG_VERB.search(body))
        asks = bool(MODAL.search(body))
        instruction = bool(IMPERATIVE.match(body.lstrip("•-–● ")))
        kind = "recommendation" if (zone == "recommendation" or recommendation_cue) and (asks or instruction or
                                                                                           recommendation_cue) \
            else "action taken"
        if zone == "recommendation" and not (asks or instruction or recommendation_cue) and strong:
            kind = "action taken"  # "Since the review, the Trust has introduced …" under Recommendations
        if zone == "action":
            mark("in an action section")
        elif zone == "recommendation":
            mark("in a recommendations section")
        if recommendation_cue:
            mark("recommendation cue")
        if kind == "recommendation":
            if asks:
                mark("asks someone to act")
            elif instruction:
                mark("instruction")
        if strong:
            mark("action verb")
        elif ACTION_VERB.search(body):
            mark("verb")
        if ARTEFACT.search(body):
            mark("artefact")
        if is_bullet(text, sentence):
            mark("bullet")
        if linked:
            mark("response to learning")
        if CHANGE.search(body):
            mark("change")
        owners = self.owners(body_span, zone_title)
        if owners:
            mark("owner")
        if ANAPHORIC_START.match(body):
            mark("refers back")
        if ELABORATION_START.match(body):
            mark("elaborates")
        if REVIEW_PROCESS.search(body) and not recommendation_cue:
            mark("about the review itself")
        if OUTCOME.search(opening) and kind == "action taken":
            mark("outcome")
        if (NARRATIVE.search(opening) and kind == "action taken") or \
                line_at(text, sentence.start).start in case_study_lines:
            mark("narrative")  # a case told about the family ("the child", "her mother"), not what services did
        if LEARNING_STATEMENT.search(body) and not strong and kind == "action taken":
            mark("states learning")
        if LIST_INTRODUCTION.search(body):
            mark("introduces a list")
        if body.lstrip().startswith(("“", "\"", "‘")):
            mark("quotation")
        if QUESTION.search(body):
            mark("question")
        if len(body.split()) > 80:
            mark("long")
        if not reviews and not (strong and kind == "action taken"):
            return None  # with no review behind it, only something plainly done counts
        if zone == "theme" and not (owners and not NARRATIVE.search(opening)):
            return None  # under a theme heading, only what a named partner did
        if kind == "action taken" and not strong and not ACTION_VERB.search(body):
            return None  # an action is something done: a statement with no verb of doing is description
        number = self._number(sentence, zone_title) if kind == "recommendation" else None
        return _Candidate(self.doc, body_span, reviews, how or "theme", kind, score, reasons, themes=themes,
                          owners=owners, number=number, answers=_references(body) if kind != "recommendation" else [])

    def _number(self, sentence: Span, zone_title: str) -> str | None:
        """A recommendation's number: its list marker ("3."), its lead ("Recommendation 3:") or its heading."""
        line_start = line_at(self.text, sentence.start).start
        marker = re.match(r"\s*(?:[•\-–]\s*)?(?:R|Recommendation\s*)?(\d{1,2})[.):]\s", self.text[line_start:line_start + 24])
        if marker:
            return marker[1]
        for title in [self.text[s.start:s.end] for s in leads(self.text, self.index.paragraph_of(self.doc, sentence.start))] \
                + [zone_title]:
            reference = RECOMMENDATION_REFERENCE.search(title)
            if reference:
                return reference["number"] or reference["short"]
        return None

    def _continues(self, earlier: _Candidate, earlier_position: int, later: _Candidate, later_position: int) -> bool:
        """Whether `later` goes on describing the action `earlier` states (same thing, no new owner).

        "S4H undertook an extensive audit of 600+ cases." + "During June and July 2023, a 99%
        confidence audit was carried out." is one audit; bullet items are always separate actions.
        """
        text = self.text
        if later_position - earlier_position > 2 or earlier.reviews != later.reviews or earlier.kind != later.kind:
            return False
        if is_bullet(text, earlier.span) or is_bullet(text, later.span) or later.kind == "recommendation":
            return False
        between = text[earlier.span.end:later.span.start]
        if between.count("\n\n") > 1 or self.index.locator.section_at(self.doc, earlier.span.start) is not \
                self.index.locator.section_at(self.doc, later.span.start):
            return False
        shared = _artefacts(text[earlier.span.start:earlier.span.end]) & _artefacts(text[later.span.start:later.span.end])
        new_owners = set(self.organisations.orgs_in(self.doc, later.span.start, later.span.end)) - \
            set(self.organisations.orgs_in(self.doc, earlier.span.start, earlier.span.end))
        return bool(shared) and not new_owners

    # ---- owners -----------------------------------------------------------------------------

    def owners(self, span: Span, zone_title: str = "") -> list[str]:
        """Who owns what a passage states: bodies acting in it, referred to, or named in its lead or heading."""
        text, doc = self.text, self.doc
        body = text[span.start:span.end]
        mentions = [m for m in self.organisations.mentions(doc, span.start, span.end)
                    if not NOT_OWNER_BEFORE.search(text[max(span.start, m.start - 50):m.start])]
        verb = STRONG_VERB.search(body) or ACTION_VERB.search(body) or MODAL.search(body)
        cut = span.start + verb.start() if verb else span.end
        passive = PASSIVE_AGENT.search(body)
        if passive:
            # "A handover form has been developed by NBFT": the body after "by" acted.
            agents = [m.org for m in mentions if span.start + passive.end() <= m.start < span.start + passive.end() + 80]
            if agents:
                return list(dict.fromkeys(agents))
        acting = [m.org for m in mentions if m.start < cut] or [m.org for m in mentions]
        owners = list(dict.fromkeys(acting))
        for pattern, label in OWNER_REFERENCES:
            reference = pattern.search(body)
            if reference and (not verb or reference.start() < verb.start() or not owners):
                org = self.organisations.most_mentioned(doc, label)
                if org and org not in owners:
                    owners.append(org)
        if re.search(r"\b(?:the|The) Trust\b", body) and not owners:
            # "The Trust has …": the trust named last in the same section.
            org = self.organisations.last_before(doc, span.start, r"\bTrust\b", since=_section_start(self.document, span.start))
            if org:
                owners.append(org)
        if not owners:
            paragraph_start = line_at(text, span.start).start
            lead = OWNER_LEAD.match(text, paragraph_start)
            if lead:
                owners = self.organisations.orgs_in(doc, lead.end(), lead.end() + 80)[:1]
        if not owners:
            # A lead or heading that names one partner: "Harrowdale Police: …", "For the ICB".
            for lead in leads(text, self.index.paragraph_of(doc, span.start)):
                named = self.organisations.orgs_in(doc, lead.start, lead.end)
                if len(named) == 1:
                    return named
        return owners

    # ---- tables -----------------------------------------------------------------------------

    def table_actions(self) -> list[_Candidate]:
        """Rows of action-plan tables: action, owner, due date, status, and the recommendation answered."""
        out: list[_Candidate] = []
        seen_recommendations: dict[str, _Candidate] = {}
        for line in re.finditer(r"[^\n]+", self.text):
            if " | " not in line.group(0):
                continue
            cells = _labelled_cells(self.text, line.start(), line.end())
            columns = {name: next((c for c in cells if pattern.search(c[0])), None)
                       for name, pattern in TABLE_COLUMNS.items()}
            action = columns["action"]
            if action is None or len(self.text[action[1]:action[2]].split()) < 3:
                continue
            span = Span(action[1], action[2])
            row = Span(line.start(), line.end())
            reviews, how = self.scope(row)
            # With no review behind it, a row counts only when it names its theme itself.
            themes = self.themes_of(span) if reviews else self.matcher.keys_in(self.text, row.start, row.end)
            if not reviews and not themes:
                continue
            owner_cell = columns["owner"]
            owners = self.organisations.orgs_in(self.doc, owner_cell[1], owner_cell[2]) if owner_cell else []
            owners = owners or self.owners(span)
            value = lambda name: " ".join(self.text[columns[name][1]:columns[name][2]].split()) if columns[name] else None
            recommendation = columns["recommendation"]
            answers = _references(self.text[span.start:span.end])
            if recommendation:
                rec_text = value("recommendation") or ""
                reference = re.match(r"\s*(?:R|Rec(?:ommendation)?\.?\s*)?(\d{1,2})\b", rec_text)
                if reference:
                    answers.append(reference[1])
                if len(rec_text.split()) >= 5:
                    # A recommendation written out in its own column: itself a finding, once.
                    key = " ".join(rec_text.lower().split())
                    if key not in seen_recommendations:
                        rec = _Candidate(self.doc, Span(recommendation[1], recommendation[2]), reviews, how or "theme",
                                         "recommendation", THRESHOLD, ["action plan table"], themes=themes,
                                         number=reference[1] if reference else None)
                        seen_recommendations[key] = rec
                        out.append(rec)
                    elif not reference and seen_recommendations[key].number:
                        answers.append(seen_recommendations[key].number)
            out.append(_Candidate(self.doc, span, reviews, how or "theme", "action taken", THRESHOLD,
                                  ["action plan table"], themes=themes, owners=owners, date=value("date"),
                                  status=_status(value("status")), answers=list(dict.fromkeys(answers))))
        return out


def _labelled_cells(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """The cells of a cleaned table row, "Label: value | Label: value", as (label, value start, value end)."""
    cells = []
    position = start
    for separator in list(re.finditer(r" \| ", text[start:end])) + [None]:
        cell_end = start + separator.start() if separator else end
        cell = text[position:cell_end]
        label = re.match(r"\s*([^:|]{1,40}?)\s*:\s+", cell)
        if label:
            value_start = position + label.end()
            while cell_end > value_start and text[cell_end - 1].isspace():
                cell_end -= 1
            cells.append((label[1].strip().lower(), value_start, cell_end))
        position = start + separator.end() if separator else end
    return cells


def _status(value: str | None) -> str | None:
    """An action plan's status in plain words: "Green" and "Complete" are completed, "Amber" in progress."""
    if not value:
        return None
    low = value.lower()
    for words, status in ((("complete", "done", "achieved", "green", "closed", "implemented"), "completed"),
                          (("progress", "amber", "ongoing", "underway", "under way", "partially"), "in progress"),
                          (("not started", "red", "delayed", "overdue", "not yet"), "not started")):
        if any(w in low for w in words):
            return status
    return value


def _references(text: str) -> list[str]:
    """Recommendation numbers a passage refers to: "(Recommendation 2)", "R3"."""
    return list(dict.fromkeys(m["number"] or m["short"] for m in RECOMMENDATION_REFERENCE.finditer(text)))


def _artefacts(text: str) -> set[str]:
    """The artefact nouns of a sentence, singular and lower-case ("audits" -> "audit")."""
    return {re.sub(r"(?:e?s)$", "", m.group(0).lower()) if m.group(0).lower() not in {"process", "supervision"}
            else m.group(0).lower() for m in ARTEFACT.finditer(text)} - {"lead", "assessment", "process", "offer",
                                                                         "service", "team"}


def _case_study_lines(text: str) -> set[int]:
    """Start offsets of lines that tell a case study: from "Case study: …" (or "… case study below:") to the next blank line
    that is followed by a heading-like line, bullets included."""
    starts: set[int] = set()
    lines = list(re.finditer(r"[^\n]+", text))
    inside = False
    for i, line in enumerate(lines):
        content = line.group(0)
        if re.match(r"\s*Case stud(?:y|ies)\b", content, re.I):
            inside = True
        elif inside and not is_bullet(text, Span(line.start(), line.end())) and \
                (len(content.split()) < 12 or text[lines[i - 1].end():line.start()].count("\n") > 1):
            inside = False  # a heading, or a new paragraph after a blank line, ends the story
        if inside:
            starts.add(line.start())
        if re.search(r"case stud(?:y|ies)[^.]{0,40}(?:below|as follows)\s*:?\s*$", content, re.I) and i + 1 < len(lines):
            starts.add(lines[i + 1].start())
    return starts


def _action(document: Document, candidate: _Candidate, locator: EvidenceLocator) -> ActionFinding:
    text = document.text
    span = candidate.span
    quote = text[span.start:span.end]
    evidence = locator.evidence(document.doc, span.start, span.end)
    category = next((name for name, pattern in CATEGORIES if pattern.search(quote)), "other")
    year = re.search(r"\b(20\d\d)\b", candidate.date or "") or re.search(r"\b(20\d\d)\b", quote)
    digest = hashlib.sha1(f"{document.doc}\n{span.start}\n{' '.join(quote.split())}".encode()).hexdigest()[:8]
    description = action_text(quote)
    confidence = min(0.95, 0.45 + 0.1 * candidate.score) - (0.1 if candidate.how in ("theme-section", "theme") else 0.0)
    prefix = "rec" if candidate.kind == "recommendation" else ""
    return ActionFinding(
        id=f"{prefix + '-' if prefix else ''}{slugify(' '.join(description.split()[:6]), 48)}-{digest}",
        text=description, evidence=evidence, kind=candidate.kind, category=category, reviews=candidate.reviews,
        themes=candidate.themes, organisations=candidate.owners, year=int(year[1]) if year else None,
        date=candidate.date, status=candidate.status, number=candidate.number,
        responds_to=list(candidate.answers),  # numbers for now; _link_responses turns them into ids
        method=f"rules ({', '.join(candidate.reasons)}; review by {candidate.how})",
        confidence=round(max(0.3, confidence), 2))


def _link_responses(actions: list[ActionFinding]) -> None:
    """Turn "answers recommendation 2" into the id of recommendation 2 of the same review."""
    by_number = {}
    for action in actions:
        if action.kind == "recommendation" and action.number:
            for review in action.reviews or [""]:
                by_number.setdefault((review, action.number), action.id)
    for action in actions:
        if action.kind == "recommendation":
            action.responds_to = []
            continue
        action.responds_to = list(dict.fromkeys(
            by_number[(review, number)] for number in action.responds_to for review in action.reviews or [""]
            if (review, number) in by_number))


def _unique_ids(actions: list[ActionFinding]) -> list[ActionFinding]:
    seen: set[str] = set()
    for action in actions:
        while action.id in seen:
            action.id += "-2"
        seen.add(action.id)
    return actions


def action_text(sentence: str) -> str:
    """The action in a sentence: without list marks, discourse openers and markup, whole (long ones cut at a clause)."""
    text = " ".join(sentence.split()).lstrip("•-–●* ")
    text = re.sub(r"\*\*|__", "", text)
    opener = DISCOURSE_START.match(text)
    if opener:
        text = text[opener.end():]
    words = text.split()
    if len(words) > 60:
        cut = re.search(r"(?:;|\s[–—]\s(?=[a-z])|\. )", text[120:])
        text = text[:120 + cut.start()] + " …" if cut else " ".join(words[:60]) + " …"
    text = text.rstrip(" .,:;")
    return text[:1].upper() + text[1:]


def _section_start(document: Document, offset: int) -> int:
    """Start of the innermost section holding the offset (0 when there is none)."""
    best = 0
    for section in document.sections:
        if section.start <= offset < section.end:
            best = max(best, section.start)
    return best
