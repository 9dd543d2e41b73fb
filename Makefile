# Duban — two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: run demo test install bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	@echo "Duban: http://127.0.0.1:8000/  (API docs: http://127.0.0.1:8000/api/v1/docs; demo sign-ins: leader, office, clerk, finance.head, finance.staff1, ...)"
	$(BIN)/duban serve --demo --host 127.0.0.1 --port 8000

demo: install
	$(BIN)/duban demo

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) duban.db *.egg-info
