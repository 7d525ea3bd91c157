"""A version's findings on disk, by entity and by document (SQLite), so a change reads what it touches.

    entity    one row per review, organisation and review→theme link: its attributes, in the order found
    evidence  an entity's evidence, one row per run of passages from one document, in order
    item      theme mentions and actions, one row each, with their document (and a mention's year)
    link      an action's owners and themes, so tallies over them are lookups

Read whole, the rows give back exactly the findings written (`read_findings_store`). A change of some documents
(`FindingsStore.apply_change`) deletes their rows, joins what the new documents say to the entities they name
(attributes already known are kept, missing ones filled: kg/extract/merge.py) and appends the rest; what it costs
grows with the documents and the entities they touch, not with the corpus. `FindingsStore.part` gives the touched
entities with their first piece of evidence and what the changed documents say (all kg/graph/delta.py needs), and
`FindingsStore.resummarise` the kept summaries with only the affected rows recounted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

from kg import sqlite_layers
from kg.extract.findings import _FROM_DICT, ActionFinding, Evidence, Findings, Theme, collection_paused
from kg.extract.merge import Touched, _fill_organisation, _fill_review
from kg.extract.tallies import (Summaries, ThemeReviewMatrix, ThemesByYear, ThemeSummary, is_action_taken,
                                owner_rows, passage_key, review_column_order)

FINDINGS_STORE = "findings.sqlite"

# The entity kinds (Findings field names) and the field that holds each one's evidence.
_EVIDENCE_FIELD = {"reviews": "evidence", "organisations": "mentions", "review_themes": "evidence"}
_SCHEMA = """
CREATE TABLE entity(seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL,
                    parent TEXT, partnership TEXT, review TEXT, theme TEXT);
