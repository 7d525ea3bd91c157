"""The HTTP layer: a SPARQL 1.1 Protocol endpoint, the vocabulary files, a small JSON API, and the UI.

    /sparql              SPARQL 1.1 Protocol (GET ?query=, POST form or application/sparql-query), read-only
    /ontology.ttl …      the ontology, theme scheme, gazetteer and SHACL shapes, for analysts' tools
    /queries             the example query library (JSON); /queries/<name>.rq the text
    /api/search, /api/ask, /api/health   JSON for scripts (filters: doc, from, to, type, publisher, theme, review)
    /documents/<doc>/original            a document's original file, as it was read (PDF, Word, HTML, text)
    /kg-assets/<file>    the UI's browser libraries, served from the package (never a CDN)
    /                    the Gradio UI

Every handler is a thin wrapper over kg.query; errors become plain messages with fitting status codes.
"""

from __future__ import annotations

import contextlib
import hmac
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from kg import __version__
from kg.config import LOOPBACK_HOSTS, Settings, load_settings
from kg.errors import (ConfigError, KgError, KnowledgeBaseDamaged, KnowledgeBaseLocked, KnowledgeBaseNotFound,
                       QueryError, QueryTimeout, ServerBusy, UnsupportedMediaType, UpdateRefused, BodyTooLarge)
from kg.query.sparql import GRAPH_FORMATS, SELECT_FORMATS, Dataset, SparqlService, example_queries, query_form

ONTOLOGY_DIR = Path(__file__).resolve().parent / "ontology"
ASSETS_DIR = Path(__file__).resolve().parent / "ui" / "assets"
ASSET_TYPES = {".js": "text/javascript; charset=utf-8"}
VOCABULARY = {"ontology.ttl": "kg.ttl", "themes.ttl": "themes.ttl", "organisations.ttl": "organisations.ttl",
              "gazetteer-national.ttl": "gazetteer-national.ttl",
              "shapes.ttl": "shapes.ttl"}
_ACCEPT = {
    "application/sparql-results+json": "json", "application/json": "json", "text/csv": "csv",
    "text/tab-separated-values": "tsv", "application/sparql-results+xml": "xml", "application/xml": "xml",
    "text/xml": "xml", "text/turtle": "turtle", "application/x-turtle": "turtle", "text/n3": "turtle",
    "text/rdf+n3": "turtle", "application/n-triples": "ntriples", "text/plain": "ntriples",
    "application/ld+json": "jsonld", "application/rdf+xml": "xml",
}
# What `format=` (also `output=` / `results=`, as SPARQLWrapper and other clients send them) may name.
_FORMAT_NAMES = {"json": "json", "csv": "csv", "tsv": "tsv", "xml": "xml", "turtle": "turtle", "ttl": "turtle",
                 "n3": "turtle", "ntriples": "ntriples", "nt": "ntriples", "n-triples": "ntriples",
                 "jsonld": "jsonld", "json-ld": "jsonld", "rdfxml": "xml", "rdf+xml": "xml", "rdf": "xml"}
_FORMAT_PARAMS = ("format", "output", "results")
_SPARQL_PARAMS = {"query", "default-graph-uri", "named-graph-uri", *_FORMAT_PARAMS, "token"}
LOOPBACK_NAMES = set(LOOPBACK_HOSTS)


