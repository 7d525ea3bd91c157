"""kg/sqlite_layers.py: a version's SQLite file read as its parent's shared file plus its own delta answers every
query as one changed file would, and the shared file is never written."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from kg import sqlite_layers

SCHEMA = """
CREATE TABLE documents(doc TEXT PRIMARY KEY, title TEXT NOT NULL);
CREATE TABLE chunks(row INTEGER PRIMARY KEY, doc TEXT NOT NULL, "end" INTEGER, text TEXT);
CREATE INDEX chunks_doc ON chunks(doc);
CREATE TABLE link(item INTEGER NOT NULL, role TEXT NOT NULL, target TEXT NOT NULL);
CREATE INDEX link_item ON link(item);
"""
ROWS = {
    "documents": [("a.pdf", "Review A"), ("b.pdf", "Review B")],
    "chunks": [(0, "a.pdf", 10, "information sharing"), (1, "a.pdf", 20, "escalation"), (2, "b.pdf", 5, "neglect")],
    "link": [(1, "owner", "police"), (1, "theme", "escalation"), (2, "owner", "health")],
}
CHANGE = [  # what a change of documents does: delete by document, update in place, insert with and without keys
    ("DELETE FROM chunks WHERE doc = ?", ("b.pdf",)),
    ("DELETE FROM documents WHERE doc = ?", ("b.pdf",)),
    ("DELETE FROM link WHERE item = ? AND role = ?", (2, "owner")),
    ("UPDATE documents SET title = ? WHERE doc = ?", ("Review A (revised)", "a.pdf")),
    ("INSERT INTO documents VALUES (?, ?)", ("c.pdf", "Review C")),
    ('INSERT INTO chunks(row, doc, "end", text) VALUES (?, ?, ?, ?)', (7, "c.pdf", 30, "safer sleeping")),
    ('INSERT INTO chunks(doc, "end", text) VALUES (?, ?, ?)', ("c.pdf", 40, "professional curiosity")),
    ("INSERT INTO link VALUES (?, ?, ?)", (8, "owner", "children's services")),
]


def contents(db: sqlite3.Connection) -> dict:
    return {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall()) for t in ROWS}


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def parent(tmp_path):
    path = tmp_path / "parent" / "corpus.sqlite"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    for table, rows in ROWS.items():
        db.executemany(f"INSERT INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows)
    db.commit()
    db.close()
    return path


def changed(path, statements=CHANGE):
    db = sqlite_layers.connect(path, writable=True)
    for sql, args in statements:
        db.execute(sql, args)
    db.commit()
    db.close()


def test_a_change_over_a_shared_file_reads_as_the_same_change_to_a_copy(parent, tmp_path):
    expected_path = tmp_path / "copy.sqlite"
    expected_path.write_bytes(parent.read_bytes())
    changed(expected_path)
    before = digest(parent)
    version = tmp_path / "version" / "corpus.sqlite"
    version.parent.mkdir()
    sqlite_layers.begin(parent, version)
    changed(version)
    with sqlite3.connect(expected_path) as plain:
        expected = contents(plain)
    layered = sqlite_layers.connect(version)
    assert contents(layered) == expected
    # Index lookups and joins read through both sides.
    assert layered.execute("SELECT c.text FROM chunks c JOIN documents d ON d.doc = c.doc WHERE d.title = ? "
                           "ORDER BY c.row", ("Review C",)).fetchall() == [("safer sleeping",),
                                                                          ("professional curiosity",)]
    # Read side by side (for counts, and chunks in row order without sorting the table), the rows are the same.
    assert list(sqlite_layers.each(layered, "chunks", "*", tail="ORDER BY row")) == \
        layered.execute("SELECT * FROM chunks ORDER BY row").fetchall()
    assert sqlite_layers.count(layered, "chunks", "doc = ?", ("c.pdf",)) == 2
    assert sqlite_layers.count(layered, "link", by="role") == {"owner": 2, "theme": 1}
    layered.close()
    # The parent's file is the version's base, shared and never written; the change is in the delta alone.
    assert digest(parent) == before and version.stat().st_ino == parent.stat().st_ino
    with sqlite3.connect(sqlite_layers.delta_path(version)) as delta:
        assert delta.execute("SELECT COUNT(*) FROM delta_chunks").fetchone()[0] == 2
        assert delta.execute("SELECT COUNT(*) FROM gone_chunks").fetchone()[0] == 1


def test_a_row_inserted_without_its_key_goes_after_every_key_ever_used(parent, tmp_path):
    version = tmp_path / "version" / "corpus.sqlite"
    version.parent.mkdir()
    sqlite_layers.begin(parent, version)
    changed(version, [("DELETE FROM chunks WHERE row = ?", (2,)),
                      ('INSERT INTO chunks(doc, "end", text) VALUES (?, ?, ?)', ("a.pdf", 1, "new"))])
    with sqlite_layers.connect(version) as db:
        assert db.execute("SELECT row FROM chunks WHERE text = 'new'").fetchone() == (3,)


def test_each_version_carries_its_parents_delta_and_folds_into_one_file(parent, tmp_path):
    first, second = tmp_path / "v1" / "corpus.sqlite", tmp_path / "v2" / "corpus.sqlite"
    first.parent.mkdir(), second.parent.mkdir()
    sqlite_layers.begin(parent, first)
    changed(first, CHANGE[:4])
    first_digests = (digest(first), digest(sqlite_layers.delta_path(first)))
    sqlite_layers.begin(first, second)
    changed(second, CHANGE[4:])
    assert (digest(first), digest(sqlite_layers.delta_path(first))) == first_digests  # published: never written
    expected_path = tmp_path / "copy.sqlite"
    expected_path.write_bytes(parent.read_bytes())
    changed(expected_path)
    with sqlite3.connect(expected_path) as plain:
        expected = contents(plain)
    sqlite_layers.fold(second)
    assert not sqlite_layers.is_layered(second) and second.stat().st_ino != parent.stat().st_ino
    with sqlite_layers.connect(second) as db:
        assert contents(db) == expected
    with sqlite_layers.connect(first) as db:
        assert contents(db) != expected  # the earlier version still reads as it was


def test_a_read_only_connection_refuses_writes(parent, tmp_path):
    version = tmp_path / "version" / "corpus.sqlite"
    version.parent.mkdir()
    sqlite_layers.begin(parent, version)
    db = sqlite_layers.connect(version)
    with pytest.raises(sqlite3.OperationalError):
        db.execute("DELETE FROM chunks")
    db.close()
