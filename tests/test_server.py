"""What `kg serve` does before it answers: building the app."""

from __future__ import annotations

import subprocess
import sys

# A fresh interpreter, as `kg serve` starts: whatever imports Gradio first decides whether its stub writer runs.
BUILD_APP = """
import sys
from kg.config import load_settings
from kg.server import create_app
create_app(load_settings(kb=sys.argv[1]))
import gradio.component_meta as meta
print(meta.create_or_modify_pyi.__qualname__, flush=True)
import os
os._exit(0)  # the app's SPARQL workers are stopped by the server's shutdown, which this skips
"""


def test_the_server_builds_its_ui_without_gradios_stub_writer(kb_settings):
    # Gradio re-parses every component's source at import to rewrite type stubs in its own package: seconds of
    # every start, and writes into the installed package. kg/ui/__init__.py skips it; the server must import
    # Gradio through it.
    proc = subprocess.run([sys.executable, "-c", BUILD_APP, kb_settings.kb], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "_SkipStubWriter" in proc.stdout.strip().splitlines()[-1]
