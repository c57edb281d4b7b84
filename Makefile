# wangge — `make demo` to run the platform with the reference district, `make test` to test it.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SCALE ?= small

# A Python >= 3.12: python3.13, python3.12, or pyenv's 3.12 / 3.13.
PYTHON := $(shell for c in python3.13 python3.12 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[23]*/bin/python 2>/dev/null) python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$c; break; fi; done)

.PHONY: install demo test lint format serve messages clean lock audit

# Installed from the lock (requirements/dev.txt): every file checked against its hash, then the
# project itself, built with the locked setuptools (docs/deploy.md, "Dependencies").
$(BIN)/wangge: pyproject.toml requirements/dev.txt
	@if [ -z "$(PYTHON)" ]; then \
		echo "wangge needs Python 3.12 or newer. Install it (e.g. 'apt-get install python3.12' or 'pyenv install 3.12')" >&2; \
		echo "and run make again." >&2; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(BIN)/wangge

install: $(BIN)/wangge

demo: install
	$(BIN)/wangge migrate --noinput
	$(BIN)/wangge demo --scale $(SCALE) --port $(PORT)

serve: install
	$(BIN)/wangge migrate --noinput
	$(BIN)/wangge serve --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy wangge
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	cd wangge && ../$(BIN)/wangge makemessages -l zh_Hans --no-obsolete -i "*/tests/*" && ../$(BIN)/wangge compilemessages -l zh_Hans

# The locks, regenerated from pyproject.toml after a version there changed (pip-tools in a venv of
# its own, under var/; needs the package index).
TOOLS := var/tools
$(TOOLS)/bin/pip-compile:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet pip-tools==7.7.0 pip-audit==2.10.1

LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host
lock: $(TOOLS)/bin/pip-compile
	$(TOOLS)/bin/pip-compile $(LOCK_FLAGS) --output-file requirements/runtime.txt pyproject.toml
	$(TOOLS)/bin/pip-compile $(LOCK_FLAGS) --extra dev --output-file requirements/dev.txt pyproject.toml

# Known vulnerabilities in the locked versions (pip-audit; needs PyPI's JSON API or OSV online:
# fails, with --strict, when a package could not be audited).
audit: $(TOOLS)/bin/pip-compile
	$(TOOLS)/bin/pip-audit --strict --progress-spinner off --disable-pip --no-deps -r requirements/dev.txt

clean:
	rm -rf $(VENV) var
