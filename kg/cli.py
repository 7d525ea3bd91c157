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
from kg.errors import ConfigError, KgError

app = typer.Typer(
    help="kg: a knowledge graph and semantic search over safeguarding reviews.\n\n"
         "Build a knowledge base from a folder of reports, then search it, ask it questions "
         "with cited answers, query its graph in SPARQL, or serve the web UI and SPARQL endpoint.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, rich_markup_mode="rich")
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, soft_wrap=True)
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
        except OSError as exc:  # the library names the file; this keeps any it did not wrap to one line
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            err.print(f"[bold red]error:[/] {exc.strerror or exc}{where}", highlight=False)
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

    def note(self, message: str) -> None:
        err.print(f"[dim]{message}[/]", highlight=False)


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
def add(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to add (pdf, docx, html, md, txt).")],
    title: Annotated[str | None, typer.Option(help="Title (one file only).")] = None,
    date: Annotated[str | None, typer.Option(help="Date, e.g. 2024-03-01 (one file only).")] = None,
    body: Annotated[str | None, typer.Option(help="Publishing body (one file only).")] = None,
    kind: Annotated[str | None, typer.Option(help="Kind, e.g. case review, annual report (one file only).")] = None,
    corpus: Annotated[Path, typer.Option(help="Corpus folder kept in step (the file is copied into it).")] = Path("corpus"),
    no_copy: Annotated[bool, typer.Option("--no-copy", help="Do not copy the file into the corpus folder.")] = False,
    kb: KbOption = Path("data/kb"),
) -> None:
    """Add or replace documents without a full rebuild.

    Only the new text is embedded; adding the same file twice changes nothing; a changed file
    replaces its old version cleanly. Files that cannot be read are reported and the rest are
    added (exit status 1 if any was refused). A running `kg serve` picks up the change.
    """
    from kg.ingest.metadata import DocumentMeta
    from kg.update import add_documents

    meta = DocumentMeta(title=title, date=date, body=body, kind=kind)
    report = add_documents(paths, _settings(kb, corpus=str(corpus)), BarProgress(), meta, copy_to_corpus=not no_copy)
    _print_change(report)


@app.command()
@friendly_errors
def remove(
    doc_ids: Annotated[list[str], typer.Argument(help="Document ids (the `doc` field of results; `kg stats` lists them).")],
    corpus: Annotated[Path, typer.Option(help="Corpus folder kept in step (the file moves to .removed/).")] = Path("corpus"),
    kb: KbOption = Path("data/kb"),
) -> None:
    """Remove documents and everything derived from them (chunks, vectors, graph statements)."""
    from kg.update import remove_documents

    _print_change(remove_documents(doc_ids, _settings(kb, corpus=str(corpus)), BarProgress()))


def _print_change(report) -> None:
    for warning in report.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    for skipped in report.skipped:
        err.print(f"[red]refused:[/] {skipped.path}: {skipped.reason}", highlight=False)
    parts = [f"{label} {', '.join(items)}" for label, items in (
        ("added", report.added), ("replaced", report.replaced), ("removed", report.removed),
        ("unchanged", report.unchanged)) if items]
    summary = "; ".join(parts) or "nothing changed"
    if report.build:
        summary += f" — now {report.build.documents} documents, {report.build.chunks} chunks " \
                   f"({report.build.stats.get('encoded', 0)} chunks embedded, {report.seconds:.1f}s)"
    out.print(summary, highlight=False)
    if report.skipped:
        raise typer.Exit(1)


