"""The kg web UI. Run `python ui.py` (or `kg serve`) after `kg build`."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from kg.cli import app

    sys.exit(app(["serve", *sys.argv[1:]]))
