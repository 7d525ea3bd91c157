"""kg: a knowledge graph and semantic search over safeguarding reviews."""

__version__ = "0.2.0"
