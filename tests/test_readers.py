"""Readers for each supported format, on small documents made here with real libraries."""

from __future__ import annotations

import docx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from kg.errors import IngestError
from kg.ingest import ingest_file
from kg.ingest.readers import read_document

REVIEW_LINES = [
    "The review found that information sharing between the GP practice and the health visiting",
    "service was inconsistent, and that professionals did not escalate their concerns when the",
    "family disengaged. The Partnership has since introduced an escalation protocol.",
]


def make_pdf(path, pages=3, text_layer=True):
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for page in range(1, pages + 1):
        if text_layer:
            pdf.drawString(72, 800, "Northshire Safeguarding Children Partnership")  # running header
            pdf.drawString(72, 770, f"Learning review, part {page}")
            y = 740
            for line in REVIEW_LINES:
                pdf.drawString(72, y, line)
                y -= 14
            pdf.drawString(300, 40, str(page))  # page number
        else:
            pdf.rect(72, 400, 200, 200, fill=1)  # an image-like page with no text
        pdf.showPage()
    pdf.save()


def test_pdf_rejoins_lines_and_drops_running_headers_and_page_numbers(tmp_path):
    path = tmp_path / "review.pdf"
    make_pdf(path)
    document, chunks = ingest_file(path)
    assert document.format == "pdf"
    assert "health visiting service was inconsistent" in document.text
    assert document.text.count("Northshire Safeguarding Children Partnership") == 0
    assert "\n3\n" not in document.text and not document.text.rstrip().endswith("3")
    assert all(document.text[c.start:c.end] == c.text for c in chunks)


def test_scanned_pdf_is_reported_as_needing_ocr(tmp_path):
    path = tmp_path / "scan.pdf"
    make_pdf(path, pages=2, text_layer=False)
    with pytest.raises(IngestError, match=r"scan.pdf: no text layer.*needs OCR"):
        read_document(path)


def test_encrypted_pdf_is_refused_with_how_to_fix(tmp_path):
    from pypdf import PdfReader, PdfWriter

    plain = tmp_path / "plain.pdf"
    make_pdf(plain, pages=1)
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(IngestError, match=r"locked.pdf: encrypted PDF: remove the password"):
        read_document(locked)


def test_docx_headings_lists_and_tables(tmp_path):
    path = tmp_path / "review.docx"
    d = docx.Document()
    d.add_heading("Learning Review: Child M", level=1)
    d.add_paragraph(" ".join(REVIEW_LINES))
    d.add_heading("Actions taken", level=2)
    d.add_paragraph("A multi-agency escalation protocol was launched.", style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Theme", "Action"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Escalation", "Protocol launched in May 2024 by the Partnership"
    d.save(str(path))
    document, chunks = ingest_file(path)
    assert document.format == "docx"
    assert [s.title for s in document.sections] == ["Learning Review: Child M", "Actions taken"]
    assert "• A multi-agency escalation protocol was launched." in document.text
    assert "Theme: Escalation | Action: Protocol launched in May 2024 by the Partnership" in document.text
    assert chunks[-1].section == ["Learning Review: Child M", "Actions taken"]


def test_html_strips_scripts_keeps_structure_and_unescapes(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("""<html><head><title>x</title><script>alert('x')</script></head><body>
      <nav>Home | About</nav>
      <main><h1>Rapid Review &amp; Learning</h1>
      <p>The review found <b>poor</b> information&nbsp;sharing.</p>
      <ul><li>Training delivered</li><li>Protocol revised</li></ul></main></body></html>""", encoding="utf-8")
    document, _ = ingest_file(path)
    assert document.text.startswith("Rapid Review & Learning")
    assert "The review found poor information sharing." in document.text
    assert "• Training delivered\n• Protocol revised" in document.text
    assert "alert" not in document.text and "Home | About" not in document.text


def test_markdown_headings_emphasis_and_links(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Safer sleeping\n\nThe **ICON** programme was [rolled out](https://example.org) to all "
                    "health visitors.\n\n## Impact\n\n- Fathers reached\n- Leaflets updated\n", encoding="utf-8")
    document, chunks = ingest_file(path)
    assert "The ICON programme was rolled out to all health visitors." in document.text
    assert [s.path for s in document.sections] == [["Safer sleeping"], ["Safer sleeping", "Impact"]]
    assert chunks[0].section == ["Safer sleeping"]


def test_script_in_plain_text_stays_as_text(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("A note quoting <script>alert(1)</script> and SELECT * WHERE { ?s ?p ?o } as text.",
                    encoding="utf-8")
    document, _ = ingest_file(path)
    assert "<script>alert(1)</script>" in document.text
    assert "SELECT * WHERE { ?s ?p ?o }" in document.text


def test_a_page_of_several_articles_is_read_whole(tmp_path):
    """A newsletter page holds several <article>s: every one of them is text, not only the first."""
    from kg.ingest.readers import read_document

    page = tmp_path / "newsletter.html"
    page.write_text("<html><body><h1>Safeguarding news</h1>"
                    "<article><h2>New thematic review</h2><p>The Partnership commissioned a review.</p></article>"
                    "<article><h2>Training</h2><table><tr><th>Date</th><th>Course</th></tr>"
                    "<tr><td>8 May</td><td>Working with fathers</td></tr></table></article>"
                    "<article><h2>National news</h2><p>The Panel published a national review.</p></article>"
                    "</body></html>", encoding="utf-8")
    text = read_document(page).text
    assert "Safeguarding news" in text and "commissioned a review" in text
    assert "Working with fathers" in text and "<table>" not in text
    assert "The Panel published a national review." in text


def test_a_pages_title_and_footer_outside_main_are_kept(tmp_path):
    """The page's h1 and its footer note (who the partnership is) stand outside <main>; menus do not."""
    from kg.ingest.readers import read_document

    page = tmp_path / "briefing.html"
    page.write_text("<html><body><nav><a href='/'>Home</a><a href='/x'>Menu item</a></nav>"
                    "<header><h1>Learning Briefing: DHR Hollie</h1></header>"
                    "<main><h2>About</h2><p>The review was commissioned in 2022.</p></main>"
                    "<footer><p>The partnership brings together Orrinford Borough Council and the police.</p></footer>"
                    "</body></html>", encoding="utf-8")
    text = read_document(page).text
    assert text.lstrip().startswith("# Learning Briefing: DHR Hollie")
    assert "commissioned in 2022" in text and "Orrinford Borough Council" in text
    assert "Menu item" not in text
