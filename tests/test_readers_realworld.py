"""Readers on the kinds of files partnerships actually publish, each made here with reportlab / python-docx.

PDFs: two columns, a ruled table, running headers and footers with a sentence across a page
break, scanned pages, and a multi-page PDF of a passage from the seed corpus. Word: headings,
numbered and bulleted lists, a table with a header row and merged cells, damaged and empty
files. Text: odd file names, legacy encodings, UTF-16, markup with no words.
"""

from __future__ import annotations

import io
import re
import textwrap
import zipfile

import docx
import pytest
from docx.oxml import OxmlElement
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.pdfgen import canvas
from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, PageTemplate, Paragraph

from kg.errors import IngestError
from kg.ingest import ingest_corpus, ingest_file
from kg.ingest.readers import read_document

from conftest import CORPUS

WIDTH, HEIGHT = A4


def whole_in_a_chunk(sentence: str, chunks) -> bool:
    return any(sentence in c.text for c in chunks)


# ---- PDF: two columns ---------------------------------------------------------------------------

LEFT_COLUMN = [
    "The review found that information sharing between the GP practice and the health visiting "
    "service was inconsistent over many months.",
    "Professionals did not escalate their concerns when the family disengaged from universal "
    "services in the spring.",
    "The Partnership has since introduced an escalation protocol that every agency has signed up to.",
]
RIGHT_COLUMN = [
    "Training on professional curiosity was delivered to two hundred practitioners across the borough last year.",
    "An audit in March showed that referrals now record the voice of the child in most of the cases sampled.",
    "The MASH has revised its threshold guidance and shared it with every school in the area.",
]


def two_column_flow_pdf(path):
    """A title across the page, then text that flows down the left column and on into the right (platypus frames)."""
    styles = getSampleStyleSheet()
    doc = BaseDocTemplate(str(path), pagesize=A4)
    column = (WIDTH - 100) / 2 - 12
    doc.addPageTemplates([PageTemplate(frames=[
        Frame(50, HEIGHT - 120, WIDTH - 100, 60, id="title"),
        Frame(50, 300, column, HEIGHT - 430, id="left"),
        Frame(50 + column + 24, 300, column, HEIGHT - 430, id="right"),
    ])])
    doc.build([Paragraph("Learning from Child M: what changed", styles["Heading1"]), FrameBreak(),
               Paragraph(" ".join(LEFT_COLUMN), styles["BodyText"]), FrameBreak(),
               Paragraph(" ".join(RIGHT_COLUMN), styles["BodyText"])])


def two_column_rowwise_pdf(path):
    """The same two columns, drawn the way some producers write them: across the page, line by line."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(60, 790, "Learning from Child M: what changed")
    pdf.setFont("Helvetica", 10)
    left = textwrap.wrap(" ".join(LEFT_COLUMN), 48)
    right = textwrap.wrap(" ".join(RIGHT_COLUMN), 48)
    for k in range(max(len(left), len(right))):
        y = 750 - 13 * k
        if k < len(left):
            pdf.drawString(60, y, left[k])
        if k < len(right):
            pdf.drawString(320, y, right[k])
    pdf.showPage()
    pdf.save()


@pytest.mark.parametrize("make", [two_column_flow_pdf, two_column_rowwise_pdf], ids=["flowed", "drawn-across"])
def test_two_column_page_reads_column_by_column(tmp_path, make):
    path = tmp_path / "two-columns.pdf"
    make(path)
    document, chunks = ingest_file(path)
    text = document.text
    for sentence in LEFT_COLUMN + RIGHT_COLUMN:
        assert sentence in text, sentence
        assert whole_in_a_chunk(sentence, chunks), sentence
    # Reading order: title, the whole left column, then the whole right column.
    order = [text.index(s) for s in LEFT_COLUMN + RIGHT_COLUMN]
    assert order == sorted(order)
    assert text.index("Learning from Child M") < order[0]


# ---- PDF: a ruled table -------------------------------------------------------------------------

TABLE = [
    ["Review", "Learning theme", "Action taken"],
    ["Child L CSPR", "Information sharing", ["GP data sharing form introduced", "and circulated to all practices"]],
    ["Child A CSPR", "Think Family", "Training delivered to 200 staff"],
    ["Child SS Rapid Review", ["Exploitation and", "adultification"], "Multi-agency workshop held"],
]


def ruled_table_pdf(path):
    """Strings drawn into the cells of a ruled grid; two cells wrap onto a second line."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.drawString(60, 790, "The table below shows how learning from each review was put into practice.")
    xs, y = [60, 210, 360, 540], 760
    for row in TABLE:
        height = max(len(cell) if isinstance(cell, list) else 1 for cell in row)
        for x, cell in zip(xs, row):
            for k, line in enumerate(cell if isinstance(cell, list) else [cell]):
                pdf.drawString(x + 4, y - 14 - 12 * k, line)
        bottom = y - 16 - 12 * height
        for x in xs:
            pdf.line(x, y, x, bottom)
        pdf.line(xs[0], y, xs[-1], y)
        pdf.line(xs[0], bottom, xs[-1], bottom)
        y = bottom
    pdf.drawString(60, y - 30, "Each action is reviewed by the Learning and Improvement subgroup every quarter.")
    pdf.showPage()
    pdf.save()


