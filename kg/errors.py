"""Typed errors raised by the library; interfaces turn them into friendly messages once each."""

from __future__ import annotations


class KgError(Exception):
    """Base class: every error kg raises on purpose. The message says what to do next."""


class ConfigError(KgError):
    """A setting has an invalid value or the settings file cannot be read."""


class IngestError(KgError):
    """A document cannot be read or yields no text.

    Args:
        path: the file that failed (its name is part of the message).
        reason: one line saying why, written for the person who owns the file.
    """

    def __init__(self, path: str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class KnowledgeBaseNotFound(KgError):
    """No built knowledge base at the given directory."""


class KnowledgeBaseLocked(KgError):
    """Another process is writing the knowledge base."""


class BuildError(KgError):
    """A build could not complete; the previous knowledge base is untouched."""


class QueryError(KgError):
    """A search question or SPARQL query was rejected (empty, too long, malformed, an update...)."""


class QueryTimeout(QueryError):
    """A SPARQL query ran past its time limit and was stopped."""


class UpdateRefused(QueryError):
    """A SPARQL update (INSERT, DELETE, LOAD, DROP …) was sent: the knowledge graph is read-only to queries."""


class ServiceRefused(QueryError):
    """A SPARQL query asked the server to call another endpoint (SERVICE) that is not allowed."""


class ResourceLimit(QueryError):
    """A request or query passed a size or memory limit (body too large, worker out of memory)."""


class BodyTooLarge(ResourceLimit):
    """A request body is larger than the server accepts."""


class UnsupportedMediaType(QueryError):
    """A request body has a media type the SPARQL protocol does not allow for the operation."""


class ServerBusy(KgError):
    """Every query worker is taken by long-running queries; try again shortly."""


class KnowledgeBaseDamaged(KgError):
    """A knowledge-base file is cut short or unreadable; `kg build` repairs it."""


class ModelNotAvailable(KgError):
    """The embedding model cannot be loaded offline."""
