"""kg: a knowledge graph and semantic search over safeguarding reviews."""

__version__ = "0.1.0"