def test_table_rows_keep_their_cells_together(tmp_path):
    path = tmp_path / "grid.pdf"
    ruled_table_pdf(path)
    raw = read_document(path).text
    assert "Child A CSPR\tThink Family\tTraining delivered to 200 staff" in raw
    document, chunks = ingest_file(path)
    rows = document.text.splitlines()

    def row_with(first: str) -> str:
        return next(line for line in rows if line.startswith(first))

    assert row_with("Review") == "Review | Learning theme | Action taken"
    # A cell wrapped onto a second line stays in its row, in its column.
    child_l = row_with("Child L CSPR")
    assert re.search(r"Information sharing \| .*GP data sharing form introduced and circulated to all practices",
                     child_l), child_l
    assert re.search(r"Exploitation and adultification \| .*Multi-agency workshop held",
                     row_with("Child SS Rapid Review"))
    assert "The table below shows how learning from each review was put into practice." in document.text
    assert whole_in_a_chunk("Each action is reviewed by the Learning and Improvement subgroup every quarter.", chunks)


# ---- PDF: running headers, footers, page numbers, a sentence over a page break ------------------

HEADER = "Northshire Safeguarding Children Partnership — Annual Report 2023/24"
BROKEN_SENTENCE = ("The Partnership agreed that every referral about a non-mobile baby with a bruise would be "
                   "discussed at a strategy meeting within one working day of the referral being received.")


