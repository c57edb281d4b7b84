# wangge — `make demo` to run the platform with the reference district, `make test` to test it.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SCALE ?= small

# A Python >= 3.12: python3.13, python3.12, or pyenv's 3.12 / 3.13.
PYTHON := $(shell for c in python3.13 python3.12 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[23]*/bin/python 2>/dev/null) python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$c; break; fi; done)

.PHONY: install demo test lint format serve messages clean

$(BIN)/wangge: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "wangge needs Python 3.12 or newer. Install it (e.g. 'apt-get install python3.12' or 'pyenv install 3.12')" >&2; \
		echo "and run make again." >&2; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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

clean:
	rm -rf $(VENV) var
