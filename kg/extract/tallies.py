"""Tallies of findings behind the summary views: theme counts, the theme × review grid, themes by year.

A version keeps them in `summaries.json` (kg/kb.py), written when the version is built or changed, so the UI's
tables, the heatmap and `kg stats` are served without reading every finding (at a million chunks the findings
take a minute to parse). kg/query/explore.py re-exports them with the profiles that do need the findings.

A gap is learning without a recorded action: a theme a review raised that no action taken answers (a
recommendation alone does not close it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from kg.extract.findings import ActionFinding, Evidence, Findings, owners_first_actions


def is_action_taken(action: ActionFinding) -> bool:
    """Something done, as opposed to a recommendation (what a review asked for)."""
    return action.kind != "recommendation"


def _is_gap(reviews: int, actions_taken: int) -> bool:
    """Learning without a recorded action: raised by a review, answered by no action taken."""
    return reviews > 0 and actions_taken == 0


def passage_key(evidence: Evidence) -> str:
    """The passage a piece of evidence lies in (its chunk), which a theme's passages count once."""
    return evidence.chunk_id or f"{evidence.doc}@{evidence.start}"


@dataclass
class ThemeSummary:
    """One learning theme's counts: reviews raising it, passages speaking of it (each once), actions and
    recommendations."""

    id: str
    label: str
    reviews: int
    passages: int
    actions: int  # actions taken that address it
    recommendations: int = 0

    @property
    def gap(self) -> bool:
        return _is_gap(self.reviews, self.actions)


def theme_summary(findings: Findings) -> list[ThemeSummary]:
    """Every theme that comes up anywhere, with its counts; most-raised first.

    Returns:
        One ThemeSummary per theme raised by a review, mentioned in a passage or answered by an action,
        ordered by reviews, then actions, then passages (descending), then label.
    """
    labels = {t.id: t.label for t in findings.themes}
    reviews: dict[str, set[str]] = {}
    for link in findings.review_themes:
        reviews.setdefault(link.theme, set()).add(link.review)
    passages = Counter(theme for theme, _ in {(m.theme, passage_key(m.evidence)) for m in findings.theme_mentions})
    actions = Counter(t for a in findings.actions if is_action_taken(a) for t in set(a.themes))
    recommendations = Counter(t for a in findings.actions if not is_action_taken(a) for t in set(a.themes))
    ids = set(reviews) | set(passages) | set(actions) | set(recommendations)
    rows = [ThemeSummary(t, labels.get(t, t), len(reviews.get(t, ())), passages.get(t, 0), actions.get(t, 0),
                         recommendations.get(t, 0)) for t in ids]
    return sorted(rows, key=lambda r: (-r.reviews, -r.actions, -r.passages, r.label.lower()))


def recurring_themes(findings: Findings) -> list[tuple[str, list]]:
    """Themes raised by more than one review, with their review→theme links, most reviews first."""
    by_theme: dict[str, list] = {}
    for link in findings.review_themes:
        by_theme.setdefault(link.theme, []).append(link)
    recurring = [(t, links) for t, links in by_theme.items() if len({link.review for link in links}) > 1]
    return sorted(recurring, key=lambda x: (-len({link.review for link in x[1]}), x[0]))


def theme_gaps(findings: Findings) -> list[tuple[str, list]]:
    """Themes with learning but no recorded action taken, with the review→theme links that raised them."""
    answered = {t for a in findings.actions if is_action_taken(a) for t in a.themes}
    gaps: dict[str, list] = {}
    for link in findings.review_themes:
        if link.theme not in answered:
            gaps.setdefault(link.theme, []).append(link)
    return sorted(gaps.items(), key=lambda x: (-len({link.review for link in x[1]}), x[0]))


@dataclass
class ThemeReviewMatrix:
    """Which reviews raised which themes: `counts[i][j]` evidence passages linking theme i to review j (0: none)."""

    themes: list[tuple[str, str]]  # (id, label), most-raised first
    reviews: list[tuple[str, str, int | None]]  # (id, label, year), by year where known, then label
    counts: list[list[int]]


def theme_review_matrix(findings: Findings) -> ThemeReviewMatrix:
    """The theme × review grid behind a heatmap, reviews in date order where their year is known.

    Returns:
        Themes raised by at least one review (rows) against the reviews that raised any theme (columns).
    """
    labels = {t.id: t.label for t in findings.themes}
    review_by_id = {r.id: r for r in findings.reviews}
    cells: dict[tuple[str, str], int] = {}
    for link in findings.review_themes:
        cells[(link.theme, link.review)] = cells.get((link.theme, link.review), 0) + max(1, len(link.evidence))
    raised = Counter(theme for theme, _ in cells)
    theme_ids = sorted(raised, key=lambda t: (-raised[t], labels.get(t, t).lower()))

    def column(review_id: str) -> tuple[str, str, int | None]:
        review = review_by_id.get(review_id)
        return (review_id, review.label if review else review_id, review.year if review else None)

    ordered = sorted((column(r) for r in {review for _, review in cells}), key=review_column_order)
    return ThemeReviewMatrix(themes=[(t, labels.get(t, t)) for t in theme_ids], reviews=ordered,
                             counts=[[cells.get((t, r[0]), 0) for r in ordered] for t in theme_ids])


