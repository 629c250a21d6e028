# tb-histdiag: `make demo` starts TensorBoard with the tab on demo runs,
# `make test` runs every test; both set everything up on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 6006
# TensorBoard listens on this address: localhost only by default; `HOST=0.0.0.0 make demo` shares it.
HOST ?= localhost
DEMO_LOGDIR ?= demo_logs
FRONTEND := tb_histdiag_plugin_frontend
BUNDLE := tb_histdiag_plugin/static/index.js

.PHONY: test demo setup chromium frontend frontend-check bench clean mutation planted

# pip's byte-compiling of all of TensorFlow and torch is half of setup's time: install without it,
# then compile only what the tests and the demo import (tests/precompile.py).
$(VENV)/.installed: setup.py
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --no-compile -e '.[test]'
	$(PY) tests/precompile.py
	touch $@

setup: $(VENV)/.installed

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q chromium; }

frontend:
	cd $(FRONTEND) && npm ci --no-audit --no-fund && npm run build

# Rebuild the bundle and fail when the committed one is stale.
frontend-check: frontend
	cd $(FRONTEND) && npm test
	git diff --exit-code --stat -- $(BUNDLE) || { echo "$(BUNDLE) is stale: rebuild it (make frontend) and commit it"; exit 1; }

# Every test, on every core: a worker per core and one more, each test file (and all of tests/e2e) on one
# worker, longest first (tests/conftest.py).  `PYTEST_ARGS=-n0 make test` runs them in one process.
# Bytecode is cached even where the machine sets PYTHONDONTWRITEBYTECODE: a module that precompile.py
# missed is then compiled once, not in every process (servers, workers, kernels) that imports it.
PYTEST_ARGS ?= -n auto --dist loadfile
test: setup chromium frontend-check
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest $(PYTEST_ARGS)

demo:
	$(MAKE) setup
	$(PY) -m tb_histdiag_plugin.demo --logdir $(DEMO_LOGDIR)
	@echo "tb-histdiag demo: open http://localhost:$(PORT)/#histdiag"
	$(VENV)/bin/tensorboard --logdir $(DEMO_LOGDIR) --port $(PORT) --host $(HOST)

bench: setup chromium
	$(PY) bench/run_bench.py

# Mutation testing (tests/mutation/): mutmut over the analysis modules against the fast tests (one module at
# a time, one worker), StrykerJS over the tab's pure modules against the node tests; prints the kill rates
# and writes tests/mutation/report-<date>.md.  Hours on 2 cores: MUTATION_MODULES="tb_histdiag_plugin/stats.py"
# picks Python modules, MUTATION_PY=0 or MUTATION_JS=0 skips a side.
MUTATION_MODULES ?=
MUTATION_PY ?= 1
MUTATION_JS ?= 1
$(VENV)/.mutation-installed: setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --no-compile -e '.[mutation]'
	touch $@

mutation: $(VENV)/.mutation-installed
	if [ "$(MUTATION_PY)" != 0 ]; then $(PY) tests/mutation/run_python.py $(MUTATION_MODULES); fi
	if [ "$(MUTATION_JS)" != 0 ]; then $(PY) tests/mutation/run_js.py; fi
	$(PY) tests/mutation/report.py

# Issue 19's gaps: each planted bug must fail its named test (tests/mutation/planted.py; ~7 min).
planted: setup
	$(PY) tests/mutation/planted.py

clean:
	rm -rf $(VENV) $(DEMO_LOGDIR) build dist *.egg-info
