"""The HTTP layer: a SPARQL 1.1 Protocol endpoint, the vocabulary files, a small JSON API, and the UI.

    /sparql              SPARQL 1.1 Protocol (GET ?query=, POST form or application/sparql-query), read-only
    /ontology.ttl …      the ontology, theme scheme, gazetteer and SHACL shapes, for analysts' tools
    /queries             the example query library (JSON); /queries/<name>.rq the text
    /api/search, /api/ask, /api/health   JSON for scripts
    /                    the Gradio UI

Every handler is a thin wrapper over kg.query; errors become plain messages with fitting status codes.
"""

from __future__ import annotations

import hmac
import threading
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from kg import __version__
from kg.config import Settings, load_settings
from kg.errors import KgError, KnowledgeBaseLocked, KnowledgeBaseNotFound, QueryError, QueryTimeout, UpdateRefused
from kg.query.sparql import GRAPH_FORMATS, SELECT_FORMATS, SparqlService, example_queries, query_form, serialize

ONTOLOGY_DIR = Path(__file__).resolve().parent / "ontology"
VOCABULARY = {"ontology.ttl": "kg.ttl", "themes.ttl": "themes.ttl", "organisations.ttl": "organisations.ttl",
              "gazetteer-national.ttl": "gazetteer-national.ttl",
              "shapes.ttl": "shapes.ttl"}
_ACCEPT = {
    "application/sparql-results+json": "json", "application/json": "json", "text/csv": "csv",
    "text/tab-separated-values": "tsv", "application/sparql-results+xml": "xml", "application/xml": "xml",
    "text/turtle": "turtle", "application/n-triples": "ntriples", "text/plain": "ntriples",
    "application/ld+json": "jsonld", "application/rdf+xml": "xml",
}


# Each typed error's HTTP status, most specific first; handlers raise, this table answers (once, for every route).
ERROR_STATUS: list[tuple[type[KgError], int]] = [
    (UpdateRefused, 403), (QueryTimeout, 503), (QueryError, 400),
    (KnowledgeBaseNotFound, 503), (KnowledgeBaseLocked, 503), (KgError, 500),
]
UPDATES_REFUSED = "SPARQL updates are refused: the knowledge graph is read-only. Change it with kg build, kg add or kg remove."


def error_response(path: str, exc: KgError) -> Response:
    """The response for a typed error: JSON `{"error": …}` under /api, plain text elsewhere (SPARQL clients)."""
    status = next(code for kind, code in ERROR_STATUS if isinstance(exc, kind))
    headers = {"Retry-After": "5"} if status == 503 else {}
    if path.startswith("/api/"):
        return JSONResponse({"error": str(exc)}, status_code=status, headers=headers)
    return PlainTextResponse(str(exc), status_code=status, headers=headers)