def paginated_pdf(path, pages: list[list[str]], footer_text="Learning and Improvement"):
    """Pages of wrapped lines, each with the running header, a footer and "Page n of N"."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for number, lines in enumerate(pages, 1):
        pdf.setFont("Helvetica", 8)
        pdf.drawString(60, 810, HEADER)
        pdf.drawString(60, 30, footer_text)
        pdf.drawRightString(535, 30, f"Page {number} of {len(pages)}")
        pdf.setFont("Helvetica", 10)
        y = 770
        for line in lines:
            if line:
                pdf.drawString(60, y, line)
            y -= 14
        pdf.showPage()
    pdf.save()


def filler(topic: str, sentences: int = 4) -> list[str]:
    text = " ".join(f"The {topic} work continued through quarter {k} with partners across the borough, "
                    f"and the subgroup reviewed its progress against the plan." for k in range(1, sentences + 1))
    return textwrap.wrap(text, 90)


def test_headers_footers_and_page_numbers_go_and_a_broken_sentence_is_rejoined(tmp_path):
    before, after = BROKEN_SENTENCE.split(" would be ")
    first_part = textwrap.wrap(before + " would be", 90)
    second_part = textwrap.wrap("discussed" + BROKEN_SENTENCE.split(" would be discussed")[1], 90)
    pages = [
        ["Summary", ""] + filler("safer sleeping") + [""] + filler("neglect"),
        filler("exploitation") + [""] + first_part,  # the page ends mid-sentence ...
        second_part + [""] + filler("domestic abuse"),  # ... and the next page finishes it
        filler("voice of the child") + [""] + filler("escalation"),
    ]
    path = tmp_path / "annual report.pdf"
    paginated_pdf(path, pages)
    document, chunks = ingest_file(path)
    assert HEADER not in document.text and "Northshire" not in document.text
    assert "Learning and Improvement" not in document.text
    assert not re.search(r"Page \d+ of \d+", document.text)
    assert BROKEN_SENTENCE in document.text
    assert whole_in_a_chunk(BROKEN_SENTENCE, chunks)
    assert all(document.text[c.start:c.end] == c.text for c in chunks)


def test_two_page_pdf_loses_its_running_header_too(tmp_path):
    path = tmp_path / "short.pdf"
    paginated_pdf(path, [filler("safer sleeping"), filler("neglect")])
    document, _ = ingest_file(path)
    assert "Northshire" not in document.text and "Page 1 of 2" not in document.text
    assert "The neglect work continued through quarter 1" in document.text


# ---- PDF: scanned pages -------------------------------------------------------------------------

def scanned_page(pdf):
    """A page as a scanner makes it: marks on the page, no text layer (drawn shapes stand in for the image)."""
    pdf.setFillGray(0.2)
    for k in range(30):
        pdf.rect(60, 760 - 18 * k, 300 + (k * 37) % 150, 8, fill=1, stroke=0)


def mixed_pdf(path, scanned: set[int], pages: int = 4):
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for number in range(1, pages + 1):
        if number in scanned:
            scanned_page(pdf)
        else:
            for k, line in enumerate(filler(f"page {number}")):
                pdf.drawString(60, 770 - 14 * k, line)
        pdf.showPage()
    pdf.save()


def test_scanned_pages_are_named_in_a_warning_and_the_rest_is_read(tmp_path):
    path = tmp_path / "part-scanned.pdf"
    mixed_pdf(path, scanned={2, 4})
    document, chunks = ingest_file(path)
    assert "The page 1 work continued" in document.text and "The page 3 work continued" in document.text
    [warning] = document.warnings
    assert "part-scanned.pdf" in warning and "page(s) 2, 4 of 4" in warning and "need OCR" in warning
    result = ingest_corpus(tmp_path)
    assert [d.doc for d in result.documents] == ["part-scanned.pdf"] and result.warnings == [warning]


def test_fully_scanned_pdf_is_refused_with_a_clear_reason(tmp_path):
    path = tmp_path / "scan.pdf"
    mixed_pdf(path, scanned={1, 2, 3}, pages=3)
    with pytest.raises(IngestError, match=r"scan.pdf: no text layer on any of its 3 page\(s\).*needs OCR"):
        ingest_file(path)


# ---- PDF: a passage of the seed corpus ----------------------------------------------------------

SEED_HEADING = "CHILD L: EVIDENCE OF PUTTING LEARNING INTO PRACTICE AND ITS IMPACT"


def seed_passage() -> list[str]:
    """The Child L "evidence of putting learning into practice" part of corpus/004, as plain paragraphs."""
    text = (CORPUS / "004_46dafe67aed78039.txt").read_text(encoding="utf-8")
    start = text.index(SEED_HEADING + ":\n")
    end = text.index("Child Safeguarding Practice Review – Child A:")
    paragraphs = []
    for block in text[start:end].split("\n\n"):
        block = re.sub(r"\[([^\]]*)\]\(#\)", r"\1", block.replace("**", "")).strip()
        if block:
            paragraphs.append("• " + block.lstrip("- ") if block.startswith("-") else block)
    return paragraphs


def seed_pdf(path, paragraphs: list[str]):
    """The paragraphs typeset on A4 in 10pt Helvetica: wrapped lines, page breaks wherever they fall."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    y, page = 770, 1

    def new_page():
        nonlocal y, page
        pdf.setFont("Helvetica", 8)
        pdf.drawRightString(535, 30, str(page))
        pdf.showPage()
        y, page = 770, page + 1

    for paragraph in paragraphs:
        heading = paragraph.isupper()
        pdf_lines = [paragraph] if heading else textwrap.wrap(paragraph, 95)
        for line in pdf_lines:
            if y < 80:
                new_page()
            pdf.setFont("Helvetica-Bold" if heading else "Helvetica", 10)
            pdf.drawString(60, y, line)
            y -= 14
        y -= 14
    new_page()
    pdf.save()
    return page - 1


