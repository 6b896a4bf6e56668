# Everything a fresh machine needs: `make demo` runs the loop (then the agents, on a
# scripted model: no key needed), `make test` the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-python test-cluster screenshots lint typecheck docs check-docs bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(VENV)/bin/loopwright demo
	$(VENV)/bin/loopwright demo --agents
	$(VENV)/bin/loopwright demo --manager

# Everything: Python checks and tests, the extension's unit tests, and the extension
# end to end in a real VS Code (code-server). Screenshots of that run go to a scratch
# folder; `make screenshots` refreshes the ones in docs/.
test: test-python test-cluster test-extension
	$(MAKE) test-e2e-vscode SCREENSHOTS=$$(mktemp -d)

test-python: setup lint typecheck check-docs
	$(PY) -m pytest -q

# The Ray cluster tests (tests/cluster): a real multi-node cluster on this machine, in a
# network namespace of its own with only loopback, which needs root (`unshare --net`).
# Without Ray or without root they say why and do not run (`pip install -e '.[ray]'`).
test-cluster: setup
	@if ! $(PY) -c "import ray" 2>/dev/null; then \
	  echo "cluster tests not run: Ray is not installed (pip install -e '.[ray]')"; \
	elif ! unshare --net true 2>/dev/null || ! command -v ip >/dev/null; then \
	  echo "cluster tests not run: they need root, unshare and ip (iproute2) for a" \
	       "network namespace of their own"; \
	else \
	  unshare --net sh -c 'ip link set lo up && $(PY) -m pytest -q tests/cluster'; \
	fi

screenshots:
	$(MAKE) test-e2e-vscode
	LOOPWRIGHT_WEB_SCREENSHOTS=docs/images $(PY) -m pytest -q tests/e2e/test_web_phone.py

lint: setup
	$(VENV)/bin/ruff check server tests bench
	$(VENV)/bin/lint-imports

typecheck: setup
	$(VENV)/bin/mypy

docs: setup
	$(VENV)/bin/loopwright config --reference > docs/configuration.md
	COLUMNS=100 $(VENV)/bin/loopwright config --cli-reference > docs/cli.md
	$(PY) -m loopwright.lsp.generate ts > client-vscode/src/protocol.ts
	$(PY) -m loopwright.lsp.generate doc docs/protocol.md > docs/protocol.md.new
	mv docs/protocol.md.new docs/protocol.md
	$(PY) -m loopwright.lsp.generate capabilities > server/loopwright/lsp/capabilities.py.new
	mv server/loopwright/lsp/capabilities.py.new server/loopwright/lsp/capabilities.py

check-docs: setup
	@$(VENV)/bin/loopwright config --reference | diff -u docs/configuration.md - \
	  || (echo "docs/configuration.md is stale: run 'make docs'" >&2; exit 1)
	@COLUMNS=100 $(VENV)/bin/loopwright config --cli-reference | diff -u docs/cli.md - \
	  || (echo "docs/cli.md is stale: run 'make docs'" >&2; exit 1)
	@$(PY) -m loopwright.lsp.generate ts | diff -u client-vscode/src/protocol.ts - \
	  || (echo "client-vscode/src/protocol.ts is stale: run 'make docs'" >&2; exit 1)
	@$(PY) -m loopwright.lsp.generate doc docs/protocol.md | diff -u docs/protocol.md - \
	  || (echo "docs/protocol.md's tables are stale: run 'make docs'" >&2; exit 1)

# Every bench to the end, then a summary of the goals met and missed (bench/README.md).
bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

include client-vscode/Makefile.inc
