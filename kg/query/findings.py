"""Read the extraction findings of a knowledge-base version."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from kg.extract.findings import Findings
from kg.kb import KnowledgeBase

FINDINGS_FILE = "findings.json"
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
                data = json.loads((kb.path / FINDINGS_FILE).read_text(encoding="utf-8"))
                findings = Findings.from_dict(data)
                del data
                _SHARED[key] = findings
                while len(_SHARED) > _SHARED_VERSIONS:
                    _SHARED.popitem(last=False)
            else:
                _SHARED.move_to_end(key)
        kb._cache["findings"] = findings
    return kb._cache["findings"]
