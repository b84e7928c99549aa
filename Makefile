# nianbao — the two set-up commands (see README):
#   make demo      create .venv, install, ingest corpus/ into nianbao.db, print the summary
#   make test      create .venv, install, run the fast tests (everything not marked slow)
#   make test-all  every test, the slow bulk / crash / worker ones too
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= nianbao.db

.PHONY: demo test test-all install bench corpus clean

$(BIN)/nianbao: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(BIN)/nianbao

install: $(BIN)/nianbao

demo: install
	rm -f $(DB) $(DB)-wal $(DB)-shm
	$(BIN)/nianbao ingest corpus/reports --db $(DB)
	$(BIN)/nianbao sql "select id, path, format, pages, school, year, level, status from documents" --db $(DB)

test: install
	$(BIN)/python -m pytest -m "not slow"

test-all: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/bench.py

corpus: install
	$(BIN)/python -m pip install -q -e '.[corpus]'
	$(BIN)/python corpus/generate.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache $(DB) $(DB)-wal $(DB)-shm
