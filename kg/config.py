"""One table of settings: defaults, types and help in one place.

Values come from (later wins): the defaults below, a TOML file (`kg.toml` in the
working directory, or the file named by `KG_CONFIG`), environment variables
(`KG_` + the upper-cased name, e.g. `KG_EMBEDDING_MODEL`) and command-line flags.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("kb", "data/kb", "Knowledge-base directory (every command's --kb)."),
    Setting("corpus", "corpus", "Folder of source documents that `kg build` reads."),
    Setting("cache_dir", "", "Embedding cache folder (empty: `cache/` inside the knowledge-base directory); "
                             "several knowledge bases may share one."),
    Setting("embedding_model", "all-MiniLM-L6-v2",
            "Sentence-transformers model: a packaged name kg ships offline, a local folder, "
            "or a hub name when you have hub access."),
    Setting("embedding_batch_size", 32, "Chunks encoded per batch."),
    Setting("max_file_mb", 20.0, "Largest source file accepted, in megabytes (bigger files are refused, not truncated)."),
    Setting("chunk_target_words", 130, "Words a chunk aims for before it closes at a sentence end."),
    Setting("chunk_max_words", 190, "Hard ceiling on words in a chunk (long sentences split at clauses)."),
    Setting("chunk_overlap_words", 90,
            "Words (whole sentences) a chunk repeats from the end of the previous chunk in the same section."),
    Setting("ann_threshold", 400_000,
            "Vector count above which the dense index switches from exact (flat) to approximate (exact search of "
            "one query takes ~8 ms at 100K vectors and ~100 ms at 1M on two cores: benchmarks/ann.py)."),
    Setting("ann_index", "auto", "Dense index type: auto, flat, hnsw or ivfpq."),
    Setting("index_merge_fraction", 0.1,
            "`kg add`/`kg remove` change the indexes in place (a delta segment and a list of removed rows) until "
            "these pass this fraction of the base segment; the next change then merges them into a new base."),
    Setting("index_merge_min", 5_000, "Chunks the delta and removed rows may hold before a merge whatever the "
                                      "fraction (small knowledge bases merge rarely)."),
    Setting("hnsw_ef_search", 512, "HNSW search breadth (higher: better recall, slower; 512 costs ~1.7 ms a query at 1M chunks)."),
    Setting("ivf_nprobe", 256, "IVF lists probed per query (higher: better recall, slower; 256 with re-rank 50 "
                                "finds 0.965 of the exact top 10 at 1M in ~4 ms: benchmarks/ann.py)."),
    Setting("ivf_rerank", 50, "IVF-PQ candidates re-ranked exactly, as a multiple of k (10 found 0.82 of the exact "
                              "top 10 at 1M, 50 found 0.95 or more: benchmarks/ann.py)."),
    Setting("fusion", "zscore",
            "How hybrid mode combines the legs: zscore (standardised scores, weighted) or rrf (reciprocal rank)."),
    Setting("fusion_k", 60, "Reciprocal-rank-fusion constant k (fusion = rrf)."),
    Setting("dense_weight", 0.4, "Weight of the dense (embedding) leg in hybrid fusion."),
    Setting("bm25_weight", 0.6, "Weight of the lexical (BM25) leg in hybrid fusion."),
    Setting("candidates", 100, "Candidates each leg contributes before fusion."),
    Setting("max_query_chars", 2000, "Longest question or search query accepted."),
    Setting("theme_similarity", 0.60,
            "Cosine similarity to a theme's label/definition above which a passage is linked to it."),
    Setting("review_theme_similarity", 0.50,
            "Cosine similarity above which an item of a review's list of learning that names no theme "
            "(\"hearing directly from children\") links the review to the theme closest in meaning."),
    Setting("ask_theme_similarity", 0.50,
            "Cosine similarity between a question and a theme's names or definition above which ask takes the "
            "question to be about that theme (when no theme is named, or when it scores above every theme the "
            "question names in passing)."),
    Setting("ask_theme_vote_weight", 0.15,
            "How much the themes spoken of in the best passages for a question add to its similarity with a theme "
            "(0: meaning alone)."),
    Setting("ask_theme_vote_passages", 10, "How many of the best passages vote on a question's theme."),
    Setting("ask_theme_margin", 0.06,
            "How close the second theme's score must be to the first's for ask to answer about both (a question "
            "between two neighbouring themes gets both)."),
    Setting("ask_found_similarity", 0.35,
            "Cosine similarity the best passage needs for ask to answer a question that names no theme, review or "
            "organisation (below it: found = false, with the closest themes)."),
    Setting("ask_found_coverage", 0.5,
            "Share of a question's words, weighted by how rare each is in the corpus, that one of the best passages "
            "must contain for ask to answer a question that names no theme, review or organisation (\"visitor "
            "parking at the town hall\" shares only its common words with any passage)."),
    Setting("sparql_timeout", 10.0, "Seconds a SPARQL query may run before it is stopped."),
    Setting("sparql_row_limit", 10_000, "Most rows a SPARQL SELECT returns."),
    Setting("sparql_max_result_mb", 16.0,
            "Largest SPARQL answer, in megabytes of term text; a longer answer is cut and marked (X-KG-Truncated)."),
    Setting("sparql_cache_mb", 64.0,
            "Answers the server keeps for the live version, in megabytes, so a query asked again (the UI's example "
            "queries) answers at once (0: none; never for graph_store=remote)."),
    Setting("sparql_worker_memory_mb", 1536, "Memory one SPARQL query worker may use, in megabytes (0: no cap)."),
    Setting("sparql_entity_layer_min_triples", 1_000_000,
            "Each SPARQL worker holds the graph's entity layer in memory, and answers there the queries that can only "
            "match entities, when the graph has at least this many triples (0: always). Below it the whole store "
            "answers as fast. About 0.5 GB a worker at 1M chunks."),
    Setting("sparql_max_body_kb", 512, "Largest SPARQL request body accepted, in kilobytes (checked before reading)."),
    Setting("sparql_service_allowlist", "",
            "SPARQL endpoints a query may call with SERVICE, as full IRIs separated by spaces (empty: SERVICE refused)."),
    Setting("allowed_hosts", "",
            "Host names `kg serve` answers to besides loopback names and its --host, separated by spaces "
            "(guards against DNS rebinding)."),
    Setting("graph_store", "oxigraph",
            "Where the graph lives: oxigraph (embedded, default), memory (rdflib's in-memory store) "
            "or remote (an external SPARQL 1.1 store)."),
    Setting("remote_query_url", "", "SPARQL query endpoint of the external store (graph_store=remote)."),
    Setting("remote_store_url", "",
            "Graph Store Protocol endpoint of the external store, where builds push the graph (graph_store=remote)."),
    Setting("remote_update_url", "",
            "SPARQL 1.1 Update endpoint of the external store: with it, `kg add`/`kg remove` send only the triples "
            "a change deletes and inserts, in one request (without it, the whole graph is pushed again)."),
    Setting("remote_graph", "",
            "Named graph in the external store for this knowledge base (empty: the default graph)."),
    Setting("remote_auth", "",
            "user:password for HTTP basic authentication at the external store (Fuseki, GraphDB), if it asks; "
            "best given as KG_REMOTE_AUTH rather than written in kg.toml."),
    Setting("host", "127.0.0.1", "Address `kg serve` binds to."),
    Setting("port", 7860, "Port `kg serve` listens on."),
    Setting("access_token", "",
            "Token `kg serve` requires (Authorization: Bearer … or ?token=) when set; "
            "needed when binding beyond 127.0.0.1."),
)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})  # addresses only this machine reaches
_BY_NAME = {s.name: s for s in SETTINGS}
_MUST_BE_POSITIVE = {"sparql_timeout", "sparql_row_limit", "sparql_max_result_mb", "sparql_max_body_kb",
                     "max_query_chars", "max_file_mb", "embedding_batch_size", "chunk_target_words", "chunk_max_words",
                     "candidates", "port"}


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Build with `load_settings`; read values as attributes."""

    values: dict[str, Any] = field(default_factory=lambda: {s.name: s.default for s in SETTINGS})

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def replace(self, **overrides: Any) -> "Settings":
        """A copy with some values changed (None values are ignored)."""
        values = dict(self.values)
        for name, value in overrides.items():
            if value is None:
                continue
            values[name] = _coerce(name, value)
        return dataclasses.replace(self, values=values)

    @property
    def kb_path(self) -> Path:
        return Path(self.values["kb"])


