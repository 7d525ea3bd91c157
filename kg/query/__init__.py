"""What users ask of a knowledge base: search, ask, SPARQL, theme tallies and profiles.

The one door interfaces (CLI, UI, HTTP) use: the knowledge base itself and the findings type
are re-exported here so an interface never reaches into storage or extraction.
"""

from kg.extract.findings import ActionFinding, Findings
from kg.kb import DocumentInfo, KnowledgeBase, current_version

__all__ = ["ActionFinding", "DocumentInfo", "Findings", "KnowledgeBase", "current_version"]