@app.command()
@friendly_errors
def stats(kb: KbOption = Path("data/kb")) -> None:
    """Print what the knowledge base holds: documents, chunks, sections, words, skipped files."""
    from kg.query import KnowledgeBase

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
        graph = base.manifest.get("graph")
        if graph:
            out.print("graph: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in graph.items()))
            _print_graph_analytics(base)
        change = base.manifest.get("update")
        if change:  # written by `kg add` / `kg remove` in place
            out.print(("changed in place and merged into one index segment" if change["merged"] else
                       f"changed in place: {_count(change['delta_rows'], 'chunk')} in the delta segment, "
                       f"{_count(change['deleted_rows'], 'removed chunk')} skipped until the next merge")
                      + f"; graph {change['triples_deleted']:,} triples deleted, "
                        f"{change['triples_inserted']:,} inserted")
        skipped = base.manifest.get("skipped", [])
        if skipped:
            out.print(f"skipped {len(skipped)} file(s):")
            for s in skipped:
                out.print(f"  {s['path']}: {s['reason']}", highlight=False)
        else:
            out.print("skipped: none")


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _filters(doc, date_from, date_to, theme=None, review=None, review_type=None, publisher=None):
    from kg.query.search import SearchFilters

    return SearchFilters(docs=doc or None, date_from=date_from, date_to=date_to, themes=theme or None,
                         reviews=review or None, review_types=review_type or None, publishers=publisher or None)


DocOption = Annotated[list[str] | None, typer.Option("--doc", help="Only this document (repeatable).")]
FromOption = Annotated[str | None, typer.Option("--from", help="Only documents (and reviews) from this date or year.")]
ToOption = Annotated[str | None, typer.Option("--to", help="Only documents (and reviews) up to this date or year.")]
TypeOption = Annotated[list[str] | None, typer.Option(
    "--type", help="Only reviews of this type, id or label, e.g. cspr, rapid-review (repeatable).")]
PublisherOption = Annotated[list[str] | None, typer.Option(
    "--publisher", help="Only documents whose publisher (or title) contains these words (repeatable).")]


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
    doc: DocOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    review_type: TypeOption = None,
    publisher: PublisherOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output (JSON lines in batch mode).")] = False,
    kb: KbOption = Path("data/kb"),
) -> None:
    """Find passages by meaning and words, each with its document, section and character offsets.

    Examples: kg search "information sharing with GPs" · kg search --queries questions.txt --json > runs.jsonl
    """
    from kg.query.batch import search_batch
    from kg.query.search import open_searcher

    _one_of(query, queries, "QUERY", "--queries FILE")
    searcher = open_searcher(kb, _settings(kb))
    filters = _filters(doc, date_from, date_to, theme, review, review_type, publisher)
    if queries is not None:
        return _emit_batch(search_batch(searcher, _read_lines(queries), k, mode, filters))
    results = searcher.search(query, k, mode, filters)
    _print_json({"query": query, "results": [r.to_dict() for r in results]}) if as_json else _print_results(results, query)


def _print_json(data) -> None:
    import json

    print(json.dumps(data, ensure_ascii=False, indent=2))


def _one_of(value, batch, value_name: str, batch_name: str) -> None:
    from kg.errors import QueryError

    if (value is None) == (batch is None):
        raise QueryError(f"give a {value_name} or {batch_name} (not both)")


def _emit_batch(records) -> None:
    """JSON lines on stdout, a one-line reason on stderr per rejected line; exit status 1 if any was rejected."""
    import json

    failed = 0
    for record in records:
        if record.error:
            failed += 1
            err.print(f"[red]rejected:[/] {record.line[:60]!r}: {record.error}", highlight=False)
        print(json.dumps(record.record, ensure_ascii=False))
    if failed:
        raise typer.Exit(1)


def _print_answer(answer) -> None:
    out.print(answer.answer, highlight=False)
    chips = []
    for kind, items in (("themes", answer.themes), ("reviews", answer.reviews), ("organisations", answer.organisations)):
        if items:
            chips.append(f"{kind}: " + ", ".join(i["label"] for i in items))
    if chips:
        out.print("[dim]" + " · ".join(chips) + "[/]", highlight=False)
    if answer.suggestions:
        out.print(f"[dim]closest themes: {', '.join(answer.suggestions)}[/]", highlight=False)
    if answer.evidence:
        out.print()
        out.print("[bold]Evidence[/]")
    for i, e in enumerate(answer.evidence, start=1):
        where = " > ".join(e.section[-2:]) or "(no section)"
        out.print(f"[bold][{i}][/] {e.title} ({e.date or 'undated'}) · {where} · {e.doc} chars {e.start}–{e.end}",
                  highlight=False)
        for q in e.quotes[:2]:
            quote = q["quote"] if len(q["quote"]) <= 300 else q["quote"][:300].rsplit(" ", 1)[0] + " …"
            out.print(f"    “{quote}” [dim](chars {q['start']}–{q['end']})[/]", highlight=False)


