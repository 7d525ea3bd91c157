"""A version's SQLite file as its parent's file, shared, and a small delta of its own beside it.

A change of some documents should cost what the documents cost, so a new version does not copy the parent's
corpus.sqlite or findings.sqlite (hundreds of MB at national scale). It hard-links the parent's file as its
base, never written again, and writes only what the change alters into `<name>.delta.sqlite`:

    delta_<table>   rows inserted, and rows updated (their new values, under the same key)
    gone_<table>    the base rows deleted or updated, by rowid

`connect` opens the pair as one database: each table name is a TEMP view of the base rows not gone followed by
the delta's rows, so every query reads as it did over one file (WHERE terms reach each side's indexes). Opened
for writing, INSTEAD OF triggers turn INSERT, UPDATE and DELETE on those views into writes to the delta. A row
inserted without its INTEGER PRIMARY KEY gets one above every key the base and delta ever used, so keys keep the
order rows were written in.

The delta carries everything since the base was written (each version copies its parent's delta, small, and
adds to it). `fold` writes base and delta back into one file; kg/change.py folds when the indexes merge
their segments (kg/index/segments.py), so the delta stays a small fraction of the base.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from kg.files import link_or_copy


def delta_path(path: Path) -> Path:
    """Where the delta of a version's SQLite file lives (corpus.sqlite -> corpus.delta.sqlite)."""
    return path.with_name(f"{path.stem}.delta{path.suffix}")


def is_layered(path: Path) -> bool:
    return delta_path(path).exists()


