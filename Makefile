# Two commands on a fresh machine:
#   make run    install, build the knowledge base from corpus/, serve the UI and SPARQL endpoint on 127.0.0.1:7860
#   make test   install (with test tools) and run the test suite
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
KB     ?= data/kb
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export GRADIO_ANALYTICS_ENABLED = False
export MPLCONFIGDIR = $(CURDIR)/.cache/matplotlib

.PHONY: run test install install-dev build stats bench browser vendor clean

PORT   ?= 7860

run: install build
	$(BIN)/kg serve --kb $(KB) --port $(PORT)

build: install
	$(BIN)/kg build --corpus corpus --kb $(KB)

stats:
	$(BIN)/kg stats --kb $(KB)

test: install-dev browser
	$(BIN)/python -m pytest -q

# The UI tests drive Debian's Chromium (a browser download by Playwright does not work offline).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

bench: install-dev
	$(BIN)/python benchmarks/retrieval.py
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/graph.py
	$(BIN)/python benchmarks/ask.py

# Browser assets from the npm registry, pinned (kg/ui/assets/README.md): the graph library the UI serves and
# the accessibility checker the tests run. Committed, so neither installing nor testing needs npm.
CYTOSCAPE_VERSION ?= 3.35.0
AXE_VERSION       ?= 4.14.1
vendor:
	rm -rf .cache/npm && mkdir -p .cache/npm
	cd .cache/npm && npm pack --silent cytoscape@$(CYTOSCAPE_VERSION) axe-core@$(AXE_VERSION) \
	  && tar xzf cytoscape-$(CYTOSCAPE_VERSION).tgz && mv package cytoscape \
	  && tar xzf axe-core-$(AXE_VERSION).tgz && mv package axe-core
	cp .cache/npm/cytoscape/dist/cytoscape.min.js kg/ui/assets/cytoscape.min.js
	cp .cache/npm/cytoscape/LICENSE kg/ui/assets/cytoscape.LICENSE
	cp .cache/npm/axe-core/axe.min.js tests/assets/axe.min.js
	cp .cache/npm/axe-core/LICENSE tests/assets/axe-core.LICENSE

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# CPU torch first: any other route pulls a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) data .cache .pytest_cache
