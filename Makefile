# Two commands on a fresh machine: `make run` (the flow on seeds/ into warehouse/data) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed-stamp

.PHONY: run test test-fast bench dictionary report-png clean-warehouse

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/newsfacts run

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not killsweep and not server"

bench: $(STAMP)
	$(BIN)/newsfacts bench

dictionary: $(STAMP)
	$(BIN)/newsfacts dictionary --out docs/data-dictionary.md

# The README's picture of the report, taken by the browser test (needs /usr/bin/chromium).
report-png: $(STAMP)
	NEWSFACTS_REPORT_SCREENSHOT=docs/report.png $(BIN)/python -m pytest -q tests/test_report_browser.py

clean-warehouse:
	rm -rf warehouse/data