def review_column_order(column: tuple[str, str, int | None]) -> tuple:
    """A heatmap column's place: by year where known (unknown years last rather than guessed from the reporting
    document's date), then label."""
    review_id, label, year = column
    return (year is None, year or 0, label.lower(), review_id)


@dataclass
class ThemesByYear:
    """How often each theme is spoken of in the documents of each year: passages[theme][year]; undated documents
    are counted under "undated"; `example` holds one passage per (theme, year) to cite."""

    years: list[str]
    passages: dict[str, Counter]
    example: dict[tuple[str, str], Evidence]

    def rows(self, labels: dict[str, str]) -> list[tuple[str, Counter]]:
        """(theme id, passages by year), the themes most spoken of first, then by label (`labels`: id -> label)."""
        return sorted(self.passages.items(), key=lambda tc: (-sum(tc[1].values()), labels.get(tc[0], tc[0])))


def themes_by_year(findings: Findings, dates: dict[str, str | None]) -> ThemesByYear:
    """Theme mentions counted by the year of their document (`dates`: document id -> ISO date or None)."""
    counts: Counter = Counter()  # (theme, year) -> passages
    example: dict[tuple[str, str], Evidence] = {}
    seen: set[tuple[str, str]] = set()
    for mention in findings.theme_mentions:
        evidence = mention.evidence
        passage = passage_key(evidence)
        if (mention.theme, passage) in seen:  # a passage counts once per theme, as in example query 14
            continue
        seen.add((mention.theme, passage))
        key = (mention.theme, (dates.get(evidence.doc) or "")[:4] or "undated")
        counts[key] += 1
        if key not in example:
            example[key] = evidence
    passages: dict[str, Counter] = {}
    for (theme, year), n in counts.items():
        passages.setdefault(theme, Counter())[year] = n
    years = sorted({y for counts in passages.values() for y in counts}, key=lambda y: (y == "undated", y))
    return ThemesByYear(years, passages, example)


@dataclass
class Summaries:
    """What the summary views show for one version, kept beside its findings."""

    themes: list[ThemeSummary]
    matrix: ThemeReviewMatrix
    years: ThemesByYear
    theme_labels: dict[str, str]  # every theme of the scheme: id -> label
    reviews: list[tuple[str, str, int | None]]  # every review: (id, label, year), by label
    organisations: list[tuple[str, int, int]] = field(default_factory=list)  # (id, passages, documents) naming it
    theme_pairs: list[tuple[str, str, int]] = field(default_factory=list)  # (theme, theme, reviews raising both)
    owners: list[tuple[str, int, int]] = field(default_factory=list)  # (organisation, actions taken it owns, reviews)
    review_counts: list[tuple[str, int, int]] = field(default_factory=list)  # (review, documents naming it, themes)

    def to_dict(self) -> dict:
        return {"themes": [asdict(t) for t in self.themes],
                "matrix": {"themes": self.matrix.themes, "reviews": self.matrix.reviews, "counts": self.matrix.counts},
                "years": {"years": self.years.years, "passages": {t: dict(c) for t, c in self.years.passages.items()},
                          "example": [[t, y, asdict(e)] for (t, y), e in sorted(self.years.example.items())]},
                "theme_labels": self.theme_labels, "reviews": self.reviews, "organisations": self.organisations,
                "theme_pairs": self.theme_pairs, "owners": self.owners, "review_counts": self.review_counts}

    @classmethod
    def from_dict(cls, data: dict) -> "Summaries":
        matrix, years = data["matrix"], data["years"]
        return cls(
            themes=[ThemeSummary(**t) for t in data["themes"]],
            matrix=ThemeReviewMatrix(themes=[tuple(t) for t in matrix["themes"]],
                                     reviews=[tuple(r) for r in matrix["reviews"]], counts=matrix["counts"]),
            years=ThemesByYear(years["years"], {t: Counter(c) for t, c in years["passages"].items()},
                               {(t, y): Evidence(**e) for t, y, e in years["example"]}),
            theme_labels=data["theme_labels"], reviews=[tuple(r) for r in data["reviews"]],
            organisations=[tuple(o) for o in data.get("organisations", [])],
            theme_pairs=[tuple(p) for p in data.get("theme_pairs", [])],
            owners=[tuple(o) for o in data.get("owners", [])],
            review_counts=[tuple(r) for r in data.get("review_counts", [])])