# Each typed error's HTTP status, most specific first; handlers raise, this table answers (once, for every route).
ERROR_STATUS: list[tuple[type[KgError], int]] = [
    (UpdateRefused, 403), (QueryTimeout, 503), (BodyTooLarge, 413), (UnsupportedMediaType, 415), (QueryError, 400),
    (ServerBusy, 503), (KnowledgeBaseNotFound, 503), (KnowledgeBaseLocked, 503), (KnowledgeBaseDamaged, 503),
    (ConfigError, 400), (KgError, 500),
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
    """The result format: `format=` when it names one that fits the query form (a short name such as csv or a
    media type), else the Accept header by q-value (wildcards included), else JSON (results) or Turtle (graphs).

    A `format=` that does not fit is ignored rather than refused, because clients such as SPARQLWrapper send
    one for every query alongside a correct Accept header.
    """
    allowed = SELECT_FORMATS if form in ("SELECT", "ASK") else GRAPH_FORMATS
    if explicit:
        name = _FORMAT_NAMES.get(explicit.strip().lower()) or _ACCEPT.get(explicit.split(";")[0].strip().lower())
        if name in allowed:
            return name
    ranked = []
    for i, part in enumerate((accept or "").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = next((float(p[2:]) for p in params if p.startswith("q=") and p[2:].replace(".", "", 1).isdigit()), 1.0)
        if q > 0:
            ranked.append((-q, i, media.lower()))
    default = "json" if form in ("SELECT", "ASK") else "turtle"
    for _, _, media in sorted(ranked):
        if media in ("*/*", "application/*") or (media == "text/*" and default == "turtle"):
            return default
        fmt = _ACCEPT.get(media)
        if fmt and fmt in allowed and fmt != "table":
            return fmt
        if media == "text/*":
            return "csv"
    return default


def host_allowed(host_header: str, allowed: set[str]) -> bool:
    """Whether a request's Host header names this server (its port ignored), so a DNS-rebinding page is refused."""
    host = (host_header or "").strip().lower()
    if host.startswith("["):
        host = host[1:host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":")[0]
    return host in allowed


def allowed_host_names(settings: Settings) -> set[str]:
    """Loopback names, the bound address (or, bound to every address, the machine's names and addresses) and the
    allowed_hosts setting."""
    names = set(LOOPBACK_NAMES)
    host = str(settings.host).lower()
    if host not in ("0.0.0.0", "::", ""):
        names.add(host)
    else:  # every address: the machine's names and its own addresses
        import socket

        hostname = socket.gethostname()
        names |= {hostname.lower(), socket.getfqdn().lower()}
        try:
            names |= set(socket.gethostbyname_ex(hostname)[2])
        except OSError:
            pass
    names |= {h.strip().lower() for h in str(settings.allowed_hosts).split() if h.strip()}
    return names


def sparql_params(pairs: list[tuple[str, str]]) -> tuple[str | None, Dataset, str | None]:
    """The query, dataset and format from the protocol's parameters; one query per request.

    Raises:
        QueryError: two queries, or an update sent as a query operation's parameter.
    """
    queries = [v for k, v in pairs if k == "query"]
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in pairs):
        raise UpdateRefused(UPDATES_REFUSED)
    if len(queries) > 1:
        raise QueryError(f"one query per request: got {len(queries)} query parameters")
    dataset = Dataset(tuple(v for k, v in pairs if k == "default-graph-uri"),
                      tuple(v for k, v in pairs if k == "named-graph-uri"))
    fmt = next((v for k, v in pairs if k in _FORMAT_PARAMS), None)
    return (queries[0] if queries else None), dataset, fmt


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) before reading when its declared length passes `limit`, and while reading
    when a body without a length does."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"request body of {int(declared):,} bytes is over the {limit:,}-byte limit "
                            "(setting sparql_max_body_kb)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"request body is over the {limit:,}-byte limit (setting sparql_max_body_kb)")
        chunks.append(chunk)
    return b"".join(chunks)


