# Two commands on a fresh machine:
#   make run    install, build the knowledge base from corpus/, serve the UI and SPARQL endpoint
#   make test   install (with test tools) and run the test suite
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
KB     ?= data/kb
export HF_HUB_OFFLINE = 1
export TRANSFORMERS_OFFLINE = 1
export GRADIO_ANALYTICS_ENABLED = False
export MPLCONFIGDIR = $(CURDIR)/.cache/matplotlib

.PHONY: run test install install-dev build stats bench clean

run: install build
	$(BIN)/kg stats --kb $(KB)

build: install
	$(BIN)/kg build --corpus corpus --kb $(KB)

stats:
	$(BIN)/kg stats --kb $(KB)

test: install-dev
	$(BIN)/python -m pytest -q

bench: install-dev
	$(BIN)/python benchmarks/retrieval.py

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
