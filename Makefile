# The README's two commands are `make run` and `make test`; both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the platform and its tests use (installed with apt-get when missing).
DEB_PACKAGES := kannel-extras kannel espeak-ng sox sip-tester chromium chromium-driver baresip-core
PYTEST_ARGS ?= -n 2 --dist loadgroup

.PHONY: install run test lint typecheck audit check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml clients/python/pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ./clients/python -e '.[dev]'
	touch $@

install: $(VENV)/.installed
	@if [ -n "$(DEB_PACKAGES)" ]; then ./scripts/install-debian.sh $(DEB_PACKAGES); fi
	@if command -v npm >/dev/null && [ ! -d tests/peers/node_smsc/node_modules/smpp ]; then \
		cd tests/peers/node_smsc && npm ci --no-audit --no-fund; fi

run: install
	$(BIN)/switchboard serve --demo

test: install
	./scripts/ensure-services.sh
	$(BIN)/pytest $(PYTEST_ARGS)
	$(BIN)/pytest -q clients/python/tests -p no:cacheprovider

lint: install
	$(BIN)/ruff check src tests bench clients
	$(BIN)/ruff format --check src tests bench clients

typecheck: install
	$(BIN)/mypy
	$(BIN)/mypy --strict clients/python/src

# Dependency audit: --strict fails when a dependency could not be checked (for example where the
# vulnerability data of the package index cannot be reached), rather than reporting a clean result.
audit: install
	$(BIN)/pip-audit --skip-editable --local --strict

check: lint typecheck audit test

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