@app.command()
@friendly_errors
def ask(
    question: Annotated[str | None, typer.Argument(help="A question in plain English.")] = None,
    questions: Annotated[Path | None, typer.Option("--questions", help="Batch: a file with one question per line.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output (JSON lines in batch mode).")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Markdown with numbered references.")] = False,
    docx: Annotated[Path | None, typer.Option("--docx", help="Also write the answer as a Word file.")] = None,
    doc: DocOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    review_type: TypeOption = None,
    publisher: PublisherOption = None,
    kb: KbOption = Path("data/kb"),
) -> None:
    """Answer a question with cited evidence: the themes, reviews, actions and organisations it is about.

    Every sentence carries citation markers \\[n] pointing to a passage (document, section, offsets, quote).

    Examples:
      kg ask "where does information sharing appear and how was it acted on?"
      kg ask --questions q.txt --json
      kg ask "which themes recur?" --markdown --docx board-paper.docx
    """
    from kg.query.answer_export import answer_markdown, write_answer_docx
    from kg.query.ask import open_asker
    from kg.query.batch import ask_batch

    _one_of(question, questions, "QUESTION", "--questions FILE")
    asker, filters = open_asker(kb, _settings(kb)), _filters(doc, date_from, date_to, None, None, review_type, publisher)
    if questions is not None:
        return _emit_batch(ask_batch(asker, _read_lines(questions), filters=filters))
    answer = asker.ask(question, filters)
    if docx is not None:
        err.print(f"wrote {write_answer_docx(answer, docx)}", highlight=False)
    _print_json(answer.to_dict()) if as_json else print(answer_markdown(answer)) if markdown else _print_answer(answer)


@app.command()
@friendly_errors
def sparql(
    query: Annotated[str | None, typer.Argument(help="A SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Read the query from a .rq file.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table (default), json, csv, tsv or xml; for CONSTRUCT/DESCRIBE: "
                                                      "turtle, ntriples, jsonld or xml.")] = "table",
    timeout: Annotated[float | None, typer.Option(help="Seconds before the query is stopped (default: setting).")] = None,
    prefixes: Annotated[bool, typer.Option("--prefixes", help="List the predeclared prefixes and exit.")] = False,
    examples: Annotated[bool, typer.Option("--examples", help="List the example queries and exit.")] = False,
    kb: KbOption = Path("data/kb"),
) -> None:
    """Query the knowledge graph in SPARQL (read-only; standard prefixes predeclared).

    Examples:\n
      kg sparql --file kg/ontology/queries/02-reviews-by-theme.rq\n
      kg sparql "SELECT ?label WHERE { ?r a kg:CaseReview ; skos:prefLabel ?label }" --format csv\n
      kg sparql --prefixes
    """
    from kg.query.sparql import serialize, sparql as run_sparql

    if prefixes or examples:
        _print_prefixes() if prefixes else _print_examples()
        return
    outcome = run_sparql(_query_text(query, file), timeout, kb=kb, settings=_settings(kb))
    if fmt == "table" and outcome.form != "CONSTRUCT":
        _print_table(outcome)
        return
    text, _ = serialize(outcome, "turtle" if fmt == "table" else fmt)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _query_text(query: str | None, file: Path | None) -> str:
    from kg.errors import QueryError

    if file is not None:
        try:
            query = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"cannot read {file}: {exc}") from None
    if not query:
        raise QueryError("give a QUERY or --file FILE (see `kg sparql --examples`)")
    return query