def connect(path: Path, writable: bool = False, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open a version's SQLite file (base and delta, when it has one) as one database.

    Read-only unless `writable`; writes to a layered file go to its delta, never to the base.
    """
    delta = delta_path(path)
    mode = "" if writable else "?mode=ro"
    if not delta.exists():
        return sqlite3.connect(f"file:{path}{mode}", uri=True, check_same_thread=check_same_thread)
    db = sqlite3.connect(f"file:{delta}{mode}", uri=True, check_same_thread=check_same_thread)
    try:
        db.execute("ATTACH DATABASE ? AS base", (f"file:{path}?mode=ro",))
        for table in _tables(db, "base"):
            db.executescript(_overlay(db, table, writable))
    except BaseException:
        db.close()
        raise
    return db


def begin(parent: Path, version: Path) -> None:
    """Start `version`'s file as `parent`'s: the base shared by hard link, the delta copied (or made empty)."""
    link_or_copy(parent, version)
    if is_layered(parent):
        shutil.copyfile(delta_path(parent), delta_path(version))
        return
    db = sqlite3.connect(delta_path(version))
    try:
        db.execute("ATTACH DATABASE ? AS base", (f"file:{parent}?mode=ro",))
        statements = []
        for name, sql in db.execute("SELECT name, sql FROM base.sqlite_master WHERE type IN ('table', 'index') "
                                    "AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index'"):
            statements.append(_renamed(sql))
            if sql.upper().startswith("CREATE TABLE"):
                statements.append(f'CREATE TABLE "gone_{name}"(id INTEGER PRIMARY KEY)')
        db.execute("DETACH DATABASE base")
        db.executescript(";\n".join(statements) + ";")
        db.commit()
    finally:
        db.close()


def sides(db: sqlite3.Connection, table: str) -> list[str]:
    """`table` as `FROM … WHERE …` clauses, one per side of a layered file (one for a single file), for a query
    that names only the columns it needs: through the view SQLite reads matching rows whole, `data` and all (it
    does not leave unused columns out of a UNION ALL), which makes counts over many rows slow."""
    if not _is_open_layered(db):
        return [f'"{table}" WHERE 1']
    return [f'base."{table}" AS "{table}" WHERE NOT EXISTS (SELECT 1 FROM main."gone_{table}" g '
            f'WHERE g.id = "{table}".rowid)', f'main."delta_{table}" AS "{table}" WHERE 1']


def each(db: sqlite3.Connection, table: str, columns: str, where: str = "1", args: tuple = (),
         tail: str = "") -> Iterator[tuple]:
    """`SELECT columns FROM table WHERE where tail` on each side, base first: rows for the caller to combine (a
    count is their sum, a minimum their minimum). Ordered by an INTEGER PRIMARY KEY that new rows take above
    every old one (as chunk rows), base then delta is that order, with no sort of the whole table."""
    for side in sides(db, table):
        yield from db.execute(f"SELECT {columns} FROM {side} AND ({where}) {tail}", args)


def select(db: sqlite3.Connection, table: str, columns: str, where: str = "1", args: tuple = (),
           tail: str = "") -> list[tuple]:
    """`each` as a list."""
    return list(each(db, table, columns, where, args, tail))


def count(db: sqlite3.Connection, table: str, where: str = "1", args: tuple = (), by: str | None = None
          ) -> int | Counter:
    """COUNT(*) of `table`'s rows matching `where`, or a Counter of them grouped `by` a column."""
    if by is None:
        return sum(n for (n,) in select(db, table, "COUNT(*)", where, args))
    total: Counter = Counter()
    for key, n in select(db, table, f'"{by}", COUNT(*)', where, args, f'GROUP BY "{by}"'):
        total[key] += n
    return total


def highest(db: sqlite3.Connection, table: str, column: str) -> int | None:
    """The highest value `column` ever took in `table` (rows since gone included): MAX read from the indexes."""
    sources = [f'base."{table}"', f'main."delta_{table}"'] if _is_open_layered(db) else [f'"{table}"']
    found = [db.execute(f'SELECT MAX("{column}") FROM {source}').fetchone()[0] for source in sources]
    return max((v for v in found if v is not None), default=None)


def fold(path: Path) -> None:
    """Write base and delta back into one file at `path` (a copy: the shared base is never written)."""
    delta = delta_path(path)
    if not delta.exists():
        return
    folding = path.with_name(path.name + ".folding")
    shutil.copyfile(path, folding)
    db = sqlite3.connect(folding)
    try:
        db.execute("PRAGMA journal_mode = OFF")  # a private copy: a failure discards it
        db.execute("ATTACH DATABASE ? AS layer", (f"file:{delta}?mode=ro",))
        for table in _tables(db, "main"):
            db.execute(f'DELETE FROM main."{table}" WHERE rowid IN (SELECT id FROM layer."gone_{table}")')
            db.execute(f'INSERT INTO main."{table}" SELECT * FROM layer."delta_{table}"')
        db.commit()
    finally:
        db.close()
    os.replace(folding, path)  # replaces this version's link; the parent's file is untouched
    delta.unlink()


# ---- the overlay --------------------------------------------------------------------------------

def _is_open_layered(db: sqlite3.Connection) -> bool:
    return any(name == "base" for _, name, _ in db.execute("PRAGMA database_list"))


def _tables(db: sqlite3.Connection, schema: str) -> list[str]:
    return [n for (n,) in db.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _renamed(sql: str) -> str:
    """A base table's or index's CREATE statement for its delta twin."""
    sql = re.sub(r'^CREATE TABLE\s+"?(\w+)"?', r'CREATE TABLE "delta_\1"', sql.strip())
    return re.sub(r'^CREATE (UNIQUE )?INDEX\s+"?(\w+)"?\s+ON\s+"?(\w+)"?', r'CREATE \1INDEX "delta_\2" ON "delta_\3"',
                  sql)


def _overlay(db: sqlite3.Connection, table: str, writable: bool) -> str:
    """The TEMP view that reads `table` as base minus gone plus delta, and (writable) its triggers."""
    info = db.execute(f'PRAGMA base.table_info("{table}")').fetchall()  # (cid, name, type, notnull, default, pk)
    columns = [c[1] for c in info]
    keys = [c[1] for c in sorted(info, key=lambda c: c[5]) if c[5]]
    rowid_key = keys[0] if len(keys) == 1 and next(c[2] for c in info if c[1] == keys[0]).upper() == "INTEGER" \
        else None
    keys = keys or columns  # a table without a key: a row is its values
    q = lambda names, prefix="": ", ".join(f'{prefix}"{n}"' for n in names)  # noqa: E731
    script = [f'CREATE TEMP VIEW "{table}"({q(columns)}) AS '
              f'SELECT {q(columns, "b.")} FROM base."{table}" b '
              f'WHERE NOT EXISTS (SELECT 1 FROM main."gone_{table}" g WHERE g.id = b.rowid) '
              f'UNION ALL SELECT {q(columns)} FROM main."delta_{table}"']
    if not writable:
        return ";\n".join(script) + ";"
    same = " AND ".join(f'"{k}" IS OLD."{k}"' for k in keys)
    forget = (f'INSERT OR IGNORE INTO "gone_{table}"(id) SELECT rowid FROM base."{table}" WHERE {same}; '
              f'DELETE FROM "delta_{table}" WHERE {same};')

    def values(new: str) -> str:
        out = []
        for c in columns:
            if c == rowid_key:  # above every key ever used, as SQLite numbers rows of one file
                out.append(f'COALESCE({new}."{c}", MAX((SELECT COALESCE(MAX("{c}"), 0) FROM base."{table}"), '
                           f'(SELECT COALESCE(MAX("{c}"), 0) FROM main."delta_{table}")) + 1)')
            else:
                out.append(f'{new}."{c}"')
        return ", ".join(out)

    insert = lambda new: f'INSERT INTO "delta_{table}"({q(columns)}) VALUES ({values(new)});'  # noqa: E731
    script += [f'CREATE TEMP TRIGGER "{table}_insert" INSTEAD OF INSERT ON "{table}" BEGIN {insert("NEW")} END',
               f'CREATE TEMP TRIGGER "{table}_delete" INSTEAD OF DELETE ON "{table}" BEGIN {forget} END',
               f'CREATE TEMP TRIGGER "{table}_update" INSTEAD OF UPDATE ON "{table}" BEGIN {forget} '
               f'{insert("NEW")} END']
    return ";\n".join(script) + ";"