def test_seed_passage_survives_the_round_trip_through_pdf(tmp_path):
    paragraphs = seed_passage()
    path = tmp_path / "child-l-evidence.pdf"
    pages = seed_pdf(path, paragraphs)
    assert pages >= 2
    document, chunks = ingest_file(path)
    gp_form = ("New information sharing tools have been developed such as a GP data sharing and information "
               "sharing form which is a standardised form expected to be used by all Barnet GPs.")
    for sentence in [
        gp_form,
        "This development is a direct result of learning taken from the Child L CSPR and was seen as a problem.",
        "Applying the Bruising Protocols, she was arrested, and the child was safeguarded.",
        "The Child Protection Information System (CP-IS) is now fully embedded into EPR for children attending "
        "unscheduled care in the emergency department and urgent treatment centre.",
    ]:
        assert sentence in document.text, sentence
        assert whole_in_a_chunk(sentence, chunks), sentence
    titles = [s.title for s in document.sections]
    assert SEED_HEADING in titles
    assert any(t.startswith(SEED_HEADING) and "CONTINUED" in t for t in titles)
    gp_chunk = next(c for c in chunks if "which is a standardised form expected to be used by all Barnet GPs" in c.text)
    assert gp_chunk.section[0] == SEED_HEADING
    bruising = next(c for c in chunks if "bruising protocols in order to provide frontline" in c.text)
    assert bruising.section == [SEED_HEADING, "BRUISING PROTOCOLS"]
    # Page numbers are gone and no page break split a paragraph.
    assert not re.search(r"^\d+$", document.text, re.M)
    assert all(document.text[c.start:c.end] == c.text for c in chunks)


# ---- Word ---------------------------------------------------------------------------------------

