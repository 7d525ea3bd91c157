"""The `kg` command: thin wrappers that parse, call one library function, and print."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kg.config import SETTINGS, load_settings
from kg.errors import KgError

app = typer.Typer(
    help="kg: a knowledge graph and semantic search over safeguarding reviews.\n\n"
         "Build a knowledge base from a folder of reports, then search it, ask it questions "
         "with cited answers, query its graph in SPARQL, or serve the web UI and SPARQL endpoint.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, rich_markup_mode="rich")
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True)
T = TypeVar("T")

KbOption = Annotated[Path, typer.Option("--kb", help="Knowledge-base directory.", show_default=True)]


def friendly_errors(func: Callable) -> Callable:
    """Turn library errors into one readable line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except KgError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("interrupted; nothing was changed")
            raise typer.Exit(130) from None

    return wrapper


class BarProgress:
    """A rich progress bar on stderr for long library work."""

    def track(self, items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
        if total is None and hasattr(items, "__len__"):
            total = len(items)  # type: ignore[arg-type]
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, console=err, transient=False, disable=False) as bar:
            task = bar.add_task(description, total=total)
            for item in items:
                yield item
                bar.advance(task)


def _settings(kb: Path | None = None, **overrides):
    return load_settings(kb=str(kb) if kb else None, **overrides)


@app.command()
@friendly_errors
def build(
    corpus: Annotated[Path, typer.Option(help="Folder of source documents (txt, md, html, pdf, docx).")] = Path("corpus"),
    kb: KbOption = Path("data/kb"),
) -> None:
    """Build the knowledge base from a corpus folder.

    Reads every document, cleans and chunks it, embeds the chunks, indexes them and builds
    the graph. Files that cannot be read are reported and skipped; a build that fails leaves
    the previous knowledge base untouched. Exit status 1 if any file was refused.
    """
    from kg.build import build_knowledge_base

    report = build_knowledge_base(corpus, _settings(kb), progress=BarProgress())
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    for skipped in report.skipped:
        err.print(f"[red]skipped:[/] {skipped.path}: {skipped.reason}", highlight=False)
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in report.timings.items())
    out.print(f"built {kb}: {report.documents} documents, {report.chunks} chunks ({timing})")
    if report.skipped:
        raise typer.Exit(1)


@app.command()
@friendly_errors
def stats(kb: KbOption = Path("data/kb")) -> None:
    """Print what the knowledge base holds: documents, chunks, sections, words, skipped files."""
    from kg.kb import KnowledgeBase

    with KnowledgeBase(kb) as base:
        table = Table(title=f"Knowledge base {kb} (built {base.manifest.get('built_at', '?')})")
        table.add_column("document", no_wrap=True)
        table.add_column("title", max_width=48, overflow="ellipsis", no_wrap=True)
        table.add_column("date", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        for col in ("chunks", "sections", "words"):
            table.add_column(col, justify="right", no_wrap=True)
        for d in base.documents():
            table.add_row(d.doc, d.title, d.date or "—", d.kind or "—", str(d.chunks), str(d.sections), f"{d.words:,}")
        out.print(table)
        counts = base.manifest.get("counts", {})
        out.print("totals: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        skipped = base.manifest.get("skipped", [])
        if skipped:
            out.print(f"skipped {len(skipped)} file(s):")
            for s in skipped:
                out.print(f"  {s['path']}: {s['reason']}", highlight=False)
        else:
            out.print("skipped: none")


@app.command("settings")
def show_settings() -> None:
    """List every setting with its current value and what it does.

    Settings come from defaults, a kg.toml file, KG_<NAME> environment variables and flags.
    """
    current = load_settings()
    table = Table(title="kg settings")
    for col in ("name", "value", "meaning"):
        table.add_column(col, overflow="fold")
    for s in SETTINGS:
        table.add_row(s.name, str(current.values[s.name]), s.help)
    out.print(table)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
