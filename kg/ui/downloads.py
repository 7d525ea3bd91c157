"""Files the UI offers for download (SPARQL results as CSV): a private temporary folder that keeps the most recent
few and is removed when the server stops, so results do not pile up in the machine's temporary folder."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from collections import deque
from pathlib import Path


class DownloadFolder:
    """Write download files; keep the latest `keep` of them; delete everything at `close` (and at exit).

    Args:
        keep: files kept at once (one per recent request; Gradio serves its own copy once a reply is sent).
    """

    def __init__(self, keep: int = 16):
        self.path = Path(tempfile.mkdtemp(prefix="kg-ui-downloads-"))
        self.keep = keep
        self._recent: deque[Path] = deque()
        self._lock = threading.Lock()
        atexit.register(self.close)

    def write(self, name: str, text: str) -> Path:
        """A new file `name` holding `text`, in a folder of its own (so parallel requests never share one)."""
        with self._lock:
            self.path.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(dir=self.path))
            self._recent.append(folder)
            while len(self._recent) > self.keep:
                shutil.rmtree(self._recent.popleft(), ignore_errors=True)
        target = folder / name
        target.write_text(text, encoding="utf-8")
        return target

    def files(self) -> list[Path]:
        return sorted(p for p in self.path.rglob("*") if p.is_file())

    def close(self) -> None:
        with self._lock:
            self._recent.clear()
            shutil.rmtree(self.path, ignore_errors=True)
