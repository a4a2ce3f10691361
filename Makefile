# One command for everything: `make test` sets up .venv on a fresh clone and runs it all.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PIP    := $(PY) -m pip install -q --disable-pip-version-check

.PHONY: test check lint chromium serve docs bench clean

$(STAMP): pyproject.toml requirements/test.txt requirements/docs.txt requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	# torch first, pinned: the CPU build on this machine's disk, never a CUDA download
	$(PIP) torch==2.13.0 -c requirements/constraints.txt
	$(PIP) -r requirements/test.txt -c requirements/constraints.txt
	$(PIP) --no-deps -e .
	touch $@

# docs/ holds the hooks, the notebooks and the site's package docs/t5site: all linted.
lint: $(STAMP)
	$(PY) -m ruff check t5sym tests benchmarks docs
	$(PY) -m ruff format --check t5sym tests benchmarks docs

# Debian's Chromium for the browser tests: apt-get installs it when missing (root or
# passwordless sudo), or one line says the command to run.
chromium:
	@bash scripts/ensure-chromium

# Two workers: what shares the built site, a calculator page or the wheel stays in one
# (tests/conftest.py marks the groups), the rest is spread over both.
test: chromium lint
	$(PY) -m pytest -n 2 --dist loadgroup

# The fast loop while working: lint, the tests that build no model, site, wheel or browser
# (tests/conftest.py marks the rest "slow"), the doctests, and the command on a few targets.
check: lint
	$(PY) -m pytest -q -m "not slow" -n 2
	$(VENV)/bin/t5sym count t5-11b > /dev/null
	$(VENV)/bin/t5sym flops t5-3b --json > /dev/null
	$(VENV)/bin/t5sym memory flan-t5-xl --batch 2 --encoder-length 64 --decoder-length 16 > /dev/null
	@! $(VENV)/bin/t5sym count no-such-model 2> /dev/null  # bad input: exit status 2

# The site: a strict build into site/ (never -q: MkDocs then lets warnings pass strict mode).
# PATH puts this venv's `t5sym` first for the shell examples run at build time.
docs: $(STAMP)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict -d site

serve: docs
	@echo "serving http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(PY) -m http.server --bind 127.0.0.1 8000 -d site

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) site .pytest_cache .hypothesis
