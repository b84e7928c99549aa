# nianbao — the two set-up commands (see README):
#   make demo      create .venv, install, ingest corpus/ into nianbao.db, print the summary
#   make test      create .venv, install, run the fast tests (everything not marked slow)
#   make test-all  every test, the slow bulk / crash / worker ones too
#   make bench     every figure of the README's Performance section (bench-large: + 1,000 reports)
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= nianbao.db

.PHONY: demo test test-all install bytecode bench bench-large corpus clean

$(BIN)/nianbao: pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,cluster]'
	$(MAKE) --no-print-directory bytecode
	touch $(BIN)/nianbao

install: $(BIN)/nianbao

# nianbao's own modules compiled once (every process imports them: without .pyc files,
# e.g. under PYTHONDONTWRITEBYTECODE, each one would compile them again: ≈ 0.1–0.2 s)
bytecode:
	$(BIN)/python -m compileall -q -x '/(\.venv|corpus|tests|build)/' .

demo: install bytecode
	rm -f $(DB) $(DB)-wal $(DB)-shm
	$(BIN)/nianbao ingest corpus/reports --db $(DB)
	$(BIN)/nianbao sql "select id, path, format, pages, school, year, level, status from documents" --db $(DB)
	@echo ""
	@echo "接下来可以试试 / next, try (docs/使用指南.md explains each):"
	@echo "  $(BIN)/nianbao compare --db $(DB) --xlsx 对比.xlsx      # 各校对比 + Excel 工作簿 / compare schools, write a workbook"
	@echo "  $(BIN)/nianbao check --db $(DB)                         # 按模板检查缺失部分 / template checklist per report"
	@echo "  $(BIN)/nianbao flags --db $(DB)                         # 审核提示及来源 / review flags with sources"
	@echo "  $(BIN)/nianbao report 青岚 --db $(DB) --html 青岚.html  # 一所学校的报告页 / one school's page"
	@echo "  $(BIN)/nianbao correct --db $(DB) --school 青岚 --year 2023 就业率 97.5 --note 核实  # 人工更正 / correct a value"
	@echo "  $(BIN)/nianbao serve --db $(DB)                         # 浏览器中浏览 / browse at http://127.0.0.1:8001/"

test: install
	$(BIN)/python -m pytest -m "not slow"

test-all: install
	$(BIN)/python -m pytest

bench: install bytecode
	$(BIN)/python bench/bench.py

bench-large: install bytecode
	$(BIN)/python bench/bench.py --large

corpus: install
	$(BIN)/python -m pip install -q -e '.[corpus]'
	$(BIN)/python corpus/generate.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache $(DB) $(DB)-wal $(DB)-shm
