"""Read the extraction findings of a knowledge-base version."""

from __future__ import annotations

import json

from kg.extract.findings import Findings
from kg.kb import KnowledgeBase

FINDINGS_FILE = "findings.json"


def load_findings(kb: KnowledgeBase) -> Findings:
    """The findings saved with the version (cached on the KnowledgeBase)."""
    if "findings" not in kb._cache:
        data = json.loads((kb.path / FINDINGS_FILE).read_text(encoding="utf-8"))
        kb._cache["findings"] = Findings.from_dict(data)
    return kb._cache["findings"]
