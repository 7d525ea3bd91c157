"""The Gradio UI (see kg/ui/app.py).

Gradio (6.x) re-reads and parses the source of every component class when it is imported, to keep type-stub
files beside its own code up to date: a development aid that costs about 2 s of every `kg serve` start (a third
of the time before the server answers) and writes into the installed package. kg imports Gradio with that step
skipped; if a Gradio release no longer has it, nothing is changed.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

_STUB_WRITER = ("gradio.component_meta", "create_or_modify_pyi")


class _SkipStubWriter(importlib.abc.MetaPathFinder):
    """Finds gradio.component_meta as usual and, once it has run, replaces its stub writer with a no-op."""

    def find_spec(self, fullname, path, target=None):
        if fullname != _STUB_WRITER[0]:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            if callable(getattr(module, _STUB_WRITER[1], None)):
                setattr(module, _STUB_WRITER[1], lambda *args, **kwargs: None)

        spec.loader.exec_module = exec_module
        return spec


if "gradio" not in sys.modules:
    _finder = _SkipStubWriter()
    sys.meta_path.insert(0, _finder)
    try:
        import gradio  # noqa: F401  (imported here, once, with the stub writer skipped)
    finally:
        sys.meta_path.remove(_finder)