def summarise(findings: Findings, dates: dict[str, str | None]) -> Summaries:
    """The summaries of a version's findings (`dates`: document id -> ISO date or None)."""
    return Summaries(themes=theme_summary(findings), matrix=theme_review_matrix(findings),
                     years=themes_by_year(findings, dates), theme_labels={t.id: t.label for t in findings.themes},
                     reviews=[(r.id, r.label, r.year) for r in sorted(findings.reviews, key=lambda r: r.label.lower())],
                     organisations=organisation_counts(findings), theme_pairs=theme_pairs(findings),
                     owners=owner_counts(findings), review_counts=review_counts(findings))


def tally_difference(old: Summaries, new: Summaries) -> tuple[Summaries, Summaries]:
    """`old` and `new` cut down to the tallies the graph keeps that differ between them (theme and organisation
    counts, theme-year cells with their example, theme pairs, owners' action counts, reviews' counts): what a
    change replaces in the graph."""
    def cells(s: Summaries) -> dict:
        return {(t, y): (n, s.years.example.get((t, y))) for t, c in s.years.passages.items() for y, n in c.items()}

    orgs = ({o[0]: o for o in old.organisations}, {o[0]: o for o in new.organisations})
    years = (cells(old), cells(new))
    pairs = ({p[:2]: p for p in old.theme_pairs}, {p[:2]: p for p in new.theme_pairs})
    themes = ({t.id: t for t in old.themes}, {t.id: t for t in new.themes})
    owners = ({o[0]: o for o in old.owners}, {o[0]: o for o in new.owners})
    review_rows = ({r[0]: r for r in old.review_counts}, {r[0]: r for r in new.review_counts})
    out = []
    for i in (0, 1):
        def differ(maps):
            return sorted(k for k in maps[i] if maps[i][k] != maps[1 - i].get(k))

        passages: dict[str, Counter] = {}
        example = {}
        for t, y in differ(years):
            passages.setdefault(t, Counter())[y] = years[i][(t, y)][0]
            if years[i][(t, y)][1] is not None:
                example[(t, y)] = years[i][(t, y)][1]
        out.append(Summaries(themes=[themes[i][k] for k in differ(themes)], matrix=ThemeReviewMatrix([], [], []),
                             years=ThemesByYear([], passages, example),
                             theme_labels={}, reviews=[], organisations=[orgs[i][k] for k in differ(orgs)],
                             theme_pairs=[pairs[i][k] for k in differ(pairs)],
                             owners=[owners[i][k] for k in differ(owners)],
                             review_counts=[review_rows[i][k] for k in differ(review_rows)]))
    return out[0], out[1]


def organisation_counts(findings: Findings) -> list[tuple[str, int, int]]:
    """(id, passages, documents) for every organisation the graph holds: one named in the documents (each distinct
    passage naming it), or named only as an action's owner (that action's passage), by id."""
    owned = owners_first_actions(findings)
    out = []
    for org in findings.organisations:
        spans = {(e.doc, e.start, e.end) for e in org.mentions}
        if not spans and org.id in owned:
            evidence = owned[org.id].evidence
            spans = {(evidence.doc, evidence.start, evidence.end)}
        if spans:
            out.append((org.id, len(spans), len({doc for doc, _, _ in spans})))
    return sorted(out)


def owner_counts(findings: Findings) -> list[tuple[str, int, int]]:
    """(id, actions, reviews) for every organisation that owns an action taken: how many it owns and how many
    reviews those actions respond to (example query 04 reads them instead of counting every action), by id."""
    return owner_rows(findings.actions, {o.id for o in findings.organisations})


def owner_rows(actions: Iterable[ActionFinding], known: set[str]) -> list[tuple[str, int, int]]:
    """owner_counts of `actions`, for the organisations in `known` (the ones the graph holds)."""
    owned: dict[str, set[str]] = {}
    reviews: dict[str, set[str]] = {}
    for action in actions:
        if is_action_taken(action):
            for org in set(action.organisations) & known:
                owned.setdefault(org, set()).add(action.id)
                reviews.setdefault(org, set()).update(action.reviews)
    return sorted((org, len(ids), len(reviews[org])) for org, ids in owned.items())


def review_counts(findings: Findings) -> list[tuple[str, int, int]]:
    """(id, documents, themes) for every review the graph holds: how many documents name it and how many themes
    it raised (example query 09 reads them instead of counting per review), by id."""
    themes: dict[str, set[str]] = {}
    for link in findings.review_themes:
        themes.setdefault(link.review, set()).add(link.theme)
    return sorted((r.id, len({e.doc for e in r.evidence}), len(themes.get(r.id, ()))) for r in findings.reviews
                  if r.evidence)


def theme_pairs(findings: Findings) -> list[tuple[str, str, int]]:
    """(theme, theme, reviews) for every two themes raised by the same reviews (ids in order), by ids."""
    raised: dict[str, set[str]] = {}
    for link in findings.review_themes:
        raised.setdefault(link.review, set()).add(link.theme)
    pairs: Counter = Counter()
    for themes in raised.values():
        ordered = sorted(themes)
        pairs.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:])
    return sorted((a, b, n) for (a, b), n in pairs.items())