def _print_prefixes() -> None:
    from kg.namespaces import PREFIXES

    for prefix, ns in PREFIXES.items():
        print(f"PREFIX {prefix}: <{ns}>")


def _print_examples() -> None:
    from kg.query.sparql import example_queries

    for example in example_queries():
        out.print(f"[bold]{example.name}[/]  {example.title}", highlight=False)


def _print_table(outcome) -> None:
    from kg.query.sparql import table_rows, truncation_note

    headers, rows = table_rows(outcome)
    _print_rows(headers, rows)
    note = f" ({truncation_note(outcome)})" if outcome.truncated else ""
    out.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}{note}")


def _print_rows(headers: list[str], rows: list[list[str]], as_csv: bool = False) -> None:
    if as_csv:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerows([headers, *rows])
        return
    table = Table(show_lines=False)
    for h in headers:
        table.add_column(h, overflow="fold")
    for row in rows:
        table.add_row(*row)
    out.print(table)


@app.command()
@friendly_errors
def themes(
    by_year: Annotated[bool, typer.Option("--by-year", help="Passages per theme in each year's documents.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV instead of a table.")] = False,
    kb: KbOption = Path("data/kb"),
) -> None:
    """The learning themes: reviews raising each, passages, actions taken, recommendations and gaps.

    With --by-year, how often each theme is spoken of in each year's documents (what changed over time).
    """
    from kg.query import KnowledgeBase

    with KnowledgeBase(kb) as base:
        kept = base.summaries()  # kept with the version: no need to read every finding
    if by_year:
        grid, labels = kept.years, kept.theme_labels
        return _print_rows(["theme", *grid.years],
                           [[labels.get(t, t), *(str(c[y]) for y in grid.years)] for t, c in grid.rows(labels)],
                           as_csv)
    _print_rows(["theme", "reviews", "passages", "actions taken", "recommendations", "gap"],
                [[t.label, str(t.reviews), str(t.passages), str(t.actions), str(t.recommendations),
                  "gap" if t.gap else ""] for t in kept.themes], as_csv)


@app.command()
@friendly_errors
def validate(kb: KbOption = Path("data/kb")) -> None:
    """Check the knowledge graph against its SHACL shapes, and every evidence quote against its document.

    Exit status 1 if anything does not conform.
    """
    from kg.graph import validate as validate_kb
    from kg.query import KnowledgeBase

    with KnowledgeBase(kb) as base:
        report, triples = validate_kb(base, _settings(kb))
    out.print(f"SHACL: {'conforms' if report.conforms else 'does not conform'} ({triples:,} triples)")
    for violation in report.violations:
        out.print(f"  violation: {violation}", highlight=False)
    out.print(f"evidence quotes: {report.checked_quotes:,} checked, {len(report.bad_quotes)} not exact")
    for bad in report.bad_quotes[:20]:
        out.print(f"  not exact: {bad}", highlight=False)
    if not report.ok:
        raise typer.Exit(1)


@app.command()
@friendly_errors
def export(
    fmt: Annotated[str, typer.Option("--format", help="ttl (Turtle), nq (N-Quads) or findings (JSON).")] = "ttl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")] = None,
    kb: KbOption = Path("data/kb"),
) -> None:
    """Export the knowledge graph (Turtle or N-Quads) or the extraction findings (JSON)."""
    import json

    from kg.graph import export as export_graph
    from kg.query import KnowledgeBase

    with KnowledgeBase(kb) as base:
        if fmt == "findings":
            text = json.dumps(base.findings().to_export(), indent=2, ensure_ascii=False)
        else:
            text = export_graph(base, fmt, _settings(kb))
    if output:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")
    else:
        sys.stdout.write(text)