def negotiate(accept: str, form: str, explicit: str | None) -> str:
    """The result format: an explicit `format=` wins, then the Accept header (by q-value), then the default."""
    allowed = SELECT_FORMATS if form in ("SELECT", "ASK") else GRAPH_FORMATS
    if explicit:
        if explicit not in allowed or explicit == "table":
            raise QueryError(f"format {explicit!r} does not fit a {form} query; use one of "
                             f"{', '.join(f for f in allowed if f != 'table')}")
        return explicit
    ranked = []
    for i, part in enumerate((accept or "").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = next((float(p[2:]) for p in params if p.startswith("q=") and p[2:].replace(".", "", 1).isdigit()), 1.0)
        ranked.append((-q, i, media.lower()))
    for _, _, media in sorted(ranked):
        fmt = _ACCEPT.get(media)
        if fmt and fmt in allowed and fmt != "table":
            return fmt
    return "json" if form in ("SELECT", "ASK") else "turtle"


def create_app(settings: Settings | None = None, with_ui: bool = True) -> FastAPI:
    """The FastAPI application for one knowledge base (settings.kb)."""
    settings = settings or load_settings()
    app = FastAPI(title="kg", version=__version__, docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    service = SparqlService(settings.kb, settings)
    app.state.settings = settings
    app.state.sparql = service

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        token = settings.access_token
        if token and request.url.path not in ("/api/health",):
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip() \
                or request.query_params.get("token") or request.cookies.get("kg_token") or ""
            if not hmac.compare_digest(given, token):
                return PlainTextResponse("access token required: send Authorization: Bearer <token> or ?token=<token>",
                                         status_code=401, headers={"WWW-Authenticate": "Bearer"})
            response = await call_next(request)
            if request.query_params.get("token"):
                response.set_cookie("kg_token", token, httponly=True, samesite="strict")
            return response
        return await call_next(request)

    @app.exception_handler(KgError)
    async def typed_error(request: Request, exc: KgError):
        return error_response(request.url.path, exc)

    def run_sparql(query: str | None, accept: str, fmt: str | None) -> Response:
        if not query:
            raise QueryError("missing query: send ?query=… or POST a query (form field or "
                             "application/sparql-query body)")
        form = query_form(query)
        chosen = negotiate(accept, form if form != "DESCRIBE" else "CONSTRUCT", fmt)
        outcome = service.run(query)
        body, media_type = serialize(outcome, chosen)
        headers = {"X-KG-Truncated": "true"} if outcome.truncated else {}
        return Response(body, media_type=f"{media_type}; charset=utf-8", headers=headers)

    @app.get("/sparql")
    def sparql_get(request: Request, query: str | None = None, format: str | None = None):
        return run_sparql(query, request.headers.get("accept", ""), format)

    @app.post("/sparql")
    async def sparql_post(request: Request):
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        fmt = request.query_params.get("format")
        if content_type == "application/sparql-query":
            query = (await request.body()).decode("utf-8", errors="replace")
        elif content_type == "application/sparql-update":
            raise UpdateRefused(UPDATES_REFUSED)
        else:
            form = await request.form()
            if "update" in form:
                raise UpdateRefused(UPDATES_REFUSED)
            query = form.get("query") or request.query_params.get("query")
            fmt = form.get("format") or fmt
        return await _in_thread(run_sparql, query, request.headers.get("accept", ""), fmt)

    @app.get("/{name}.ttl")
    def vocabulary(name: str):
        file = VOCABULARY.get(f"{name}.ttl")
        if file is None:
            return PlainTextResponse(f"no such vocabulary file; try {', '.join('/' + v for v in VOCABULARY)}",
                                     status_code=404)
        return Response((ONTOLOGY_DIR / file).read_text(encoding="utf-8"), media_type="text/turtle; charset=utf-8")

    @app.get("/queries")
    def queries():
        return [{"name": q.name, "title": q.title, "url": f"/queries/{q.name}.rq"} for q in example_queries()]

    @app.get("/queries/{name}.rq")
    def query_text(name: str):
        for q in example_queries():
            if q.name == name:
                return Response(q.text, media_type="application/sparql-query; charset=utf-8")
        return PlainTextResponse(f"no example query {name!r}; see /queries", status_code=404)

    @app.get("/api/health")
    def health():
        from kg.query import current_version

        version = current_version(Path(settings.kb))
        return {"kg": __version__, "knowledge_base": version.name if version else None}

    @app.get("/api/search")
    def api_search(q: str, k: int = 10, mode: str = "hybrid", theme: str | None = None):
        from kg.query.search import SearchFilters, open_searcher

        filters = SearchFilters(themes=[theme]) if theme else None
        results = open_searcher(settings.kb, settings).search(q, k, mode, filters)
        return {"query": q, "results": [r.to_dict() for r in results]}

    @app.get("/api/ask")
    def api_ask(q: str):
        from kg.query.ask import open_asker

        return open_asker(settings.kb, settings).ask(q).to_dict()

    @app.on_event("shutdown")
    def stop_workers() -> None:
        service.close()

    if with_ui:
        import gradio as gr

        from kg.ui.app import build_ui
        from kg.ui.style import theme

        app = gr.mount_gradio_app(app, build_ui(settings, sparql=service), path="/", theme=theme())
    return app


async def _in_thread(func, *args):
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(func, *args)


def warm_up(settings: Settings) -> threading.Thread:
    """Load the search model and indexes in the background so the first question is quick."""

    def work() -> None:
        try:
            from kg.query.ask import open_asker

            open_asker(settings.kb, settings).ask("information sharing")
        except KgError:
            pass

    thread = threading.Thread(target=work, name="kg-warm-up", daemon=True)
    thread.start()
    return thread
