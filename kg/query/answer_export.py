"""An answer for a board paper: Markdown or Word (.docx), with its citations as numbered references
(title, date, section, the exact quote and where it sits in the document)."""

from __future__ import annotations

import re
from pathlib import Path

from kg.query.ask import Answer, AnswerEvidence

CITE = re.compile(r"\[(\d+)\]")


def reference_text(number: int, evidence: AnswerEvidence) -> str:
    """One reference: `[n] Title (date), section > path, characters a–b: “quote”`."""
    where = " > ".join(evidence.section[-3:]) or "no section"
    quote = evidence.quotes[0] if evidence.quotes else {"quote": evidence.text, "start": evidence.start,
                                                          "end": evidence.end}
    text = " ".join(str(quote["quote"]).split())
    if len(text) > 400:
        text = text[:399].rsplit(" ", 1)[0] + "…"
    return (f"[{number}] {evidence.title or evidence.doc} ({evidence.date or 'undated'}), {where}, "
            f"characters {quote['start']}–{quote['end']} of {evidence.doc}: “{text}”")


def answer_markdown(answer: Answer) -> str:
    """The answer as Markdown: the question, the answer text with its [n] markers, and the references."""
    lines = [f"## {answer.question}", "", answer.answer, ""]
    if answer.actions:
        lines += ["### Actions", ""]
        for action in answer.actions:
            owners = ", ".join(action["organisations"]) or "owner not stated"
            after = f" — after {', '.join(action['reviews'])}" if action["reviews"] else ""
            lines.append(f"- {action['text']} ({owners}{after})")
        lines.append("")
    if answer.evidence:
        lines += ["### References", ""]
        lines += [reference_text(i, e) for i, e in enumerate(answer.evidence, start=1)]
        lines.append("")
    return "\n".join(lines)


def write_answer_docx(answer: Answer, path: str | Path) -> Path:
    """The answer as a Word document (python-docx): heading, answer paragraph, actions, numbered references."""
    from docx import Document

    document = Document()
    document.add_heading(answer.question, level=1)
    document.add_paragraph(answer.answer)
    if answer.actions:
        document.add_heading("Actions", level=2)
        for action in answer.actions:
            owners = ", ".join(action["organisations"]) or "owner not stated"
            after = f" — after {', '.join(action['reviews'])}" if action["reviews"] else ""
            document.add_paragraph(f"{action['text']} ({owners}{after})", style="List Bullet")
    if answer.evidence:
        document.add_heading("References", level=2)
        for i, evidence in enumerate(answer.evidence, start=1):
            document.add_paragraph(reference_text(i, evidence))
    path = Path(path)
    document.save(str(path))
    return path