def decode_utf8(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise QueryError(f"{what} is not UTF-8 text; the SPARQL protocol requires UTF-8") from None


def create_app(settings: Settings | None = None, with_ui: bool = True) -> FastAPI:
    """The FastAPI application for one knowledge base (settings.kb)."""
    settings = settings or load_settings()
    service = SparqlService(settings.kb, settings)
    cleanups = [service.close]

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        for cleanup in cleanups:  # query workers stopped, download files removed
            cleanup()

    app = FastAPI(title="kg", version=__version__, docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=lifespan)
    app.state.settings = settings
    app.state.sparql = service

    hosts = allowed_host_names(settings)
    body_limit = int(settings.sparql_max_body_kb) * 1024
    token = settings.access_token.encode("utf-8") if settings.access_token else b""

    @app.middleware("http")
    async def guard(request: Request, call_next):
        # Host first: a page on another site that rebinds its name to this machine must get nothing, token or not.
        if not host_allowed(request.headers.get("host", ""), hosts):
            return PlainTextResponse(f"unknown host {request.headers.get('host', '')[:100]!r}: this server answers "
                                     "to its own names only (setting allowed_hosts)", status_code=400)
        if token and request.url.path not in ("/api/health",):
            given = request.headers.get("authorization", "").removeprefix("Bearer ").strip() \
                or request.query_params.get("token") or request.cookies.get("kg_token") or ""
            if not hmac.compare_digest(given.encode("utf-8", errors="replace"), token):
                return PlainTextResponse("access token required: send Authorization: Bearer <token> or ?token=<token>",
                                         status_code=401, headers={"WWW-Authenticate": "Bearer"})
            response = await call_next(request)
            if request.query_params.get("token"):
                response.set_cookie("kg_token", settings.access_token, httponly=True, samesite="strict")
            return response
        return await call_next(request)

    @app.exception_handler(KgError)
    async def typed_error(request: Request, exc: KgError):
        return error_response(request.url.path, exc)

    def run_sparql(request: Request, pairs: list[tuple[str, str]], body_query: str | None = None) -> Response:
        query, dataset, fmt = sparql_params(pairs)
        if body_query is not None:
            if query is not None:
                raise QueryError("one query per request: a query in both the URL and the body")
            query = body_query
        if not query:
            raise QueryError("missing query: send ?query=… or POST a query (form field or "
                             "application/sparql-query body)")
        form = query_form(query)
        chosen = negotiate(request.headers.get("accept", ""), form if form != "DESCRIBE" else "CONSTRUCT", fmt)
        # The endpoint's own address is the base IRI, as the protocol suggests; a query's BASE overrides it.
        base_iri = str(request.url.replace(query="", fragment=""))
        answer = service.run_serialized(query, chosen, dataset=dataset, base_iri=base_iri)
        headers = {"X-KG-Truncated": answer.truncated_by} if answer.truncated_by else {}
        return Response(answer.body, media_type=f"{answer.media_type}; charset=utf-8", headers=headers)

    def url_params(request: Request) -> list[tuple[str, str]]:
        raw = request.scope.get("query_string", b"").decode("latin-1")
        try:
            return urllib.parse.parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise QueryError("the query string is not UTF-8 text; the SPARQL protocol requires UTF-8") from None

    @app.api_route("/sparql", methods=["GET", "HEAD"])
    @app.api_route("/sparql/", methods=["GET", "HEAD"], include_in_schema=False)
    async def sparql_get(request: Request):
        return await _in_thread(run_sparql, request, url_params(request))

    @app.post("/sparql")
    @app.post("/sparql/", include_in_schema=False)
    async def sparql_post(request: Request):
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        pairs = url_params(request)
        if content_type == "application/sparql-update":
            raise UpdateRefused(UPDATES_REFUSED)
        if content_type == "application/sparql-query":
            body = decode_utf8(await read_body(request, body_limit), "the request body")
            return await _in_thread(run_sparql, request, pairs, body)
        if content_type == "application/x-www-form-urlencoded":
            text = decode_utf8(await read_body(request, body_limit), "the request body")
            try:
                form = urllib.parse.parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
            except UnicodeDecodeError:
                raise QueryError("the form is not UTF-8 text; the SPARQL protocol requires UTF-8") from None
            if any(k == "query" for k, _ in pairs) and any(k == "query" for k, _ in form):
                raise QueryError("one query per request: a query in both the URL and the body")
            return await _in_thread(run_sparql, request, pairs + form)
        raise UnsupportedMediaType(
            f"a SPARQL query is POSTed as application/x-www-form-urlencoded or application/sparql-query, "
            f"not {content_type or 'a body without a Content-Type'}")

    @app.api_route("/sparql", methods=["PUT", "DELETE", "PATCH", "OPTIONS"], include_in_schema=False)
    @app.api_route("/sparql/", methods=["PUT", "DELETE", "PATCH", "OPTIONS"], include_in_schema=False)
    def sparql_other(request: Request):
        status = 204 if request.method == "OPTIONS" else 405
        text = "" if status == 204 else f"{request.method} is not a SPARQL protocol operation here; use GET or POST"
        return PlainTextResponse(text, status_code=status, headers={"Allow": "GET, HEAD, POST, OPTIONS"})

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

    @app.get("/documents/{doc:path}/original")
    def original(doc: str):
        from fastapi.responses import FileResponse

        from kg.query import KnowledgeBase

        with KnowledgeBase(Path(settings.kb)) as kb:
            path = kb.original(doc, Path(settings.corpus))
            known = kb.document_info(doc) is not None
        if path is None:
            reason = ("the original file was not kept with this knowledge base (rebuild it to keep originals)"
                      if known else "no such document; /api/health names the live version, the UI lists documents")
            return PlainTextResponse(f"{doc[:200]}: {reason}", status_code=404)
        return FileResponse(path, filename=Path(doc).name, content_disposition_type="attachment")

    @app.get("/kg-assets/{name}")
    def asset(name: str):
        path = ASSETS_DIR / name
        if "/" in name or path.suffix not in ASSET_TYPES or not path.is_file():
            return PlainTextResponse("no such asset", status_code=404)
        return Response(path.read_bytes(), media_type=ASSET_TYPES[path.suffix],
                        headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/api/health")
    def health():
        from kg.query import current_version

        version = current_version(Path(settings.kb))
        return {"kg": __version__, "knowledge_base": version.name if version else None}

    def api_filters(request: Request):
        """Filters from repeatable query parameters: doc, from, to, type, publisher, theme, review."""
        from kg.query.search import SearchFilters

        params = request.query_params
        return SearchFilters(docs=params.getlist("doc") or None, date_from=params.get("from"),
                             date_to=params.get("to"), themes=params.getlist("theme") or None,
                             reviews=params.getlist("review") or None, review_types=params.getlist("type") or None,
                             publishers=params.getlist("publisher") or None)

    @app.get("/api/search")
    def api_search(request: Request, q: str, k: int = 10, mode: str = "hybrid"):
        from kg.query.search import open_searcher

        results = open_searcher(settings.kb, settings).search(q, k, mode, api_filters(request))
        return {"query": q, "results": [r.to_dict() for r in results]}

    @app.get("/api/ask")
    def api_ask(request: Request, q: str):
        from kg.query.ask import open_asker

        return open_asker(settings.kb, settings).ask(q, api_filters(request)).to_dict()

    if with_ui:
        # kg.ui first: it imports Gradio without the stub writer that costs seconds of every start.
        from kg.ui.app import build_ui
        from kg.ui.style import theme

        import gradio as gr

        demo = build_ui(settings, sparql=service)
        cleanups.append(demo.downloads.close)
        app.state.wait_for_page = demo.wait_for_page
        app = gr.mount_gradio_app(app, demo, path="/", theme=theme())
    return app


async def _in_thread(func, *args):
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(func, *args)


def warm_up(settings: Settings, after: Callable[[], object] | None = None) -> threading.Thread:
    """Load the search model and indexes in the background so the first question is quick.

    Args:
        after: called first, returning when the work may begin (the UI's: once a first page is drawn, or after
            a few seconds), so that a page opened at start-up does not share the processor with it.
    """

    def work() -> None:
        if after is not None:
            after()
        try:
            from kg.query.ask import open_asker

            open_asker(settings.kb, settings).ask("information sharing")
        except KgError:
            pass

    thread = threading.Thread(target=work, name="kg-warm-up", daemon=True)
    thread.start()
    return thread