CREATE TABLE evidence(seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL,
                      spans INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE item(seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL,
                  year TEXT, passage TEXT, data TEXT NOT NULL);
CREATE TABLE link(item INTEGER NOT NULL, role TEXT NOT NULL, target TEXT NOT NULL);
CREATE TABLE scheme(data TEXT NOT NULL);
"""
# Made after the rows a build writes (faster than keeping them up to date row by row). Lookups by document
# name the kind too, so a document's few rows are found without scanning every row of a kind.
_INDEXES = """
CREATE UNIQUE INDEX entity_key ON entity(kind, key);
CREATE INDEX entity_parent ON entity(parent) WHERE parent IS NOT NULL;
CREATE INDEX entity_partnership ON entity(partnership) WHERE partnership IS NOT NULL;
CREATE INDEX entity_review ON entity(review) WHERE review IS NOT NULL;
CREATE INDEX entity_theme ON entity(theme) WHERE theme IS NOT NULL;
CREATE INDEX evidence_key ON evidence(kind, key, seq);
CREATE INDEX evidence_doc ON evidence(doc, kind);
CREATE INDEX item_key ON item(kind, key, year);
CREATE INDEX item_doc ON item(doc, kind);
CREATE INDEX link_target ON link(role, target, item);
CREATE INDEX link_item ON link(item);
ANALYZE;
"""


_INSERT_EVIDENCE = "INSERT INTO evidence(kind, key, doc, spans, data) VALUES (?, ?, ?, ?, ?)"


def _key(kind: str, item) -> str:
    return f"{item.review}\t{item.theme}" if kind == "review_themes" else item.id


def _year(date: str | None) -> str:
    """The year a theme mention is tallied under (as kg/extract/tallies.py themes_by_year)."""
    return (date or "")[:4] or "undated"


def _runs(evidence: list[Evidence]) -> Iterator[tuple[str, int, list[Evidence]]]:
    """(document, new spans, passages) for each run of consecutive passages from one document. New spans count
    the distinct (start, end) not seen earlier in the list, so their sum over runs is the distinct passages."""
    seen: set[tuple[str, int, int]] = set()
    run: list[Evidence] = []
    for e in [*evidence, None]:
        if run and (e is None or e.doc != run[0].doc):
            spans = {(x.doc, x.start, x.end) for x in run} - seen
            seen |= spans
            yield run[0].doc, len(spans), run
            run = []
        if e is not None:
            run.append(e)


class FindingsStore:
    """One version's findings file, opened for reading or (a new version's own copy) for a change."""

    def __init__(self, path: Path, writable: bool = False):
        self.path = path
        self.db = sqlite_layers.connect(path, writable)
        if writable:
            self.db.execute("PRAGMA journal_mode = OFF")  # a new version's private copy: a failure discards it
            self.db.execute("PRAGMA synchronous = OFF")  # the version folder is synced before it is published

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "FindingsStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- writing ----------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, findings: Findings, dates: dict[str, str | None]) -> None:
        """Write `findings` as a new store at `path` (`dates`: document id -> ISO date, for mentions' years)."""
        path.unlink(missing_ok=True)
        sqlite_layers.delta_path(path).unlink(missing_ok=True)
        store = cls(path, writable=True)
        try:
            store.db.executescript(_SCHEMA)
            store.db.execute("INSERT INTO scheme VALUES (?)",
                             (json.dumps([asdict(t) for t in findings.themes], ensure_ascii=False),))
            store._insert(findings, dates, known=False)
            store.db.executescript(_INDEXES)
            store.db.commit()
        finally:
            store.close()

    def _insert(self, findings: Findings, dates: dict[str, str | None], known: bool = True) -> None:
        """Join `findings` to the entities already stored (`known`: there may be some) and append their evidence,
        mentions and actions."""
        db = self.db
        evidence_rows = []
        for kind, field in _EVIDENCE_FIELD.items():
            for item in getattr(findings, kind):
                key = _key(kind, item)
                data = asdict(item)
                data.pop(field)
                row = db.execute("SELECT data FROM entity WHERE kind = ? AND key = ?", (kind, key)).fetchone() \
                    if known else None
                if row is None:
                    db.execute("INSERT INTO entity(kind, key, data, parent, partnership, review, theme) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)",
                               (kind, key, json.dumps(data, ensure_ascii=False), data.get("parent"),
                                data.get("partnership"), data.get("review"), data.get("theme")))
                elif kind != "review_themes":  # a known link keeps its method and confidence (merge.join_findings)
                    merged = _FROM_DICT[kind]({**json.loads(row[0]), field: []})
                    (_fill_review if kind == "reviews" else _fill_organisation)(merged, item)
                    data = asdict(merged)
                    data.pop(field)
                    db.execute("UPDATE entity SET data = ?, parent = ?, partnership = ? WHERE kind = ? AND key = ?",
                               (json.dumps(data, ensure_ascii=False), data.get("parent"), data.get("partnership"),
                                kind, key))
                for doc, spans, run in _runs(getattr(item, field)):
                    evidence_rows.append((kind, key, doc, spans,
                                          json.dumps([asdict(e) for e in run], ensure_ascii=False)))
                if len(evidence_rows) >= 10_000:  # in batches: a build's evidence is GBs as JSON
                    db.executemany(_INSERT_EVIDENCE, evidence_rows)
                    evidence_rows = []
        db.executemany(_INSERT_EVIDENCE, evidence_rows)
        db.executemany("INSERT INTO item(kind, key, doc, year, passage, data) VALUES ('theme_mentions', ?, ?, ?, ?, ?)",
                       ((m.theme, m.evidence.doc, _year(dates.get(m.evidence.doc)), passage_key(m.evidence),
                         json.dumps(asdict(m), ensure_ascii=False)) for m in findings.theme_mentions))
        for action in findings.actions:
            db.execute("INSERT INTO item(kind, key, doc, data) VALUES ('actions', ?, ?, ?)",
                       (action.id, action.evidence.doc, json.dumps(asdict(action), ensure_ascii=False)))
            # Read back, not lastrowid: a layered store inserts through a view (kg/sqlite_layers.py), and the
            # newest row holds the highest key.
            seq = db.execute("SELECT MAX(seq) FROM item WHERE kind = 'actions' AND key = ?", (action.id,)).fetchone()[0]
            role = "theme-taken" if is_action_taken(action) else "theme-recommended"
            db.executemany("INSERT INTO link VALUES (?, ?, ?)",
                           [(seq, "owner", o) for o in dict.fromkeys(action.organisations)]
                           + [(seq, role, t) for t in dict.fromkeys(action.themes)])

    def apply_change(self, changed: set[str], added: Findings | None, dates: dict[str, str | None]) -> set[str]:
        """Drop what the `changed` documents said and join what `added` (the new documents' findings) says.

        As kg/extract/merge.py: a review or link left without evidence is dropped, and so is an organisation
        no document names unless it is the parent of one that is named. Returns the ids of the
        organisations dropped that way.
        """
        db, marks = self.db, ",".join("?" * len(changed))
        docs = sorted(changed)
        db.execute(f"DELETE FROM link WHERE item IN (SELECT seq FROM item WHERE doc IN ({marks}))", docs)
        db.execute(f"DELETE FROM item WHERE doc IN ({marks})", docs)
        db.execute(f"DELETE FROM evidence WHERE doc IN ({marks})", docs)
        db.execute("DELETE FROM entity WHERE kind IN ('reviews', 'review_themes') AND NOT EXISTS "
                   "(SELECT 1 FROM evidence v WHERE v.kind = entity.kind AND v.key = entity.key)")
        unnamed = "NOT EXISTS (SELECT 1 FROM evidence v WHERE v.kind = 'organisations' AND v.key = {}.key)"
        dropped = [k for (k,) in db.execute(
            f"SELECT key FROM entity e WHERE kind = 'organisations' AND {unnamed.format('e')} AND NOT EXISTS "
            f"(SELECT 1 FROM entity u WHERE u.kind = 'organisations' AND u.parent = e.key AND "
            f"NOT {unnamed.format('u')})")]
        db.executemany("DELETE FROM entity WHERE kind = 'organisations' AND key = ?", [(k,) for k in dropped])
        if added is not None:  # joined after the drop, as kg/kb.py joined added findings to the base without them
            self._insert(added, dates)
        db.commit()
        return set(dropped)

    # ---- reading ----------------------------------------------------------------------------------

    def read_all(self) -> Findings:
        """Every finding, in the order written."""
        findings = Findings()
        with collection_paused():
            findings.themes = [Theme(**t) for t in json.loads(self.db.execute("SELECT data FROM scheme").fetchone()[0])]
            evidence: dict[tuple[str, str], list] = {}
            for kind, key, data in self.db.execute("SELECT kind, key, data FROM evidence ORDER BY seq"):
                evidence.setdefault((kind, key), []).extend(json.loads(data))
            for kind, key, data in self.db.execute("SELECT kind, key, data FROM entity ORDER BY seq"):
                getattr(findings, kind).append(_FROM_DICT[kind](
                    {**json.loads(data), _EVIDENCE_FIELD[kind]: evidence.get((kind, key), [])}))
            for kind, data in self.db.execute("SELECT kind, data FROM item ORDER BY seq"):
                getattr(findings, kind).append(_FROM_DICT[kind](json.loads(data)))
        return findings

    def touched(self, docs: Iterable[str], touched: Touched | None = None) -> Touched:
        """What `docs` give evidence for, added to `touched`: merge.Touched.add over these findings, by lookups."""
        touched = touched or Touched()
        docs = sorted(set(docs))
        marks = ",".join("?" * len(docs))
        touched.docs |= set(docs)

        def keys(kind: str) -> set[str]:
            return {k for (k,) in self.db.execute(
                f"SELECT DISTINCT key FROM evidence WHERE kind = ? AND doc IN ({marks})", [kind, *docs])}

        touched.reviews |= keys("reviews")
        touched.organisations |= keys("organisations")
        touched.organisations |= {p for p in self._column("parent", touched.organisations) if p}
        touched.review_themes |= {tuple(k.split("\t")) for k in keys("review_themes")}
        touched.organisations |= {o for (o,) in self.db.execute(
            f"SELECT DISTINCT l.target FROM link l JOIN item i ON i.seq = l.item "
            f"WHERE l.role = 'owner' AND i.doc IN ({marks})", docs)}
        touched.organisations |= self._where("organisations", "parent", touched.organisations)
        touched.reviews |= self._where("reviews", "partnership", touched.organisations)
        return touched

    def _column(self, column: str, org_ids: Iterable[str]) -> list[str | None]:
        return [v for (v,) in self._each(f"SELECT {column} FROM entity WHERE kind = 'organisations' AND key IN", org_ids)]

    def _where(self, kind: str, column: str, values: Iterable[str]) -> set[str]:
        return {k for (k,) in self._each(f"SELECT key FROM entity WHERE kind = '{kind}' AND {column} IN", values)}

    def _each(self, sql: str, values: Iterable, args: tuple = ()) -> Iterator[tuple]:
        """Rows of `sql` + " (?, ?, …)" over `values`, in batches under SQLite's limit on parameters."""
        values = list(values)
        for i in range(0, len(values), 500):
            batch = values[i:i + 500]
            yield from self.db.execute(f"{sql} ({','.join('?' * len(batch))})", [*args, *batch])

    def part(self, touched: Touched) -> Findings:
        """The touched entities with their first piece of evidence and their evidence in the touched documents,
        and the mentions and actions in those documents (what kg/graph/delta.py regenerates)."""
        docs = sorted(touched.docs)
        marks = ",".join("?" * len(docs))
        part = Findings()
        with collection_paused():
            for kind, keys in (("reviews", touched.reviews), ("organisations", touched.organisations),
                               ("review_themes", {"\t".join(k) for k in touched.review_themes})):
                field = _EVIDENCE_FIELD[kind]
                for seq, key, data in sorted(self._each("SELECT seq, key, data FROM entity WHERE kind = ? AND key IN",
                                                        keys, (kind,))):
                    first = self._first("evidence", "seq, data", "kind = ? AND key = ?", (kind, key))
                    runs = self.db.execute(f"SELECT seq, data FROM evidence WHERE kind = ? AND key = ? AND "
                                           f"doc IN ({marks}) ORDER BY seq", [kind, key, *docs]).fetchall()
                    # As delta._restricted: the entity's first passage, then every passage in the documents.
                    evidence = json.loads(first[1])[:1] if first and (not runs or runs[0][0] != first[0]) else []
                    evidence += [e for _, run in runs for e in json.loads(run)]
                    getattr(part, kind).append(_FROM_DICT[kind]({**json.loads(data), field: evidence}))
            for kind, data in self.db.execute(f"SELECT kind, data FROM item WHERE doc IN ({marks}) ORDER BY seq", docs):
                getattr(part, kind).append(_FROM_DICT[kind](json.loads(data)))
        return part

    def context(self, part: Findings) -> tuple[dict[str, ActionFinding], set[str], set[str]]:
        """What kg/graph/build.py GraphContext holds, for the organisations and actions `part` refers to: each
        organisation's first action naming it as owner, the organisations in the graph, the actions that exist."""
        orgs = {o.id for o in part.organisations} | {o.parent for o in part.organisations if o.parent} \
            | {r.partnership for r in part.reviews if r.partnership}
        first_owned = {org: self.db.execute("SELECT MIN(item) FROM link WHERE role = 'owner' AND target = ?",
                                            (org,)).fetchone()[0] for org in sorted(orgs)}
        actions_at = dict(self._each("SELECT seq, data FROM item WHERE seq IN", {s for s in first_owned.values() if s}))
        referenced: dict[str, ActionFinding] = {org: _FROM_DICT["actions"](json.loads(actions_at[seq]))
                                                for org, seq in first_owned.items() if seq in actions_at}
        in_graph = self._named(orgs) | (set(referenced) & self._where("organisations", "key", orgs))
        answered = {a for action in part.actions for a in action.responds_to}
        actions = {k for (k,) in self._each("SELECT key FROM item WHERE kind = 'actions' AND key IN", answered)}
        return referenced, in_graph, actions

    def counts(self, touched: Touched | None = None) -> dict[str, int]:
        """The finding counts a manifest records; of `touched` alone (its entities, and the items of its documents)
        when given, so a change counts what it touched before and after and moves the parent's counts by that."""
        if touched is None:
            count = lambda table, kind: sqlite_layers.count(self.db, table, "kind = ?", (kind,))  # noqa: E731
            named = len(set(sqlite_layers.select(self.db, "evidence", "DISTINCT key", "kind = 'organisations'")))
            return {"reviews": count("entity", "reviews"), "actions": count("item", "actions"),
                    "review_themes": count("entity", "review_themes"),
                    "theme_mentions": count("item", "theme_mentions"), "organisations": named}
        items = lambda kind: sum(n for (n,) in self._each(  # noqa: E731
            "SELECT COUNT(*) FROM item WHERE kind = ? AND doc IN", touched.docs, (kind,)))
        return {"reviews": len(self._where("reviews", "key", touched.reviews)), "actions": items("actions"),
                "review_themes": len(self._where("review_themes", "key", {"\t".join(k) for k in touched.review_themes})),
                "theme_mentions": items("theme_mentions"), "organisations": len(self._named(touched.organisations))}

    def _named(self, orgs: Iterable[str]) -> set[str]:
        """The organisations some passage names (each found from the index, not by reading its every passage)."""
        return {k for org in orgs for (k,) in sqlite_layers.select(
            self.db, "evidence", "key", "kind = 'organisations' AND key = ?", (org,), "LIMIT 1")}

    def review_theme_sets(self, reviews: Iterable[str]) -> dict[str, set[str]]:
        """The themes each review raises."""
        out: dict[str, set[str]] = {}
        for review, theme in self._each("SELECT review, theme FROM entity WHERE kind = 'review_themes' AND review IN",
                                        reviews):
            out.setdefault(review, set()).add(theme)
        return out

    def mention_cells(self, docs: Iterable[str]) -> set[tuple[str, str]]:
        """The (theme, year) cells the mentions in `docs` are tallied under."""
        return set(self._each("SELECT DISTINCT key, year FROM item WHERE kind = 'theme_mentions' AND doc IN", docs))

    # ---- kept summaries ---------------------------------------------------------------------------

    def resummarise(self, was: Summaries, themes: set[str], reviews: set[str], organisations: set[str],
                    cells: set[tuple[str, str]], pairs_before: dict[str, set[str]]) -> Summaries:
        """`was` (the parent's summaries) with the rows the change affects recounted from this store: equal to
        kg/extract/tallies.py summarise() of every finding, at the cost of the affected rows.

        Args:
            themes, reviews, organisations: ids whose counts the change may alter.
            cells: (theme, year) cells whose mentions changed.
            pairs_before: the themes each of `reviews` raised before the change (review_theme_sets of the parent).
        """
        one = lambda sql, args: self.db.execute(sql, args).fetchone()[0]  # noqa: E731
        labels = was.theme_labels
        passages, example = self._recount_years(was.years, cells)
        rows = {t.id: t for t in was.themes}
        for theme in themes:
            row = ThemeSummary(
                theme, labels.get(theme, theme),
                one("SELECT COUNT(DISTINCT review) FROM entity WHERE kind = 'review_themes' AND theme = ?", (theme,)),
                sum(passages.get(theme, Counter()).values()),  # a passage lies in one document, so in one year
                one("SELECT COUNT(DISTINCT item) FROM link WHERE role = 'theme-taken' AND target = ?", (theme,)),
                one("SELECT COUNT(DISTINCT item) FROM link WHERE role = 'theme-recommended' AND target = ?", (theme,)))
            if row.reviews or row.passages or row.actions or row.recommendations:
                rows[theme] = row
            else:
                rows.pop(theme, None)
        theme_rows = sorted(rows.values(), key=lambda r: (-r.reviews, -r.actions, -r.passages, r.label.lower()))

        found = {r: self._review(r) for r in reviews}
        review_list = {r[0]: r for r in was.reviews if r[0] not in reviews}
        review_list.update({r: (r, *attrs) for r, attrs in found.items() if attrs is not None})
        review_rows = sorted(review_list.values(), key=lambda r: r[1].lower())

        matrix = was.matrix
        cells_of: dict[tuple[str, str], int] = {
            (t, r[0]): n for (t, _), counts in zip(matrix.themes, matrix.counts)
            for r, n in zip(matrix.reviews, counts) if n and r[0] not in reviews}
        columns = {r[0]: r for r in matrix.reviews if r[0] not in reviews}
        for review, theme, evidence in self._each(
                "SELECT e.review, e.theme, (SELECT COALESCE(SUM(json_array_length(v.data)), 0) FROM evidence v "
                "WHERE v.kind = 'review_themes' AND v.key = e.key) FROM entity e "
                "WHERE e.kind = 'review_themes' AND e.review IN", reviews):
            cells_of[(theme, review)] = cells_of.get((theme, review), 0) + max(1, evidence)
            attrs = found.get(review)
            columns[review] = (review, *(attrs if attrs else (review, None)))
        raised = Counter(theme for theme, _ in cells_of)
        theme_ids = sorted(raised, key=lambda t: (-raised[t], labels.get(t, t).lower()))
        used = {review for _, review in cells_of}
        ordered = sorted((columns[r] for r in used), key=review_column_order)
        matrix = ThemeReviewMatrix(themes=[(t, labels.get(t, t)) for t in theme_ids], reviews=ordered,
                                   counts=[[cells_of.get((t, r[0]), 0) for r in ordered] for t in theme_ids])

        years = sorted({y for c in passages.values() for y in c}, key=lambda y: (y == "undated", y))

        org_rows = {o[0]: o for o in was.organisations if o[0] not in organisations}
        owners = {o[0]: o for o in was.owners if o[0] not in organisations}
        for org in organisations:
            count = self._organisation_count(org)
            if count:
                org_rows[org] = (org, *count)
                owners.update((row[0], row) for row in self._owner_rows(org))

        review_counts = {r[0]: r for r in was.review_counts if r[0] not in reviews}
        for review in reviews:
            documents = one("SELECT COUNT(DISTINCT doc) FROM evidence WHERE kind = 'reviews' AND key = ?", (review,))
            if documents and found.get(review) is not None:
                review_counts[review] = (review, documents, one(
                    "SELECT COUNT(DISTINCT theme) FROM entity WHERE kind = 'review_themes' AND review = ?", (review,)))

        pairs = Counter({(a, b): n for a, b, n in was.theme_pairs})
        after = self.review_theme_sets(reviews)
        for review in reviews:
            pairs.subtract(_pairs(pairs_before.get(review, set())))
            pairs.update(_pairs(after.get(review, set())))
        return Summaries(themes=theme_rows, matrix=matrix, years=ThemesByYear(years, passages, example),
                         theme_labels=labels, reviews=review_rows, organisations=sorted(org_rows.values()),
                         theme_pairs=sorted((a, b, n) for (a, b), n in pairs.items() if n > 0),
                         owners=sorted(owners.values()), review_counts=sorted(review_counts.values()))

    def _recount_years(self, was: ThemesByYear, cells: set[tuple[str, str]]
                       ) -> tuple[dict[str, Counter], dict[tuple[str, str], Evidence]]:
        """`was`'s passages by theme and year and their examples, with the (theme, year) `cells` recounted."""
        passages = {t: Counter(c) for t, c in was.passages.items()}
        example = dict(was.example)
        for theme, year in cells:
            n = len(set(sqlite_layers.select(self.db, "item", "DISTINCT passage",
                                             "kind = 'theme_mentions' AND key = ? AND year = ?", (theme, year))))
            if n:
                passages.setdefault(theme, Counter())[year] = n
                first = self._first("item", "data", "kind = 'theme_mentions' AND key = ? AND year = ?",
                                    (theme, year))[0]
                example[(theme, year)] = Evidence(**json.loads(first)["evidence"])
            else:
                passages.get(theme, Counter()).pop(year, None)
                example.pop((theme, year), None)
        return {t: c for t, c in passages.items() if c}, example

    def _first(self, table: str, columns: str, where: str, args: tuple) -> tuple | None:
        """`columns` of the first row (lowest seq) of `table` matching `where`, found from the indexes alone."""
        seqs = [seq for (seq,) in sqlite_layers.select(self.db, table, "seq", where, args, "ORDER BY seq LIMIT 1")]
        return self.db.execute(f"SELECT {columns} FROM {table} WHERE seq = ?", (min(seqs),)).fetchone() if seqs else None

    def _review(self, review: str) -> tuple[str, int | None] | None:
        row = self.db.execute("SELECT data FROM entity WHERE kind = 'reviews' AND key = ?", (review,)).fetchone()
        if row is None:
            return None
        data = json.loads(row[0])
        return data["label"], data["year"]

    def _organisation_count(self, org: str) -> tuple[int, int] | None:
        """(passages, documents) naming the organisation, or its first owned action's one, as organisation_counts."""
        if self.db.execute("SELECT 1 FROM entity WHERE kind = 'organisations' AND key = ?", (org,)).fetchone() is None:
            return None
        spans, docs = self.db.execute("SELECT COALESCE(SUM(spans), 0), COUNT(DISTINCT doc) FROM evidence "
                                      "WHERE kind = 'organisations' AND key = ?", (org,)).fetchone()
        if spans:
            return spans, docs
        owned = self.db.execute("SELECT 1 FROM link WHERE role = 'owner' AND target = ? LIMIT 1", (org,)).fetchone()
        return (1, 1) if owned else None

    def _owner_rows(self, org: str) -> list[tuple[str, int, int]]:
        """The organisation's owner_counts row (none if it owns no action taken), from the actions it owns."""
        seqs = [seq for (seq,) in sqlite_layers.select(self.db, "link", "item", "role = 'owner' AND target = ?",
                                                        (org,))]
        owned = (_FROM_DICT["actions"](json.loads(data))
                 for (data,) in self._each("SELECT data FROM item WHERE kind = 'actions' AND seq IN", seqs))
        return owner_rows(owned, {org})


def _pairs(themes: set[str]) -> list[tuple[str, str]]:
    ordered = sorted(themes)
    return [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:]]


def read_findings_store(path: Path) -> Findings:
    with FindingsStore(path) as store:
        return store.read_all()