def settings_markdown() -> str:
    """The settings table for the README."""
    rows = [f"| `{s.name}` | `{s.default}` | {s.help} |" for s in SETTINGS]
    return "\n".join(["| setting | default | meaning |", "|---|---|---|", *rows])


def _coerce(name: str, value: Any) -> Any:
    if name not in _BY_NAME:
        raise ConfigError(f"unknown setting {name!r}; `kg settings` lists them")
    default = _BY_NAME[name].default
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in {"1", "true", "yes", "on"}
            return bool(value)
        if isinstance(default, (int, float)):
            number = int(value) if isinstance(default, int) else float(value)
            if number < 0 or (number == 0 and name in _MUST_BE_POSITIVE):
                raise ConfigError(f"setting {name!r} must be {'above' if name in _MUST_BE_POSITIVE else 'at least'} "
                                  f"0, got {value!r}")
            return number
        return str(value)
    except (TypeError, ValueError):
        kind = {bool: "true or false", int: "whole number", float: "number"}.get(type(default), "text")
        raise ConfigError(f"setting {name!r} expects a {kind}, got {value!r}") from None


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Resolve settings from defaults, a TOML file, `KG_*` environment variables and overrides."""
    settings = Settings()
    path = Path(config_file or os.environ.get("KG_CONFIG") or "kg.toml")
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc}") from None
        settings = settings.replace(**data.get("kg", data))
    env = {s.name: os.environ[f"KG_{s.name.upper()}"] for s in SETTINGS if f"KG_{s.name.upper()}" in os.environ}
    return settings.replace(**env).replace(**overrides)
