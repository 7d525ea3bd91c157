"""Adding and removing documents from the UI: the same `kg add` / `kg remove`, behind the write rule.

The rule: on a server that only this machine can reach (bound to a loopback address) a manager
may add and remove documents freely, as on the command line. A server reachable from other
machines requires the access token for every write, typed into the form (so a shared screen or
a forwarded page does not write by itself); without a configured token, writes from the UI are
refused with a message saying how to allow them.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from kg.config import LOOPBACK_HOSTS, Settings
from kg.update import ChangeReport, DocumentMeta, add_documents, remove_documents

T = TypeVar("T")
UPLOAD_TYPES = [".pdf", ".docx", ".html", ".htm", ".txt", ".md"]


def shared(settings: Settings) -> bool:
    """Whether the server is bound beyond loopback, so other machines may reach it."""
    return str(settings.host).strip().lower() not in LOOPBACK_HOSTS


def write_refusal(settings: Settings, token: str | None) -> str | None:
    """Why a write from the UI is refused, or None when it may go ahead."""
    if not shared(settings):
        return None
    if not settings.access_token:
        return ("Adding and removing documents from the UI is turned off: this server is reachable from other "
                "machines and has no access token. Restart it with the access_token setting (KG_ACCESS_TOKEN), or use `kg add` / "
                "`kg remove` on the server.")
    given = (token or "").strip().encode("utf-8", errors="replace")
    if not hmac.compare_digest(given, settings.access_token.encode("utf-8")):
        return ("Adding and removing documents needs this server's access token: type it in the Access token "
                "box." if not given else "That access token is not right; nothing was changed.")
    return None


class GradioProgress:
    """kg's progress protocol shown as Gradio's progress bar on the page."""

    def __init__(self, bar):
        self.bar = bar

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        items = list(items) if total is None else items
        yield from self.bar.tqdm(items, desc=description, total=total if total is not None else len(items))

    def note(self, message: str) -> None:
        self.bar(None, desc=message)


def add_uploaded(settings: Settings, files: list[str], title: str = "", date: str = "", publisher: str = "",
                 progress=None) -> ChangeReport:
    """Add uploaded files (title, date and publisher describe a single file) and keep them in the corpus folder."""
    meta = DocumentMeta(title=title.strip() or None, date=date.strip() or None, body=publisher.strip() or None)
    described = any((meta.title, meta.date, meta.body))
    return add_documents([Path(f) for f in files], settings, progress=progress, meta=meta if described else None)


def remove_one(settings: Settings, doc: str, progress=None) -> ChangeReport:
    return remove_documents([doc], settings, progress=progress)


def report_lines(report: ChangeReport) -> list[tuple[str, bool]]:
    """What a change did, as (sentence, is_error) lines, in the words `kg add` / `kg remove` use."""
    lines: list[tuple[str, bool]] = []
    for label, docs in (("Added", report.added), ("Replaced", report.replaced), ("Removed", report.removed),
                        ("Unchanged (same content already in the knowledge base)", report.unchanged)):
        if docs:
            lines.append((f"{label}: {', '.join(docs)}.", False))
    for skipped in report.skipped:
        lines.append((f"Not added: {Path(skipped.path).name}: {skipped.reason}.", True))
    for warning in report.warnings:
        lines.append((f"Warning: {warning}", False))
    if report.build is not None:
        lines.append((f"The knowledge base now holds {report.build.documents} documents ({report.build.chunks:,} "
                      f"passages); done in {report.seconds:.0f} s.", False))
    return lines