@app.command("eval")
@friendly_errors
def eval_(
    gold: Annotated[Path, typer.Option("--gold", help="Gold set in the development schema "
                                                       "(e.g. benchmarks/gold/dev.json).")],
    mode: Annotated[list[str] | None, typer.Option(help="search, ask or extraction (repeatable; default all).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    kb: KbOption = Path("data/kb"),
) -> None:
    """Score the knowledge base against a gold set: search, ask and extraction.

    Write a gold set for your own reports and questions (the schema of benchmarks/gold/dev.json)
    to measure kg on them.
    """
    import json

    from kg.evaluate import MODES, evaluate
    from kg.query import KnowledgeBase

    with KnowledgeBase(kb) as base:
        report = evaluate(base, gold, mode or MODES, _settings(kb))
    if as_json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
        return
    table = Table(title=f"kg against {gold.name}")
    for col in ("measure", "value"):
        table.add_column(col)
    for kind, values in report.scores.items():
        shown = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in values.items())
        table.add_row(kind, shown)
    out.print(table)


def _print_graph_analytics(base) -> None:
    from kg.query.explore import connected_partners, theme_cooccurrence, theme_summary

    findings = base.findings()
    themes = Table(title="Learning themes: reviews raising them, actions answering them")
    for col in ("theme", "reviews", "actions"):
        themes.add_column(col, justify="right" if col != "theme" else "left")
    for row in [r for r in theme_summary(findings) if r.reviews or r.actions][:12]:
        themes.add_row(row.label, str(row.reviews), f"[red]{row.actions} (gap)[/]" if row.gap else str(row.actions))
    out.print(themes)
    pairs = theme_cooccurrence(findings)[:8]
    if pairs:
        out.print("themes raised together: " + "; ".join(f"{a} + {b} ({n})" for a, b, n in pairs), highlight=False)
    partners = connected_partners(findings, top=8)
    if partners:
        out.print("most connected partners: " + "; ".join(f"{label} ({a} actions, {r} reviews)"
                                                          for label, a, r in partners), highlight=False)


@app.command()
@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1 keeps it on this machine).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 7860,
    insecure_no_token: Annotated[bool, typer.Option(
        "--insecure-no-token", help="Serve beyond 127.0.0.1 without an access token (anyone who can reach the "
                                    "machine reads everything).")] = False,
    kb: KbOption = Path("data/kb"),
) -> None:
    """Serve the web UI at / and the SPARQL 1.1 endpoint at /sparql (read-only).

    Bound to 127.0.0.1 unless --host says otherwise; binding to another address needs the access_token setting
    (KG_ACCESS_TOKEN). Requests must name this server in their Host header (add names with the allowed_hosts
    setting). A rebuild or `kg add` is picked up without a restart.
    """
    import os

    import uvicorn

    from kg.query import KnowledgeBase
    from kg.server import LOOPBACK_NAMES, create_app, warm_up

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    settings = _settings(kb, host=host, port=port)
    KnowledgeBase(kb).close()  # fail now, with how to build one, if there is no knowledge base
    if host not in LOOPBACK_NAMES and not settings.access_token and not insecure_no_token:
        raise ConfigError(f"refusing to serve on {host} without an access token: anyone who can reach this machine could read "
             "the knowledge base. Set KG_ACCESS_TOKEN (or pass --insecure-no-token if you really mean it).")
    application = create_app(settings)
    warm_up(settings, after=getattr(application.state, "wait_for_page", None))
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    out.print(f"kg is serving {kb}\n  UI:     http://{shown}:{port}/\n  SPARQL: http://{shown}:{port}/sparql",
              highlight=False)
    uvicorn.run(application, host=host, port=port, log_level="warning")


@app.command("settings")
@friendly_errors
def show_settings(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the defaults as a Markdown table.")] = False,
    kb: KbOption = Path("data/kb"),
) -> None:
    """List every setting with its current value and what it does.

    Settings come from defaults, a kg.toml file, KG_<NAME> environment variables and flags.
    """
    if markdown:
        from kg.config import settings_markdown

        print(settings_markdown())
        return
    current = _settings(kb)
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
