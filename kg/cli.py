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


def _filters(doc, date_from, date_to, theme, review):
    from kg.query.search import SearchFilters

    return SearchFilters(docs=doc or None, date_from=date_from, date_to=date_to, themes=theme or None,
                         reviews=review or None)


def _read_lines(path: Path) -> list[str]:
    from kg.errors import QueryError

    try:
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"cannot read {path}: {exc}") from None


def _print_results(results, query: str) -> None:
    if not results:
        out.print(f"No passages found for {query!r}. Try other words, or --mode dense for meaning rather than words.")
        return
    for i, r in enumerate(results, start=1):
        where = " > ".join(r.section[-2:]) or "(no section)"
        para = f", ¶ {', '.join(r.paragraphs)}" if r.paragraphs else ""
        out.print(f"[bold][{i}][/] {r.title} ({r.date or 'undated'})", highlight=False)
        out.print(f"    [dim]{r.doc} · {where}{para} · chars {r.start}–{r.end} · score {r.score:.4f} "
                  f"{' '.join(f'{k}#{v}' for k, v in r.ranks.items())}[/]", highlight=False)
        text = r.text if len(r.text) <= 600 else r.text[:600].rsplit(" ", 1)[0] + " …"
        out.print("    " + text.replace("\n", "\n    "), highlight=False)
        out.print()


@app.command()
@friendly_errors
def search(
    query: Annotated[str | None, typer.Argument(help="What to look for, in your own words.")] = None,
    queries: Annotated[Path | None, typer.Option("--queries", help="Batch: a file with one query per line.")] = None,
    k: Annotated[int, typer.Option("--k", help="How many passages.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid (default), dense (meaning) or bm25 (words).")] = "hybrid",
    theme: Annotated[list[str] | None, typer.Option(help="Only passages about this theme id (repeatable).")] = None,
    review: Annotated[list[str] | None, typer.Option(help="Only passages about this review id (repeatable).")] = None,
    doc: Annotated[list[str] | None, typer.Option(help="Only this document (repeatable).")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Only documents dated on or after (YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Only documents dated on or before (YYYY-MM-DD).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output (JSON lines in batch mode).")] = False,
    kb: KbOption = Path("data/kb"),
) -> None:
    """Find passages by meaning and words, each with its document, section and character offsets.

    Examples:\n
      kg search "information sharing with GPs"\n
      kg search "bruising in babies" --mode dense --k 5\n
      kg search --queries questions.txt --json > runs.jsonl
    """
    import json

    from kg.errors import QueryError
    from kg.query.search import open_searcher

    settings = _settings(kb)
    filters = _filters(doc, date_from, date_to, theme, review)
    if (query is None) == (queries is None):
        raise QueryError("give a QUERY or --queries FILE (not both)")
    searcher = open_searcher(kb, settings)
    if queries is not None:
        lines = _read_lines(queries)
        failed = 0
        for q, results in zip(lines, searcher.search_many(lines, k, mode, filters)):
            if isinstance(results, QueryError):
                failed += 1
                err.print(f"[red]rejected:[/] {q[:60]!r}: {results}", highlight=False)
                print(json.dumps({"query": q, "results": [], "error": str(results)}, ensure_ascii=False))
            else:
                print(json.dumps({"query": q, "results": [r.to_dict() for r in results]}, ensure_ascii=False))
        if failed:
            raise typer.Exit(1)
        return
    results = searcher.search(query, k, mode, filters)
    if as_json:
        print(json.dumps({"query": query, "results": [r.to_dict() for r in results]}, ensure_ascii=False, indent=2))
    else:
        _print_results(results, query)


@app.command("settings")
def show_settings(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the defaults as a Markdown table.")] = False,
) -> None:
    """List every setting with its current value and what it does.

    Settings come from defaults, a kg.toml file, KG_<NAME> environment variables and flags.
    """
    if markdown:
        from kg.config import settings_markdown

        print(settings_markdown())
        return
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
