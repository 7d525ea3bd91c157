"""Read the extraction findings of a knowledge-base version."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path

from kg.extract.findings import Findings
from kg.kb import KnowledgeBase

FINDINGS_FILE = "findings.jsonl"
LEGACY_FINDINGS_FILE = "findings.json"  # one JSON document, written by earlier versions
# Parsed findings by version folder, shared by every KnowledgeBase opened on that version: the UI, ask() and
# the server's warm-up each open their own, and at a million chunks each parse cost tens of seconds and GBs.
_SHARED: OrderedDict[str, Findings] = OrderedDict()
_SHARED_VERSIONS = 2  # the live version and the one a running request may still be reading
_LOCK = threading.Lock()


def load_findings(kb: KnowledgeBase) -> Findings:
    """The findings saved with the version (cached on the KnowledgeBase, and shared across its readers)."""
    if "findings" not in kb._cache:
        key = str(kb.path.resolve())
        with _LOCK:  # two threads opening the same version at start-up parse it once
            findings = _SHARED.get(key)
            if findings is None:
                findings = read_findings(kb.path)
                _SHARED[key] = findings
                while len(_SHARED) > _SHARED_VERSIONS:
                    _SHARED.popitem(last=False)
            else:
                _SHARED.move_to_end(key)
        kb._cache["findings"] = findings
    return kb._cache["findings"]


def read_findings(version: Path) -> Findings:
    """The findings saved in a version folder."""
    if not (version / FINDINGS_FILE).exists() and (version / LEGACY_FINDINGS_FILE).exists():
        return Findings.from_dict(json.loads((version / LEGACY_FINDINGS_FILE).read_text(encoding="utf-8")))
    with (version / FINDINGS_FILE).open(encoding="utf-8") as handle:
        return Findings.read_jsonl(handle)
