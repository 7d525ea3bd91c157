"""Who may add and remove documents from the UI (kg/ui/uploads.py): the write rule and what a change reports."""

from __future__ import annotations

from kg.config import load_settings
from kg.documents import SkippedFile
from kg.ui.uploads import report_lines, write_refusal
from kg.update import ChangeReport


def test_a_server_only_this_machine_reaches_writes_without_a_token():
    for host in ("127.0.0.1", "localhost", "::1"):
        assert write_refusal(load_settings(host=host), None) is None


def test_a_shared_server_writes_only_with_its_token():
    shared = load_settings(host="0.0.0.0", access_token="team-token")
    assert "needs this server's access token" in write_refusal(shared, "")
    assert "not right; nothing was changed" in write_refusal(shared, "team-tokeN")
    assert write_refusal(shared, " team-token ") is None  # pasted with spaces around it


def test_a_shared_server_without_a_token_refuses_every_write_and_says_how_to_allow_it():
    open_server = load_settings(host="0.0.0.0", access_token="")
    refusal = write_refusal(open_server, "anything")
    assert "turned off" in refusal and "KG_ACCESS_TOKEN" in refusal and "kg add" in refusal


def test_a_change_reports_each_file_in_the_words_of_kg_add():
    report = ChangeReport(added=["a.pdf"], unchanged=["b.pdf"],
                          skipped=[SkippedFile("/tmp/upload/c.pdf", "encrypted PDF: remove the password")])
    lines = report_lines(report)
    assert ("Added: a.pdf.", False) in lines
    assert ("Not added: c.pdf: encrypted PDF: remove the password.", True) in lines
    assert any(text.startswith("Unchanged") for text, _ in lines)
