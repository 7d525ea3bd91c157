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


class ModelNotAvailable(KgError):
    """The embedding model cannot be loaded offline."""