def mark_header_row(row):
    """Word's "Repeat as header row at the top of each page", which council templates set on table headers."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def test_docx_headings_numbered_and_bulleted_lists(tmp_path):
    path = tmp_path / "review.docx"
    d = docx.Document()
    d.add_heading("Learning Review: Child M", level=0)
    d.add_paragraph("The review was commissioned in March 2023.")
    d.add_heading("Recommendations", level=1)
    for text in ["Share information at the front door.", "Escalate concerns that are not resolved.",
                 "Audit the escalation protocol after six months."]:
        d.add_paragraph(text, style="List Number")
    d.add_heading("What changed", level=2)
    for text in ["Training was delivered to 200 staff.", "Leaflets were updated."]:
        d.add_paragraph(text, style="List Bullet")
    d.add_paragraph("A second round of recommendations followed.")
    for text in ["Review the threshold document.", "Publish the findings."]:
        d.add_paragraph(text, style="List Number")
    d.save(str(path))
    document, chunks = ingest_file(path)
    # Word's Title style is outside the outline (Heading 1 is its top level), so it heads no section of its own.
    assert [s.path for s in document.sections] == [
        ["Learning Review: Child M"], ["Recommendations"], ["Recommendations", "What changed"]]
    assert ("1. Share information at the front door.\n2. Escalate concerns that are not resolved.\n"
            "3. Audit the escalation protocol after six months.") in document.text
    assert "• Training was delivered to 200 staff.\n• Leaflets were updated." in document.text
    assert "1. Review the threshold document.\n2. Publish the findings." in document.text
    assert chunks[-1].section[-1] == "What changed"


def test_docx_table_with_header_row_and_merged_cells(tmp_path):
    path = tmp_path / "grid.docx"
    d = docx.Document()
    d.add_paragraph("Learning from reviews and the actions taken:")
    table = d.add_table(rows=5, cols=3)
    header, *body = table.rows
    header.cells[0].text, header.cells[1].text = "Review", "Learning and action"
    header.cells[1].merge(header.cells[2])  # one header cell over two columns
    mark_header_row(header)
    body[0].cells[0].text = "Child L CSPR"
    body[0].cells[0].merge(body[1].cells[0])  # one review, two rows of learning
    body[0].cells[1].text, body[0].cells[2].text = "Information sharing", "GP data sharing form"
    body[1].cells[1].text, body[1].cells[2].text = "Housing for care leavers", "Joint protocol published"
    body[2].cells[0].text, body[2].cells[1].text, body[2].cells[2].text = "Child A CSPR", "Think Family", "Training"
    body[3].cells[0].text = "Child AS Learning Review"
    body[3].cells[1].merge(body[3].cells[2]).text = "Actions to be agreed"  # one body cell over two columns
    d.save(str(path))
    document, _ = ingest_file(path)
    rows = [line for line in document.text.splitlines() if " | " in line]
    assert rows == [
        "Review | Learning and action | Learning and action",
        "Review: Child L CSPR | Learning and action: Information sharing | Learning and action: GP data sharing form",
        "Review: Child L CSPR | Learning and action: Housing for care leavers | "
        "Learning and action: Joint protocol published",
        "Review: Child A CSPR | Learning and action: Think Family | Learning and action: Training",
        "Review: Child AS Learning Review | Learning and action: Actions to be agreed",
    ]


def test_docx_table_without_a_marked_header_keeps_rows_whole(tmp_path):
    path = tmp_path / "plain-grid.docx"
    d = docx.Document()
    table = d.add_table(rows=3, cols=3)
    for r, values in enumerate([["Theme", "Owner", "Due"], ["Escalation", "MASH", "May 2024"],
                                ["Safer sleeping", "Health visiting", "June 2024"]]):
        for c, value in enumerate(values):
            table.rows[r].cells[c].text = value
    table.rows[2].cells[1].merge(table.rows[2].cells[2])
    d.save(str(path))
    document, _ = ingest_file(path)
    lines = document.text.splitlines()
    assert any(re.search(r"Escalation \| .*MASH \| .*May 2024$", line) for line in lines), lines
    merged = next(line for line in lines if "Safer sleeping" in line)
    assert merged.count("Health visiting June 2024") == 1 and merged.endswith("Health visiting June 2024")


def valid_docx_bytes() -> bytes:
    d = docx.Document()
    d.add_paragraph("The review found that information sharing was poor. " * 20)
    buffer = io.BytesIO()
    d.save(buffer)
    return buffer.getvalue()


def test_truncated_docx_is_refused_as_damaged(tmp_path):
    path = tmp_path / "truncated.docx"
    path.write_bytes(valid_docx_bytes()[:2000])
    with pytest.raises(IngestError, match=r"truncated.docx: damaged Word document: .*save it again"):
        read_document(path)


def test_zip_that_is_not_a_docx_is_refused(tmp_path):
    path = tmp_path / "spreadsheet.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(IngestError, match=r"not a Word document: .*no word/document.xml"):
        read_document(path)


def test_docx_with_a_corrupt_member_is_refused(tmp_path):
    data = bytearray(valid_docx_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("word/document.xml")
    # Flip bytes inside the compressed document part: the archive is intact, its CRC check fails.
    body = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    data[body:body + 8] = bytes(8)
    path = tmp_path / "bitrot.docx"
    path.write_bytes(bytes(data))
    with pytest.raises(IngestError, match=r"bitrot.docx: (damaged|corrupt) Word document"):
        read_document(path)


def test_empty_docx_is_refused(tmp_path):
    path = tmp_path / "empty.docx"
    docx.Document().save(str(path))
    with pytest.raises(IngestError, match=r"empty.docx: no text"):
        ingest_file(path)


# ---- file names and encodings -------------------------------------------------------------------

ODD_NAMES = [
    "Child L review (final) v2.txt",
    "rapport–été “brouillon”.md",
    "-leading-dash.txt",
    "--.txt",
    "it's \"quoted\".txt",
    "ünïcødé 報告.html",
    "   spaced   out .txt",
]


def test_odd_file_names_ingest_under_their_own_names(tmp_path):
    for name in ODD_NAMES:
        body = "The review found that information sharing was poor and the Partnership acted on it."
        content = f"<html><body><p>{body}</p></body></html>" if name.endswith(".html") else body
        (tmp_path / name).write_text(content, encoding="utf-8")
    result = ingest_corpus(tmp_path)
    assert not result.skipped
    assert sorted(d.doc for d in result.documents) == sorted(ODD_NAMES)
    assert {c.doc for c in result.chunks} == set(ODD_NAMES)
    for name in ODD_NAMES:
        document, chunks = ingest_file(tmp_path / name)
        assert document.doc == name and chunks[0].chunk_id.startswith(name + "#")


NAMES = ("Zoë Brontë, François Lefèvre, Siân Llŷr and José Álvarez attended; "
         "the café’s “Bébé” group – €40.")


@pytest.mark.parametrize("encoding,label", [("cp1252", "Windows-1252"), ("latin-1", "Windows-1252")])
def test_legacy_8_bit_text_is_read_with_a_warning(tmp_path, encoding, label):
    text = NAMES.replace("Llŷr", "Llyr")  # ŷ is in neither code page
    if encoding == "latin-1":  # nor are curly quotes, dashes or the euro sign in Latin-1
        for fancy, plain in [("’", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("€", "EUR ")]:
            text = text.replace(fancy, plain)
    path = tmp_path / f"minutes-{encoding}.txt"
    path.write_bytes(text.encode(encoding))
    raw = read_document(path)
    assert raw.text == text
    assert path.name in raw.warnings[0] and "not UTF-8" in raw.warnings[0] and label in raw.warnings[0]
    document, _ = ingest_file(path)
    assert "Zoë Brontë" in document.text and "José Álvarez" in document.text
    assert document.warnings == raw.warnings


def test_latin_1_bytes_undefined_in_windows_1252_still_read(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_bytes("Zoë Brontë attended.".encode("latin-1") + b" Ref \x81\x90 noted.")
    raw = read_document(path)
    assert raw.text.startswith("Zoë Brontë attended.") and "Latin-1" in raw.warnings[0]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_utf16_text_reads(tmp_path, encoding):
    path = tmp_path / f"{encoding}.txt"
    data = NAMES.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data  # with a big-endian byte-order mark
    path.write_bytes(data)
    raw = read_document(path)
    assert raw.text.lstrip("\ufeff") == NAMES
    if encoding == "utf-16-le":  # no byte-order mark at all: read, and said so
        assert "without a byte-order mark" in raw.warnings[0]
    else:
        assert raw.warnings == []
    document, _ = ingest_file(path)
    assert "Siân Llŷr" in document.text


@pytest.mark.parametrize("name,content", [
    ("tags.html", "<html><head><title></title><style>p {color: red}</style><script>var x = 1;</script></head>"
                  "<body><div><span></span><p>   </p><br/></div></body></html>"),
    ("tags.htm", "<div><ul><li></li></ul><table><tr><td></td></tr></table></div>"),
    ("tags.txt", "<p></p>\n<div><br/><span> </span></div>\n<ul><li></li></ul>\n"),
    ("tags.md", "<p>&nbsp;</p>\n\n<div></div>\n"),
])
def test_file_of_only_markup_says_no_readable_text(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IngestError, match=rf"{re.escape(name)}: no readable text"):
        ingest_file(path)
    result = ingest_corpus(tmp_path)
    assert [s.path for s in result.skipped] == [name] and "no readable text" in result.skipped[0].reason
